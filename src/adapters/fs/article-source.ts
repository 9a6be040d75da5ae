import { readFileSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ArticleSource } from '../../core/article.js';
import type { ArticleSourceStore, SourceEntry, StaticAssetStore } from '../../core/ports.js';
import type { StaticAsset } from '../../core/site-build.js';
import { insideRoot } from './files.js';

/** Articles under `<root>/posts/*.md`. */
export class FsArticleSource implements ArticleSourceStore {
  constructor(private readonly root: string) {}

  async list(): Promise<SourceEntry[]> {
    const dir = join(this.root, 'posts');
    const names = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names
      .filter((e) => e.isFile() && e.name.endsWith('.md'))
      .map((e) => {
        // One stat instead of a read: size and nanosecond mtime change whenever the content may have.
        const info = statSync(join(dir, e.name), { bigint: true });
        return { path: `posts/${e.name}`, version: `${info.size}:${info.mtimeNs}` };
      });
  }

  async read(path: string): Promise<ArticleSource> {
    // Synchronous: thousands of small reads are several times faster than through the promise API.
    return { path, bytes: readFileSync(insideRoot(this.root, path)) };
  }
}

/** Every file under `<root>/static/`, copied to the site root as it is. */
export class FsStaticAssets implements StaticAssetStore {
  constructor(private readonly root: string) {}

  async list(): Promise<StaticAsset[]> {
    const dir = join(this.root, 'static');
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    return Promise.all(
      files.sort().map(async (file) => ({
        path: relative(dir, file).split(sep).join('/'),
        bytes: await readFile(file),
      })),
    );
  }
}
