// The one pipeline of both editions: apply source changes to the index, then render and write the outputs
// whose key changed, then announce what went live. The local build is publishChanges(deps, 'all') in strict
// mode; the cloud publishes the paths its S3 events name, leniently. Only the adapters differ.
import { hasErrors } from '../core/corpus.js';
import { rehearseDigest } from '../core/digest.js';
import { ContentError, type Problem } from '../core/errors.js';
import { feedUrlsAmong } from '../core/feeds.js';
import type { PublishedThemeStore, PublishScheduler, ThemeSourceStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import {
  emptyIndex,
  type IndexedArticle,
  type IndexedSource,
  isFirstRun,
  isLive,
  liveArticles,
  nextScheduledMs,
  parseKeyOf,
  type SiteIndex,
} from '../core/site-index.js';
import {
  type PublishedTheme,
  publishedThemeOf,
  type Theme,
  type ThemeFiles,
  themeFor,
} from '../core/theme.js';
import { isFirstRunOf } from './announce.js';
import { underLease } from './lease.js';
import {
  announceWhatWentLive,
  archiveIssuesWentOut,
  followDeparturesAndMoves,
  rememberDepartures,
  throughGraceWindow,
} from './publish-announce.js';
import { feedBodiesOf, nextIndex, planInputOf, planSiteWithoutClashes, siteReads } from './publish-plan.js';
import {
  applyPageChanges,
  collectWarnings,
  findChangedPaths,
  navigationOf,
  readChangedAssets,
  readChangedSources,
  rejectClashes,
} from './publish-read.js';
import { publishSite } from './publish-site.js';
import type { PublishDeps, PublishOutcome, SourceChanges } from './publish-types.js';

export type { PendingDigest, PublishDeps, PublishOutcome, SourceChanges } from './publish-types.js';

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
): Promise<{ theme: Theme; overrides: ThemeFiles }> {
  const overrides = store ? await store.files() : {};
  return { theme: themeFor(site, overrides), overrides };
}

async function publishLocked(deps: PublishDeps, changes: SourceChanges, now: Date): Promise<PublishOutcome> {
  const { site } = deps;
  const { theme, overrides } = await loadThemeAndOverrides(site, deps.theme);
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
  await savePublishedTheme({
    store: deps.publishedTheme,
    index,
    // With the navigation: the subscription pages show the same header as the site's.
    theme: publishedThemeOf(overrides, nav.nav),
  });

  const firstRun = await isFirstRunOf(isFirstRun(stored), deps.announce?.ledger, live);
  const { departed, moves, renamed } = await followDeparturesAndMoves({
    announce: deps.announce,
    firstRun,
    before,
    live,
    wentLive,
    nowMs,
  });
  // The grace window: what went live waits `digest.delay` (a first run announces at once, as before).
  const grace =
    deps.announce && !firstRun && (site.digest.delayMs > 0 || index.pending !== undefined || renamed.size > 0)
      ? await throughGraceWindow({
          deps: deps.announce,
          index,
          live,
          wentLive,
          departed,
          renamed,
          delayMs: site.digest.delayMs,
          nowMs,
        })
      : undefined;
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

const earliest = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

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
