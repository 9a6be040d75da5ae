// The record of what has been published (content/published-ids.json), so a change that would move an
// article — and make feed readers see it as new, and old links break — is caught before it ships.
import { decodeHTMLAttribute } from 'entities';
import * as z from 'zod';
import { articleIdentity, byUniqueKey } from './announce-keys.js';
import type { Article, ArticleMeta } from './article.js';
import type { Problem } from './errors.js';
import type { SiteConfig } from './site.js';
import type { SitePage } from './site-page.js';

export const PUBLISHED_IDS_FILE = 'published-ids.json';

export const publishedIdsSchema = z.object({
  version: z.literal(1),
  /**
   * permalink (the feed id) → the file it was published from, and its date and title (absent in files
   * written before they were kept), by which a renamed file is told from a deleted one
   */
  articles: z.record(
    z.string(),
    z.object({ source: z.string(), date: z.string().optional(), title: z.string().optional() }),
  ),
});

export type PublishedIds = z.output<typeof publishedIdsSchema>;

export function publishedIdsOf(published: readonly ArticleMeta[]): PublishedIds {
  const entries = [...published]
    .sort((a, b) => a.url.localeCompare(b.url))
    .map((a) => [a.url, { source: a.source, date: a.date, title: a.title }]);
  return { version: 1, articles: Object.fromEntries(entries) };
}

/**
 * Published ids that would change: every article under another base_url (one problem, on site.yaml), an
 * article whose address moved without an alias, a renamed file (errors), and a published article gone
 * (a warning). `check` reports them; a build keeps the record as it was while any is an error.
 */
export function movedIdProblems(
  recorded: PublishedIds | undefined,
  articles: readonly ArticleMeta[],
  published: readonly ArticleMeta[],
  site: SiteConfig,
): Problem[] {
  const problems: Problem[] = [];
  const pathOf = (url: string) =>
    new URL(url).pathname.slice(new URL(`${site.baseUrl}/`).pathname.length - 1);
  const byUrl = new Map(published.map((a) => [a.url, a]));
  const bySource = new Map(articles.map((a) => [a.source, a]));
  const aliased = new Set(published.flatMap((a) => a.aliases ?? []));
  // Ids recorded under another base_url: the site moved, and an alias (a path on the new site) cannot
  // carry an old address there. One problem, on site.yaml, instead of one per article with advice that fails.
  const base = `${site.baseUrl}/`;
  const elsewhere = Object.keys(recorded?.articles ?? {}).filter((url) => !url.startsWith(base));
  if (elsewhere.length > 0) {
    const was = elsewhere[0]?.replace(/\/posts\/.*$/, '') ?? '';
    problems.push({
      file: 'site.yaml',
      field: 'base_url',
      reason: `${elsewhere.length} published article${elsewhere.length === 1 ? ' has its id' : 's have their ids'} under ${was}, not ${site.baseUrl}: every one would get a new id (feed readers show them again as new) and the old links would break. Keep base_url; or, if the site moved on purpose, redirect the old addresses where they are served and delete content/${PUBLISHED_IDS_FILE} to record the new ones`,
      severity: 'error',
    });
  }
  const renamedTo = renamedFiles(recorded, published, bySource);
  for (const [url, { source }] of Object.entries(recorded?.articles ?? {})) {
    if (byUrl.has(url) || aliased.has(url) || !url.startsWith(base)) continue;
    const now = bySource.get(source);
    const to = renamedTo.get(url);
    if (now && !now.draft && now.url === url) {
      // Same address, not published at this clock: its date moved into the future, or an earlier build
      // ran with a later --now.
      problems.push({
        file: now.source,
        field: 'date',
        reason: `the published article ${url} is dated ${now.date}, after this run's time: it is withdrawn until then, and its address answers 404 meanwhile`,
        severity: 'warning',
      });
    } else if (now && !now.draft) {
      problems.push({
        file: now.source,
        field: 'slug',
        reason: `was published at ${url}; it would now be ${now.url}, a new id that feed readers show as a new article and a broken old link. Keep the slug, or add "aliases: [${pathOf(url)}]" to redirect the old address`,
        severity: 'error',
      });
    } else if (to) {
      problems.push({
        file: to.source,
        field: 'file',
        reason: `is the published article ${url} (${source}) under a new file name; it would now be ${to.url}, a new id that feed readers show as a new article and a broken old link. Keep the file name, or add "aliases: [${pathOf(url)}]" to redirect the old address`,
        severity: 'error',
      });
    } else {
      problems.push({
        file: source,
        field: 'file',
        reason: `the published article ${url} is gone (deleted, made a draft or dated later); its address will answer 404`,
        severity: 'warning',
      });
    }
  }

  return problems;
}

/**
 * Aliases at the address of a page of content/pages/: the page is written there, and the redirect never
 * would be. `check` and every build say so alike.
 */
export function aliasOntoPageProblems(
  published: readonly Pick<ArticleMeta, 'source' | 'aliases'>[],
  sitePages: readonly Pick<SitePage, 'source' | 'name' | 'draft'>[],
  site: SiteConfig,
): Problem[] {
  const pageAt = new Map(sitePages.filter((p) => !p.draft).map((p) => [`${site.baseUrl}/${p.name}/`, p]));
  return published.flatMap((article) =>
    (article.aliases ?? []).flatMap((alias) => {
      const page = pageAt.get(alias);
      return page
        ? [
            {
              file: article.source,
              field: 'aliases',
              reason: `${alias.slice(site.baseUrl.length)} is the address of the page ${page.source}: no redirect can be written there`,
              severity: 'error' as const,
            },
          ]
        : [];
    }),
  );
}

/**
 * What `broadsheet check` reports beyond validation: ids and permalinks that would change (an error unless
 * the article declares the old path in `aliases`), published articles removed, and links and images on the
 * site that lead nowhere. (A date without a time zone is a parse warning, which every build prints too.)
 */
export function checkPublished(
  recorded: PublishedIds | undefined,
  articles: readonly Article[],
  published: readonly Article[],
  site: SiteConfig,
  staticPaths: readonly string[],
  /** The pages of content/pages/ (`about` is /about/): their links are checked too. */
  sitePages: readonly Pick<SitePage, 'source' | 'name' | 'html' | 'draft'>[] = [],
  /** A file's text, where the caller has it: a link that leads nowhere is then given its line. */
  textOf: (file: string) => string | undefined = () => undefined,
): Problem[] {
  const problems: Problem[] = [];
  const pathOf = (url: string) =>
    new URL(url).pathname.slice(new URL(`${site.baseUrl}/`).pathname.length - 1);
  const aliased = new Map(published.flatMap((a) => (a.aliases ?? []).map((alias) => [alias, a] as const)));
  problems.push(...aliasOntoPageProblems(published, sitePages, site));

  problems.push(...movedIdProblems(recorded, articles, published, site));

  for (const [alias, article] of aliased) {
    const clash = published.find((a) => pathOf(a.url) === alias && a !== article);
    if (clash) {
      problems.push({
        file: article.source,
        field: 'aliases',
        reason: `${alias} is the address of ${clash.source}`,
        severity: 'error',
      });
    }
  }

  const pages = new Set(
    [
      ...published.map((a) => pathOf(a.url)),
      ...[...aliased.keys()].map(pathOf),
      ...sitePages.filter((page) => !page.draft).map((page) => `/${page.name}/`),
      ...published.flatMap((a) => a.tags.map((tag) => `/tags/${tag.slug}/`)),
      ...published.map((a) => `/archive/${a.date.slice(0, 4)}/`),
    ].map(decodedPath),
  );
  const files = new Set(staticPaths.map((p) => `/${p}`));
  const leadsSomewhere = (path: string) =>
    files.has(path) ||
    pages.has(path) ||
    pages.has(`${path}/`) ||
    (path.endsWith('/index.html') && pages.has(path.slice(0, -'index.html'.length))) ||
    generatedPath(path, pages, site.archive);
  const texts: readonly { source: string; html: string; image?: string }[] = [...articles, ...sitePages];
  for (const text of texts) {
    // How many times each target was met in this text so far: the second link to it is on its second line.
    const met = new Map<string, number>();
    // The text's lines in lower case, split once, and the lines holding each target, searched once; and
    // only the first targets' lines searched (the rest are reported without one): an article with
    // thousands of links that lead nowhere is checked in seconds, where a search of the whole text for
    // each link took as long as the square of their number.
    let lowered: readonly string[] | undefined;
    const holding = new Map<string, readonly number[]>();
    // Named as the author wrote them: a site path, the body's link or image apart from the cover image.
    const targets = [...text.html.matchAll(/\s(href|src)="([^"]+)"/g)].map(([, attribute, target]) => ({
      field: 'body',
      what: attribute === 'src' ? 'image ' : 'link to ',
      // As the attribute means it: `?a=1&amp;b=2` is the link ?a=1&b=2 the author wrote.
      target: decodeHTMLAttribute(target ?? ''),
      file: attribute === 'src',
    }));
    if (text.image) targets.push({ field: 'image', what: '', target: text.image, file: true });
    for (const { field, what, target, file } of targets) {
      if (!target.startsWith(`${site.baseUrl}/`)) continue;
      const path = decodedPath(pathOf(target.split(/[?#]/)[0] ?? target));
      if (file ? files.has(path) : leadsSomewhere(path)) continue;
      // Shown as the author likely wrote it: /tags/Москва/, not its percent-encoding.
      const written = shownPath(target.slice(site.baseUrl.length));
      // Where the author wrote it as a site path, plain or encoded (a relative link reads otherwise, and
      // is not found): the nth link to it at the nth line that holds it.
      const nth = met.get(target) ?? 0;
      met.set(target, nth + 1);
      let lines = holding.get(target) ?? [];
      if (!holding.has(target) && holding.size < LINES_SEARCHED) {
        lowered ??= textOf(text.source)?.toLowerCase().split('\n') ?? [];
        lines = linesOf(lowered, [written, target.slice(site.baseUrl.length), path]);
        holding.set(target, lines);
      }
      const line = lines[Math.min(nth, lines.length - 1)];
      problems.push({
        file: text.source,
        field,
        reason: `${what}${written} leads nowhere on this site${file ? ` (there is no file static${shownPath(path)})` : ''}`,
        severity: 'warning',
        ...(line === undefined ? {} : { line }),
      });
    }
  }
  return problems;
}

/**
 * Published articles whose file is gone, by the article now published from another file with the same date
 * and title that was not published before and names no recorded address in `aliases` (the file was
 * renamed). Paired one to one: two candidates on either side make no guess.
 */
function renamedFiles(
  recorded: PublishedIds | undefined,
  published: readonly ArticleMeta[],
  bySource: ReadonlyMap<string, ArticleMeta>,
): Map<string, ArticleMeta> {
  const entries = Object.entries(recorded?.articles ?? {});
  const recordedUrls = new Set(entries.map(([url]) => url));
  const arrived = byUniqueKey(
    published.filter(
      (a) => !recordedUrls.has(a.url) && !(a.aliases ?? []).some((url) => recordedUrls.has(url)),
    ),
    (a) => [articleIdentity(a)],
  );
  const gone = byUniqueKey(
    entries.flatMap(([url, { source, date, title }]) =>
      date !== undefined && title !== undefined && !bySource.has(source)
        ? [{ url, identity: articleIdentity({ date, title }) }]
        : [],
    ),
    (entry) => [entry.identity],
  );
  const renamed = new Map<string, ArticleMeta>();
  for (const [identity, entry] of gone) {
    const to = arrived.get(identity);
    if (entry && to) renamed.set(entry.url, to);
  }
  return renamed;
}

/** How many distinct link targets of one text that lead nowhere have their lines searched (each, the whole text). */
const LINES_SEARCHED = 1000;

/** The lines (numbered from 1) of a text's `lowered` lines that hold any of `needles` (any case), in order, each once. */
function linesOf(lowered: readonly string[], needles: readonly string[]): number[] {
  const wanted = [...new Set(needles.map((n) => n.toLowerCase()))];
  return lowered.flatMap((line, i) => (wanted.some((n) => line.includes(n)) ? [i + 1] : []));
}

/** A path as the file it names: `%C3%A9` is é on disk (a tag's page, a static file), and stays if malformed. */
function decodedPath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/** A path for a message: decoded as the author likely wrote it, but a control character (`%0A`) stays encoded. */
function shownPath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: keeping control characters out of a message is the point.
  return decodedPath(path).replace(/[\u0000-\u001F\u007F-\u009F]/g, encodeURIComponent);
}

/**
 * The addresses every build writes besides articles, pages, tags, archive years and static files
 * (src/core/site-build.ts), and those only the cloud answers (the subscription API, whose routes the
 * deployed stack defines). A tag's page counts with its feeds. The newsletter's issues are known to the
 * cloud's state alone, so any address under /newsletter/ counts while the archive is on.
 */
function generatedPath(path: string, pages: ReadonlySet<string>, newsletter: boolean): boolean {
  if (/^\/(?:index\.html|feed\.(?:xml|json|xsl)|atom\.xml|sitemap\.xml|robots\.txt|404\.html)?$/.test(path))
    return true;
  if (/^\/(?:style|copy)\.(?:[0-9a-f]+\.)?(?:css|js)$/.test(path)) return true;
  if (/^\/(?:subscribe|archive|tags)\/?(?:index\.html)?$/.test(path) || /^\/api\//.test(path)) return true;
  if (newsletter && /^\/newsletter(?:\/|$)/.test(path)) return true;
  const listed = /^(\/(?:tags\/[^/]+|archive\/\d{4})\/)(?:index\.html|feed\.xml|atom\.xml|feed\.json)$/.exec(
    path,
  );
  return listed?.[1] !== undefined && pages.has(listed[1]);
}
