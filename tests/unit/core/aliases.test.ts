import { describe, expect, it } from 'vitest';
import { aliasProblems } from '../../../src/core/aliases.js';
import type { ArticleMeta } from '../../../src/core/article.js';
import { article } from '../../helpers/site.js';

const post = (slug: string, aliases?: string) =>
  article(
    { title: slug, date: '2026-01-01', slug, ...(aliases ? { aliases } : {}) },
    'x',
    `posts/${slug}.md`,
  );

describe('aliasProblems (issue 14, item 5)', () => {
  it('accepts old addresses that no page uses', () => {
    expect(aliasProblems([post('a', '[/posts/old-a/]'), post('b', '[/2019/b/]')])).toEqual([]);
  });

  it("rejects an alias naming another article's address, on the article that declares it", () => {
    expect(aliasProblems([post('a', '[/posts/b/]'), post('b')])).toEqual([
      {
        file: 'posts/a.md',
        field: 'aliases',
        reason: '/posts/b/ is the address of posts/b.md',
        severity: 'error',
      },
    ]);
  });

  it('rejects the same old address declared by two articles, on both', () => {
    expect(aliasProblems([post('a', '[/posts/old/]'), post('b', '[/posts/old/]')])).toEqual([
      expect.objectContaining({ file: 'posts/a.md', reason: '/posts/old/ is also an alias of posts/b.md' }),
      expect.objectContaining({ file: 'posts/b.md', reason: '/posts/old/ is also an alias of posts/a.md' }),
    ]);
  });

  it('re-checks reserved paths for articles validated before the rule (a cache, an index)', () => {
    const stale: ArticleMeta = { ...post('a'), aliases: ['https://news.example.com/tags/email/'] };
    expect(aliasProblems([stale])).toEqual([
      expect.objectContaining({
        field: 'aliases',
        reason: expect.stringMatching(/^\/tags\/email\/ is under \/tags\//),
      }),
    ]);
  });
});
