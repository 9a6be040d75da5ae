import { createHash } from 'node:crypto';
import type { SiteStore } from '../core/ports.js';
import type { SiteFile } from '../core/site-build.js';

export interface PublishReport {
  readonly written: string[];
  readonly unchanged: number;
  readonly removed: string[];
}

function fingerprintOf(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function forEachConcurrent<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Brings the store in line with the planned files: writes only what changed, pages and assets before any
 * feed (so no feed links to a page that is not there yet), removes what is no longer planned, and records
 * fingerprints last, so a crash only leaves work to redo.
 */
export async function publishSite(
  files: readonly SiteFile[],
  store: SiteStore,
  concurrency = 16,
): Promise<PublishReport> {
  const before = await store.fingerprints();
  const after = new Map<string, string>();
  const written: string[] = [];
  let unchanged = 0;

  const publish = async (file: SiteFile) => {
    // A keyed file is identified by its key; skipping render is what makes one-article rebuilds cheap.
    if (file.key !== undefined && before.get(file.path) === `key:${file.key}`) {
      after.set(file.path, `key:${file.key}`);
      unchanged++;
      return;
    }
    const body = file.render();
    const fingerprint = file.key === undefined ? fingerprintOf(body) : `key:${file.key}`;
    after.set(file.path, fingerprint);
    if (before.get(file.path) === fingerprint) {
      unchanged++;
      return;
    }
    await store.put({
      path: file.path,
      body,
      contentType: file.contentType,
      immutable: file.immutable,
      kind: file.kind,
      fingerprint,
    });
    written.push(file.path);
  };
  await forEachConcurrent(
    files.filter((f) => f.kind !== 'feed'),
    concurrency,
    publish,
  );
  await forEachConcurrent(
    files.filter((f) => f.kind === 'feed'),
    concurrency,
    publish,
  );

  const removed = [...before.keys()].filter((path) => !after.has(path)).sort();
  await forEachConcurrent(removed, concurrency, (path) => store.delete(path));
  await store.saveFingerprints(after);
  return { written: written.sort(), unchanged, removed };
}
