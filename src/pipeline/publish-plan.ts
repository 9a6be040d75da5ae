// The index and the site's plan of a publish (src/pipeline/publish.ts): built from what was read, less the
// files the site cannot write.
import { type Article, parseArticleSafely } from '../core/article.js';
import { ContentError, type Problem } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';
import {
  feedWindows,
  folderClashes,
  type PlanInputs,
  planSite,
  redirectPath,
  type SiteFile,
  type SitePlanInput,
  staticClashes,
} from '../core/site-build.js';
import type { IndexedArticle, IndexedSource, SiteIndex } from '../core/site-index.js';
import type { Theme } from '../core/theme.js';
import { readOrMissing } from './publish-read.js';
import { SkipFile } from './publish-site.js';
import type { PublishDeps } from './publish-types.js';

/** The index after this publish: its sources, files and pages as they are now, the rest as it was. */
export function nextIndex({
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
export function planInputOf({
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

export function siteReads({
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
export interface SitePlan {
  readonly plan: SiteFile[];
  /** Drops the static files that clash with a generated page, and any file inside another it writes. */
  readonly withoutClashes: (files: SiteFile[]) => SiteFile[];
}

/**
 * Plans the site and drops what cannot be written. Strict: a clash stops the publish (ContentError with
 * every problem and warning so far); lenient: it is a problem, and the rest is written.
 */
export function planSiteWithoutClashes({
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
  const withoutStaticClashes = (files: typeof plan) =>
    files.filter((f) => !(clashing.has(f.path) && f.key.startsWith('static:')));
  // The archive's second pass plans the site again: it drops what this one dropped, and any file inside
  // another it would write.
  const withoutClashes = (files: typeof plan) => {
    const kept = withoutStaticClashes(files);
    const inside = new Set(folderClashes(kept).map((c) => c.path));
    return inside.size === 0 ? kept : kept.filter((f) => !inside.has(f.path));
  };
  if (clashes.length > 0) {
    const clashProblems = clashes.map(
      (c): Problem => ({ file: `static/${c.path}`, field: 'file', reason: c.reason, severity: 'error' }),
    );
    if (mode === 'strict') throw new ContentError([...problems, ...clashProblems, ...warnings]);
    problems.push(...clashProblems);
    plan = withoutStaticClashes(plan);
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
export function feedBodiesOf(
  input: SitePlanInput,
  knownBody: SiteReads['knownBody'],
): Record<string, string> {
  const feedBodies: Record<string, string> = {};
  for (const window of feedWindows(input)) {
    for (const a of window) {
      const html = knownBody(a.renderKey);
      if (html !== undefined) feedBodies[a.renderKey] = html;
    }
  }
  return feedBodies;
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
