import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileArticleCache } from '../../../src/adapters/fs/article-cache.js';
import { article, testSite } from '../../helpers/site.js';

const a = article({ title: 'A', date: '2026-01-01', slug: 'a' }, 'Body of **A** with “quotes” 🎉.');
const b = article({ title: 'B', date: '2026-01-02', slug: 'b' }, 'Body of B.');
const open = (dir: string) => new FileArticleCache(dir, testSite, 'test').load();

/** A cache folder holding articles a and b at version v1. */
async function seeded(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cache-'));
  const first = await open(dir);
  first.set('posts/a.md', 'v1', { article: a, warnings: [] });
  first.set('posts/b.md', 'v1', { article: b, warnings: [] });
  await first.save();
  return dir;
}

describe('FileArticleCache', () => {
  it('gives back what it was given, with bodies read from the pack', async () => {
    const dir = await seeded();

    const second = await open(dir);
    expect(second.get('posts/a.md', 'v1')?.article).toEqual(a);
    expect(second.get('posts/a.md', 'v2')).toBeUndefined();
    expect(second.getByHash('posts/b.md', b.hash)?.article.html).toBe(b.html);
    expect(second.getByHash('posts/b.md', 'other')).toBeUndefined();
  });

  it('forgets files that are gone, and a version change with the same bytes keeps the entry', async () => {
    const dir = await seeded();

    const second = await open(dir);
    const same = second.getByHash('posts/a.md', a.hash);
    if (!same) throw new Error('expected a hit');
    second.set('posts/a.md', 'v2', same);
    await second.save();

    const third = await open(dir);
    expect(third.get('posts/a.md', 'v2')?.article.html).toBe(a.html);
    expect(third.get('posts/b.md', 'v1')).toBeUndefined();
  });

  it('compacts the pack when most of it is garbage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-'));
    const big = article({ title: 'Big', date: '2026-01-01', slug: 'big' }, 'x'.repeat(600_000));
    const first = await open(dir);
    first.set('posts/big.md', 'v1', { article: big, warnings: [] });
    await first.save();
    const pack = join(dir, 'cache');
    const size = async () => {
      const { readdir } = await import('node:fs/promises');
      const [key] = await readdir(pack);
      return (await stat(join(pack, key ?? '', 'bodies.pack'))).size;
    };
    const before = await size();
    for (let i = 0; i < 3; i++) {
      const cache = await open(dir);
      const edited = article({ title: 'Big', date: '2026-01-01', slug: 'big' }, `${i}${'y'.repeat(600_000)}`);
      cache.set('posts/big.md', `v${i + 2}`, { article: edited, warnings: [] });
      await cache.save();
    }
    expect(await size()).toBeLessThan(before * 2.5);
    expect((await open(dir)).get('posts/big.md', 'v4')?.article.html).toContain('2yyy');
  });
});
