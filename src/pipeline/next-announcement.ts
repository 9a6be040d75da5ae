// What the next build would announce, worked out without building, as publish and announce decide it:
// `check` says it, `send-test` sends it. Reads the index and the ledger, never writes them.

import { movesBetween } from '../core/announce-keys.js';
import { type AnnounceWindow, splitByAnnounceWindow } from '../core/announce-window.js';
import type { Article, ArticleMeta } from '../core/article.js';
import { type DigestPlan, planDigest } from '../core/digest.js';
import { byNewest } from '../core/order.js';
import type { AnnouncementLedger, SiteIndexStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { isFirstRun, recentDepartures, wentLiveAt } from '../core/site-index.js';
import { isFirstRunOf, unannouncedOf } from './announce.js';

/**
 * What the next announce would put in a digest, as announce() decides it: of the articles going live, those
 * no digest announced under any of their addresses, newest first; on a first run only the newest; those
 * past `announce_window` apart, as `late`. Reads the ledger, never writes it.
 */
export async function planNextAnnouncement(
  ledger: Pick<AnnouncementLedger, 'unannounced'>,
  wentLive: readonly ArticleMeta[],
  firstRun: boolean,
  window: AnnounceWindow,
  /** Every article live then (see announce()). */
  live: readonly ArticleMeta[] = wentLive,
): Promise<{ readonly plan?: DigestPlan; readonly late: readonly ArticleMeta[] }> {
  if (wentLive.length === 0) return { late: [] };
  const candidates = (await unannouncedOf(ledger, wentLive, live)).sort(byNewest);
  const { timely, late } = splitByAnnounceWindow(candidates, window, firstRun);
  const plan = planDigest(timely, firstRun ? undefined : new Set());
  return { ...(plan ? { plan } : {}), late };
}

const NO_WINDOW = { nowMs: 0, days: Number.POSITIVE_INFINITY };

/** planNextAnnouncement's digest alone (without a window: everything unannounced counts). */
export async function nextDigestPlan(
  ledger: Pick<AnnouncementLedger, 'unannounced'>,
  wentLive: readonly ArticleMeta[],
  firstRun: boolean,
  window: AnnounceWindow = NO_WINDOW,
): Promise<DigestPlan | undefined> {
  return (await planNextAnnouncement(ledger, wentLive, firstRun, window)).plan;
}

/** What the next build would announce: what goes live with it and no digest announced, as publish decides. */
export async function nextAnnouncement(
  state: {
    readonly index: Pick<SiteIndexStore, 'load'>;
    readonly ledger: Pick<AnnouncementLedger, 'unannounced'>;
  },
  published: readonly Article[],
  site: SiteConfig,
  now: Date,
) {
  const { ledger } = state;
  const index = await state.index.load();
  const wentLive = published.filter((a) => {
    const prior = index?.sources[a.source];
    // Waiting out the grace window: live already, and still the next digest's.
    if (index?.pending?.[a.source] !== undefined) return true;
    return !(prior?.live && prior.article.url === a.url);
  });
  const firstRun = await isFirstRunOf(isFirstRun(index), ledger, published);
  // An announced article at a new address or under a new title (a rename, perhaps half of it in an earlier
  // build) is recorded by the build, not mailed: as publish does (movesBetween).
  const moves = movesBetween(
    [
      ...Object.values(index?.sources ?? {}).flatMap((s) => (s.live ? [s.article] : [])),
      ...Object.values(recentDepartures(index?.departed, now.getTime())).map((d) => d.article),
    ],
    published,
    new Set(Object.keys(index?.pending ?? {})),
  );
  const unannounced = new Set(await ledger.unannounced(moves.map((m) => m.announcedAs)));
  const recorded = new Set(moves.filter((m) => !unannounced.has(m.announcedAs)).map((m) => m.article));
  // The new copies of articles waiting out their window (or held) as their files left: they wait on.
  const waitedAsItLeft = (source: string) =>
    index?.pending?.[source] !== undefined || index?.departed?.[source]?.pendingSinceMs !== undefined;
  const copies = new Map(
    moves
      .filter((m) => m.from !== m.article.source && waitedAsItLeft(m.from))
      .map((m) => [m.from, m.article.source]),
  );
  const next = await planNextAnnouncement(
    ledger,
    wentLive.filter((a) => !recorded.has(a)),
    firstRun,
    {
      nowMs: now.getTime(),
      days: site.announceWindowDays,
      wentLiveMs: wentLiveAt(index?.sources ?? {}, index?.pending),
    },
    published,
  );
  return { ...next, firstRun, copies };
}
