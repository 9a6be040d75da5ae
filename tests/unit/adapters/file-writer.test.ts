import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileWriter } from '../../../src/adapters/fs/file-writer.js';

const writer = new FileWriter();
afterEach(() => writer.close());

describe('FileWriter (pages written on a second thread)', () => {
  it('writes files in new folders, text and bytes, and resolves once they are on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    await Promise.all([
      writer.write(join(dir, 'posts/a/index.html'), '<p>ä</p>'),
      writer.write(join(dir, 'posts/b/index.html'), new Uint8Array([1, 2, 3])),
    ]);
    expect(await readFile(join(dir, 'posts/a/index.html'), 'utf8')).toBe('<p>ä</p>');
    expect([...(await readFile(join(dir, 'posts/b/index.html')))]).toEqual([1, 2, 3]);
  });

  it('makes a folder again when it was removed after the first write into it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    await writer.write(join(dir, 'posts/a/index.html'), 'one');
    await rm(join(dir, 'posts'), { recursive: true });
    await writer.write(join(dir, 'posts/a/index.html'), 'two');
    expect(await readFile(join(dir, 'posts/a/index.html'), 'utf8')).toBe('two');
  });

  it('rejects with the system error, and the writes after it still succeed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    await writeFile(join(dir, 'file'), 'not a folder');
    await expect(writer.write(join(dir, 'file/index.html'), 'x')).rejects.toMatchObject({
      code: expect.stringMatching(/^E(NOTDIR|EXIST)$/),
    });
    await writer.write(join(dir, 'ok.html'), 'fine');
    expect(await readFile(join(dir, 'ok.html'), 'utf8')).toBe('fine');
  });

  it('settles each of many writes posted together on its own: one failure rejects that write only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    await writeFile(join(dir, 'file'), 'not a folder');
    const paths = Array.from({ length: 20 }, (_, i) =>
      i === 11 ? join(dir, 'file/index.html') : join(dir, `posts/p${i}/index.html`),
    );
    const results = await Promise.allSettled(paths.map((path, i) => writer.write(path, `page ${i}`)));
    expect(results.map((r) => r.status)).toEqual(paths.map((_, i) => (i === 11 ? 'rejected' : 'fulfilled')));
    for (const [i, path] of paths.entries()) {
      if (i !== 11) expect(await readFile(path, 'utf8')).toBe(`page ${i}`);
    }
  });

  it('keeps the order of writes to one path, within a message and across messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    const path = join(dir, 'page.html');
    // Twenty writes in one turn go in three messages of at most eight: the path is written in the first,
    // the second, and twice in the third.
    const toPath = new Set([0, 9, 17, 19]);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writer.write(toPath.has(i) ? path : join(dir, `other-${i}.html`), `version ${i}`),
      ),
    );
    expect(await readFile(path, 'utf8')).toBe('version 19');
    expect((await readdir(dir)).length).toBe(20 - toPath.size + 1);
  });

  it('rejects the writes not yet done when it is closed, and never writes them', async () => {
    const own = new FileWriter();
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    await own.write(join(dir, 'first.html'), 'started the thread');
    const late = [1, 2, 3].map((i) => own.write(join(dir, `late-${i}.html`), 'x'));
    await own.close();
    const results = await Promise.allSettled(late);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // A write after closing starts a new thread, which writes in order: were the late writes still
    // queued anywhere, they would be on disk once this one is.
    await own.write(join(dir, 'after.html'), 'a new thread');
    expect((await readdir(dir)).sort()).toEqual(['after.html', 'first.html']);
    await own.close();
  });

  it('finishes the writes asked for before it stops its thread, so none is rejected', async () => {
    const own = new FileWriter();
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    const writes = Array.from({ length: 20 }, (_, i) => own.write(join(dir, `f${i}/index.html`), `${i}`));
    await own.finish();
    const results = await Promise.allSettled(writes);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect((await readdir(dir)).length).toBe(20);
    expect(await readFile(join(dir, 'f19/index.html'), 'utf8')).toBe('19');
    await own.finish(); // no thread: nothing to do
  });

  it('fails only its own writes when a closed thread exits after a new one started', async () => {
    const own = new FileWriter();
    const dir = await mkdtemp(join(tmpdir(), 'file-writer-'));
    await own.write(join(dir, 'first.html'), 'one');
    const closing = own.close(); // not awaited: the old thread's exit comes while the new one writes
    const next = own.write(join(dir, 'second.html'), 'two');
    await closing;
    await expect(next).resolves.toBeUndefined();
    expect(await readFile(join(dir, 'second.html'), 'utf8')).toBe('two');
    await own.close();
  });
});
