// The state an incremental publisher keeps instead of re-reading the corpus: small lists of article
// metadata per year and per tag, the newest articles with their bodies (for feeds), and counts.
import type { Article, ArticleMeta, Tag } from './article.js';
import { byNewest } from './order.js';

/** A list entry; the first `bodies` entries of a list keep their rendered HTML so feeds need no other read. */
export type Listed = ArticleMeta & { html?: string };

export interface SiteIndex {
  readonly format: 1;
  years: Record<string, number>;
  tags: Record<string, { name: string; count: number }>;
  /** The newest published articles, newest first, a few more than the home page and feeds show. */
  newest: Listed[];
  /** Future-dated articles, published by the first run after their date. */
  scheduled: { path: string; dateMs: number }[];
  /**
   * Keys of the list pages and feeds as last written, so an unchanged feed is not written again: its
   * Last-Modified (and ETag) stay put, and readers' conditional GETs get 304s.
   */
  written?: Record<string, string>;
  /** When the scheduler was last asked to wake the publisher (epoch ms), so it is only asked again on change. */
  wakeAtMs?: number;
}

/** What the publisher remembers about each source file, so an update or delete knows what to undo. */
export interface SourceRecord {
  readonly path: string;
  readonly hash: string;
  readonly slug: string;
  readonly url: string;
  readonly year: string;
  readonly tags: readonly Tag[];
  readonly published: boolean;
  /** Old addresses that redirect here (absent on records written before redirects were tracked). */
  readonly aliases?: readonly string[];
  /** The source's version when it was read (S3 ETag), so a reconcile can spot changes it missed. */
  readonly version?: string;
}

export function emptyIndex(): SiteIndex {
  return { format: 1, years: {}, tags: {}, newest: [], scheduled: [] };
}

export const yearOf = (article: ArticleMeta): string => article.date.slice(0, 4);

export function totalPublished(index: SiteIndex): number {
  return Object.values(index.years).reduce((sum, n) => sum + n, 0);
}

function listed(article: Article | Listed, keepBody: boolean): Listed {
  if (keepBody) return article;
  const { html: _html, ...meta } = article;
  return meta;
}

/** Inserts (or replaces, by URL) an article, keeping newest-first order and bodies on the first `bodies`. */
export function withEntry(list: readonly Listed[], article: Article, bodies: number): Listed[] {
  const next = [...list.filter((e) => e.url !== article.url), article as Listed].sort(byNewest);
  return next.map((entry, i) => listed(entry, i < bodies));
}

export function withoutEntry(list: readonly Listed[], url: string, bodies: number): Listed[] {
  return list.filter((e) => e.url !== url).map((entry, i) => listed(entry, i < bodies));
}

/** Slugs of the first `bodies` entries that lack their body (moved up after a removal). */
export function missingBodies(list: readonly Listed[], bodies: number): string[] {
  return list.slice(0, bodies).flatMap((e) => (e.html === undefined ? [e.slug] : []));
}

export function recordOf(article: Article, published: boolean, version?: string): SourceRecord {
  return {
    ...(version === undefined ? {} : { version }),
    path: article.source,
    hash: article.hash,
    slug: article.slug,
    url: article.url,
    year: yearOf(article),
    tags: article.tags,
    published,
    ...(published && article.aliases?.length ? { aliases: article.aliases } : {}),
  };
}

/** Counts up or down, dropping a key that reaches zero. */
export function adjust<K extends string>(counts: Record<K, number>, key: K, by: number): void {
  const next = (counts[key] ?? 0) + by;
  if (next > 0) counts[key] = next;
  else delete counts[key];
}
