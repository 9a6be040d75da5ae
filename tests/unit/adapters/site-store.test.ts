import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FsSiteStore } from '../../../src/adapters/fs/site-store.js';

it('deletes a file the manifest keeps inside what is now a file (a write that failed part way) as gone', async () => {
  const root = await mkdtemp(join(tmpdir(), 'site-store-'));
  await writeFile(join(root, 'feed.xml'), '<rss/>');
  const store = new FsSiteStore(root);
  try {
    await expect(store.delete('feed.xml/index.html')).resolves.toBeUndefined();
    expect(await readdir(root)).toEqual(['feed.xml']);
  } finally {
    await store.close();
  }
});
