import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { FsArticleSource } from '../../../src/adapters/fs/article-source.js';
import { FileReader } from '../../../src/adapters/fs/file-reader.js';
import { NotFoundError } from '../../../src/core/errors.js';

async function folderOf(count: number): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'file-reader-'));
  const files = Array.from({ length: count }, (_, i) => join(dir, `f${i}.md`));
  await Promise.all(files.map((file, i) => writeFile(file, `file ${i} ä`)));
  return { dir, files };
}

describe('FileReader (sources read ahead on a second thread)', () => {
  it('gives each file asked for its bytes, in any number, and nothing for a file not asked for', async () => {
    const { dir, files } = await folderOf(300);
    const reader = new FileReader();
    reader.prefetch(files);
    for (const [i, file] of files.entries()) {
      await reader.whenRead();
      const bytes = reader.take(file);
      expect(bytes?.toString('utf8')).toBe(`file ${i} ä`);
    }
    expect(reader.take(files[0] as string)).toBeUndefined();
    expect(reader.take(join(dir, 'other.md'))).toBeUndefined();
    await reader.close();
  });

  it('leaves a file it cannot read to the caller (undefined), and reads the rest', async () => {
    const { files } = await folderOf(40);
    await rm(files[5] as string);
    const reader = new FileReader();
    reader.prefetch(files);
    await reader.whenRead();
    const read = files.map((file) => reader.take(file));
    expect(read.map((bytes) => bytes === undefined)).toEqual(files.map((_, i) => i === 5));
    await reader.close();
  });

  it("does not make the caller wait: a file not read yet is the caller's, and the thread reads on", async () => {
    const { files } = await folderOf(200);
    const reader = new FileReader();
    reader.prefetch(files);
    // The thread cannot have answered before this turn ends: the first files are left to the caller.
    expect(reader.take(files[0] as string)).toBeUndefined();
    expect(reader.take(files[1] as string)).toBeUndefined();
    for (const [i, file] of files.entries()) {
      if (i < 2) continue;
      await reader.whenRead();
      expect(reader.take(file)?.toString('utf8')).toBe(`file ${i} ä`);
    }
    expect(reader.take(files[0] as string)).toBeUndefined();
    await reader.close();
  });

  it('asks the thread for a bounded number of files, and none the caller has gone past', async () => {
    const { files } = await folderOf(1000);
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const reader = new FileReader();
      reader.prefetch(files);
      // A caller that never yields (parsing on this thread alone) reads every file itself.
      for (const file of files) expect(reader.take(file)).toBeUndefined();
      await reader.whenRead();
      const asked = posted.mock.calls.flatMap(([chunk]) => chunk as string[]);
      expect(asked.length).toBeLessThanOrEqual(128);
      expect(asked).toEqual(files.slice(0, asked.length));
      await reader.close();
    } finally {
      posted.mockRestore();
    }
  });
});

describe('FsArticleSource read ahead', () => {
  it('reads the same bytes with a prefetch as without, and a missing file is still NotFoundError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'article-source-'));
    const paths = Array.from({ length: 250 }, (_, i) => `posts/a${i}.md`);
    await mkdir(join(dir, 'posts'));
    await Promise.all(
      paths.slice(0, 249).map((path, i) => writeFile(join(dir, path), `---\ntitle: A${i}\n---\n`)),
    );
    const plain = new FsArticleSource(dir);
    const ahead = new FsArticleSource(dir);
    const prefetch = vi.spyOn(FileReader.prototype, 'prefetch');
    const take = vi.spyOn(FileReader.prototype, 'take');
    ahead.prefetch(paths);
    const reader = prefetch.mock.instances[0] as FileReader;
    prefetch.mockRestore();
    for (const path of paths.slice(0, 249)) {
      await reader.whenRead();
      const [a, b] = [await ahead.read(path), await plain.read(path)];
      expect(a.path).toBe(path);
      expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes))).toBe(0);
    }
    const fromThread = take.mock.results.filter((r) => r.value !== undefined).length;
    take.mockRestore();
    expect(fromThread).toBe(249);
    await expect(ahead.read(paths[249] as string)).rejects.toBeInstanceOf(NotFoundError);
  });
});
