import { decodeHTML } from 'entities';
import type { Article, ArticleMeta, Tag } from './article.js';
import { COPY_SCRIPT, feedXsl } from './assets.js';
import { lastChangedMs } from './corpus.js';
import { buildFeeds, type FeedScope, siteFeedScope } from './feeds.js';
import {
  COPY_SCRIPT_NAME,
  FEED_FILES,
  IMAGE_TYPES,
  pageContext,
  STABLE_STYLESHEET,
  shortHash,
} from './layout.js';
import {
  type ArchivedIssue,
  ISSUES_FEED,
  ISSUES_FEED_VERSION,
  issuePage,
  issuePath,
  issuesFeed,
  issuesIndexPage,
  NEWSLETTER_DIR,
  withdrawnFrom,
} from './newsletter.js';
import {
  archiveIndexPage,
  archiveYearPage,
  articlePage,
  contentPage,
  homePage,
  type NavPage,
  notFoundPage,
  redirectPage,
  subscribePage,
  tagPage,
  tagsIndexPage,
} from './pages.js';
import type { DigestRecord } from './ports.js';
import { type SiteConfig, sitePath } from './site.js';
import { type IndexedArticle, metaOf } from './site-index.js';
import { pagePath, type SitePage } from './site-page.js';
import { decodeUtf8, escapeHtml as escapeXml, slugInUrl } from './text.js';
import { type PageTemplate, type Theme, themeFor } from './theme.js';

export type FileKind = 'page' | 'feed' | 'asset';

/**
 * One file of the built site. `key` names everything its content depends on, so a store that already holds
 * the file under that key skips rendering and writing it; `render` is lazy (it may have to read bodies).
 */
export interface SiteFile {
  readonly path: string;
  readonly contentType: string;
  readonly kind: FileKind;
  /** Fingerprinted assets never change under the same name and may be cached for good. */
  readonly immutable: boolean;
  readonly key: string;
  /** The theme's template a page renders with: a build renders one page of each before it writes any. */
  readonly template?: PageTemplate;
  /**
   * A page that lists or points at others (the home page, archives, tags, the sitemap, an alias's redirect):
   * written once the articles' own pages are, so a build that a template stops part way has not yet linked
   * the article it failed on from any of them (an article's neighbours may still link it).
   */
  readonly lists?: true;
  render(): Promise<string | Uint8Array>;
}

/** A file copied as is from content/static/ (images and the like); `path` is relative to the site root. */
export interface StaticAsset {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Where a plan's renderers get what the index does not hold: article bodies and static files' bytes. */
export interface PlanInputs {
  /** The rendered body of a live article (from memory, the index's feed bodies, or by parsing its source). */
  body(article: IndexedArticle): Promise<string>;
  asset(path: string): Promise<Uint8Array>;
  /**
   * A digest that went out, as recorded when it was planned: its archive page shows what it carried (full
   * text included). Without it (a preview) the archive shows the summaries its index keeps.
   */
  digest?(id: string): Promise<DigestRecord | undefined>;
}

const HTML = 'text/html; charset=utf-8';
export const CONTENT_TYPES = {
  html: HTML,
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  xsl: 'text/xsl; charset=utf-8',
  css: 'text/css; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
} as const;

const STATIC_TYPES: Record<string, string> = {
  ...IMAGE_TYPES,
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** The content type a built file is served with, from its name. */
export function contentTypeForPath(path: string): string {
  const name = path.split('/').pop() ?? '';
  if (name === FEED_FILES.atom) return CONTENT_TYPES.atom;
  if (path === 'sitemap.xml') return CONTENT_TYPES.xml;
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  const known: Record<string, string> = {
    html: CONTENT_TYPES.html,
    xml: CONTENT_TYPES.rss,
    json: CONTENT_TYPES.json,
    xsl: CONTENT_TYPES.xsl,
    css: CONTENT_TYPES.css,
    js: CONTENT_TYPES.js,
  };
  return known[ext] ?? STATIC_TYPES[ext] ?? 'application/octet-stream';
}

// What lets an SVG or an HTML page run script or pull in something else when opened (both are served from the
// site's origin): script elements, event handlers, javascript: URLs, embedded HTML, entity declarations.
// CSS is copied as it is: no browser runs script from a stylesheet any more.
// As browsers tokenize: an attribute begins after a space, a slash or a closing quote (`<svg/onload=`,
// `src="x"onerror=`); an element may carry a namespace prefix (`<x:script>`).
const ACTIVE_CONTENT =
  /<(?:[\w.-]+:)?(?:script|iframe|frame|embed|object|applet|foreignObject|handler|base)\b|[\s/"']on[a-z]+\s*=|(?:java|vb)script\s*:|<!ENTITY/i;

/**
 * The one rule for static files, in every edition and in `check`: plain names only, so none can escape the
 * site or shadow a generated file; served types only (CSS and HTML included); and, given the bytes, no SVG
 * or HTML page that can run script. A file that would replace a page the build generates (an article, a
 * page of content/pages/) is refused when the plan is made (staticClashes).
 */
export function staticAssetProblem(path: string, bytes?: Uint8Array): string | undefined {
  const named = staticNameProblem(path);
  const kind = /\.svg$/i.test(path) ? 'an SVG' : /\.html$/i.test(path) ? 'an HTML page' : undefined;
  if (named || bytes === undefined || !kind) return named;
  // Read as a browser would: a UTF-16 byte order mark outranks the charset the file is served with, and an
  // SVG's XML declaration may ask for UTF-16; only text a browser reads as this check does passes. In an
  // attribute's value character references and URL-dropped tabs and line breaks are decoded
  // (`jav&#x61;script:`); escaped text (`&lt;script&gt;` in a code sample) stays text.
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return `${kind} must be saved as UTF-8`;
  const text = decoded.text;
  const declared = /^\uFEFF?<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/i.exec(text)?.[1];
  // NUL bytes are valid UTF-8 but no text holds them; read as UTF-16, "<\0s\0" is "<s".
  if (text.includes('\0') || (declared !== undefined && /^(?:utf-?(?:16|32)|ucs-?[24])/i.test(declared)))
    return `${kind} must be saved as UTF-8`;
  // Quoted values, and unquoted ones (`href=jav&#x61;script:`), decoded as the browser reads a URL.
  const values = [...text.matchAll(/=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g)].map((m) =>
    decodeHTML(m[1] ?? m[2] ?? m[3] ?? '').replace(/[\t\n\r]/g, ''),
  );
  const active = ACTIVE_CONTENT.exec(text) ?? values.map((v) => ACTIVE_CONTENT.exec(v)).find((m) => m);
  if (active)
    return `${kind} may not hold script or embedded content (found "${active[0].replace(/^[\s/"']+/, '')}")`;
  return undefined;
}

/** Static files the plan also generates (an article's or a page's address): each an error naming both. */
export function staticClashes(plan: readonly SiteFile[]): { path: string; reason: string }[] {
  const generated = new Set(plan.filter((f) => !f.key.startsWith('static:')).map((f) => f.path));
  return plan
    .filter((f) => f.key.startsWith('static:') && generated.has(f.path))
    .map((f) => ({ path: f.path, reason: `would overwrite the generated page /${f.path}` }));
}

/**
 * Files the plan would write inside another file it writes: an alias /feed.xml/ (feed.xml/index.html), a
 * static images/a.svg beside an alias /images/a.svg/. A folder cannot have a file's name; each is an error.
 */
export function folderClashes(plan: readonly SiteFile[]): { path: string; file: string }[] {
  const files = new Set(plan.map((f) => f.path));
  const clashes: { path: string; file: string }[] = [];
  for (const { path } of plan) {
    for (let at = path.indexOf('/'); at > 0; at = path.indexOf('/', at + 1)) {
      const folder = path.slice(0, at);
      if (files.has(folder)) {
        clashes.push({ path, file: folder });
        break;
      }
    }
  }
  return clashes;
}

function staticNameProblem(path: string): string | undefined {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(path)) {
    return 'name must use letters, digits, ".", "_" and "-" only';
  }
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  // Own keys only: `in` finds Object's too, and a.constructor would be served as "type" Object.
  if (!Object.hasOwn(STATIC_TYPES, ext))
    return `type .${ext} is not served (allowed: ${Object.keys(STATIC_TYPES).join(', ')})`;
  if (
    /^(posts|tags|archive|subscribe|api|newsletter)\//.test(path) ||
    /^(index|404)\.html$|^feed\.|^atom\.xml$|^sitemap\.xml$/.test(path) ||
    /^(style\.css|style\.[0-9a-f]{12}\.css|copy\.[0-9a-f]{12}\.js)$/.test(path)
  ) {
    return 'would replace a generated file';
  }
  return undefined;
}

// Bump when templates or the feeds' writing change in a way that must re-render every page and feed.
const LAYOUT_VERSION = '5';

/** The key of a page that lists these articles. */
function listingKey(layoutKey: string, articles: readonly IndexedArticle[]): string {
  // One update of the joined keys: thousands of small updates cost more than the hashing itself.
  return shortHash(`${layoutKey}\u0000${articles.map((a) => a.listKey).join('')}`, 32);
}

/** Articles grouped by tag, tags sorted by slug; each group keeps the input (newest-first) order. */
export function groupByTag<T extends ArticleMeta>(articles: readonly T[]): { tag: Tag; articles: T[] }[] {
  const groups = new Map<string, { tag: Tag; articles: T[] }>();
  for (const article of articles) {
    for (const tag of article.tags) {
      const group = groups.get(tag.slug) ?? { tag, articles: [] };
      group.articles.push(article);
      groups.set(tag.slug, group);
    }
  }
  return [...groups.values()].sort((a, b) => a.tag.slug.localeCompare(b.tag.slug));
}

/** Articles grouped by year of their date ('2026'), years newest first, keeping the input order inside. */
export function groupByYear<T extends ArticleMeta>(
  articles: readonly T[],
): { year: string; articles: T[] }[] {
  const years = new Map<string, T[]>();
  for (const article of articles) {
    const year = article.date.slice(0, 4);
    const list = years.get(year);
    if (list) list.push(article);
    else years.set(year, [article]);
  }
  return [...years].sort(([a], [b]) => b.localeCompare(a)).map(([year, list]) => ({ year, articles: list }));
}

/** Names the site settings and the theme's strings: what feeds show besides their articles. */
export function siteKeyOf(site: SiteConfig, theme: Theme = themeFor(site)): string {
  return shortHash(JSON.stringify([LAYOUT_VERSION, site, theme.stringsKey]));
}

/**
 * Names everything every page shares (site settings, the theme's layout, partials, stylesheet and strings,
 * the shipped script): a change there re-renders every page. Each kind of page adds its own template's key.
 */
export function layoutKeyOf(site: SiteConfig, theme: Theme = themeFor(site)): string {
  return shortHash(JSON.stringify([siteKeyOf(site, theme), theme.sharedKey, COPY_SCRIPT_NAME]));
}

/** The feed preview stylesheet in the site's language. */
function feedXslOf(site: SiteConfig, theme: Theme): string {
  const suffix = theme.t('feed.title', { title: '' });
  return feedXsl({ language: site.language, note: theme.t('feed.note'), titleSuffix: ` ${suffix.trim()}` });
}

export const articlePath = (slug: string): string => `posts/${slug}/index.html`;

/**
 * Where the redirect page for an old address (an absolute URL under the site) lives: its path, decoded as
 * an article's Unicode slug is.
 */
export const redirectPath = (site: SiteConfig, alias: string): string =>
  `${decodeURIComponent(alias.slice(site.baseUrl.length + 1))}index.html`;

/** Everything a plan is computed from; the full build and every incremental publish pass the same. */
export interface SitePlanInput {
  readonly site: SiteConfig;
  /** Live articles, newest first. */
  readonly live: readonly IndexedArticle[];
  /** Static files by site path with their content hash. */
  readonly assets: readonly { readonly path: string; readonly hash: string }[];
  /** The theme to render with; the default theme when absent. */
  readonly theme?: Theme;
  /** Pages of content/pages/ that are not drafts, and those in the navigation (in site.yaml's order). */
  readonly pages?: readonly SitePage[];
  readonly nav?: readonly NavPage[];
  /** Digests that went out, newest first: the public archive (/newsletter/), unless `archive: false`. */
  readonly issues?: readonly ArchivedIssue[];
}

/** The feed windows of a plan: which articles each feed shows (the site feed, then one per tag). */
export function feedWindows(input: SitePlanInput): IndexedArticle[][] {
  const n = input.site.feedItems;
  return [input.live.slice(0, n), ...groupByTag(input.live).map((g) => g.articles.slice(0, n))];
}

/**
 * Every file of the site, each with the key of what it shows. Pages come before feeds, so a store that
 * writes in order never publishes a feed item whose page does not exist yet. Pure: rendering happens only
 * for the files a store does not already hold under the same key.
 */
export function planSite(input: SitePlanInput, io: PlanInputs): SiteFile[] {
  const { site, live } = input;
  const theme = input.theme ?? themeFor(site);
  const nav = input.nav ?? [];
  const ctx = pageContext(site, theme, nav);
  // The navigation names pages by their titles: every page shows it.
  const sharedKey = shortHash(`${layoutKeyOf(site, theme)}:${JSON.stringify(nav)}`);
  /** Everything a kind of page shares with every other, plus its own template. */
  const keyOf = (template: PageTemplate) => shortHash(`${sharedKey}:${theme.templateKey(template)}`);
  const siteKey = siteKeyOf(site, theme);
  const page = (
    path: string,
    key: string,
    render: () => string | Promise<string>,
    template?: PageTemplate,
  ): SiteFile => ({
    path,
    contentType: HTML,
    kind: 'page',
    immutable: false,
    key,
    ...(template ? { template } : {}),
    render: async () => render(),
  });
  const withBody = async (a: IndexedArticle): Promise<Article> => ({ ...metaOf(a), html: await io.body(a) });

  const statics: SiteFile[] = input.assets.map(({ path, hash }) => {
    const ext = path.split('.').pop()?.toLowerCase() ?? '';
    return {
      path,
      contentType: STATIC_TYPES[ext] ?? 'application/octet-stream',
      kind: 'asset',
      immutable: false,
      key: `static:${hash}`,
      render: () => io.asset(path),
    };
  });
  const xsl = feedXslOf(site, theme);
  const shared: SiteFile[] = [
    {
      path: theme.stylesheetName,
      contentType: CONTENT_TYPES.css,
      kind: 'asset',
      immutable: true,
      key: theme.stylesheetName,
      render: async () => theme.stylesheet,
    },
    // The same under a fixed name, for the subscription API's pages: the functions that serve them render
    // with the bundled theme and cannot know the site's own stylesheet's fingerprint.
    {
      path: STABLE_STYLESHEET,
      contentType: CONTENT_TYPES.css,
      kind: 'asset',
      immutable: false,
      key: theme.stylesheetName,
      render: async () => theme.stylesheet,
    },
    {
      path: 'feed.xsl',
      contentType: CONTENT_TYPES.xsl,
      kind: 'asset',
      immutable: false,
      key: shortHash(xsl),
      render: async () => xsl,
    },
    {
      path: COPY_SCRIPT_NAME,
      contentType: CONTENT_TYPES.js,
      kind: 'asset',
      immutable: true,
      key: COPY_SCRIPT_NAME,
      render: async () => COPY_SCRIPT,
    },
    page('404.html', keyOf('404'), () => notFoundPage(ctx), '404'),
    page('subscribe/index.html', keyOf('subscribe'), () => subscribePage(ctx), 'subscribe'),
  ];

  // Each page links the articles either side of it, so its key names them too.
  const articleKey = keyOf('article');
  const articlePages = live.map((a, i) => {
    const newer = live[i - 1];
    const older = live[i + 1];
    const key = shortHash([a.renderKey, articleKey, newer?.listKey ?? '', older?.listKey ?? ''].join(':'));
    return page(
      articlePath(a.slug),
      key,
      async () =>
        articlePage(ctx, a, await io.body(a), {
          ...(newer ? { newer } : {}),
          ...(older ? { older } : {}),
        }),
      'article',
    );
  });
  const pageKey = keyOf('page');
  const sitePages = (input.pages ?? []).map((p) =>
    page(pagePath(p.name), shortHash(`${pageKey}:${p.renderKey}`), () => contentPage(ctx, p), 'page'),
  );
  // An alias never shadows an article's page or a page.
  const taken = new Set([...articlePages, ...sitePages].map((p) => p.path));
  const redirects = live.flatMap((a) =>
    (a.aliases ?? [])
      .map((alias) => redirectPath(site, alias))
      .filter((path) => !taken.has(path))
      .map((path) => page(path, `redirect:${a.url}:${siteKey}`, () => redirectPage(ctx, a.url))),
  );

  const tags = groupByTag(live);
  const years = groupByYear(live);
  const shown = live.slice(0, site.homeItems);
  const lists: SiteFile[] = [
    page(
      'index.html',
      `${listingKey(keyOf('home'), shown)}:${live.length}`,
      () => homePage(ctx, shown, live.length),
      'home',
    ),
    page(
      'archive/index.html',
      shortHash([keyOf('archive'), ...years.map((y) => `${y.year}:${y.articles.length}`)].join('\n')),
      () =>
        archiveIndexPage(
          ctx,
          years.map((y) => ({ year: y.year, count: y.articles.length })),
        ),
      'archive',
    ),
    ...years.map(({ year, articles }) =>
      page(
        `archive/${year}/index.html`,
        listingKey(`${keyOf('archive-year')}:${year}`, articles),
        () => archiveYearPage(ctx, year, articles),
        'archive-year',
      ),
    ),
    page(
      'tags/index.html',
      shortHash(
        [keyOf('tags'), ...tags.map((g) => `${g.tag.slug}=${g.tag.name}:${g.articles.length}`)].join('\n'),
      ),
      () =>
        tagsIndexPage(
          ctx,
          tags.map((g) => ({ tag: g.tag, count: g.articles.length })),
        ),
      'tags',
    ),
    ...tags.map(({ tag, articles }) =>
      page(
        `tags/${tag.slug}/index.html`,
        listingKey(`${keyOf('tag')}:${tag.name}`, articles),
        () => tagPage(ctx, tag, articles),
        'tag',
      ),
    ),
  ];

  const feeds = (articles: readonly IndexedArticle[], tag?: Tag): SiteFile[] => {
    const scope: FeedScope = tag
      ? {
          title: `${site.title}: ${tag.name}`,
          description: theme.t('tag.feed_description', { name: tag.name }),
          homeUrl: `${site.baseUrl}/tags/${slugInUrl(tag.slug)}/`,
          dir: `tags/${tag.slug}/`,
        }
      : siteFeedScope(site);
    const items = articles.slice(0, site.feedItems);
    // What each item shows (metadata and body) determines the feed; a byte-only edit changes nothing.
    const key = shortHash([siteKey, JSON.stringify(scope), ...items.map((a) => a.renderKey)].join('\n'));
    let built: Promise<ReturnType<typeof buildFeeds>> | undefined;
    const build = () => {
      built ??= Promise.all(items.map(withBody)).then((full) => buildFeeds(full, site, scope));
      return built;
    };
    const file = (name: string, contentType: string, pick: (f: ReturnType<typeof buildFeeds>) => string) => ({
      path: `${scope.dir}${name}`,
      contentType,
      kind: 'feed' as const,
      immutable: false,
      key,
      render: async () => pick(await build()),
    });
    return [
      file(FEED_FILES.rss, CONTENT_TYPES.rss, (f) => f.rss),
      file(FEED_FILES.atom, CONTENT_TYPES.atom, (f) => f.atom),
      file(FEED_FILES.json, CONTENT_TYPES.json, (f) => f.json),
    ];
  };

  // Every page and article with the time it last changed, for search engines; robots.txt names it unless
  // the site ships its own, or lives in a folder (crawlers read robots.txt at the host's root only, RFC 9309
  // §2.3: that one is the host's to write, and may name this sitemap).
  const changed = (articles: readonly IndexedArticle[]): string => {
    let latest: IndexedArticle | undefined;
    let latestMs = 0;
    for (const a of articles) {
      const ms = lastChangedMs(a);
      if (!latest || ms > latestMs) {
        latest = a;
        latestMs = ms;
      }
    }
    return latest ? lastChanged(latest) : '';
  };
  const changedAny = changed(live);
  const sitemapEntries: [string, string][] = [
    [`${site.baseUrl}/`, changed(live.slice(0, site.homeItems))],
    // The form is a page readers arrive at from search too; it changes with the theme only (no date).
    [`${site.baseUrl}/subscribe/`, ''],
    [`${site.baseUrl}/archive/`, changedAny],
    ...years.map(({ year, articles }): [string, string] => [
      `${site.baseUrl}/archive/${year}/`,
      changed(articles),
    ]),
    [`${site.baseUrl}/tags/`, changedAny],
    ...tags.map(({ tag, articles }): [string, string] => [
      `${site.baseUrl}/tags/${slugInUrl(tag.slug)}/`,
      changed(articles),
    ]),
    ...live.map((a): [string, string] => [a.url, lastChanged(a)]),
    ...(input.pages ?? []).map((p): [string, string] => [`${site.baseUrl}/${p.name}/`, '']),
    // The archive of issues, when built: its index, which links every issue. Not the issues themselves:
    // what lies outside newsletter/ depends on the articles alone, never on what mail went out when (a
    // full build from the content writes the same sitemap as the publishes that led to it).
    ...(site.archive ? [[`${site.baseUrl}/${NEWSLETTER_DIR}/`, ''] as [string, string]] : []),
  ];
  const discovery: SiteFile[] = [
    {
      path: 'sitemap.xml',
      contentType: CONTENT_TYPES.xml,
      kind: 'page',
      immutable: false,
      key: shortHash(JSON.stringify(sitemapEntries)),
      render: async () => sitemapXml(sitemapEntries),
    },
    ...(input.assets.some((a) => a.path === 'robots.txt') || sitePath(site) !== ''
      ? []
      : [
          {
            path: 'robots.txt',
            contentType: STATIC_TYPES.txt as string,
            kind: 'page' as const,
            immutable: false,
            key: shortHash(site.baseUrl),
            render: async () => `User-agent: *\nAllow: /\n\nSitemap: ${site.baseUrl}/sitemap.xml\n`,
          },
        ]),
  ];

  const issues = input.issues ?? [];
  // An issue's article that is no longer on the site (deleted, a draft again) is withdrawn from its page.
  const onSite = new Set(live.flatMap((a) => [a.url, ...(a.aliases ?? [])]));
  const newsletter: SiteFile[] = site.archive
    ? [
        ...issues.map((issue) => {
          const withdrawn = withdrawnFrom(issue, onSite);
          // A digest's record never changes once written: whether it is read is all the key needs of it,
          // beside which of its articles were withdrawn since (the publish that withdraws one re-renders it).
          return page(
            issuePath(issue.id),
            shortHash(
              `${keyOf('newsletter-issue')}:${io.digest ? 'sent' : 'index'}:${JSON.stringify(issue)}:${JSON.stringify(withdrawn)}`,
            ),
            async () => issuePage(ctx, issue, await io.digest?.(issue.id), new Set(withdrawn)),
            'newsletter-issue',
          );
        }),
        page(
          `${NEWSLETTER_DIR}/index.html`,
          shortHash(
            `${keyOf('newsletter')}:${JSON.stringify(issues.map((i) => [i.id, i.subject, i.createdAtMs]))}`,
          ),
          () => issuesIndexPage(ctx, issues),
          'newsletter',
        ),
        {
          path: ISSUES_FEED,
          contentType: CONTENT_TYPES.rss,
          kind: 'feed',
          immutable: false,
          // A feed has no layout: its words are the theme's strings, and the site's name, address and language.
          key: shortHash(
            `${ISSUES_FEED_VERSION}:${theme.stringsKey}:${site.baseUrl}:${site.title}:${site.language}:${JSON.stringify(
              issues.slice(0, site.feedItems).map((i) => [i, withdrawnFrom(i, onSite)]),
            )}`,
          ),
          render: async () =>
            issuesFeed(site, issues, onSite, {
              title: theme.t('newsletter.title'),
              description: theme.t('newsletter.description', { site: site.title }),
              withdrawn: theme.t('newsletter.withdrawn'),
            }),
        },
      ]
    : [];

  const listing = (file: SiteFile): SiteFile => ({ ...file, lists: true });
  return [
    ...statics,
    ...shared,
    ...newsletter.filter((f) => f.kind !== 'feed' && f.template !== 'newsletter'),
    ...newsletter.filter((f) => f.template === 'newsletter').map(listing),
    ...articlePages,
    ...sitePages,
    // Redirects point at articles: with the pages that list them, after the articles' own pages.
    ...redirects.map(listing),
    ...lists.map(listing),
    ...discovery.map(listing),
    ...tags.flatMap((g) => feeds(g.articles, g.tag)),
    ...feeds(live),
    ...newsletter.filter((f) => f.kind === 'feed'),
  ];
}

/** When an article last changed, as sitemaps write it (its update, else its date). */
const lastChanged = (a: ArticleMeta): string => a.updated ?? a.date;

/** A sitemap (sitemaps.org 0.9) of absolute URLs with their last change; dates are the articles' own. */
function sitemapXml(entries: readonly (readonly [string, string])[]): string {
  const urls = entries.map(
    ([loc, lastmod]) =>
      `<url><loc>${escapeXml(loc)}</loc>${lastmod ? `<lastmod>${escapeXml(lastmod)}</lastmod>` : ''}</url>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}
