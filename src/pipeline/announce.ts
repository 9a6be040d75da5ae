import {
  type Announceable,
  announceKeysOf,
  classifyAnnouncements,
  identityKeys,
  recordedKeys,
} from '../core/announce-keys.js';
import { MOVED_DIGEST_ID, PAST_WINDOW_DIGEST_ID, splitByAnnounceWindow } from '../core/announce-window.js';
import { droppedKey, handedOnKey } from '../core/announcement-marks.js';
import type { ArticleMeta } from '../core/article.js';
import { digestRecordOf, planDigest } from '../core/digest.js';
import { byNewest } from '../core/order.js';
import type { AnnouncementLedger, DigestQueue, DigestRecord, RecipientPages } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { weekStartAt } from '../core/weekly-schedule.js';
import { reachesAnyone } from './fanout.js';

export interface AnnounceDeps {
  readonly site: SiteConfig;
  readonly ledger: AnnouncementLedger;
  readonly digests: DigestQueue;
  /**
   * Confirmed subscribers, a page at a time (read until the first one the digest reaches): a digest that
   * reaches nobody is still recorded and handed on, but marked `unreached`, so it gets no archive page.
   */
  readonly recipients: RecipientPages;
  /** Full-text digests (`digest.content: full`): the bodies the record carries, read when it is planned. */
  readonly fullText?: (
    id: string,
    articles: readonly ArticleMeta[],
  ) => Promise<Pick<DigestRecord, 'bodies' | 'shortened'>>;
}

export interface Announcement {
  readonly id: string;
  readonly articles: readonly string[];
  readonly silenced: number;
  /** False when an earlier (crashed or concurrent) run had created the same digest. */
  readonly created: boolean;
  /** The digest as planned (full text included): what the public archive shows. */
  readonly record: DigestRecord;
}

export interface AnnounceResult {
  readonly digest?: Announcement;
  /** A digest an earlier step created and stopped before finishing: handed on again, its articles marked. */
  readonly resumed?: Announcement;
  /** Articles first seen past `announce_window`: recorded as announced, mailed to no one. */
  readonly late: readonly ArticleMeta[];
}

/**
 * Whether nothing was ever published here, as `announce` reads `firstRun`: the site index says so (none, or
 * one without sources) and the ledger holds none of the live articles' addresses. The index is a cache, and
 * one deleted or rebuilt must not make the articles waiting to be mailed look like an archive to silence.
 */
export async function isFirstRunOf(
  indexEmpty: boolean,
  ledger: Pick<AnnouncementLedger, 'unannounced'> | undefined,
  live: readonly ArticleMeta[],
): Promise<boolean> {
  if (!indexEmpty || ledger === undefined || live.length === 0) return indexEmpty;
  const keys = live.flatMap(announceKeysOf);
  return (await ledger.unannounced(keys)).length === keys.length;
}

/**
 * The one announce step of both editions: of the articles that just went live, those no digest has
 * announced become one digest (its id derived from their ids, created with one conditional write). It is
 * opened in the ledger before it is created and closed once its articles are marked, so a step that stops
 * in between is finished by the next (the same digest handed on again, which the sender's ledger makes
 * harmless): no article is marked that no digest carries, and none is planned into a second digest.
 * `firstRun`: nothing was ever published here, so only the newest article is mailed and the rest are
 * recorded as announced; installing Broadsheet on an existing blog never mails its archive. Articles past
 * `announce_window` (announce-window.ts) are recorded as announced without mail. A digest nobody in its
 * audience would receive (as the subscriber list is when it is planned) is recorded `unreached`.
 */
export async function announce(
  deps: AnnounceDeps,
  wentLive: readonly ArticleMeta[],
  firstRun: boolean,
  nowMs: number,
  /** Every article live now (announce-keys.ts tells a moved article from two of one date and title). */
  live: readonly ArticleMeta[] = wentLive,
  /** When those that waited out the grace window went live, by source (AnnounceWindow.wentLiveMs). */
  wentLiveMs: Readonly<Record<string, number>> = {},
): Promise<AnnounceResult> {
  // A moved article (renamed, or with `aliases`) was announced under its old address: the publish recorded
  // it at its new one (recordMoves) before the grace window and this step read the ledger.
  const unannounced = (await unannouncedOf(deps.ledger, wentLive, live)).sort(byNewest);
  const resumed = await finishOpenAnnouncement(deps, new Map(unannounced.map((a) => [a.url, a.hash])));
  const andResumed = resumed ? { resumed } : {};
  // Read again once a stopped step's digest is finished: one of its articles may have moved since (a new
  // address, the same date and title), which the keys its marking recorded now tell.
  const candidates = resumed ? await unannouncedOf(deps.ledger, unannounced, live) : unannounced;
  if (candidates.length === 0) return { late: [], ...andResumed };
  const { timely, late } = splitByAnnounceWindow(
    candidates,
    { nowMs, days: deps.site.announceWindowDays, wentLiveMs },
    firstRun,
  );
  if (late.length > 0) await deps.ledger.markAnnounced(late.flatMap(recordedKeys), PAST_WINDOW_DIGEST_ID);
  const plan = planDigest(timely, firstRun ? undefined : new Set());
  if (!plan) return { late, ...andResumed };
  const record = digestRecordOf(plan, nowMs, {
    delivery: 'instant',
    weekStartMs: weekStartAt(deps.site, nowMs),
  });
  const full = deps.fullText ? await deps.fullText(plan.id, plan.articles) : undefined;
  const carried: DigestRecord = full ? { ...record, ...full } : record;
  // Read as the fan-out reads it. Only the run whose conditional write creates the record decides; a
  // replay's answer (the list may have changed since) is dropped with its copy of the record.
  const planned: DigestRecord = (await reachesAnyone(carried, deps.recipients))
    ? carried
    : { ...carried, unreached: true };
  // The silenced first: a step that stops after this is not a first run again. Then the digest is opened,
  // so that a step that stops before its articles are marked is finished by the next one
  // (finishOpenAnnouncement), not planned again with whatever went live since under another id.
  if (plan.silenced.length > 0) await deps.ledger.markAnnounced(plan.silenced.flatMap(recordedKeys), plan.id);
  await deps.ledger.setOpenAnnouncement(plan.id);
  const created = await deps.ledger.createDigest(planned);
  // Recorded before the queue may take it: from here on a stopped step's digest may have gone out, so the
  // next step finishes it whatever changed since, and none of its articles goes out in a second digest.
  await deps.ledger.markAnnounced([handedOnKey(plan.id)], plan.id);
  await deps.digests.enqueue(plan.id);
  await deps.ledger.markAnnounced(plan.articles.flatMap(recordedKeys), plan.id);
  await deps.ledger.setOpenAnnouncement(undefined);
  return {
    ...andResumed,
    digest: {
      id: plan.id,
      articles: plan.articles.map((a) => a.url),
      silenced: plan.silenced.length,
      created,
      record: planned,
    },
    late,
  };
}

const wasHandedOn = async (ledger: Pick<AnnouncementLedger, 'unannounced'>, id: string): Promise<boolean> =>
  (await ledger.unannounced([handedOnKey(id)])).length === 0;

/**
 * The articles of a digest a stopped step began to hand on: the next step sends them whatever is done
 * meanwhile, so the newsletter desk no longer offers to hold or cancel them.
 */
export async function handedOnArticles(
  ledger: Pick<AnnouncementLedger, 'openAnnouncement' | 'unannounced' | 'digest'>,
): Promise<ReadonlySet<string>> {
  const id = await ledger.openAnnouncement();
  if (id === undefined || !(await wasHandedOn(ledger, id))) return new Set();
  return new Set((await ledger.digest(id))?.articles.map((a) => a.url));
}

/**
 * Finishes the announcement an earlier step opened and stopped in (a crash, a timeout). Its digest, if the
 * queue may have taken it (the step got as far as handing it on) or if every article in it is still to be
 * announced now as it was then (`due`: none cancelled, held, withdrawn, announced or edited since), is
 * handed on again (the sender's ledger makes a second hand-over harmless), its articles are marked and it
 * is returned for the archive. Otherwise it is dropped, its articles left to be planned afresh (an edited
 * one under a new id, with its new text): nobody was promised it. A cancel that comes after the hand-over
 * began does not stop it, as one after a finished hand-over would not.
 */
async function finishOpenAnnouncement(
  deps: Pick<AnnounceDeps, 'ledger' | 'digests'>,
  /** Each article still to be announced, by address, with the hash of its text. */
  due: ReadonlyMap<string, string>,
): Promise<Announcement | undefined> {
  const id = await deps.ledger.openAnnouncement();
  if (id === undefined) return undefined;
  const record = await deps.ledger.digest(id);
  // A step that dropped it and stopped before closing it decided for good (the weekly digest read that).
  const dropped = (await deps.ledger.unannounced([droppedKey(id)])).length === 0;
  const resume =
    record !== undefined &&
    !dropped &&
    ((await wasHandedOn(deps.ledger, id)) || record.articles.every((a) => due.get(a.url) === a.hash));
  if (resume) {
    await deps.ledger.markAnnounced([handedOnKey(id)], id);
    await deps.digests.enqueue(id);
    await deps.ledger.markAnnounced(record.articles.flatMap(recordedKeys), id);
  } else if (record !== undefined && !dropped) {
    // So the weekly digest never carries its articles: nobody was sent them.
    await deps.ledger.markAnnounced([droppedKey(id)], id);
  }
  await deps.ledger.setOpenAnnouncement(undefined);
  return resume
    ? { id, articles: record.articles.map((a) => a.url), silenced: 0, created: false, record }
    : undefined;
}

/**
 * Of `candidates`, those no announcement carried, under any address they had or as the same article at
 * another address (a renamed file, a new base_url: announce-keys.ts); `live` is every article on the site
 * now. Reads the ledger, never writes it.
 */
export async function unannouncedOf<A extends Announceable>(
  ledger: Pick<AnnouncementLedger, 'unannounced'>,
  candidates: readonly A[],
  live: readonly Announceable[],
): Promise<A[]> {
  return (await announcementsOf(ledger, candidates, live)).unannounced;
}

/**
 * unannouncedOf, with the articles found moved (by their date and title, or by `aliases`) apart: recorded
 * at their new address by recordMoves, so they hold their identity there.
 */
function announcementsOf<A extends Announceable>(
  ledger: Pick<AnnouncementLedger, 'unannounced'>,
  candidates: readonly A[],
  live: readonly Announceable[],
): Promise<{ readonly unannounced: A[]; readonly moved: A[] }> {
  return classifyAnnouncements(candidates, live, async (keys) => new Set(await ledger.unannounced(keys)));
}

/**
 * Records what publishing learns of articles already announced, so each keeps its identity wherever it goes:
 * those of `wentLive` that moved (a renamed file, a new slug or base_url, `aliases`) at their new address,
 * and those of `changed` (live before from the same file, at `announcedAs`, now of another date, title or
 * address: a retitle, a new time zone for a date written without one, a new slug, or several at once) as
 * they are now. Nothing here is mailed.
 */
export async function recordMoves(
  ledger: AnnouncementLedger,
  wentLive: readonly ArticleMeta[],
  changed: readonly { readonly article: ArticleMeta; readonly announcedAs: string }[],
  live: readonly ArticleMeta[],
): Promise<void> {
  const { moved } = await announcementsOf(ledger, wentLive, live);
  if (moved.length > 0) await ledger.markAnnounced(moved.flatMap(recordedKeys), MOVED_DIGEST_ID);
  if (changed.length === 0) return;
  // Only what was announced: one still in its grace window is recorded when its digest goes.
  const unannounced = new Set(await ledger.unannounced(changed.map((c) => c.announcedAs)));
  const keys = changed
    .filter((c) => !unannounced.has(c.announcedAs))
    // At the same address its address is recorded already, by the digest that carried it.
    .flatMap(({ article, announcedAs }) =>
      article.url === announcedAs ? identityKeys(article) : recordedKeys(article),
    );
  if (keys.length > 0) await ledger.markAnnounced(keys, MOVED_DIGEST_ID);
}
