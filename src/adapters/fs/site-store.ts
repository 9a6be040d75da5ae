import { readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Fingerprints, SiteStore, StoredFile } from '../../core/ports.js';
import {
  forgetDir,
  insideRoot,
  isStringRecord,
  readJsonFile,
  writeFileAtomicSync,
  writeFileIn,
  writeJsonFile,
} from './files.js';

const MANIFEST = '.broadsheet-manifest.json';

/** The built site as a folder (dist/). The manifest lives inside it, so deleting dist/ forces a full write. */
export class FsSiteStore implements SiteStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  async fingerprints(): Promise<Fingerprints> {
    // A missing or damaged manifest only means every file is written again.
    const raw = await readJsonFile(join(this.root, MANIFEST)).catch(() => undefined);
    return new Map(isStringRecord(raw) ? Object.entries(raw) : []);
  }

  async put(file: StoredFile): Promise<void> {
    const target = insideRoot(this.root, file.path);
    // Feeds are replaced atomically: a reader polling them never gets half a feed. Pages are written in
    // place, which is much cheaper for thousands of files; a crash mid-write leaves the manifest stale,
    // so the next build rewrites the page.
    if (file.kind === 'feed') writeFileAtomicSync(target, file.body);
    else writeFileIn(target, file.body);
  }

  async delete(path: string): Promise<void> {
    const target = insideRoot(this.root, path);
    await unlink(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
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
    await writeJsonFile(join(this.root, MANIFEST), Object.fromEntries([...fingerprints].sort()));
  }
}
