import {
  type Article,
  type ArticleSource,
  contentHash,
  type ParseResult,
  parseArticle,
} from '../core/article.js';
import { type Corpus, collectCorpus } from '../core/corpus.js';
import type { Problem } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';

export interface CachedArticle {
  readonly article: Article;
  readonly warnings: readonly Problem[];
}

/** Earlier results for unchanged files; a cache must be dropped when the site configuration changes. */
export interface ArticleCache {
  get(hash: string, path: string): CachedArticle | undefined;
  set(hash: string, path: string, entry: CachedArticle): void;
}

/** Parses what the cache does not already hold, then checks the corpus as a whole. */
export function parseSources(
  sources: readonly ArticleSource[],
  site: SiteConfig,
  cache?: ArticleCache,
): Corpus {
  const results: ParseResult[] = new Array(sources.length);
  sources.forEach((source, i) => {
    const hash = contentHash(source.bytes);
    const hit = cache?.get(hash, source.path);
    if (hit) {
      results[i] = { ok: true, ...hit };
      return;
    }
    const result = parseArticle(source, site, hash);
    results[i] = result;
    if (result.ok) cache?.set(hash, source.path, result);
  });
  return collectCorpus(results);
}
