import { ContentError } from '../core/errors.js';
import type { SiteStore } from '../core/ports.js';
import type { SiteFile } from '../core/site-build.js';

export interface PublishReport {
  readonly written: string[];
  readonly unchanged: number;
  readonly removed: string[];
  /** Planned but not written this time (their input vanished mid-run); the next publish retries them. */
  readonly skipped: string[];
}

/**
 * A template failed after some files were written (one article's data, where the probe rendered another):
 * the pages that list others, the feeds and the fingerprints of what failed were not, so the site links no
 * page it lacks and the next publish writes the rest.
 */
export class PublishStopped extends ContentError {
  override name = 'PublishStopped';
  constructor(
    problems: ContentError['problems'],
    readonly written: readonly string[],
  ) {
    super(problems);
  }
}

/** Thrown by a render whose input is gone: the file is left for the next publish, the rest goes on. */
export class SkipFile extends Error {
  override readonly name = 'SkipFile';
}

/**
 * Runs `task` over `items` with at most `limit` in flight. After a failure no item is started, and the
 * failure is thrown once those in flight have settled, so the caller knows what was done.
 */
async function forEachConcurrent<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}

// Recorded for a file about to be written: matches no key, so a crash mid-write leaves it to be rewritten
// (or deleted, if the next plan has no such file) instead of trusting what may be half-done or stale.
const PENDING = '';

/**
 * Brings the store in line with the plan: renders and writes only the files whose key differs from the one
 * recorded, pages and assets before any feed (no feed links a page that is not there yet), removes what is
 * no longer planned, and records keys around the writes so a crash at any point only leaves work to redo.
 */
export async function publishSite(
  files: readonly SiteFile[],
  store: SiteStore,
  concurrency = store.writesInFlight ?? 16,
): Promise<PublishReport> {
  const before = await store.fingerprints();
  const planned = new Set(files.map((f) => f.path));
  const stale = files.filter((f) => before.get(f.path) !== f.key);
  const removed = [...before.keys()].filter((path) => !planned.has(path)).sort();
  const after = new Map(before);
  if (stale.length === 0 && removed.length === 0) {
    return { written: [], unchanged: files.length, removed: [], skipped: [] };
  }
  // A template that fails (a filter given what it cannot read, an include of a missing partial) fails on
  // every page it renders: one page of each is rendered before anything is written, so such a theme stops
  // the build with the site as it was. A failure on one article's data alone is still caught by `check`.
  // A page whose input vanished (SkipFile) proves nothing of its template: the next page of it is tried.
  const early = new Map<SiteFile, Promise<string | Uint8Array>>();
  const proven = new Set<string>();
  for (const file of stale) {
    if (!file.template || proven.has(file.template)) continue;
    const body = file.render();
    early.set(file, body);
    const skipped = await body.then(
      () => false,
      (error: unknown) => {
        if (error instanceof SkipFile) return true;
        throw error;
      },
    );
    if (!skipped) proven.add(file.template);
  }
  for (const file of stale) after.set(file.path, PENDING);
  await store.saveFingerprints(after);

  const written: string[] = [];
  const skipped: string[] = [];
  const publish = async (file: SiteFile) => {
    let body: string | Uint8Array;
    try {
      body = await (early.get(file) ?? file.render());
    } catch (error) {
      if (!(error instanceof SkipFile)) throw error;
      skipped.push(file.path);
      return;
    }
    await store.put({
      path: file.path,
      body,
      contentType: file.contentType,
      immutable: file.immutable,
      kind: file.kind,
      fingerprint: file.key,
    });
    after.set(file.path, file.key);
    written.push(file.path);
  };
  // The articles' pages first, then the pages that list them, then the feeds: a build stopped part way has
  // changed no feed, and no list names an article whose page failed.
  const phases = [
    stale.filter((f) => f.kind !== 'feed' && !f.lists),
    stale.filter((f) => f.kind !== 'feed' && f.lists),
    stale.filter((f) => f.kind === 'feed'),
  ];
  for (const phase of phases) {
    try {
      await forEachConcurrent(phase, concurrency, publish);
    } catch (error) {
      if (error instanceof ContentError && written.length > 0)
        throw new PublishStopped(error.problems, [...written].sort());
      throw error;
    }
  }
  await forEachConcurrent(removed, concurrency, async (path) => {
    await store.delete(path);
    after.delete(path);
  });
  await store.saveFingerprints(after);
  return {
    written: written.sort(),
    unchanged: files.length - stale.length,
    removed,
    skipped: skipped.sort(),
  };
}
