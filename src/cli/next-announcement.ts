// What the next build would announce, worked out without building: `check` says it, `send-test` sends it.
import { FsSiteIndexStore } from '../adapters/fs/site-index-store.js';
import { FileAnnouncementStore } from '../adapters/fs/state.js';
import { movesBetween } from '../core/announce-keys.js';
import type { Article } from '../core/article.js';
import type { SiteConfig } from '../core/site.js';
import { isFirstRun, recentDepartures, wentLiveAt } from '../core/site-index.js';
import { isFirstRunOf } from '../pipeline/announce.js';
import { planNextAnnouncement } from '../pipeline/send-test.js';

/** What the next build would announce: what goes live with it and no digest announced, as publish decides. */
export async function nextAnnouncement(
  stateDir: string,
  published: readonly Article[],
  site: SiteConfig,
  now: Date,
) {
  const index = await new FsSiteIndexStore(stateDir).load();
  const wentLive = published.filter((a) => {
    const prior = index?.sources[a.source];
    // Waiting out the grace window: live already, and still the next digest's.
    if (index?.pending?.[a.source] !== undefined) return true;
    return !(prior?.live && prior.article.url === a.url);
  });
  const ledger = new FileAnnouncementStore(stateDir);
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
