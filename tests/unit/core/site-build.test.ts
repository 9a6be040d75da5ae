import { describe, expect, it } from 'vitest';
import { displayDate } from '../../../src/core/dates.js';
import { staticAssetProblem } from '../../../src/core/site-build.js';
import { article, bytes, planOf } from '../../helpers/site.js';

const hostile = article({
  title: '"<script>alert(1)</script> & co"',
  date: '2026-01-02',
  slug: 'hostile',
  tags: '["<b>x</b>"]',
});
const plain = article({ title: 'Plain', date: '2026-01-01', slug: 'plain', tags: '[Go]' });

async function render(path: string, files = planOf([hostile, plain])): Promise<string> {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in ${files.map((f) => f.path).join(', ')}`);
  const body = await file.render();
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}

describe('planSite', () => {
  it('plans every page, tag page and feed, pages before feeds', () => {
    const files = planOf([hostile, plain]);
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'index.html',
        'archive/index.html',
        'tags/index.html',
        '404.html',
        'feed.xsl',
        'posts/hostile/index.html',
        'posts/plain/index.html',
        'tags/go/index.html',
        'tags/go/feed.xml',
        'tags/go/atom.xml',
        'tags/go/feed.json',
        'tags/b-x-b/index.html',
        'feed.xml',
        'atom.xml',
        'feed.json',
      ]),
    );
    const firstFeed = files.findIndex((f) => f.kind === 'feed');
    expect(files.slice(firstFeed).every((f) => f.kind === 'feed')).toBe(true);
    expect(paths.filter((p) => /^style\.[0-9a-f]{12}\.css$/.test(p))).toHaveLength(1);
  });

  it('escapes titles and tags in pages', async () => {
    for (const page of [
      'index.html',
      'posts/hostile/index.html',
      'archive/index.html',
      'tags/b-x-b/index.html',
    ]) {
      const html = await render(page);
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<b>x</b>');
    }
    expect(await render('posts/hostile/index.html')).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; co',
    );
  });

  it('keys article pages by content, so an unchanged article is not rendered again', () => {
    const a = planOf([plain]).find((f) => f.path === 'posts/plain/index.html');
    const b = planOf([plain, hostile]).find((f) => f.path === 'posts/plain/index.html');
    const edited = article({ title: 'Plain', date: '2026-01-01', slug: 'plain' }, 'Edited body.');
    const c = planOf([edited]).find((f) => f.path === 'posts/plain/index.html');
    expect(a?.key).toBeDefined();
    expect(b?.key).toBe(a?.key);
    expect(c?.key).not.toBe(a?.key);
  });

  it('keys pages and feeds by what they show, so an edit that changes only bytes rewrites nothing', () => {
    const original = planOf([plain]);
    const trailing = article(
      { title: 'Plain', date: '2026-01-01', slug: 'plain', tags: '[Go]' },
      'Body text.\n\n',
    );
    const touched = planOf([trailing]);
    expect(trailing.hash).not.toBe(plain.hash);
    expect(touched.map((f) => [f.path, f.key])).toEqual(original.map((f) => [f.path, f.key]));
  });

  it('copies static assets as they are', () => {
    const svg = bytes('<svg/>');
    const files = planOf([], undefined, [{ path: 'images/a.svg', bytes: svg }]);
    expect(files.find((f) => f.path === 'images/a.svg')).toMatchObject({ contentType: 'image/svg+xml' });
  });
});

describe('staticAssetProblem', () => {
  it.each(['images/a.svg', 'a-b_c.png', 'docs/x.pdf'])('accepts %s', (path) => {
    expect(staticAssetProblem(path)).toBeUndefined();
  });
  it.each([
    ['../escape.png', /letters/],
    ['a\\b.png', /letters/],
    ['.hidden.png', /letters/],
    ['images/a.exe', /not served/],
    ['script.js', /not served/],
    ['index.html', /not served/],
    ['posts/x.png', /generated/],
  ])('rejects %s', (path, reason) => {
    expect(staticAssetProblem(path)).toMatch(reason);
  });
});

describe('displayDate', () => {
  it('shows the calendar date the article was written with, in its own offset', () => {
    expect(displayDate('2026-07-01T00:30:00+02:00', 'en')).toBe('July 1, 2026');
    expect(displayDate('2026-07-01T23:30:00-05:00', 'en')).toBe('July 1, 2026');
    expect(displayDate('2026-07-01', 'pt-BR')).toBe('1 de julho de 2026');
  });
});
