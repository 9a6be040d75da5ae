// The reading steps of a publish (src/pipeline/publish.ts): which sources changed, read and parsed, the
// clashes between them rejected, the static files and pages read, and every warning collected.
import { aliasProblems } from '../core/aliases.js';
import {
  type Article,
  type ArticleMeta,
  contentHash,
  type ParseResult,
  parseArticleSafely,
  prepareToParse,
  type SourceTags,
} from '../core/article.js';
import { duplicateSlugProblems, futureUpdateProblems, tagClashProblems } from '../core/corpus.js';
import { NotFoundError, type Problem } from '../core/errors.js';
import type { ArticleParser, ArticleSourceStore } from '../core/ports.js';
import { aliasOntoPageProblems } from '../core/published-ids.js';
import type { SiteConfig } from '../core/site.js';
import { staticAssetProblem } from '../core/site-build.js';
import { type IndexedSource, indexArticle, isLive, type SiteIndex } from '../core/site-index.js';
import { isPagePath, navPages, parsePage } from '../core/site-page.js';
import type { Theme } from '../core/theme.js';
import { untaggedTopicProblems } from '../core/topics.js';
import type { PublishDeps, SourceChanges } from './publish-types.js';

const isArticlePath = (path: string) => /^posts\/[^/]+\.md$/.test(path);
const STATIC = 'static/';

export async function readOrMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
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

/** The sources a publish looks at, with the versions their stores listed (when they were listed). */
interface ChangedPaths {
  readonly articles: readonly string[];
  readonly articleVersions: ReadonlyMap<string, string>;
  /** Site paths under static/ ('images/a.svg'). */
  readonly assets: readonly string[];
  readonly assetVersions: ReadonlyMap<string, string>;
}

/** Which sources to look at: those named, or every one whose listed version differs from the index's. */
export async function findChangedPaths({
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
export async function readChangedSources({
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
export function rejectClashes(clash: ClashCheck, failedTags: ReadonlyMap<string, SourceTags>): void {
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
export async function readChangedAssets({
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
export async function applyPageChanges({
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
export function navigationOf({
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
export function collectWarnings({
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
