// The announcing steps of a publish (src/pipeline/publish.ts): departures and moves, the grace window, the
// digest of what went live, the archive of what went out, and what the index remembers of them.
import { type ArticleMove, movesBetween } from '../core/announce-keys.js';
import type { ArticleMeta } from '../core/article.js';
import { planFullText } from '../core/full-text-plan.js';
import { type DigestHold, graceStep, holdsOver, pendingDigests } from '../core/grace.js';
import { weeksToArchive, withIssues } from '../core/newsletter.js';
import { byNewest } from '../core/order.js';
import type { DigestRecord, IssueSource } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { type PlanInputs, planSite, type SitePlanInput } from '../core/site-build.js';
import {
  type DepartedArticle,
  type IndexedArticle,
  type IndexedSource,
  isAway,
  recentDepartures,
  type SiteIndex,
  waitingDepartures,
  wentLiveAt,
} from '../core/site-index.js';
import type { Theme } from '../core/theme.js';
import { type Announcement, type AnnounceResult, announce, recordMoves, unannouncedOf } from './announce.js';
import type { SitePlan } from './publish-plan.js';
import { type PublishReport, publishSite, SkipFile } from './publish-site.js';
import type { PendingDigest, PublishDeps } from './publish-types.js';
import { weeklyDigestId } from './weekly.js';

/** Rendered bodies of a digest's articles by URL; one that cannot be read goes as summary and link. */
async function bodiesOf(
  articles: readonly ArticleMeta[],
  live: readonly IndexedArticle[],
  io: PlanInputs,
): Promise<Map<string, string>> {
  const byUrl = new Map(live.map((a) => [a.url, a]));
  const bodies = new Map<string, string>();
  for (const a of articles) {
    const indexed = byUrl.get(a.url);
    if (!indexed) continue;
    try {
      bodies.set(a.url, await io.body(indexed));
    } catch (error) {
      if (!(error instanceof SkipFile)) throw error;
    }
  }
  return bodies;
}

/**
 * The public archive: every digest that went out gets its page, and the index and feed list it: the
 * instant one this publish handed on, and the weekly ones handed on since the last publish looked. When
 * the list changed, the index records it and (unless `archive: false`) a second pass writes the site again;
 * returns the report of both passes.
 */
export async function archiveIssuesWentOut({
  deps,
  index,
  announced,
  digest,
  planned: { input, io, withoutClashes },
  report,
}: {
  readonly deps: Pick<PublishDeps, 'site' | 'announce' | 'output'>;
  readonly index: SiteIndex;
  readonly announced: AnnounceResult | undefined;
  /** What this publish handed on: its own digest, or else the one it finished. */
  readonly digest: Announcement | undefined;
  /** What the first pass planned from, and how it dropped clashes. */
  readonly planned: { readonly input: SitePlanInput; readonly io: PlanInputs } & Pick<
    SitePlan,
    'withoutClashes'
  >;
  /** What the first pass wrote. */
  readonly report: PublishReport;
}): Promise<PublishReport> {
  const { site } = deps;
  // A digest an earlier (crashed) run created is archived as stored: that record is what the sender mails,
  // and it says whether anyone was to receive it (a digest that reaches nobody gets no page).
  const issueSource = deps.announce?.issues;
  const handedOn =
    digest && !digest.created ? ((await issueSource?.digest(digest.id)) ?? digest.record) : digest?.record;
  const wentOut = [
    ...(announced?.resumed && announced.digest ? [announced.resumed.record] : []),
    ...(handedOn ? [handedOn] : []),
    ...(deps.announce?.issues ? await weeklyWentOut(deps.announce.issues, index, site) : []),
  ];
  const archived = index.issues ?? [];
  const issues = withIssues(archived, wentOut, site);
  if (issues === archived) return report;
  index.issues = [...issues];
  if (!site.archive) return report;
  const more = await publishSite(withoutClashes(planSite({ ...input, issues }, io)), deps.output);
  const rewritten = new Set(more.written);
  return {
    written: [...new Set([...report.written, ...more.written])].sort(),
    // What the first pass wrote, the second finds unchanged: it was written all the same.
    unchanged: more.unchanged - report.written.filter((path) => !rewritten.has(path)).length,
    removed: [...report.removed, ...more.removed].sort(),
    skipped: [...new Set([...report.skipped, ...more.skipped])].sort(),
  };
}

/**
 * The weekly digests handed on since the archive last looked (the weekly run moves its cursor once a
 * week's digest is handed on); records in the index how far it looked. Locally the build runs the weekly
 * step first; in AWS the next publish or the daily repair (reconcile) archives it.
 */
async function weeklyWentOut(
  source: IssueSource,
  index: SiteIndex,
  site: SiteConfig,
): Promise<DigestRecord[]> {
  const cursor = await source.weeklyCursor();
  if (cursor === undefined || (index.weeklyArchivedMs !== undefined && cursor <= index.weeklyArchivedMs))
    return [];
  const found: DigestRecord[] = [];
  for (const weekEndMs of weeksToArchive(site, index.weeklyArchivedMs, cursor)) {
    const record = await source.digest(weeklyDigestId(weekEndMs));
    if (record && record.articles.length > 0) found.push(record);
  }
  index.weeklyArchivedMs = cursor;
  return found;
}

type Announcing = NonNullable<PublishDeps['announce']>;

/** Where the articles that left the site went: still away, or back under another address or source. */
interface Departures {
  /** What left in an earlier publish and is not back at its own path. */
  readonly departed: Readonly<Record<string, DepartedArticle>>;
  readonly moves: readonly ArticleMove[];
  /** Pending sources renamed since (old → new). */
  readonly renamed: ReadonlyMap<string, string>;
}

/** Pairs what left with what went live, and records in the ledger a move of what was announced. */
export async function followDeparturesAndMoves({
  announce,
  firstRun,
  before,
  live,
  wentLive,
  nowMs,
}: {
  readonly announce: Announcing | undefined;
  readonly firstRun: boolean;
  readonly before: SiteIndex;
  readonly live: readonly IndexedArticle[];
  readonly wentLive: readonly IndexedArticle[];
  readonly nowMs: number;
}): Promise<Departures> {
  const liveSources = new Set(live.map((a) => a.source));
  // What left in an earlier publish (DEPARTED_KEPT_MS), as if it left in this one. One back at its own
  // path is itself again (its own window, no hold), but may still come back under a new identity.
  const recent = recentDepartures(before.departed, nowMs);
  const departed = Object.fromEntries(Object.entries(recent).filter(([s]) => !liveSources.has(s)));
  // The same article at a new address or under a new identity (announce-keys.ts); one still waiting out
  // its window can be the new copy of one that left only now.
  const moves = movesBetween(
    [
      ...Object.values(before.sources).flatMap((s) => (s.live ? [s.article] : [])),
      ...Object.values(recent).map((d) => d.article),
    ],
    live,
    new Set(Object.keys(before.pending ?? {})),
  );
  // What it is now is recorded if it was announced.
  if (announce && !firstRun) await recordMoves(announce.ledger, wentLive, moves, live);
  const renamed = renamedWhilePending(before, departed, live, moves);
  return { departed, moves, renamed };
}

/** What the grace window lets through now, what still waits, and when what waited went live. */
interface GraceStep {
  readonly announce: IndexedArticle[];
  readonly waiting: PendingDigest[];
  /** When what waited went live, by source: the announce window is measured from then. */
  readonly wentLiveMs: Readonly<Record<string, number>>;
}

/**
 * Hands on a digest of what went live (or what the grace window lets through now), with full text when the
 * site asks for it. Undefined without announcing (a preview).
 */
export async function announceWhatWentLive({
  deps,
  theme,
  live,
  wentLive,
  grace,
  firstRun,
  sources,
  io,
  nowMs,
}: {
  readonly deps: Pick<PublishDeps, 'site' | 'announce'>;
  readonly theme: Theme;
  readonly live: readonly IndexedArticle[];
  readonly wentLive: readonly IndexedArticle[];
  readonly grace: GraceStep | undefined;
  readonly firstRun: boolean;
  readonly sources: Readonly<Record<string, IndexedSource>>;
  /** Reads the bodies of a full-text digest. */
  readonly io: PlanInputs;
  readonly nowMs: number;
}): Promise<AnnounceResult | undefined> {
  const { site } = deps;
  const fullText =
    site.digest.content === 'full'
      ? async (id: string, articles: readonly ArticleMeta[]) =>
          planFullText(id, articles, await bodiesOf(articles, live, io), site, theme)
      : undefined;
  return deps.announce
    ? await announce(
        { site, ...deps.announce, ...(fullText ? { fullText } : {}) },
        grace ? grace.announce : wentLive,
        firstRun,
        nowMs,
        live,
        wentLiveAt(sources, grace?.wentLiveMs),
      )
    : undefined;
}

/**
 * Moves the pending digest through its grace window (src/core/grace.ts): records what went live in the
 * index, and returns what is due now. The digest is planned only when the window closes, from the index as
 * it is then, so an edit pushed in the window is what goes out. Announced articles (a cancelled digest's)
 * leave it; `index.pending` is saved with the index, so a crash before that replays the step, and the
 * announce step's ledger makes the replay harmless.
 */
export async function throughGraceWindow({
  deps,
  index,
  live,
  wentLive,
  departed,
  renamed,
  delayMs,
  nowMs,
}: {
  readonly deps: Announcing;
  readonly index: SiteIndex;
  readonly live: readonly IndexedArticle[];
  readonly wentLive: readonly IndexedArticle[];
  /** What left in earlier publishes: one renamed now waited as it left, perhaps held. */
  readonly departed: Readonly<Record<string, DepartedArticle>>;
  /** Pending sources renamed since (old → new): the article keeps its place in the window and its hold. */
  readonly renamed: ReadonlyMap<string, string>;
  readonly delayMs: number;
  readonly nowMs: number;
}): Promise<GraceStep> {
  const bySource = new Map(live.map((a) => [a.source, a]));
  const pendingBefore: Record<string, number> = { ...(index.pending ?? {}) };
  for (const [from, to] of renamed) {
    const atMs = pendingBefore[from] ?? departed[from]?.pendingSinceMs;
    if (atMs === undefined) continue;
    pendingBefore[to] = atMs;
    delete pendingBefore[from];
  }
  const waiting = [...new Set([...Object.keys(pendingBefore), ...wentLive.map((a) => a.source)])]
    .map((source) => bySource.get(source))
    .filter((a): a is IndexedArticle => a !== undefined);
  const unannounced = new Set(await unannouncedOf(deps.ledger, waiting, live));
  const announced = waiting.filter((a) => !unannounced.has(a)).map((a) => a.source);
  // A hold holds only what was already waiting before this publish: an article that goes live now (again,
  // after it was taken off the site) waits out a window of its own, whatever an old hold listed. A hold in
  // the previous release's format holds that and what goes live now, the first publish that reads it (it
  // held the pending digest and whatever joined it), and is written back as a hold listing those.
  const wasPending = Object.keys(pendingBefore);
  const gone = new Set(announced);
  const before = new Set(wasPending.filter((s) => bySource.has(s) && !gone.has(s)));
  const joining = new Set(waiting.map((a) => a.source).filter((s) => !gone.has(s) && !before.has(s)));
  // What waited and whose file is gone now, unpaired (deleted in this publish or an earlier one): a hold
  // keeps listing it until its departure is forgotten (isAway), so the new copy of a renamed file is held by
  // the same hold, and a release or cancel meanwhile applies to it too.
  const away = [
    ...wasPending.filter((s) => index.sources[s] === undefined),
    ...Object.keys(departed).filter((s) => !renamed.has(s) && isAway(index, s, departed[s])),
  ];
  const stored =
    deps.hold &&
    // Something waits, or left waiting: remembered still, or forgotten now and pruned from its hold.
    (wasPending.length > 0 ||
      waiting.length > announced.length ||
      waitingDepartures(index.departed).length > 0)
      ? await deps.hold.holds()
      : undefined;
  // Renamed, each article in one hold: a new copy held on its own before it was paired with its old one
  // stays in the old one's hold (the earlier), which the desk shows it in.
  const claimed = new Set<string>();
  const storedHolds = (stored?.holds ?? []).map((hold) => {
    const sources = hold.sources
      .map((source) => renamed.get(source) ?? source)
      .filter((s) => !claimed.has(s));
    for (const source of sources) claimed.add(source);
    return { ...hold, sources: [...new Set(sources)] };
  });
  const holds = holdsOver(storedHolds, new Set([...before, ...away]), joining);
  const step = graceStep({
    pending: pendingBefore,
    wentLive: wentLive.map((a) => a.source),
    live: new Set(bySource.keys()),
    announced: new Set(announced),
    held: new Set(holds.flatMap((h) => h.sources)),
    delayMs,
    nowMs,
  });
  if (Object.keys(step.pending).length > 0) index.pending = { ...step.pending };
  else delete index.pending;
  // What no longer waits (mailed, cancelled, taken off the site) leaves the holds record, so neither a
  // later publish nor `broadsheet pending` finds an article held by a hold made before it left. Conditional
  // on the version read; a refused write changes nothing here (the holds above already left it out), and the
  // next publish prunes again.
  const kept = holdsOver(holds, new Set([...Object.keys(step.pending), ...away]));
  // A renamed article's old source stays listed beside its new one until a saved index forgets its
  // departure: a publish that stops before saving the index leaves the departure to pair again, and the
  // hold must still name it then.
  const written = kept.map((hold) => {
    const from = [...renamed].flatMap(([f, to]) => (hold.sources.includes(to) ? [f] : []));
    return from.length === 0 ? hold : { ...hold, sources: [...hold.sources, ...from].sort() };
  });
  if (deps.hold && stored && !sameHolds(written, stored.holds))
    await deps.hold.saveHolds(written, stored.version);
  const articlesOf = (sources: readonly string[]) =>
    sources.map((s) => bySource.get(s)).filter((a): a is IndexedArticle => a !== undefined);
  const waitingDigests = pendingDigests(step.pending, kept, delayMs).map(
    (d): PendingDigest => ({
      id: d.id,
      articles: articlesOf(d.sources).map((a) => a.url),
      dueAtMs: d.dueAtMs,
      held: d.held,
    }),
  );
  return {
    announce: articlesOf(step.announce).sort(byNewest),
    waiting: waitingDigests,
    wentLiveMs: pendingBefore,
  };
}

/**
 * Keeps what left the site in this publish, and what left in recent ones and is still unpaired, in the
 * index (DEPARTED_KEPT_MS): each with when it went live, if it was waiting.
 */
export function rememberDepartures({
  index,
  before,
  departed,
  removed,
  paired,
  grace,
  nowMs,
}: {
  readonly index: SiteIndex;
  readonly before: SiteIndex;
  readonly departed: Readonly<Record<string, DepartedArticle>>;
  readonly removed: readonly string[];
  /** Sources found at another address in this publish: no longer departed. */
  readonly paired: ReadonlySet<string>;
  readonly grace: { wentLiveMs: Readonly<Record<string, number>> } | undefined;
  readonly nowMs: number;
}): void {
  const kept: Record<string, DepartedArticle> = {};
  for (const [source, d] of Object.entries(departed)) if (!paired.has(source)) kept[source] = d;
  for (const source of removed) {
    const article = before.sources[source]?.article;
    if (!article || paired.has(source)) continue;
    // Only a deleted file keeps its place in the window (perhaps half of a rename); a draft or a post
    // rescheduled to a later date was withdrawn on purpose, and stays so if its file goes later.
    const pendingSinceMs = index.sources[source] === undefined ? grace?.wentLiveMs[source] : undefined;
    kept[source] = { article, atMs: nowMs, ...(pendingSinceMs === undefined ? {} : { pendingSinceMs }) };
  }
  if (Object.keys(kept).length > 0) index.departed = kept;
  else delete index.departed;
}

const sameHolds = (a: readonly DigestHold[], b: readonly DigestHold[]) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Sources that waited in the grace window and are gone, each with the source its article went live under,
 * as `moves` paired them (the one pairing of publish, check and diff). Two candidates for one article make
 * no guess.
 */
function renamedWhilePending(
  before: SiteIndex,
  departed: Readonly<Record<string, DepartedArticle>>,
  live: readonly IndexedArticle[],
  moves: readonly ArticleMove[],
): Map<string, string> {
  const pending: Record<string, number> = { ...before.pending };
  for (const [source, d] of Object.entries(departed))
    if (d.pendingSinceMs !== undefined) pending[source] ??= d.pendingSinceMs;
  const liveSources = new Set(live.map((a) => a.source));
  // A new copy may wait already (put before the old one left), as long as it went live after the old one.
  const movedTo = (m: ArticleMove) =>
    m.from !== m.article.source &&
    (pending[m.article.source] ?? Number.POSITIVE_INFINITY) >= (pending[m.from] ?? 0);
  const moved = new Map(moves.filter(movedTo).map((m) => [m.from, m.article.source]));
  const renamed = new Map<string, string>();
  const taken = new Set<string>();
  for (const source of Object.keys(pending)) {
    const next = moved.get(source);
    if (liveSources.has(source) || !next || taken.has(next)) continue;
    taken.add(next);
    renamed.set(source, next);
  }
  return renamed;
}
