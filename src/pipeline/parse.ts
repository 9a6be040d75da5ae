import {
  type Article,
  contentHash,
  type ParseResult,
  parseArticle,
  prepareToParse,
} from '../core/article.js';
import { type Corpus, collectCorpus } from '../core/corpus.js';
import type { Problem } from '../core/errors.js';
import type { ArticleSourceStore, SourceEntry } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';

export interface CachedArticle {
  readonly article: Article;
  readonly warnings: readonly Problem[];
}

/**
 * Earlier results for unchanged files, so a rebuild neither reads nor parses them. A cache belongs to one
 * site configuration (a changed base URL changes every rendered link).
 */
export interface ArticleCache {
  /** By listed version: a hit means the file need not even be read. */
  get(path: string, version: string): CachedArticle | undefined;
  /** By content hash, for a file whose version changed but whose bytes did not (a fresh git checkout). */
  getByHash(path: string, hash: string): CachedArticle | undefined;
  set(path: string, version: string, entry: CachedArticle): void;
}

/** Parses what the cache does not already hold, then checks the corpus as a whole. */
export async function parseSources(
  entries: readonly SourceEntry[],
  source: ArticleSourceStore,
  site: SiteConfig,
  cache?: ArticleCache,
): Promise<Corpus> {
  const results: ParseResult[] = [];
  for (const { path, version } of entries) {
    const known = cache?.get(path, version);
    if (known) {
      results.push({ ok: true, ...known });
      continue;
    }
    const file = await source.read(path);
    const hash = contentHash(file.bytes);
    const cached = cache?.getByHash(path, hash);
    if (!cached) await prepareToParse([file]);
    const result: ParseResult = cached ? { ok: true, ...cached } : parseArticle(file, site, hash);
    if (result.ok) cache?.set(path, version, result);
    results.push(result);
  }
  return collectCorpus(results);
}
