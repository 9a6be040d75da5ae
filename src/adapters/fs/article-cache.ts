import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { Article } from '../../core/article.js';
import type { SiteConfig } from '../../core/site.js';
import type { ArticleCache, CachedArticle } from '../../pipeline/parse.js';
import { readJsonFile, writeFileAtomicSync, writeFileIn } from './files.js';

type Metadata = Omit<Article, 'html'>;

interface Entry {
  version: string;
  meta: Metadata;
  warnings: CachedArticle['warnings'];
  /** Where the rendered body sits in bodies.pack: byte offset and length. */
  body: [number, number];
}

// Only this class writes the cache, index last; the shape is checked, not each of its ten thousand entries
// (a mismatch in format or site key means a full rebuild, never a wrong one).
const indexSchema = z.object({
  format: z.literal(1),
  entries: z.custom<Record<string, unknown>>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'must be an object',
  ),
});

/**
 * Parsed articles from earlier builds, in `<state>/cache/<site key>/`: `index.json` holds every article's
 * metadata, `bodies.pack` their rendered HTML end to end. A rebuild loads only the index; a body is read
 * from the pack when something needs it (a changed page, a feed's newest items), so editing one article
 * of ten thousand reads a few bodies, not all of them. The files are ours, written index-last.
 */
export class FileArticleCache implements ArticleCache {
  private entries = new Map<string, Entry>();
  private readonly fresh = new Map<
    string,
    { version: string; article: Article; warnings: Entry['warnings'] }
  >();
  private readonly used = new Set<string>();
  private fd: number | undefined;
  private readonly dir: string;

  constructor(stateDir: string, site: SiteConfig, version: string) {
    const key = createHash('sha256')
      .update(JSON.stringify([version, site]))
      .digest('hex')
      .slice(0, 16);
    this.dir = join(stateDir, 'cache', key);
  }

  private get indexPath() {
    return join(this.dir, 'index.json');
  }

  private get packPath() {
    return join(this.dir, 'bodies.pack');
  }

  async load(): Promise<this> {
    const parsed = indexSchema.safeParse(await readJsonFile(this.indexPath));
    if (parsed.success && existsSync(this.packPath)) {
      this.entries = new Map(Object.entries(parsed.data.entries as Record<string, Entry>));
      this.fd = openSync(this.packPath, 'r');
    }
    return this;
  }

  private readBody([offset, length]: [number, number]): string {
    if (this.fd === undefined) throw new Error('article cache: body requested without a pack');
    const buffer = Buffer.alloc(length);
    readSync(this.fd, buffer, 0, length, offset);
    return buffer.toString('utf8');
  }

  /** An Article whose html is read from the pack on first use. */
  private materialize(path: string, entry: Entry): CachedArticle {
    this.used.add(path);
    let html: string | undefined;
    const cache = this;
    const article = Object.defineProperty({ ...entry.meta }, 'html', {
      enumerable: true,
      get() {
        html ??= cache.readBody(entry.body);
        return html;
      },
    }) as Article;
    return { article, warnings: entry.warnings };
  }

  get(path: string, version: string): CachedArticle | undefined {
    const entry = this.entries.get(path);
    return entry?.version === version ? this.materialize(path, entry) : undefined;
  }

  getByHash(path: string, hash: string): CachedArticle | undefined {
    const entry = this.entries.get(path);
    return entry?.meta.hash === hash ? this.materialize(path, entry) : undefined;
  }

  set(path: string, version: string, entry: CachedArticle): void {
    this.used.add(path);
    this.fresh.set(path, { version, ...entry });
  }

  /** Appends new bodies, drops entries for files that are gone, and compacts the pack when mostly garbage. */
  async save(): Promise<void> {
    let dirty = [...this.entries.keys()].some((path) => !this.used.has(path));
    const kept = new Map([...this.entries].filter(([path]) => this.used.has(path) && !this.fresh.has(path)));
    const changed: [string, { version: string; article: Article; warnings: Entry['warnings'] }][] = [];
    for (const [path, f] of this.fresh) {
      const old = this.entries.get(path);
      if (old && old.meta.hash === f.article.hash) {
        kept.set(path, { ...old, version: f.version });
        dirty ||= old.version !== f.version;
      } else {
        changed.push([path, f]);
        dirty = true;
      }
    }
    if (!dirty) return;

    const bodies = changed.map(([path, f]) => ({ path, f, bytes: Buffer.from(f.article.html) }));
    const live = [...kept.values()].reduce((sum, e) => sum + e.body[1], 0);
    const packSize = [...this.entries.values()].reduce((end, e) => Math.max(end, e.body[0] + e.body[1]), 0);
    const rewrite = this.fd === undefined || packSize > 2 * live + 1_000_000;

    let offset = rewrite ? 0 : packSize;
    const target = rewrite ? `${this.packPath}.${process.pid}.tmp` : this.packPath;
    if (rewrite) writeFileIn(target, '');
    const out = openSync(target, rewrite ? 'w' : 'r+');
    try {
      const append = (bytes: Buffer) => {
        writeSync(out, bytes, 0, bytes.length, offset);
        const at: [number, number] = [offset, bytes.length];
        offset += bytes.length;
        return at;
      };
      if (rewrite) {
        for (const entry of kept.values()) entry.body = append(Buffer.from(this.readBody(entry.body)));
      }
      for (const { path, f, bytes } of bodies) {
        const { html: _html, ...meta } = f.article;
        kept.set(path, { version: f.version, meta, warnings: f.warnings, body: append(bytes) });
      }
    } finally {
      closeSync(out);
    }
    if (rewrite) renameSync(target, this.packPath);
    writeFileAtomicSync(this.indexPath, JSON.stringify({ format: 1, entries: Object.fromEntries(kept) }));
  }
}
