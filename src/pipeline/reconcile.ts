import type { SourceRecord } from '../core/site-index.js';
import { type IncrementalDeps, type PublishOutcome, publishChanges } from './incremental.js';

/**
 * The daily repair: compares what the content bucket holds with what the publisher recorded and applies
 * every difference (an event lost, a delete missed), plus scheduled articles that came due. This is the
 * one place that lists the whole corpus.
 */
export async function reconcile(
  deps: IncrementalDeps,
  now: Date,
): Promise<PublishOutcome & { drift: string[] }> {
  const present = new Map((await deps.content.list()).map((e) => [e.path, e.version]));
  const recordKeys = await deps.state.list('sources/');
  const recorded = new Map<string, string | undefined>();
  for (let i = 0; i < recordKeys.length; i += 16) {
    const records = await Promise.all(recordKeys.slice(i, i + 16).map((key) => deps.state.get(key)));
    for (const record of records as (SourceRecord | undefined)[]) {
      if (record) recorded.set(record.path, record.version);
    }
  }
  const drift = [
    ...[...present]
      .filter(([path, version]) => recorded.get(path) !== version || !recorded.has(path))
      .map(([p]) => p),
    ...[...recorded.keys()].filter((path) => !present.has(path)),
  ].sort();
  return { ...(await publishChanges(deps, drift, now)), drift };
}
