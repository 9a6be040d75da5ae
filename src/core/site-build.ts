import { createHash } from 'node:crypto';
import type { Article, ArticleMeta, Tag } from './article.js';
import { FEED_XSL, STYLESHEET } from './assets.js';
import { buildFeeds, type FeedScope, siteFeedScope } from './feeds.js';
import { FEED_FILES, pageContext, STYLESHEET_NAME, shortHash } from './layout.js';
import {
  archiveIndexPage,
  archiveYearPage,
  articlePage,
  homePage,
  notFoundPage,
  type PageContext,
  redirectPage,
  tagPage,
  tagsIndexPage,
} from './pages.js';
import type { SiteConfig } from './site.js';

export type FileKind = 'page' | 'feed' | 'asset';

/**
 * One file of the built site. `render` is lazy and `key`, when set, names everything the content depends
 * on, so a store that already holds a file with that key can skip rendering and writing it.
 */
export interface SiteFile {
  readonly path: string;
  readonly contentType: string;
  readonly kind: FileKind;
  /** Fingerprinted assets never change under the same name and may be cached for good. */
  readonly immutable: boolean;
  readonly key?: string;
  render(): string | Uint8Array;
}

/** A file copied as is from content/static/ (images and the like); `path` is relative to the site root. */
export interface StaticAsset {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const HTML = 'text/html; charset=utf-8';
export const CONTENT_TYPES = {
  html: HTML,
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  xsl: 'text/xsl; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

const STATIC_TYPES: Record<string, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
};

/** The content type a built file is served with, from its name. */
export function contentTypeForPath(path: string): string {
  const name = path.split('/').pop() ?? '';
  if (name === FEED_FILES.atom) return CONTENT_TYPES.atom;
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  const known: Record<string, string> = {
    html: CONTENT_TYPES.html,
    xml: CONTENT_TYPES.rss,
    json: CONTENT_TYPES.json,
    xsl: CONTENT_TYPES.xsl,
    css: CONTENT_TYPES.css,
  };
  return known[ext] ?? STATIC_TYPES[ext] ?? 'application/octet-stream';
}

/** Static files may only use plain names, so none can escape the site or shadow a generated file. */
export function staticAssetProblem(path: string): string | undefined {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(path)) {
    return 'name must use letters, digits, ".", "_" and "-" only';
  }
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  if (!(ext in STATIC_TYPES))
    return `type .${ext} is not served (allowed: ${Object.keys(STATIC_TYPES).join(', ')})`;
  if (/^(posts|tags|archive)\//.test(path) || /^(index|404)\.html$|^feed\./.test(path)) {
    return 'would replace a generated file';
  }
  return undefined;
}

function staticFile(asset: StaticAsset): SiteFile {
  const ext = asset.path.split('.').pop()?.toLowerCase() ?? '';
  return {
    path: asset.path,
    contentType: STATIC_TYPES[ext] ?? 'application/octet-stream',
    kind: 'asset',
    immutable: false,
    render: () => asset.bytes,
  };
}

// Bump when templates change in a way that must re-render every article page.
const LAYOUT_VERSION = '2';

const listingLines = new WeakMap<ArticleMeta, string>();

/** Everything a list page shows of one article, computed once per article however many lists it is in. */
function listingLine(a: ArticleMeta): string {
  let line = listingLines.get(a);
  if (line === undefined) {
    line = [
      a.url,
      a.title,
      a.date,
      a.updated ?? '',
      a.summary,
      a.author,
      ...a.tags.map((t) => `${t.slug}=${t.name}`),
    ]
      .join('\u0000')
      .concat('\u0001');
    listingLines.set(a, line);
  }
  return line;
}

/** The key of a page that lists these articles. */
function listingKey(layoutKey: string, articles: readonly ArticleMeta[]): string {
  const hash = createHash('sha256').update(layoutKey);
  for (const a of articles) hash.update(listingLine(a));
  return hash.digest('hex').slice(0, 32);
}

/** Articles grouped by tag, tags sorted by name; each group keeps the input (newest-first) order. */
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

/** Builds the individual files of a site; the full build and the incremental publisher both use it. */
export class SiteFiles {
  readonly ctx: PageContext;
  private readonly stylesheetName = STYLESHEET_NAME;
  /** Names everything about the layout: a change re-renders every page. */
  readonly layoutKey: string;

  constructor(readonly site: SiteConfig) {
    this.ctx = pageContext(site);
    this.layoutKey = shortHash(JSON.stringify([LAYOUT_VERSION, site, this.stylesheetName]));
  }

  private page(path: string, key: string, render: () => string): SiteFile {
    return { path, contentType: HTML, kind: 'page', immutable: false, key, render };
  }

  assets(): SiteFile[] {
    return [
      {
        path: this.stylesheetName,
        contentType: CONTENT_TYPES.css,
        kind: 'asset',
        immutable: true,
        key: this.stylesheetName,
        render: () => STYLESHEET,
      },
      {
        path: 'feed.xsl',
        contentType: CONTENT_TYPES.xsl,
        kind: 'asset',
        immutable: false,
        key: shortHash(FEED_XSL),
        render: () => FEED_XSL,
      },
      this.page('404.html', this.layoutKey, () => notFoundPage(this.ctx)),
    ];
  }

  articlePath(slug: string): string {
    return `posts/${slug}/index.html`;
  }

  article(article: Article): SiteFile {
    return this.page(this.articlePath(article.slug), `${article.hash}:${this.layoutKey}`, () =>
      articlePage(this.ctx, article),
    );
  }

  /** Where the redirect page for an old address (an absolute URL under the site) lives. */
  redirectPath(alias: string): string {
    return `${alias.slice(this.site.baseUrl.length + 1)}index.html`;
  }

  /** Redirects from each of the article's old paths (its `aliases`) to its page. */
  redirects(article: ArticleMeta): SiteFile[] {
    return (article.aliases ?? []).map((alias) =>
      this.page(this.redirectPath(alias), `redirect:${article.url}:${this.layoutKey}`, () =>
        redirectPage(this.site, article.url),
      ),
    );
  }

  /** `newest` holds at least the home page's articles, newest first. */
  home(newest: readonly ArticleMeta[], total: number): SiteFile {
    const shown = newest.slice(0, this.site.homeItems);
    return this.page('index.html', `${listingKey(this.layoutKey, shown)}:${total}`, () =>
      homePage(this.ctx, shown, total),
    );
  }

  archiveIndex(years: readonly { year: string; count: number }[]): SiteFile {
    const key = shortHash([this.layoutKey, ...years.map(({ year, count }) => `${year}:${count}`)].join('\n'));
    return this.page('archive/index.html', key, () => archiveIndexPage(this.ctx, years));
  }

  archiveYear(year: string, articles: readonly ArticleMeta[]): SiteFile {
    return this.page(`archive/${year}/index.html`, listingKey(`${this.layoutKey}:${year}`, articles), () =>
      archiveYearPage(this.ctx, year, articles),
    );
  }

  tagPage(tag: Tag, articles: readonly ArticleMeta[]): SiteFile {
    return this.page(
      `tags/${tag.slug}/index.html`,
      listingKey(`${this.layoutKey}:${tag.name}`, articles),
      () => tagPage(this.ctx, tag, articles),
    );
  }

  tagsIndex(counts: readonly { tag: Tag; count: number }[]): SiteFile {
    const key = shortHash(
      [this.layoutKey, ...counts.map(({ tag, count }) => `${tag.slug}=${tag.name}:${count}`)].join('\n'),
    );
    return this.page('tags/index.html', key, () => tagsIndexPage(this.ctx, counts));
  }

  /** RSS, Atom and JSON Feed of the newest articles (which must carry their bodies), site-wide or for a tag. */
  feeds(articles: readonly Article[], tag?: Tag): SiteFile[] {
    const { site } = this;
    const scope: FeedScope = tag
      ? {
          title: `${site.title}: ${tag.name}`,
          description: `Articles tagged ${tag.name}`,
          homeUrl: `${site.baseUrl}/tags/${tag.slug}/`,
          dir: `tags/${tag.slug}/`,
        }
      : siteFeedScope(site);
    const items = articles.slice(0, site.feedItems);
    // The source hash of each item determines everything the feed says about it.
    const key = shortHash(
      [this.layoutKey, JSON.stringify(scope), ...items.map((a) => `${a.url} ${a.hash}`)].join('\n'),
    );
    let built: ReturnType<typeof buildFeeds> | undefined;
    const feeds = () => {
      built ??= buildFeeds(items, site, scope);
      return built;
    };
    const file = (name: string, contentType: string, render: () => string): SiteFile => ({
      path: `${scope.dir}${name}`,
      contentType,
      kind: 'feed',
      immutable: false,
      key,
      render,
    });
    return [
      file(FEED_FILES.rss, CONTENT_TYPES.rss, () => feeds().rss),
      file(FEED_FILES.atom, CONTENT_TYPES.atom, () => feeds().atom),
      file(FEED_FILES.json, CONTENT_TYPES.json, () => feeds().json),
    ];
  }
}

/** Articles grouped by year of their date ('2026'), years newest first, keeping the input order inside. */
export function groupByYear(articles: readonly ArticleMeta[]): { year: string; articles: ArticleMeta[] }[] {
  const years = new Map<string, ArticleMeta[]>();
  for (const article of articles) {
    const year = article.date.slice(0, 4);
    const list = years.get(year);
    if (list) list.push(article);
    else years.set(year, [article]);
  }
  return [...years].sort(([a], [b]) => b.localeCompare(a)).map(([year, list]) => ({ year, articles: list }));
}

/**
 * Every file of the site for the published articles (newest first). Pages come before feeds, so a
 * store that writes in order never publishes a feed item whose page does not exist yet.
 */
export function planSite(
  published: readonly Article[],
  site: SiteConfig,
  assets: readonly StaticAsset[] = [],
): SiteFile[] {
  const files = new SiteFiles(site);
  const tags = groupByTag(published);
  const years = groupByYear(published);
  return [
    ...assets.map(staticFile),
    ...files.assets(),
    ...published.map((article) => files.article(article)),
    // An alias never shadows a page that exists.
    ...published
      .flatMap((article) => files.redirects(article))
      .filter((r) => !published.some((a) => files.articlePath(a.slug) === r.path)),
    files.home(published, published.length),
    files.archiveIndex(years.map(({ year, articles }) => ({ year, count: articles.length }))),
    ...years.map(({ year, articles }) => files.archiveYear(year, articles)),
    files.tagsIndex(tags.map((group) => ({ tag: group.tag, count: group.articles.length }))),
    ...tags.map((group) => files.tagPage(group.tag, group.articles)),
    ...tags.flatMap((group) => files.feeds(group.articles, group.tag)),
    ...files.feeds(published),
  ];
}
