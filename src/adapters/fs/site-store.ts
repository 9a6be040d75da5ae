import { readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Fingerprints, SiteStore, StoredFile } from '../../core/ports.js';
import { FileWriter } from './file-writer.js';
import { forgetDir, insideRoot, writeFileAtomicSync } from './files.js';
import { JournalFile } from './journal-file.js';

/**
 * The built site as a folder (dist/). The keys of its files live inside it (`.broadsheet-manifest.v8` and
 * its journal), so deleting dist/ forces a full write.
 */
export class FsSiteStore implements SiteStore {
  readonly root: string;
  // The writer's thread answers eight writes at a time; with 64 in flight, pages are rendered here while
  // it writes earlier ones (measured in docs/performance.md, "Fewer messages to the writer").
  readonly writesInFlight = 64;
  private readonly manifest: JournalFile<null, string>;
  private readonly writer = new FileWriter();
  constructor(root: string) {
    this.root = resolve(root);
    this.manifest = new JournalFile(join(this.root, '.broadsheet-manifest.v8'));
    // A store is made to be written to: the thread starts while the sources are parsed, not at the first page.
    this.writer.start();
  }

  async fingerprints(): Promise<Fingerprints> {
    // A missing or damaged manifest only means every file is written again.
    try {
      const keys = this.manifest.load()?.maps.keys;
      return keys instanceof Map ? new Map(keys) : new Map();
    } catch {
      return new Map();
    }
  }

  async put(file: StoredFile): Promise<void> {
    const target = insideRoot(this.root, file.path);
    // Feeds are replaced atomically: a reader polling them never gets half a feed. Pages are written in
    // place, on the writer's thread, which is much cheaper for thousands of files; a crash mid-write leaves
    // the manifest stale, so the next build rewrites the page.
    if (file.kind === 'feed') writeFileAtomicSync(target, file.body);
    else await this.writer.write(target, file.body);
  }

  async delete(path: string): Promise<void> {
    const target = insideRoot(this.root, path);
    await unlink(target).catch((error: NodeJS.ErrnoException) => {
      // Gone, or never there: ENOTDIR when a folder on its path is a file (a write that failed part way).
      if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw error;
    });
    // Remove folders the file leaves empty (posts/<slug>/), stopping at the root.
    for (
      let dir = dirname(target);
      dir.startsWith(`${this.root}/`) && dir !== this.root;
      dir = dirname(dir)
    ) {
      if ((await readdir(dir).catch(() => ['?'])).length > 0) break;
      await rmdir(dir).catch(() => undefined);
      forgetDir(dir);
    }
  }

  async saveFingerprints(fingerprints: Fingerprints): Promise<void> {
    this.manifest.save({ meta: null, maps: { keys: fingerprints } });
  }

  /** Stops the writer's thread once its writes are done: a process that builds again keeps no idle thread. */
  close(): Promise<void> {
    return this.writer.finish();
  }
}
