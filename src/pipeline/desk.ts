// The operator's controls over a digest in its grace window: see it, hold it, release it, or cancel it.
// The same for a local site (state files) and a deployed stack (DynamoDB and the index in S3).
import { pendingDueAtMs } from '../core/grace.js';
import type { AnnouncementLedger, DigestHoldStore, SiteIndexStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';

export interface DeskDeps {
  readonly site: SiteConfig;
  readonly index: SiteIndexStore;
  readonly ledger: AnnouncementLedger;
  readonly hold: DigestHoldStore;
}

export interface PendingArticle {
  readonly url: string;
  readonly title: string;
  readonly wentLiveMs: number;
}

export interface DeskStatus {
  /** What the pending digest will carry, as the last publish saw it; empty when nothing waits. */
  readonly articles: readonly PendingArticle[];
  /** When its window closes; undefined when nothing waits. */
  readonly dueAtMs?: number;
  readonly held: boolean;
}

/** Id recorded beside articles whose digest the operator cancelled (no digest record has it). */
export const CANCELLED = 'cancelled';

/** The digest waiting out its window: pending articles still live and not announced (a cancel drops them). */
export async function deskStatus(deps: DeskDeps): Promise<DeskStatus> {
  const index = await deps.index.load();
  const held = await deps.hold.isHeld();
  const pending = index?.pending ?? {};
  const waiting = Object.entries(pending).flatMap(([source, wentLiveMs]) => {
    const entry = index?.sources[source];
    return entry?.live ? [{ url: entry.article.url, title: entry.article.title, wentLiveMs, source }] : [];
  });
  const fresh = new Set(waiting.length > 0 ? await deps.ledger.unannounced(waiting.map((a) => a.url)) : []);
  const still = waiting.filter((a) => fresh.has(a.url));
  const dueAtMs = pendingDueAtMs(
    Object.fromEntries(still.map((a) => [a.source, a.wentLiveMs])),
    deps.site.digest.delayMs,
  );
  return {
    articles: still.map(({ url, title, wentLiveMs }) => ({ url, title, wentLiveMs })),
    ...(dueAtMs === undefined ? {} : { dueAtMs }),
    held,
  };
}

/** Stops the pending digest (and any that joins it) until `release`, however long its window. */
export async function holdDigest(deps: DeskDeps, nowMs: number): Promise<DeskStatus> {
  await deps.hold.setHeld(true, nowMs);
  return deskStatus(deps);
}

/** Lets the pending digest go: at its window's end, or at the next publish if that has passed. */
export async function releaseDigest(deps: DeskDeps, nowMs: number): Promise<DeskStatus> {
  await deps.hold.setHeld(false, nowMs);
  return deskStatus(deps);
}

/**
 * Drops the pending digest: its articles are recorded as announced (by no digest), so no publish mails
 * them, and the hold (if any) is lifted for the digests after it. What a publish already handed on before
 * the cancel goes out: the answer lists what was dropped.
 */
export async function cancelDigest(deps: DeskDeps, nowMs: number): Promise<DeskStatus> {
  const before = await deskStatus(deps);
  if (before.articles.length > 0)
    await deps.ledger.markAnnounced(
      before.articles.map((a) => a.url),
      CANCELLED,
    );
  await deps.hold.setHeld(false, nowMs);
  return before;
}
