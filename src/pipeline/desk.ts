// The operator's controls over the digests in their grace window: see them, hold one, release one, or
// cancel one. The same for a local site (state files) and a deployed stack (DynamoDB and the index in S3).
// Several digests can wait at once: each hold keeps the articles pending when it was made, and what goes
// live after it waits out its own window beside it.
// Hold, release and cancel run holding the publish lease, the one every publish takes: a publish reads the
// holds and the announced articles, then mails, and a hold written in between would come too late for it
// while telling the operator the digest was stopped. Under the lease, a command waits for a running publish
// to finish (what it mailed is then no longer waiting, and the command says so), and a publish that starts
// after the command returns reads what it wrote. Nothing in the announce step changes, so each article is
// still mailed once to each subscriber, or, when held or cancelled in time, not at all.
import { recordedKeys } from '../core/announce-keys.js';
import { type DigestHold, holdsOver, openDigestId, pendingDigests } from '../core/grace.js';
import type { AnnouncementLedger, DigestHoldStore, PublishLease, SiteIndexStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { isAway, recentDepartures } from '../core/site-index.js';
import { handedOnArticles, unannouncedOf } from './announce.js';
import { type LeaseTiming, underLease } from './lease.js';

export interface DeskDeps extends LeaseTiming {
  readonly site: SiteConfig;
  readonly index: SiteIndexStore;
  readonly ledger: AnnouncementLedger;
  readonly hold: DigestHoldStore;
  /** The lease publishes take (the same item or file): hold, release and cancel run holding it. */
  readonly lease: PublishLease;
  /**
   * Runs a publish now (a deployed stack): after a release, it sends what is overdue, or sets the wake-up
   * for the window's end. Locally the next build does that.
   */
  readonly publish?: (nowMs: number) => Promise<void>;
}

export interface PendingArticle {
  /** Its file: what stays when an edit in the window changes its address. */
  readonly source: string;
  readonly url: string;
  readonly title: string;
  readonly date: string;
  readonly wentLiveMs: number;
  /**
   * Its file was deleted while it waited, perhaps half of a rename whose new file is yet to come: it stays
   * in its digest for as long as its departure is remembered, and its new copy takes its place.
   */
  readonly away?: true;
}

/** One digest waiting: held by the operator, or waiting out its window. */
export interface WaitingDigest {
  /** What `hold`, `release` and `cancel` name it by. */
  readonly id: string;
  readonly articles: readonly PendingArticle[];
  /** When its window closes (a held one waits past it). */
  readonly dueAtMs: number;
  readonly held: boolean;
}

export interface DeskStatus {
  /** Every pending article, held or not, as the last publish saw it; empty when nothing waits. */
  readonly articles: readonly PendingArticle[];
  /** When the first window closes; undefined when nothing waits. */
  readonly dueAtMs?: number;
  /** Whether any digest is held. */
  readonly held: boolean;
}

/** Id recorded beside articles whose digest the operator cancelled (no digest record has it). */
export const CANCELLED = 'cancelled';

interface Desk {
  readonly digests: WaitingDigest[];
  readonly holds: readonly DigestHold[];
  readonly version: number;
}

/** The digests waiting: pending articles still live and not announced (a cancel drops them), by hold. */
async function readDesk(deps: DeskDeps, nowMs: number): Promise<Desk> {
  const index = await deps.index.load();
  const { holds, version } = await deps.hold.holds();
  const pending = Object.entries(index?.pending ?? {}).flatMap(([source, wentLiveMs]) => {
    const entry = index?.sources[source];
    return entry?.live ? [{ ...entry.article, source, wentLiveMs }] : [];
  });
  const away = Object.entries(index ? recentDepartures(index.departed, nowMs) : {}).flatMap(([source, d]) =>
    index && isAway(index, source, d)
      ? [{ ...d.article, source, wentLiveMs: d.pendingSinceMs ?? 0, away: true as const }]
      : [],
  );
  const entries = [...pending, ...away];
  const live = Object.values(index?.sources ?? {}).flatMap((entry) => (entry.live ? [entry.article] : []));
  const goingOut = await handedOnArticles(deps.ledger);
  const still = (await unannouncedOf(deps.ledger, entries, live)).filter((a) => !goingOut.has(a.url));
  const bySource = new Map(still.map((a) => [a.source, a]));
  // Articles that left (sent, cancelled, off the site for good) leave their holds, with the next write.
  const current = holdsOver(holds, new Set(bySource.keys()));
  const shown = (a: (typeof still)[number]): PendingArticle => ({
    source: a.source,
    url: a.url,
    title: a.title,
    date: a.date,
    wentLiveMs: a.wentLiveMs,
    ...('away' in a ? { away: a.away } : {}),
  });
  const delayMs = deps.site.digest.delayMs;
  // Due times as the publish sets them: from the articles on the site.
  const onSite = still.filter((a) => !('away' in a));
  const digests = pendingDigests(
    Object.fromEntries(onSite.map((a) => [a.source, a.wentLiveMs])),
    current,
    delayMs,
  ).map((d) => ({ ...d, articles: d.sources.flatMap((s) => (bySource.has(s) ? [s] : [])) }));
  // An article whose file was deleted in its window joins the digest whose hold lists it, or else the open
  // one; where there is none, it is a digest of its own, which goes only once the new copy arrives.
  for (const a of still.filter((a) => 'away' in a)) {
    const hold = current.find((h) => !h.everyPending && h.sources.includes(a.source));
    const digest = digests.find((d) => (hold ? d.id === hold.id : !d.held));
    if (digest) digest.articles.push(a.source);
    else digests.push({ id: hold?.id ?? '', sources: [], articles: [a.source], dueAtMs: 0, held: !!hold });
  }
  const waiting: WaitingDigest[] = digests
    .map((d) => {
      if (d.sources.length > 0) return d;
      // Only articles away: named and due as the publish will see them once their copies arrive.
      const times = d.articles.map((s) => bySource.get(s)?.wentLiveMs ?? 0);
      return { ...d, id: d.id || openDigestId(d.articles, current), dueAtMs: Math.min(...times) + delayMs };
    })
    .sort((a, b) => Number(b.held) - Number(a.held))
    .map((d) => ({
      id: d.id,
      articles: d.articles.sort().flatMap((s) => {
        const a = bySource.get(s);
        return a ? [shown(a)] : [];
      }),
      dueAtMs: d.dueAtMs,
      held: d.held,
    }));
  // The previous release's hold while nothing waits: it holds the next article to go live, so the desk
  // shows it, and release or cancel can lift it.
  for (const hold of current)
    if (hold.everyPending) waiting.unshift({ id: hold.id, articles: [], dueAtMs: hold.sinceMs, held: true });
  return { digests: waiting, holds: current, version };
}

/** Whether every article of a digest is away (its file deleted): it goes only once their new copies arrive. */
export const awaitsCopies = (digest: WaitingDigest): boolean =>
  digest.articles.length > 0 && digest.articles.every((a) => a.away);

/** Every digest waiting at `nowMs`, held ones first. */
export async function waitingDigests(deps: DeskDeps, nowMs: number): Promise<WaitingDigest[]> {
  return (await readDesk(deps, nowMs)).digests;
}

/** Everything waiting at `nowMs`, as one summary. */
export async function deskStatus(deps: DeskDeps, nowMs: number): Promise<DeskStatus> {
  const { digests } = await readDesk(deps, nowMs);
  // A hold with no article yet (the previous release's) has no window, nor does a digest whose articles
  // all wait for their renamed copies: nothing goes until they arrive.
  const windows = digests.filter((d) => !awaitsCopies(d) && d.articles.length > 0).map((d) => d.dueAtMs);
  const dueAtMs = windows.length === 0 ? undefined : Math.min(...windows);
  return {
    articles: digests.flatMap((d) => d.articles),
    ...(dueAtMs === undefined ? {} : { dueAtMs }),
    held: digests.some((d) => d.held),
  };
}

/**
 * What a desk command did: `done` with the digest it acted on; `none` when no digest it could act on
 * waits; `ambiguous` when several do and no id chose one; `unknown` when the id names none of them.
 */
export type DeskAnswer =
  | {
      readonly kind: 'done';
      readonly digest: WaitingDigest;
      /**
       * `release` only: the digest as it was held, when its articles now wait in `digest` beside others
       * that waited unheld: one digest, due when their window closes, under the id its articles give it.
       */
      readonly released?: WaitingDigest;
    }
  | { readonly kind: 'none' }
  | { readonly kind: 'ambiguous' | 'unknown'; readonly digests: readonly WaitingDigest[] };

function choose(candidates: readonly WaitingDigest[], id: string | undefined): DeskAnswer {
  if (id !== undefined) {
    const chosen = candidates.find((d) => d.id === id);
    return chosen ? { kind: 'done', digest: chosen } : { kind: 'unknown', digests: candidates };
  }
  const [only, ...others] = candidates;
  if (!only) return { kind: 'none' };
  return others.length === 0 ? { kind: 'done', digest: only } : { kind: 'ambiguous', digests: candidates };
}

const BUSY = 'a publish or another desk command held the publish lease for too long; run the command again';

/** Runs a desk command's reads and writes holding the publish lease (see the top of this file). */
function underPublishLease<T>(deps: DeskDeps, work: () => Promise<T>): Promise<T> {
  return underLease(deps.lease, deps, BUSY, work);
}

/** How often a desk command reads and writes again when another wrote the holds in between. */
const WRITE_ATTEMPTS = 5;

/**
 * Changes the holds with one conditional write, read–modify–write: `change` sees the desk as it is and
 * returns the answer and the holds to write (none: nothing to write). Another command's write in between
 * makes it read again, so two operators never lose each other's hold.
 */
async function changeHolds(
  deps: DeskDeps,
  nowMs: number,
  change: (desk: Desk) => { answer: DeskAnswer; holds?: readonly DigestHold[] },
): Promise<DeskAnswer> {
  for (let attempt = 1; ; attempt++) {
    const desk = await readDesk(deps, nowMs);
    const { answer, holds } = change(desk);
    if (!holds) return answer;
    if (await deps.hold.saveHolds(holds, desk.version)) return answer;
    if (attempt >= WRITE_ATTEMPTS) throw new Error('the digest holds keep changing; try again');
  }
}

/**
 * Stops the digest waiting out its window (`id`, if given, must name it): its articles keep waiting,
 * however long past the window, until `release`. What goes live afterwards is not part of it.
 */
export function holdDigest(deps: DeskDeps, nowMs: number, id?: string): Promise<DeskAnswer> {
  return underPublishLease(deps, () => holdLeased(deps, nowMs, id));
}

function holdLeased(deps: DeskDeps, nowMs: number, id: string | undefined): Promise<DeskAnswer> {
  return changeHolds(deps, nowMs, (desk) => {
    const answer = choose(
      desk.digests.filter((d) => !d.held),
      id,
    );
    if (answer.kind === 'unknown' && desk.digests.some((d) => d.held && d.id === id))
      return { answer: { kind: 'done', digest: desk.digests.find((d) => d.id === id) as WaitingDigest } };
    if (answer.kind !== 'done') return { answer };
    const sources = answer.digest.articles.map((a) => a.source);
    const digest = { ...answer.digest, held: true };
    return {
      answer: { kind: 'done', digest },
      holds: [...desk.holds, { id: answer.digest.id, sources, sinceMs: nowMs }],
    };
  });
}

/**
 * Lets a held digest go: at its window's end, or at the next publish if that has passed. Without `id`
 * there must be one held digest.
 */
export async function releaseDigest(deps: DeskDeps, nowMs: number, id?: string): Promise<DeskAnswer> {
  const answer = await underPublishLease(deps, async (): Promise<DeskAnswer> => {
    const answer = await changeHolds(deps, nowMs, (desk) => {
      const answer = choose(
        desk.digests.filter((d) => d.held),
        id,
      );
      if (answer.kind !== 'done') return { answer };
      return {
        answer: { kind: 'done', digest: { ...answer.digest, held: false } },
        holds: desk.holds.filter((h) => h.id !== answer.digest.id),
      };
    });
    if (answer.kind !== 'done') return answer;
    // Unheld, its articles join whatever waits unheld: one digest, with that one's window and a new id.
    const sources = new Set(answer.digest.articles.map((a) => a.source));
    const joined = (await readDesk(deps, nowMs)).digests.find(
      (d) => !d.held && d.articles.some((a) => sources.has(a.source)),
    );
    return joined && (joined.id !== answer.digest.id || joined.articles.length > sources.size)
      ? { kind: 'done', digest: joined, released: answer.digest }
      : answer;
  });
  // Once the lease is free again: the publish it starts takes it.
  if (answer.kind === 'done') await deps.publish?.(nowMs);
  return answer;
}

/**
 * Drops a waiting digest, held or not (without `id` there must be one): its articles are recorded as
 * announced (by no digest), so no publish mails them, and its hold is lifted. What a publish already
 * handed on before the cancel goes out.
 */
export function cancelDigest(deps: DeskDeps, nowMs: number, id?: string): Promise<DeskAnswer> {
  return underPublishLease(deps, () => cancelLeased(deps, nowMs, id));
}

async function cancelLeased(deps: DeskDeps, nowMs: number, id: string | undefined): Promise<DeskAnswer> {
  const desk = await readDesk(deps, nowMs);
  const answer = choose(desk.digests, id);
  if (answer.kind !== 'done') return answer;
  // Recorded first: once its articles are announced, no publish mails them, held or not; one between the
  // halves of a rename too (its new copy is paired with it, and so recorded as announced).
  if (answer.digest.articles.length > 0)
    await deps.ledger.markAnnounced(answer.digest.articles.flatMap(recordedKeys), CANCELLED);
  if (answer.digest.held)
    await changeHolds(deps, nowMs, (now) => ({
      answer,
      holds: now.holds.filter((h) => h.id !== answer.digest.id),
    }));
  return answer;
}
