import type { ArticleMeta } from './article.js';

/** Newest first; ties broken by slug so the order never depends on file listing order. */
export function byNewest(a: ArticleMeta, b: ArticleMeta): number {
  return b.dateMs - a.dateMs || a.slug.localeCompare(b.slug);
}
