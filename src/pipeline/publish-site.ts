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

/**
 * Brings the store in line with the planned files: writes only what changed, in plan order (pages before
 * feeds), removes what is no longer planned, and records fingerprints last so a crash only leaves work to redo.
 */
export async function publishSite(files: readonly SiteFile[], store: SiteStore): Promise<PublishReport> {
  const before = await store.fingerprints();
  const after = new Map<string, string>();
  const written: string[] = [];
  let unchanged = 0;
  for (const file of files) {
    // A keyed file is identified by its key; skipping render is what makes one-article rebuilds cheap.
    if (file.key !== undefined && before.get(file.path) === `key:${file.key}`) {
      after.set(file.path, `key:${file.key}`);
      unchanged++;
      continue;
    }
    const body = file.render();
    const fingerprint = file.key === undefined ? fingerprintOf(body) : `key:${file.key}`;
    after.set(file.path, fingerprint);
    if (before.get(file.path) === fingerprint) {
      unchanged++;
      continue;
    }
    await store.put({
      path: file.path,
      body,
      contentType: file.contentType,
      immutable: file.immutable,
      fingerprint,
    });
    written.push(file.path);
  }
  const removed = [...before.keys()].filter((path) => !after.has(path)).sort();
  for (const path of removed) await store.delete(path);
  await store.saveFingerprints(after);
  return { written, unchanged, removed };
}
