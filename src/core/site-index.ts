// The one index both editions keep between publishes: every source file as last read (article metadata,
// never the corpus' bodies) and every static file, plus the keys of what all outputs depend on. A publish
// applies source changes to it and then writes the outputs whose key changed (src/pipeline/publish.ts).
import type { Article, ArticleMeta } from './article.js';
import type { Problem } from './errors.js';
import type { ArchivedIssue } from './newsletter.js';
import { byNewest } from './order.js';
import { shortHash } from './short-hash.js';
import type { SiteConfig } from './site.js';
import type { SitePage } from './site-page.js';

/** Bump when parsing or Markdown rendering changes what an article's HTML or metadata would be. */
export const RENDERER_VERSION = '26';

/** An article as the index keeps it: its metadata, and hashes of what pages and feeds show of it. */
export interface IndexedArticle extends ArticleMeta {
  /** Everything a list page shows of it (not its source bytes): a whitespace-only edit leaves it alone. */
  readonly listKey: string;
  /** `listKey` plus its rendered body: what its own page and feed items show. */
  readonly renderKey: string;
}

export interface IndexedSource {
  /** The store's version of the bytes last read (size and mtime locally, the ETag in S3). */
  readonly version: string;
  readonly article: IndexedArticle;
  readonly warnings: readonly Problem[];
  /** Whether readers saw it after the last publish (not a draft, not dated in the future). */
  readonly live: boolean;
  /**
   * A publish saw it scheduled (not a draft, dated after that publish) with the date it has now: it was
   * written ahead, not backdated, so it goes live at its date whenever the publish that takes it live runs.
   */
  readonly seenScheduled?: true;
}

export interface SiteIndex {
  readonly format: 2;
  /** Names the parser and the site settings it reads: when it changes, every source is parsed again. */
  parseKey: string;
  /** By source path ('posts/a.md'). */
  sources: Record<string, IndexedSource>;
  /** Static files by site path ('images/a.svg'): version and content hash. */
  assets: Record<string, { readonly version: string; readonly hash: string }>;
  /** Pages (content/pages/) by source path: version, the parsed page (body included) and its warnings. */
  pages?: Record<
    string,
    { readonly version: string; readonly page: SitePage; readonly warnings?: readonly Problem[] }
  >;
  /** Rendered bodies of the articles feeds show, by render key, so writing a feed reads no other file. */
  feedBodies: Record<string, string>;
  /** When the scheduler was last asked to wake the publisher (epoch ms), so it is asked again only on change. */
  wakeAtMs?: number;
  /** Articles waiting out the grace window (`digest.delay`): source path → when it went live. */
  pending?: Record<string, number>;
  /** Digests that went out, newest first, for the public archive (/newsletter/). */
  issues?: ArchivedIssue[];
  /** The last weekly send time whose digest the archive looked for (the weekly cursor then). */
  weeklyArchivedMs?: number;
  /** The key of the theme last handed to the functions that render mail (PublishedTheme), so it is written on change. */
  themeKey?: string;
  /** Set once any article was indexed here, so a site emptied later is not taken for a new one. */
  hadArticles?: true;
  /** Articles taken off the site within the last DEPARTED_KEPT_MS, by the source they were live from. */
  departed?: Record<string, DepartedArticle>;
}

/**
 * How long an article taken off the site is remembered. A file renamed and retitled arrives as one S3 event
 * and leaves as another; when the two land in publishes apart, the one that sees the second still pairs them
 * (movesBetween), so the article is mailed once and, if it waited out the grace window, keeps its place and
 * its hold (a hold keeps listing its source meanwhile). Long enough for any two events of one deploy; short
 * enough that a post withdrawn and written afresh another day is new.
 */
export const DEPARTED_KEPT_MS = 3_600_000;

/**
 * An article a recent publish took off the site: a deleted or renamed file, one turned into a draft or
 * rescheduled to a future date.
 */
export interface DepartedArticle {
  readonly article: ArticleMeta;
  readonly atMs: number;
  /** When it went live, if it was still waiting out the grace window as it left. */
  readonly pendingSinceMs?: number;
}

/** The departures still remembered at `nowMs`. */
export function recentDepartures(
  departed: SiteIndex['departed'],
  nowMs: number,
): Record<string, DepartedArticle> {
  return Object.fromEntries(
    Object.entries(departed ?? {}).filter(([, d]) => nowMs - d.atMs < DEPARTED_KEPT_MS),
  );
}

/** Sources that left while waiting out the grace window (remembered or not). */
export const waitingDepartures = (departed: SiteIndex['departed']): string[] =>
  Object.entries(departed ?? {}).flatMap(([source, d]) => (d.pendingSinceMs === undefined ? [] : [source]));

/**
 * Whether a waiting article that left is still part of its digest: its file is gone (a draft or a post
 * rescheduled to a later date was withdrawn on purpose) and its departure is remembered, so it may be half
 * of a rename. Its hold keeps listing it, and the desk shows it, held, released and cancelled with the rest.
 */
export const isAway = (
  index: Pick<SiteIndex, 'sources'>,
  source: string,
  departed: DepartedArticle | undefined,
) => departed?.pendingSinceMs !== undefined && index.sources[source] === undefined;

/**
 * Nothing was ever published here: no index, or one a publish over an empty bucket wrote (S3's test event
 * when notifications are configured runs one before the content is deployed). A site emptied since (every
 * file deleted, or renamed in two publishes) is not new. Then only the newest article is mailed, so
 * installing Broadsheet on an existing blog never mails its archive. An index written before `hadArticles`
 * existed still tells an emptied site by what only articles leave: departures, or digests that went out.
 */
export const isFirstRun = (index: SiteIndex | undefined): boolean =>
  index === undefined ||
  (Object.keys(index.sources).length === 0 &&
    index.hadArticles !== true &&
    Object.keys(index.departed ?? {}).length === 0 &&
    (index.issues ?? []).length === 0);

export function emptyIndex(site: SiteConfig): SiteIndex {
  return { format: 2, parseKey: parseKeyOf(site), sources: {}, assets: {}, feedBodies: {} };
}

const hashOf = (text: string) => shortHash(text, 24);

/**
 * The site settings an article's parse reads (links are absolute, dates read in the zone, the extensions'
 * words in the site's language).
 */
export function parseKeyOf(site: SiteConfig): string {
  return hashOf(
    JSON.stringify([
      RENDERER_VERSION,
      site.baseUrl,
      site.timezone,
      site.author.name,
      site.math,
      site.language,
    ]),
  );
}

export function indexArticle(article: Article): IndexedArticle {
  const { html, source: _source, hash: _hash, floatingDate: _floating, bodyHash: _body, ...shown } = article;
  const listKey = hashOf(JSON.stringify(shown));
  return {
    ...withoutBody(article),
    listKey,
    renderKey: hashOf(`${listKey}\u0000${html}`),
  };
}

function withoutBody(article: Article): ArticleMeta {
  const { html: _html, ...meta } = article;
  return meta;
}

/** Metadata as the renderers take it: the index's own keys left out. */
export function metaOf(article: IndexedArticle): ArticleMeta {
  const { listKey: _l, renderKey: _r, ...meta } = article;
  return meta;
}

export const isLive = (article: ArticleMeta, nowMs: number): boolean =>
  !article.draft && article.dateMs <= nowMs;

/**
 * When articles went live, by source, for the announce window (AnnounceWindow.wentLiveMs): those waiting
 * out the grace window at the time they went live, those seen scheduled at their date, whichever is
 * earlier.
 */
export function wentLiveAt(
  sources: Readonly<Record<string, IndexedSource>>,
  pending: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const at: Record<string, number> = { ...pending };
  for (const [source, entry] of Object.entries(sources))
    if (entry.seenScheduled) at[source] = Math.min(at[source] ?? entry.article.dateMs, entry.article.dateMs);
  return at;
}

/** What readers see at `now`, newest first. */
export function liveArticles(index: SiteIndex, nowMs: number): IndexedArticle[] {
  return Object.values(index.sources)
    .map((s) => s.article)
    .filter((a) => isLive(a, nowMs))
    .sort(byNewest);
}

/** The earliest future date among articles that are not drafts: when the site next changes by itself. */
export function nextScheduledMs(index: SiteIndex, nowMs: number): number | undefined {
  let next: number | undefined;
  for (const { article } of Object.values(index.sources)) {
    if (!article.draft && article.dateMs > nowMs && (next === undefined || article.dateMs < next))
      next = article.dateMs;
  }
  return next;
}

export const yearOf = (article: ArticleMeta): string => article.date.slice(0, 4);
