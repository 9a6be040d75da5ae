// The one pipeline of both editions: apply source changes to the index, then render and write the outputs
// whose key changed, then announce what went live. The local build is publishChanges(deps, 'all') in strict
// mode; the cloud publishes the paths its S3 events name, leniently. Only the adapters differ.
import { aliasProblems } from '../core/aliases.js';
import { type ArticleMove, movesBetween } from '../core/announce-keys.js';
import {
  type Article,
  type ArticleMeta,
  contentHash,
  type ParseResult,
  parseArticleSafely,
  prepareToParse,
  type SourceTags,
} from '../core/article.js';
import { duplicateSlugProblems, futureUpdateProblems, hasErrors, tagClashProblems } from '../core/corpus.js';
import { rehearseDigest } from '../core/digest.js';
import { ContentError, NotFoundError, type Problem } from '../core/errors.js';
import { feedUrlsAmong } from '../core/feeds.js';
import { planFullText } from '../core/full-text-plan.js';
import { type DigestHold, graceStep, holdsOver, pendingDigests } from '../core/grace.js';
import { weeksToArchive, withIssues } from '../core/newsletter.js';
import { byNewest } from '../core/order.js';
import type {
  AnnouncementLedger,
  ArticleParser,
  ArticleSourceStore,
  DigestHoldStore,
  DigestQueue,
  DigestRecord,
  HubNotifier,
  IssueSource,
  PublishedThemeStore,
  PublishLease,
  PublishScheduler,
  RecipientPages,
  SiteIndexStore,
  SiteStore,
  StaticAssetStore,
  ThemeSourceStore,
} from '../core/ports.js';
import { aliasOntoPageProblems } from '../core/published-ids.js';
import type { SiteConfig } from '../core/site.js';
import {
  feedWindows,
  folderClashes,
  type PlanInputs,
  planSite,
  redirectPath,
  type SiteFile,
  type SitePlanInput,
  staticAssetProblem,
  staticClashes,
} from '../core/site-build.js';
import {
  type DepartedArticle,
  emptyIndex,
  type IndexedArticle,
  type IndexedSource,
  indexArticle,
  isAway,
  isFirstRun,
  isLive,
  liveArticles,
  nextScheduledMs,
  parseKeyOf,
  recentDepartures,
  type SiteIndex,
  waitingDepartures,
  wentLiveAt,
} from '../core/site-index.js';
import { isPagePath, navPages, parsePage } from '../core/site-page.js';
import { type PublishedTheme, publishedThemeOf, type Theme, themeFor } from '../core/theme.js';
import { untaggedTopicProblems } from '../core/topics.js';
import {
  type Announcement,
  type AnnounceResult,
  announce,
  isFirstRunOf,
  recordMoves,
  unannouncedOf,
} from './announce.js';
import { underLease } from './lease.js';
import { type PublishReport, publishSite, SkipFile } from './publish-site.js';
import { weeklyDigestId } from './weekly.js';

export interface PublishDeps {
  readonly site: SiteConfig;
  readonly content: ArticleSourceStore;
  readonly assets: StaticAssetStore;
  /** Pages (content/pages/*.md); without it, a site has none. */
  readonly pages?: ArticleSourceStore;
  /** The site's own theme files (content/theme/); without it, the theme site.yaml names as bundled. */
  readonly theme?: ThemeSourceStore;
  /**
   * Where the theme goes for the functions that render mail and the subscription pages (the cloud); the
   * local edition renders those with the theme it loads itself.
   */
  readonly publishedTheme?: PublishedThemeStore;
  readonly output: SiteStore;
  readonly index: SiteIndexStore;
  /**
   * 'strict' (the local build): any problem in any file stops the run before anything is written.
   * 'lenient' (the cloud): a rejected file keeps its last good version online and the rest is published.
   */
  readonly mode: 'strict' | 'lenient';
  /** Where sources are parsed; without it, in this thread. */
  readonly parser?: ArticleParser;
  /** Without it nothing is announced (a preview). */
  readonly announce?: {
    readonly ledger: AnnouncementLedger;
    readonly digests: DigestQueue;
    /** The operator's hold on a digest in its grace window; without it nothing is ever held. */
    readonly hold?: DigestHoldStore;
    /**
     * Confirmed subscribers, a page at a time: an instant digest nobody receives (everyone chose weekly,
     * no topic matches, nobody confirmed) is recorded as such and gets no archive page.
     */
    readonly recipients: RecipientPages;
    /**
     * Where the weekly digests that went out are read for the public archive; without it the archive
     * lists the instant digests only.
     */
    readonly issues?: IssueSource;
  };
  /**
   * Serializes publishes where events arrive concurrently (the cloud), and a publish with the operator's
   * desk commands (both editions): a hold written while a publish runs would come too late for it.
   */
  readonly lease?: PublishLease;
  /** How long to wait for another publish to finish before giving up (the batch is retried). */
  readonly leaseWaitMs?: number;
  /** How long a lease lasts if its holder dies (at least the publish function's timeout). */
  readonly leaseTtlMs?: number;
  /** Asked to run a publish when the next scheduled article is due, so it goes live on time. */
  readonly scheduler?: PublishScheduler;
  /** Told about every feed a publish changed (WebSub); never blocks publishing. */
  readonly hub?: HubNotifier;
}

/** Content-relative paths that changed ('posts/a.md', 'static/images/a.svg'), or 'all' to compare everything. */
export type SourceChanges = 'all' | readonly string[];

export interface PublishOutcome {
  /** Article sources whose new version is online now (created, edited, or come due). */
  readonly published: string[];
  /** Taken off the site: deleted, or now a draft or dated in the future. */
  readonly removed: string[];
  /** Looked at and found unchanged (a repeated event, a touched file). */
  readonly unchanged: string[];
  /** Errors (files rejected: their last good version stays) and warnings. */
  readonly problems: readonly Problem[];
  readonly site: PublishReport;
  readonly digest?: Announcement;
  /** Went live past `announce_window`: recorded as announced without mail. */
  readonly late?: readonly ArticleMeta[];
  readonly articles: number;
  /** What readers see now, newest first. */
  readonly live: readonly IndexedArticle[];
  readonly drafts: number;
  readonly scheduled: number;
  readonly hub?: { readonly notified: number; readonly failed: number };
  /** A digest waiting out its grace window (`digest.delay`), else one held by the operator. */
  readonly pendingDigest?: PendingDigest;
  /** Every digest waiting: those the operator holds, then the one waiting out its window. */
  readonly pendingDigests?: readonly PendingDigest[];
}

export interface PendingDigest {
  /** What `broadsheet hold`, `release` and `cancel` name it by. */
  readonly id: string;
  /** Permalinks of the articles it will carry, as they are now. */
  readonly articles: readonly string[];
  /** When its window closes (it goes then, unless held). */
  readonly dueAtMs: number;
  readonly held: boolean;
}

/** Why a publish gave up waiting for the lease. */
export const PUBLISH_BUSY =
  'another publish or a desk command (hold, release, cancel) held the publish lease for too long; try again later';

export async function publishChanges(
  deps: PublishDeps,
  changes: SourceChanges,
  now: Date,
): Promise<PublishOutcome> {
  // The desk commands (hold, release, cancel) take the same lease: see src/pipeline/desk.ts.
  return underLease(deps.lease, deps, PUBLISH_BUSY, () => publishLocked(deps, changes, now));
}

const isArticlePath = (path: string) => /^posts\/[^/]+\.md$/.test(path);
const STATIC = 'static/';

async function readOrMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** How many sources may be read and not parsed yet: enough to keep other threads busy. */
const PARSES_AHEAD = 256;

/** Parsing in the publishing thread: the cloud's, and a small local build's. */
const inThisThread: ArticleParser = { parse: parseArticleSafely };

/**
 * The theme this publish renders with, read whole every time (a handful of small files): a change to it
 * arrives as an S3 event that names no article, and must still re-render what it affects. A broken template
 * stops the publish in both editions, before anything is written: every page would show it.
 */
export async function loadTheme(site: SiteConfig, store: ThemeSourceStore | undefined): Promise<Theme> {
  return (await loadThemeAndOverrides(site, store)).theme;
}

async function loadThemeAndOverrides(
  site: SiteConfig,
  store: ThemeSourceStore | undefined,
): Promise<{ theme: Theme; published: PublishedTheme }> {
  const overrides = store ? await store.files() : {};
  return { theme: themeFor(site, overrides), published: publishedThemeOf(overrides) };
}

async function publishLocked(deps: PublishDeps, changes: SourceChanges, now: Date): Promise<PublishOutcome> {
  const { site } = deps;
  const { theme, published: publishedTheme } = await loadThemeAndOverrides(site, deps.theme);
  const nowMs = now.getTime();
  const stored = await deps.index.load();
  const parseKey = parseKeyOf(site);
  // Links in bodies are absolute and dates read in the site's zone: a change there re-parses every source.
  const reparseAll = stored !== undefined && stored.parseKey !== parseKey;
  const before = stored ?? emptyIndex(site);
  const problems: Problem[] = [];
  const paths = await findChangedPaths({ deps, changes, reparseAll, before });
  const { sources, parsed, changedPaths, unchanged, failedTags } = await readChangedSources({
    deps,
    paths: paths.articles,
    versions: paths.articleVersions,
    reparseAll,
    before: before.sources,
    problems,
  });
  rejectClashes(
    { mode: deps.mode, sources, before: before.sources, changed: changedPaths, problems },
    failedTags,
  );
  const { assets, assetBytes } = await readChangedAssets({
    deps,
    paths: paths.assets,
    versions: paths.assetVersions,
    before: before.assets,
    problems,
  });

  const pages = await applyPageChanges({ deps, changes, reparseAll, before: before.pages ?? {}, problems });
  const nav = navigationOf({ mode: deps.mode, site, pages, sources, nowMs, problems });
  const warnings = collectWarnings({ site, sources, pageWarnings: nav.warnings, theme, nowMs });
  if (deps.mode === 'strict' && hasErrors(problems)) throw new ContentError([...problems, ...warnings]);

  const index = nextIndex({ before, parseKey, sources, assets, pages });
  const live = liveArticles(index, nowMs);
  const input = planInputOf({ site, index, live, theme, nav: nav.nav });
  const { io, knownBody } = siteReads({ deps, parsed, feedBodies: before.feedBodies, assetBytes });
  const { plan, withoutClashes } = planSiteWithoutClashes({ mode: deps.mode, input, io, problems, warnings });
  // A digest renders with the theme too: one whose mail templates fail stops the publish here, before the
  // site changes, not once the site is written and a digest is due.
  if (deps.announce && live[0]) rehearseDigest({ id: 'rehearsal', articles: [live[0]] }, site, theme);
  const firstPass = await publishSite(plan, deps.output);

  index.feedBodies = feedBodiesOf(input, knownBody);
  const { wentLive, published, removed } = whatWentLive({
    before: before.sources,
    sources,
    live,
    changed: changedPaths,
    nowMs,
  });
  markLive(sources, nowMs);
  // Before anything is announced, so a digest sent after this publish renders with the theme it published.
  await savePublishedTheme({ store: deps.publishedTheme, index, theme: publishedTheme });

  const firstRun = await isFirstRunOf(isFirstRun(stored), deps.announce?.ledger, live);
  const { departed, moves, renamed } = await followDeparturesAndMoves({
    announce: deps.announce,
    firstRun,
    before,
    live,
    wentLive,
    nowMs,
  });
  const grace = await graceWindowOf({
    announce: deps.announce,
    firstRun,
    site,
    index,
    live,
    wentLive,
    departed,
    renamed,
    nowMs,
  });
  const announced = await announceWhatWentLive({
    deps,
    theme,
    live,
    wentLive,
    grace,
    firstRun,
    sources,
    io,
    nowMs,
  });
  // What this publish handed on, for the report: its own digest, or else the one it finished for a publish
  // that stopped halfway (both are archived).
  const digest = announced?.digest ?? announced?.resumed;
  const waiting = grace?.waiting ?? [];
  const pendingDigest = waiting.find((d) => !d.held) ?? waiting[0];
  const report = await archiveIssuesWentOut({
    deps,
    index,
    announced,
    digest,
    planned: { input, io, withoutClashes },
    report: firstPass,
  });
  const paired = new Set([...moves.map((m) => m.from), ...renamed.keys()]);
  rememberDepartures({ index, before, departed, removed, paired, grace, nowMs });
  await wakeForNext(
    deps.scheduler,
    index,
    earliest(nextScheduledMs(index, nowMs), waiting.find((d) => !d.held)?.dueAtMs),
  );
  await deps.index.save(index);

  const changedFeeds = feedUrlsAmong(site, report.written);
  const hub = deps.hub && changedFeeds.length > 0 ? await deps.hub.notify(changedFeeds) : undefined;
  const all = Object.values(sources).map((s) => s.article);
  return {
    published,
    removed,
    unchanged,
    problems: [...problems, ...warnings],
    site: report,
    ...(digest ? { digest } : {}),
    ...(announced && announced.late.length > 0 ? { late: announced.late } : {}),
    ...(hub ? { hub } : {}),
    ...(pendingDigest ? { pendingDigest, pendingDigests: waiting } : {}),
    articles: all.length,
    live,
    drafts: all.filter((a) => a.draft).length,
    scheduled: all.filter((a) => !a.draft && a.dateMs > nowMs).length,
  };
}

/** The sources a publish looks at, with the versions their stores listed (when they were listed). */
interface ChangedPaths {
  readonly articles: readonly string[];
  readonly articleVersions: ReadonlyMap<string, string>;
  /** Site paths under static/ ('images/a.svg'). */
  readonly assets: readonly string[];
  readonly assetVersions: ReadonlyMap<string, string>;
}

/** Which sources to look at: those named, or every one whose listed version differs from the index's. */
async function findChangedPaths({
  deps,
  changes,
  reparseAll,
  before,
}: {
  readonly deps: Pick<PublishDeps, 'content' | 'assets'>;
  readonly changes: SourceChanges;
  readonly reparseAll: boolean;
  readonly before: SiteIndex;
}): Promise<ChangedPaths> {
  const sources = before.sources;
  const assets = before.assets;
  let articleVersions = new Map<string, string>();
  let articlePaths: string[];
  let assetVersions = new Map<string, string>();
  let assetPaths: string[];
  if (changes === 'all' || reparseAll) {
    articleVersions = new Map((await deps.content.list()).map((e) => [e.path, e.version]));
    articlePaths = [...new Set([...articleVersions.keys(), ...Object.keys(sources)])].filter(
      (path) => reparseAll || sources[path]?.version !== articleVersions.get(path),
    );
  } else {
    articlePaths = changes.filter(isArticlePath);
  }
  if (changes === 'all') {
    assetVersions = new Map((await deps.assets.list()).map((e) => [e.path, e.version]));
    assetPaths = [...new Set([...assetVersions.keys(), ...Object.keys(assets)])].filter(
      (path) => assets[path]?.version !== assetVersions.get(path),
    );
  } else {
    assetPaths = changes.filter((p) => p.startsWith(STATIC)).map((p) => p.slice(STATIC.length));
  }
  return { articles: articlePaths, articleVersions, assets: assetPaths, assetVersions };
}

/** The article sources after this publish read its changes, before any clash between them is rejected. */
interface ReadSources {
  /** The index's sources with what was read applied: parsed anew, deleted, or re-versioned. */
  readonly sources: Record<string, IndexedSource>;
  /** Articles parsed in this run, by render key: their bodies are at hand. */
  readonly parsed: Map<string, Article>;
  /** Sources whose entry changed (parsed anew, or deleted); a rejected clash leaves it again. */
  readonly changedPaths: Set<string>;
  /** Read and found the same bytes. */
  readonly unchanged: string[];
  /** The tags of files that failed after their tags were read. */
  readonly failedTags: Map<string, SourceTags>;
}

/**
 * Reads and parses the changed article sources in path order; a file that does not parse keeps its last
 * good version (its problems are added to `problems`).
 */
async function readChangedSources({
  deps,
  paths,
  versions,
  reparseAll,
  before,
  problems,
}: {
  readonly deps: Pick<PublishDeps, 'content' | 'parser' | 'site'>;
  readonly paths: readonly string[];
  /** What the store listed, when it was listed. */
  readonly versions: ReadonlyMap<string, string>;
  readonly reparseAll: boolean;
  readonly before: Readonly<Record<string, IndexedSource>>;
  readonly problems: Problem[];
}): Promise<ReadSources> {
  const { site } = deps;
  const sources: Record<string, IndexedSource> = { ...before };
  const parsed = new Map<string, Article>();
  const changedPaths = new Set<string>();
  const unchanged: string[] = [];
  const toRead = [...new Set(paths)].sort();
  deps.content.prefetch?.(toRead);
  const parser = deps.parser ?? inThisThread;
  parser.expect?.(toRead.length);
  // Parses run while later sources are read (on other threads, where the parser has them); their results
  // are applied afterwards in path order, as if parsed one by one.
  const parsing: { path: string; version: string; old?: IndexedSource; result: Promise<ParseResult> }[] = [];
  for (const path of toRead) {
    const source = await readOrMissing(() => deps.content.read(path));
    const old = sources[path];
    if (!source) {
      if (old) {
        delete sources[path];
        changedPaths.add(path);
      }
      continue;
    }
    const hash = contentHash(source.bytes);
    const version = versions.get(path) ?? source.version ?? hash;
    if (old && old.article.hash === hash && !reparseAll) {
      // Same bytes under a new version (a fresh checkout, a repeated event): nothing to parse.
      sources[path] = { ...old, version };
      unchanged.push(path);
      continue;
    }
    const result = parser.parse(source, site, hash);
    // Awaited below, in order; until then a failure must not count as unhandled.
    result.catch(() => undefined);
    parsing.push({ path, version, ...(old ? { old } : {}), result });
    // Reading stays at most PARSES_AHEAD sources ahead of parsing: each waiting source holds its bytes.
    await parsing[parsing.length - PARSES_AHEAD]?.result;
  }
  const failedTags = new Map<string, SourceTags>();
  for (const { path, version, old, result: pending } of parsing) {
    const result = await pending;
    if (!result.ok) {
      problems.push(...result.problems);
      if (result.tagged) failedTags.set(path, result.tagged);
      continue; // the last good version, if any, stays
    }
    const article = indexArticle(result.article);
    parsed.set(article.renderKey, result.article);
    // Still written ahead while its date stays and it is no draft; a new date, or a draft, is judged afresh.
    const ahead =
      old?.seenScheduled && !article.draft && old.article.dateMs === article.dateMs
        ? { seenScheduled: true as const }
        : {};
    sources[path] = { version, article, warnings: result.warnings, live: old?.live ?? false, ...ahead };
    changedPaths.add(path);
  }
  return { sources, parsed, changedPaths, unchanged, failedTags };
}

/** What the clash rules read and change: the sources as read, and the index's before this publish. */
interface ClashCheck {
  readonly mode: PublishDeps['mode'];
  /** Changed in place: a rejected file keeps its earlier version (lenient) or stays off. */
  readonly sources: Record<string, IndexedSource>;
  readonly before: Readonly<Record<string, IndexedSource>>;
  /** What this publish changed; a rejected file leaves it. */
  readonly changed: Set<string>;
  /** Where the clashes found are added. */
  readonly problems: Problem[];
}

/** Rejects the clashes between articles: two at one address, an alias clash, a tag clash. */
function rejectClashes(clash: ClashCheck, failedTags: ReadonlyMap<string, SourceTags>): void {
  rejectDuplicateSlugs(clash);
  rejectAliasClashes(clash);
  // Strict: a file that failed after reading its tags is checked with them as they are now, so its clashes
  // with other articles show in this run, not after its own problem is fixed.
  const tagsNow = (articles: readonly ArticleMeta[]) =>
    tagClashProblems([...articles.filter((a) => !failedTags.has(a.source)), ...failedTags.values()]);
  const tagRule = clash.mode === 'strict' ? tagsNow : tagClashProblems;
  rejectAliasClashes(clash, tagRule);
}

/** The static files after this publish read its changes, and the bytes it read (for writing them). */
interface ReadAssets {
  readonly assets: SiteIndex['assets'];
  readonly assetBytes: Map<string, Uint8Array>;
}

/** Reads the changed static files; one the site cannot serve keeps its last good version (a problem). */
async function readChangedAssets({
  deps,
  paths,
  versions,
  before,
  problems,
}: {
  readonly deps: Pick<PublishDeps, 'assets'>;
  readonly paths: readonly string[];
  /** What the store listed, when it was listed. */
  readonly versions: ReadonlyMap<string, string>;
  readonly before: SiteIndex['assets'];
  readonly problems: Problem[];
}): Promise<ReadAssets> {
  const assets: SiteIndex['assets'] = { ...before };
  const assetBytes = new Map<string, Uint8Array>();
  for (const path of [...new Set(paths)].sort()) {
    const file = await readOrMissing(() => deps.assets.read(path));
    if (!file) {
      delete assets[path];
      continue;
    }
    const reason = staticAssetProblem(path, file.bytes);
    if (reason) {
      problems.push({ file: `static/${path}`, field: 'file', reason, severity: 'error' });
      continue;
    }
    assetBytes.set(path, file.bytes);
    assets[path] = { version: versions.get(path) ?? file.version ?? '', hash: contentHash(file.bytes) };
  }
  return { assets, assetBytes };
}

/**
 * The one slug rule (duplicateSlugProblems): the article that already held the slug keeps it, and only a
 * newcomer is an error (lenient: its earlier version, if any, stays).
 */
function rejectDuplicateSlugs(clash: ClashCheck): void {
  const { mode, sources, before, changed, problems } = clash;
  const articles = Object.values(sources).map((s) => s.article);
  // Who held an address before this publish: a file unchanged since, or one that had this slug then.
  const heldBy = (url: string) =>
    articles.find((a) => a.url === url && (!changed.has(a.source) || before[a.source]?.article.url === url))
      ?.source;
  for (const problem of duplicateSlugProblems(articles, heldBy)) {
    const url = sources[problem.file]?.article.url;
    if (mode === 'lenient') keepEarlierVersion(clash, problem.file, (prior) => prior.article.url !== url);
    problems.push(problem);
  }
}

/**
 * The one alias rule (src/core/aliases.ts): an alias may not name another article's address or one another
 * article declares; and the one tag rule (corpus.ts), passed as `rule`. Strict: every clash is an error. Lenient: the files this publish changed that take part
 * in a clash keep their earlier version (or stay off the site); what was already published stays.
 */
function rejectAliasClashes(
  clash: ClashCheck,
  rule: (articles: readonly ArticleMeta[]) => Problem[] = aliasProblems,
): void {
  const { mode, sources, changed, problems } = clash;
  const clashes = rule(Object.values(sources).map((s) => s.article));
  if (mode === 'strict') {
    problems.push(...clashes);
    return;
  }
  for (const problem of clashes) {
    if (!changed.has(problem.file)) continue;
    keepEarlierVersion(clash, problem.file, () => true);
    problems.push(problem);
  }
}

/** Undoes this publish's change to one source: its earlier version stays (if `usable`), else it stays off. */
function keepEarlierVersion(
  { sources, before, changed }: ClashCheck,
  path: string,
  usable: (prior: IndexedSource) => boolean,
): void {
  const prior = before[path];
  if (prior && usable(prior)) sources[path] = prior;
  else delete sources[path];
  changed.delete(path);
}

/**
 * Applies changes to pages (content/pages/*.md) the way articles are applied: the named ones, or every one
 * whose listed version differs; a page that does not parse keeps its earlier version (or stays off).
 */
async function applyPageChanges({
  deps,
  changes,
  reparseAll,
  before,
  problems,
}: {
  readonly deps: Pick<PublishDeps, 'pages' | 'site'>;
  readonly changes: SourceChanges;
  readonly reparseAll: boolean;
  readonly before: NonNullable<SiteIndex['pages']>;
  readonly problems: Problem[];
}): Promise<NonNullable<SiteIndex['pages']>> {
  const pages = { ...before };
  if (!deps.pages) return pages;
  let versions = new Map<string, string>();
  let paths: string[];
  if (changes === 'all' || reparseAll) {
    versions = new Map((await deps.pages.list()).map((e) => [e.path, e.version]));
    paths = [...new Set([...versions.keys(), ...Object.keys(pages)])].filter(
      (path) => reparseAll || pages[path]?.version !== versions.get(path),
    );
  } else {
    paths = changes.filter(isPagePath);
  }
  for (const path of [...new Set(paths)].sort()) {
    const source = await readOrMissing(() => (deps.pages as ArticleSourceStore).read(path));
    if (!source) {
      delete pages[path];
      continue;
    }
    await prepareToParse([source]);
    const result = parsePage(source, deps.site);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const version = versions.get(path) ?? source.version ?? contentHash(source.bytes);
    pages[path] = {
      version,
      page: result.page,
      ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    };
  }
  return pages;
}

/** The navigation of the pages, and their warnings (the cloud's problems with them among those). */
interface Navigation {
  readonly nav: ReturnType<typeof navPages>['nav'];
  readonly warnings: Problem[];
}

/**
 * The navigation site.yaml asks for, among the pages there are now. A nav entry without its page, an alias
 * at a page's address: the build stops; the cloud leaves the entry out of the navigation and writes the
 * page, not the redirect, and says so.
 */
function navigationOf({
  mode,
  site,
  pages,
  sources,
  nowMs,
  problems,
}: {
  readonly mode: PublishDeps['mode'];
  readonly site: SiteConfig;
  readonly pages: NonNullable<SiteIndex['pages']>;
  readonly sources: Readonly<Record<string, IndexedSource>>;
  readonly nowMs: number;
  /** Read for the pages that failed; strict, where the navigation's problems are added. */
  readonly problems: Problem[];
}): Navigation {
  const pageWarnings: Problem[] = Object.values(pages).flatMap((p) => p.warnings ?? []);
  const nav = navPages(
    site,
    Object.values(pages).map((p) => p.page),
    problems.filter((p) => p.file.startsWith('pages/')),
  );
  const pageProblems = [
    ...nav.problems,
    // What check reads: the articles live now (a draft's aliases are written when it goes live).
    ...aliasOntoPageProblems(
      Object.values(sources)
        .map((s) => s.article)
        .filter((a) => isLive(a, nowMs)),
      Object.values(pages).map((p) => p.page),
      site,
    ),
  ];
  if (mode === 'strict') problems.push(...pageProblems);
  else pageWarnings.push(...pageProblems.map((p) => ({ ...p, severity: 'warning' as const })));
  return { nav: nav.nav, warnings: pageWarnings };
}

/** Every warning of this publish: the sources', the pages', the theme's, and those of the corpus as a whole. */
function collectWarnings({
  site,
  sources,
  pageWarnings,
  theme,
  nowMs,
}: {
  readonly site: SiteConfig;
  readonly sources: Readonly<Record<string, IndexedSource>>;
  readonly pageWarnings: readonly Problem[];
  readonly theme: Theme;
  readonly nowMs: number;
}): Problem[] {
  return [
    ...Object.values(sources).flatMap((s) => s.warnings),
    ...pageWarnings,
    ...theme.warnings,
    ...futureUpdateProblems(
      Object.values(sources).map((s) => s.article),
      nowMs,
    ),
    ...untaggedTopicProblems(
      site.topics,
      Object.values(sources).map((s) => s.article),
    ),
  ];
}

/** The index after this publish: its sources, files and pages as they are now, the rest as it was. */
function nextIndex({
  before,
  parseKey,
  sources,
  assets,
  pages,
}: {
  readonly before: SiteIndex;
  readonly parseKey: string;
  /** Kept as the index's own: what went live is marked in it later. */
  readonly sources: Record<string, IndexedSource>;
  readonly assets: SiteIndex['assets'];
  readonly pages: NonNullable<SiteIndex['pages']>;
}): SiteIndex {
  return {
    format: 2,
    parseKey,
    sources,
    assets,
    pages,
    feedBodies: before.feedBodies,
    ...(before.wakeAtMs === undefined ? {} : { wakeAtMs: before.wakeAtMs }),
    ...(before.pending === undefined ? {} : { pending: before.pending }),
    ...(before.issues === undefined ? {} : { issues: before.issues }),
    ...(before.themeKey === undefined ? {} : { themeKey: before.themeKey }),
    ...(before.weeklyArchivedMs === undefined ? {} : { weeklyArchivedMs: before.weeklyArchivedMs }),
    ...(before.departed === undefined ? {} : { departed: before.departed }),
    ...(before.hadArticles || Object.keys(sources).length > 0 ? { hadArticles: true as const } : {}),
  };
}

/** What the site is planned from: the articles live now, the static files, the theme, the pages. */
function planInputOf({
  site,
  index,
  live,
  theme,
  nav,
}: {
  readonly site: SiteConfig;
  readonly index: SiteIndex;
  readonly live: readonly IndexedArticle[];
  readonly theme: Theme;
  readonly nav: NonNullable<SitePlanInput['nav']>;
}): SitePlanInput {
  return {
    site,
    live,
    assets: Object.entries(index.assets).map(([path, { hash }]) => ({ path, hash })),
    theme,
    pages: Object.values(index.pages ?? {})
      .map((p) => p.page)
      .filter((p) => !p.draft)
      .sort((a, b) => a.name.localeCompare(b.name)),
    nav,
    issues: index.issues ?? [],
  };
}

/** How the plan reads what it renders, and the bodies it has at hand (for the feeds the index keeps). */
interface SiteReads {
  readonly io: PlanInputs;
  /** A body already at hand: parsed in this run, kept in the index for the feeds, or read again earlier. */
  readonly knownBody: (renderKey: string) => string | undefined;
}

function siteReads({
  deps,
  parsed,
  feedBodies,
  assetBytes,
}: {
  readonly deps: Pick<PublishDeps, 'site' | 'content' | 'assets' | 'announce'>;
  readonly parsed: ReadonlyMap<string, Article>;
  /** The bodies the index kept for the feeds. */
  readonly feedBodies: SiteIndex['feedBodies'];
  /** The static files read in this run. */
  readonly assetBytes: ReadonlyMap<string, Uint8Array>;
}): SiteReads {
  const loaded = new Map<string, string>();
  const issueSource = deps.announce?.issues;
  const knownBody = (renderKey: string) =>
    parsed.get(renderKey)?.html ?? feedBodies[renderKey] ?? loaded.get(renderKey);
  const io: PlanInputs = {
    body: async (article) => {
      const known = knownBody(article.renderKey);
      if (known !== undefined) return known;
      const html = await bodyFromSource(deps, article);
      loaded.set(article.renderKey, html);
      return html;
    },
    asset: async (path) => {
      const bytes = assetBytes.get(path) ?? (await readOrMissing(() => deps.assets.read(path)))?.bytes;
      if (!bytes) throw new SkipFile(`static/${path} is gone`);
      return bytes;
    },
    ...(issueSource ? { digest: (id: string) => issueSource.digest(id) } : {}),
  };
  return { io, knownBody };
}

/** The site's files, less those it cannot write; and the same filter for a later plan (the archive's). */
interface SitePlan {
  readonly plan: SiteFile[];
  /** Drops the static files that clash with a generated page. */
  readonly withoutClashes: (files: SiteFile[]) => SiteFile[];
}

/**
 * Plans the site and drops what cannot be written. Strict: a clash stops the publish (ContentError with
 * every problem and warning so far); lenient: it is a problem, and the rest is written.
 */
function planSiteWithoutClashes({
  mode,
  input,
  io,
  problems,
  warnings,
}: {
  readonly mode: PublishDeps['mode'];
  readonly input: SitePlanInput;
  readonly io: PlanInputs;
  /** Where the clashes found are added. */
  readonly problems: Problem[];
  /** For the error that stops a strict publish. */
  readonly warnings: readonly Problem[];
}): SitePlan {
  const { site, live } = input;
  // A static file at a generated page's address: the build stops; the cloud keeps the generated page.
  let plan = planSite(input, io);
  const clashes = staticClashes(plan);
  const clashing = new Set(clashes.map((c) => c.path));
  const withoutClashes = (files: typeof plan) =>
    files.filter((f) => !(clashing.has(f.path) && f.key.startsWith('static:')));
  if (clashes.length > 0) {
    const clashProblems = clashes.map(
      (c): Problem => ({ file: `static/${c.path}`, field: 'file', reason: c.reason, severity: 'error' }),
    );
    if (mode === 'strict') throw new ContentError([...problems, ...clashProblems, ...warnings]);
    problems.push(...clashProblems);
    plan = withoutClashes(plan);
  }
  // A file inside a file the site writes (an alias /feed.xml/): never written, in either mode.
  const nested = folderClashes(plan);
  if (nested.length > 0) {
    const aliasOf = new Map(
      live.flatMap((a) => (a.aliases ?? []).map((alias) => [redirectPath(site, alias), a] as const)),
    );
    const isStatic = new Set(plan.filter((f) => f.key.startsWith('static:')).map((f) => f.path));
    const nestedProblems = nested.map(({ path, file }): Problem => {
      const article = aliasOf.get(path);
      const folder = path.slice(0, path.lastIndexOf('/') + 1);
      return article
        ? {
            file: article.source,
            field: 'aliases',
            reason: `/${folder} is inside /${file}, a file the site writes: no redirect can be written there`,
            severity: 'error',
          }
        : {
            file: isStatic.has(path) ? `static/${path}` : path,
            field: 'file',
            reason: `/${path} would be inside /${file}, a file the site writes`,
            severity: 'error',
          };
    });
    if (mode === 'strict') throw new ContentError([...problems, ...nestedProblems, ...warnings]);
    problems.push(...nestedProblems);
    const inside = new Set(nested.map((c) => c.path));
    plan = plan.filter((f) => !inside.has(f.path));
  }
  return { plan, withoutClashes };
}

/** The bodies of the articles the feeds show, kept in the index so the next publish need not read them. */
function feedBodiesOf(input: SitePlanInput, knownBody: SiteReads['knownBody']): Record<string, string> {
  const feedBodies: Record<string, string> = {};
  for (const window of feedWindows(input)) {
    for (const a of window) {
      const html = knownBody(a.renderKey);
      if (html !== undefined) feedBodies[a.renderKey] = html;
    }
  }
  return feedBodies;
}

/** What this publish changed for readers, by source. */
interface LiveChanges {
  /** Live now and not before, or not at this address. */
  readonly wentLive: IndexedArticle[];
  /** Whose new version is online now: changed and live, or gone live. */
  readonly published: string[];
  /** Live before and not now. */
  readonly removed: string[];
}

function whatWentLive({
  before,
  sources,
  live,
  changed,
  nowMs,
}: {
  readonly before: Readonly<Record<string, IndexedSource>>;
  readonly sources: Readonly<Record<string, IndexedSource>>;
  readonly live: readonly IndexedArticle[];
  readonly changed: ReadonlySet<string>;
  readonly nowMs: number;
}): LiveChanges {
  const wasLive = (a: IndexedArticle) => {
    const prior = before[a.source];
    return prior?.live === true && prior.article.url === a.url;
  };
  const wentLive = live.filter((a) => !wasLive(a));
  const published = [
    ...new Set([...live.filter((a) => changed.has(a.source)), ...wentLive].map((a) => a.source)),
  ].sort();
  const removed = Object.entries(before)
    .filter(([path, prior]) => prior.live && !(sources[path] && isLive(sources[path].article, nowMs)))
    .map(([path]) => path)
    .sort();
  return { wentLive, published, removed };
}

/** Records in the sources which are live now, and which were seen scheduled (written ahead). */
function markLive(sources: Record<string, IndexedSource>, nowMs: number): void {
  for (const [path, entry] of Object.entries(sources)) {
    const nowLive = isLive(entry.article, nowMs);
    const scheduled = !nowLive && !entry.article.draft && !entry.seenScheduled;
    if (entry.live !== nowLive || scheduled)
      sources[path] = { ...entry, live: nowLive, ...(scheduled ? { seenScheduled: true as const } : {}) };
  }
}

/** Saves the theme for the functions that render mail, when it changed; the index records which it saved. */
async function savePublishedTheme({
  store,
  index,
  theme,
}: {
  readonly store: PublishedThemeStore | undefined;
  readonly index: SiteIndex;
  readonly theme: PublishedTheme;
}): Promise<void> {
  if (store && index.themeKey !== theme.key) {
    await store.save(theme);
    index.themeKey = theme.key;
  }
}

/** The body of an article the index lists but this run did not parse: its source, parsed again. */
async function bodyFromSource(
  deps: Pick<PublishDeps, 'content' | 'site'>,
  article: IndexedArticle,
): Promise<string> {
  const source = await readOrMissing(() => deps.content.read(article.source));
  if (!source) throw new SkipFile(`${article.source} is gone`);
  const result = await parseArticleSafely(source, deps.site);
  // Changed since it was indexed: its own event is on the way; until then the newer body is the better one.
  if (!result.ok) throw new SkipFile(`${article.source} no longer parses`);
  return result.article.html;
}

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
async function archiveIssuesWentOut({
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

const earliest = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

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
async function followDeparturesAndMoves({
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
 * The grace window: what went live waits `digest.delay` (a first run announces at once, as before).
 * Undefined when nothing waits: no announcing, a first run, or no delay, nothing pending and nothing renamed.
 */
async function graceWindowOf({
  announce,
  firstRun,
  site,
  index,
  live,
  wentLive,
  departed,
  renamed,
  nowMs,
}: {
  readonly announce: Announcing | undefined;
  readonly firstRun: boolean;
  readonly site: SiteConfig;
  readonly index: SiteIndex;
  readonly live: readonly IndexedArticle[];
  readonly wentLive: readonly IndexedArticle[];
  readonly departed: Departures['departed'];
  readonly renamed: Departures['renamed'];
  readonly nowMs: number;
}): Promise<GraceStep | undefined> {
  return announce && !firstRun && (site.digest.delayMs > 0 || index.pending !== undefined || renamed.size > 0)
    ? await throughGraceWindow({
        deps: announce,
        index,
        live,
        wentLive,
        departed,
        renamed,
        delayMs: site.digest.delayMs,
        nowMs,
      })
    : undefined;
}

/**
 * Hands on a digest of what went live (or what the grace window lets through now), with full text when the
 * site asks for it. Undefined without announcing (a preview).
 */
async function announceWhatWentLive({
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
async function throughGraceWindow({
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
function rememberDepartures({
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
 * Keeps one wake-up set for the earliest moment the site changes by itself (a scheduled article comes due,
 * a grace window closes), asking the scheduler only when it moves.
 */
async function wakeForNext(
  scheduler: PublishScheduler | undefined,
  index: SiteIndex,
  next: number | undefined,
): Promise<void> {
  if (!scheduler) return;
  if (next === index.wakeAtMs) return;
  await scheduler.scheduleNext(next === undefined ? undefined : new Date(next));
  if (next === undefined) delete index.wakeAtMs;
  else index.wakeAtMs = next;
}

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
