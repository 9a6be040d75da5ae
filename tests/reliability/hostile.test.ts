// Hostile and broken articles (tests/fixtures/hostile/): each is rejected with its file and field named,
// or published safely. Never a crash, a hang, a path outside the output, or an email.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_ARTICLE_BYTES, parseArticle } from '../../src/core/article.js';
import { parseCorpus, publishedAt } from '../../src/core/corpus.js';
import { feedparser } from '../helpers/clients.js';
import { planOf, testSite } from '../helpers/site.js';

const dir = new URL('../fixtures/hostile/', import.meta.url);

async function corpus() {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => ({ path: `posts/${name}`, bytes: await readFile(new URL(name, dir)) })),
  );
}

const REJECTED: Record<string, RegExp> = {
  'alias-bomb.md': /^front matter: invalid YAML: .*alias/i,
  'binary.md': /^file: is not valid UTF-8/,
  'slug-dotdot.md': /^slug: must be lowercase/,
  'slug-encoded.md': /^slug: must be lowercase/,
  'slug-backslash.md': /^slug: must be lowercase/,
  'slug-lookalike.md': /^slug: must be lowercase/,
  'dup-a.md': /^slug: "twin" is also used by posts\/dup-b\.md/,
  'dup-b.md': /^slug: "twin" is also used by posts\/dup-a\.md/,
  'date-feb30.md': /^date: "2026-02-30" is not a real date/,
  'date-year10000.md': /^date: must be an ISO 8601 date/,
  'empty.md': /^front matter: missing/,
};

describe('hostile and broken articles', () => {
  it('rejects each broken one with its file, field and reason', async () => {
    const { problems } = parseCorpus(await corpus(), testSite);
    const errors = problems.filter((p) => p.severity === 'error');
    for (const [file, reason] of Object.entries(REJECTED)) {
      const found = errors.filter((p) => p.file === `posts/${file}`).map((p) => `${p.field}: ${p.reason}`);
      expect(found, file).toHaveLength(1);
      expect(found[0], file).toMatch(reason);
    }
    expect(new Set(errors.map((p) => p.file)).size).toBe(Object.keys(REJECTED).length);
  });

  it('publishes the rest with nothing executable left, every path inside the site, and feeds that parse', async () => {
    const { articles } = parseCorpus(await corpus(), testSite);
    const safe = articles.filter((a) => !Object.keys(REJECTED).includes(a.source.slice('posts/'.length)));
    expect(safe.map((a) => a.slug).sort()).toEqual([
      'bom',
      'cdata',
      'crlf-title',
      'handlers',
      'iframe',
      'script',
      'style',
      'svg',
      'urls',
    ]);
    const files = planOf(publishedAt(safe, Date.parse('2026-06-01')));
    const out = await mkdtemp(join(tmpdir(), 'hostile-'));
    for (const file of files) {
      expect(file.path).toMatch(/^[a-z0-9][a-z0-9./-]*$/);
      expect(file.path.split('/')).not.toContain('..');
      const body = await file.render();
      const text = typeof body === 'string' ? body : '';
      if (file.path.endsWith('.html') || file.path.endsWith('.xml') || file.path.endsWith('.json')) {
        expect(text, file.path).not.toMatch(
          /<script|<iframe|<object|<embed|<style[\s>]|\son[a-z]+=|javascript:|data:text|data:image|<svg/i,
        );
        // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none survive.
        expect(text, file.path).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
      }
      if (file.path === 'feed.xml' || file.path === 'atom.xml') await writeFile(join(out, file.path), text);
    }
    for (const feed of ['feed.xml', 'atom.xml']) {
      const parsed = await feedparser(join(out, feed));
      expect(parsed.bozo, feed).toBe(false);
      expect(parsed.entries.length).toBe(9);
    }
    const crlf = safe.find((a) => a.slug === 'crlf-title');
    expect(crlf?.title).toBe('Line Bcc: victim@example.org end');
    expect(crlf?.tags.map((t) => t.name)).toEqual(['a b', 'c']);
  });

  it('refuses a 10 MB file at once, without parsing it', () => {
    const huge = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    const result = parseArticle({ path: 'posts/huge.md', bytes: huge }, testSite);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toMatchObject({
      field: 'file',
      reason: expect.stringContaining(`${MAX_ARTICLE_BYTES}`),
    });
  });
});
