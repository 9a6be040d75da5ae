import { type PublishDeps, type PublishOutcome, publishChanges } from './publish.js';

/**
 * The daily repair: compares every source the content bucket holds with the index and applies each
 * difference (an event lost, a delete missed), plus articles that came due. It is the same publish as any
 * other, with 'all' for changes: the one place that lists the whole corpus.
 */
export async function reconcile(deps: PublishDeps, now: Date): Promise<PublishOutcome & { drift: string[] }> {
  const outcome = await publishChanges(deps, 'all', now);
  // Rejected files are looked at again every day (their version is never recorded) and reported as drift.
  const rejected = outcome.problems.filter((p) => p.severity === 'error').map((p) => p.file);
  return { ...outcome, drift: [...new Set([...outcome.published, ...outcome.removed, ...rejected])].sort() };
}
