import { whereNow } from '../core/announce-keys.js';
import type { ArticleMeta } from '../core/article.js';
import { byNewest } from '../core/order.js';
import type { DigestRecord, RecipientPages, SiteIndexStore, WeeklyLedger } from '../core/ports.js';
import { shortHash } from '../core/short-hash.js';
import type { SiteConfig } from '../core/site.js';
import { liveArticles, metaOf } from '../core/site-index.js';
import { nextWeeklySend, weekStartAt } from '../core/weekly-schedule.js';
import { reachesAnyone } from './fanout.js';

export interface WeeklyDeps {
  readonly site: SiteConfig;
  readonly ledger: WeeklyLedger;
  /**
   * Confirmed subscribers, a page at a time: a week's digest is created only if someone in its audience
   * follows one of its articles, so no issue nobody received is archived.
   */
  readonly recipients: RecipientPages;
  /** Sends the digest on: the digest queue in AWS, the outbox locally. Must be safe to repeat. */
  readonly deliver: (digest: DigestRecord) => Promise<void>;
  /**
   * The articles on the site now (the publisher's index), read once a week has articles waiting: one
   * withdrawn since its instant digest is left out, one edited since goes out as it reads now. Undefined
   * before the first publish.
   */
  readonly live: () => Promise<readonly ArticleMeta[] | undefined>;
}

/** WeeklyDeps.live as both editions answer it: the articles live at `nowMs` in the publisher's index. */
export function liveInIndex(
  index: Pick<SiteIndexStore, 'load'>,
  nowMs: number,
): () => Promise<ArticleMeta[] | undefined> {
  return async () => {
    const stored = await index.load();
    return stored && liveArticles(stored, nowMs).map(metaOf);
  };
}

export type WeeklyOutcome =
  | { readonly kind: 'not-due'; readonly nextMs: number }
  | { readonly kind: 'nothing-new'; readonly weekEndMs: number }
  /** The week had articles but nobody chose weekly that week (or no weekly reader follows them): no digest. */
  | { readonly kind: 'no-audience'; readonly weekEndMs: number; readonly articles: number }
  | {
      readonly kind: 'delivered';
      readonly weekEndMs: number;
      readonly digest: DigestRecord;
      /** False when an earlier or concurrent run had already created it (this run delivered it again). */
      readonly created: boolean;
    };

const WEEK_MS = 7 * 86_400_000;

/**
 * One id per weekly send time, so reruns and concurrent runs for the same week meet on one record; hex
 * like every digest id (they end up in keys and Message-IDs).
 */
export const weeklyDigestId = (weekEndMs: number) => shortHash(`weekly\n${weekEndMs}`, 24);

/**
 * Where each waiting article is on the site now (whereNow), leaving out what a weekly digest carried: an
 * article withdrawn since is not found in another live article that shares its date and title or body, and
 * that went out already under its own address.
 */
async function asItIsNow(
  waiting: readonly ArticleMeta[],
  live: readonly ArticleMeta[],
  ledger: Pick<WeeklyLedger, 'carriedWeekly'>,
): Promise<Map<string, ArticleMeta>> {
  const found = whereNow(waiting, live);
  const elsewhere = [...found].filter(([url, now]) => now.url !== url).map(([, now]) => now.url);
  if (elsewhere.length === 0) return found;
  const carried = await ledger.carriedWeekly([...new Set(elsewhere)]);
  return new Map([...found].filter(([, now]) => !carried.has(now.url)));
}

/**
 * The weekly digest for the week that ended at the latest send time ≤ now: every article announced since
 * the last weekly digest that none has carried yet. Safe to run as often as one likes (the cloud runs it
 * every 15 minutes): it does nothing until a week has ended, and a week's digest is created with one
 * conditional write, its articles marked before it is delivered, and the cursor moved last, so a crash at
 * any step is finished by the next run without sending anything twice. A week whose digest would reach
 * nobody (its audience is read first, as the fan-out reads it) gets no digest at all.
 */
export async function runWeekly(deps: WeeklyDeps, now: Date): Promise<WeeklyOutcome> {
  const { site, ledger } = deps;
  const nowMs = now.getTime();
  const weekEndMs = weekStartAt(site, nowMs);
  const cursor = await ledger.weeklyCursor();
  if (cursor !== undefined && cursor >= weekEndMs)
    return { kind: 'not-due', nextMs: nextWeeklySend(site, nowMs) };

  const id = weeklyDigestId(weekEndMs);
  const weekStartMs = weekStartAt(site, weekEndMs - 1);
  let digest = await ledger.digest(id);
  let created = false;
  // A week back past the cursor as well: an announcement that became visible late (an index lagging, a
  // publish retried after the send time) is carried next week instead of never.
  const sinceMs = cursor === undefined ? weekStartMs : Math.min(cursor, weekStartMs) - WEEK_MS;
  const waiting = await ledger.awaitingWeekly(sinceMs, weekEndMs);
  const live = waiting.length > 0 ? await deps.live() : undefined;
  // Announced address → the article as it is now.
  const current = live ? await asItIsNow(waiting, live, ledger) : new Map(waiting.map((a) => [a.url, a]));
  // Under the addresses they were announced at as well, which a later week would find waiting again.
  const markCarried = async (articles: readonly ArticleMeta[]) => {
    const carried = new Set(articles.map((a) => a.url));
    const announcedAt = [...current].filter(([, a]) => carried.has(a.url)).map(([url]) => url);
    await ledger.markWeekly([...new Set([...carried, ...announcedAt])], id);
  };
  if (!digest) {
    const articles = [...new Map([...current.values()].map((a) => [a.url, a])).values()].sort(byNewest);
    if (articles.length === 0) {
      await ledger.advanceWeeklyCursor(weekEndMs);
      return { kind: 'nothing-new', weekEndMs };
    }
    const planned: DigestRecord = {
      id,
      createdAtMs: weekEndMs,
      articles,
      audience: { delivery: 'weekly', weekStartMs },
    };
    if (!(await reachesAnyone(planned, deps.recipients))) {
      // No record, so nothing to fan out and no issue for the archive. The articles are marked all the
      // same: that week's readers had them as they were published, and a later week must not carry them.
      await markCarried(articles);
      await ledger.advanceWeeklyCursor(weekEndMs);
      return { kind: 'no-audience', weekEndMs, articles: articles.length };
    }
    created = await ledger.createDigest(planned);
    // Lost a race: the stored record is the one every run delivers.
    digest = created ? planned : ((await ledger.digest(id)) ?? planned);
  }
  await markCarried(digest.articles);
  if (digest.articles.length > 0) await deps.deliver(digest);
  await ledger.advanceWeeklyCursor(weekEndMs);
  return { kind: 'delivered', weekEndMs, digest, created };
}
