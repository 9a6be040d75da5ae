import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Article } from '../../core/article.js';
import type { Problem } from '../../core/errors.js';
import type { SiteConfig } from '../../core/site.js';
import type { ArticleCache } from '../../pipeline/parse.js';
import { readJsonFile, writeFileAtomicSync } from './files.js';

type Entry = { hash: string; article: Article; warnings: readonly Problem[] };

/**
 * Parsed and rendered articles from earlier builds, keyed by path and source hash, in one JSON file per
 * site configuration (a changed base URL changes every rendered link, so it starts a new cache).
 * Entries are trusted: the file is ours and written atomically.
 */
export class FileArticleCache implements ArticleCache {
  private entries = new Map<string, Entry>();
  private readonly used = new Set<string>();
  private dirty = false;
  private readonly path: string;

  constructor(stateDir: string, site: SiteConfig, version: string) {
    const key = createHash('sha256')
      .update(JSON.stringify([version, site]))
      .digest('hex')
      .slice(0, 16);
    this.path = join(stateDir, 'cache', `articles-${key}.json`);
  }

  async load(): Promise<this> {
    const raw = (await readJsonFile(this.path)) as Record<string, Entry> | undefined;
    this.entries = new Map(Object.entries(raw ?? {}));
    return this;
  }

  get(hash: string, path: string): Omit<Entry, 'hash'> | undefined {
    const entry = this.entries.get(path);
    if (entry?.hash !== hash) return undefined;
    this.used.add(path);
    return entry;
  }

  set(hash: string, path: string, entry: Omit<Entry, 'hash'>): void {
    this.entries.set(path, { hash, ...entry });
    this.used.add(path);
    this.dirty = true;
  }

  /** Writes the cache, dropping entries for files that no longer exist. */
  async save(): Promise<void> {
    if (!this.dirty && this.used.size === this.entries.size) return;
    const kept = [...this.entries].filter(([path]) => this.used.has(path));
    writeFileAtomicSync(this.path, JSON.stringify(Object.fromEntries(kept)));
  }
}
