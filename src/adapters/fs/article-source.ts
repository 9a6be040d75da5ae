import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ArticleSource } from '../../core/article.js';
import { NotFoundError } from '../../core/errors.js';
import type {
  ArticleSourceStore,
  SourceEntry,
  StaticAssetStore,
  ThemeSourceStore,
} from '../../core/ports.js';
import { themeFilesOf } from '../../core/theme.js';
import { FileReader } from './file-reader.js';
import { insideRoot } from './files.js';

/** How many sources a build must read before they are read ahead on a second thread. */
const PREFETCH_AT_LEAST = 200;

/** Articles under `<root>/posts/*.md` (or pages under `<root>/pages/*.md`, given 'pages'). */
export class FsArticleSource implements ArticleSourceStore {
  constructor(
    private readonly root: string,
    private readonly folder: 'posts' | 'pages' = 'posts',
  ) {}

  async list(): Promise<SourceEntry[]> {
    const dir = join(this.root, this.folder);
    const names = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names
      .filter((e) => e.isFile() && e.name.endsWith('.md'))
      .map((e) => {
        // One stat instead of a read: size and mtime change whenever the content may have.
        const info = statSync(join(dir, e.name));
        return { path: `${this.folder}/${e.name}`, version: `${info.size}:${info.mtimeMs}` };
      });
  }

  /**
   * Files in the folder that look like Markdown but are not read: in a subfolder, not named `.md`
   * (`.markdown`, `.MD`), a symbolic link (never followed: it could publish any file the link names), or a
   * folder. Paths as `list` gives them (posts/2026/a.md).
   */
  async unread(): Promise<{ readonly path: string; readonly link: boolean; readonly folder: boolean }[]> {
    const dir = join(this.root, this.folder);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter(
        (e) =>
          (e.isFile() || e.isSymbolicLink() || e.isDirectory()) &&
          /\.(?:md|markdown|mdown|mkdn?|mdx)$/i.test(e.name),
      )
      .map((e) => ({
        path: relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'),
        link: e.isSymbolicLink(),
        folder: e.isDirectory(),
      }))
      .filter(
        ({ path, link, folder }) => link || folder || !new RegExp(`^${this.folder}/[^/]+\\.md$`).test(path),
      )
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  private reader: FileReader | undefined;

  prefetch(paths: readonly string[]): void {
    // A thread costs more than it saves for the few files of an incremental build.
    if (paths.length < PREFETCH_AT_LEAST) return;
    const files: string[] = [];
    for (const path of paths) {
      try {
        files.push(insideRoot(this.root, path));
      } catch {
        // Not read ahead; read() reports it.
      }
    }
    this.reader ??= new FileReader();
    this.reader.prefetch(files);
  }

  async read(path: string): Promise<ArticleSource> {
    const file = insideRoot(this.root, path);
    const ahead = this.reader?.take(file);
    if (ahead) return { path, bytes: ahead };
    // Synchronous: thousands of small reads are several times faster than through the promise API.
    try {
      return { path, bytes: readFileSync(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(path);
      throw error;
    }
  }
}

/** Every file under `<root>/static/`, copied to the site root as it is. */
export class FsStaticAssets implements StaticAssetStore {
  private readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, 'static');
  }

  /** Symbolic links under static/, which are never copied (a link could publish any file it names). */
  async links(): Promise<string[]> {
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isSymbolicLink())
      .map((e) => relative(this.dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort((a, b) => a.localeCompare(b));
  }

  async list(): Promise<SourceEntry[]> {
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    return entries
      .filter((e) => e.isFile())
      .map((e) => {
        const file = join(e.parentPath, e.name);
        const info = statSync(file, { bigint: true });
        return {
          path: relative(this.dir, file).split(sep).join('/'),
          version: `${info.size}:${info.mtimeNs}`,
        };
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  async read(path: string): Promise<{ bytes: Uint8Array }> {
    try {
      return { bytes: readFileSync(insideRoot(this.dir, path)) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`static/${path}`);
      throw error;
    }
  }
}

/** The site's theme files under `<root>/theme/`, each replacing the theme's file of the same relative path. */
export class FsThemeFiles implements ThemeSourceStore {
  private readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, 'theme');
  }

  async files(): Promise<Record<string, string>> {
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    const read: [string, Uint8Array][] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const file = join(e.parentPath, e.name);
      read.push([relative(this.dir, file).split(sep).join('/'), readFileSync(file)]);
    }
    return themeFilesOf(read);
  }
}
