import { describe, expect, it } from 'vitest';
import { displayDate } from '../../../src/core/dates.js';
import { planSite, staticAssetProblem, staticClashes } from '../../../src/core/site-build.js';
import { indexArticle } from '../../../src/core/site-index.js';
import { article, bytes, planOf, testSite } from '../../helpers/site.js';

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

  it('keys article pages by content and neighbours, so an unchanged article is not rendered again', () => {
    const day = (d: number) => article({ title: `Day ${d}`, date: `2026-02-0${d}`, slug: `day-${d}` });
    const keyOf = (files: ReturnType<typeof planOf>, slug: string) =>
      files.find((f) => f.path === `posts/${slug}/index.html`)?.key;
    const three = planOf([day(1), day(2), day(3)]);
    const four = planOf([day(1), day(2), day(3), day(4)]);
    expect(keyOf(three, 'day-1')).toBeDefined();
    expect(keyOf(four, 'day-1')).toBe(keyOf(three, 'day-1')); // not next to the new article
    expect(keyOf(four, 'day-3')).not.toBe(keyOf(three, 'day-3')); // now links it as "next"
    const edited = article({ title: 'Day 1', date: '2026-02-01', slug: 'day-1' }, 'Edited body.');
    expect(keyOf(planOf([edited, day(2), day(3)]), 'day-1')).not.toBe(keyOf(three, 'day-1'));
  });

  it('links the older and newer article from each article page', async () => {
    const files = planOf([plain, hostile]);
    const older = await render('posts/hostile/index.html', files);
    expect(older).toContain('<a rel="prev" href="https://news.example.com/posts/plain/">');
    expect(await render('posts/plain/index.html', files)).toContain('rel="next"');
  });

  it('writes a sitemap of every page and article with its last change, and a robots.txt naming it', async () => {
    const files = planOf([plain, hostile]);
    const sitemap = await render('sitemap.xml', files);
    expect(sitemap).toContain('<loc>https://news.example.com/posts/plain/</loc><lastmod>');
    expect(sitemap).toContain('<loc>https://news.example.com/tags/go/</loc>');
    expect(await render('robots.txt', files)).toContain('Sitemap: https://news.example.com/sitemap.xml');
    const own = planOf([plain], undefined, [
      { path: 'robots.txt', bytes: bytes('User-agent: *\nDisallow: /') },
    ]);
    expect(own.filter((f) => f.path === 'robots.txt')).toHaveLength(1);
    expect(await render('robots.txt', own)).toContain('Disallow');
    // Crawlers read robots.txt at a host's root only: a site in a folder leaves it to the host.
    const inFolder = planOf([plain], { ...testSite, baseUrl: 'https://example.com/blog' });
    expect(inFolder.map((f) => f.path)).not.toContain('robots.txt');
    expect(inFolder.map((f) => f.path)).toContain('sitemap.xml');
  });

  it('lists in the sitemap every page a reader reaches: the subscribe form and the newsletter archive', async () => {
    const issue = {
      id: 'd-1',
      createdAtMs: Date.parse('2026-01-03T08:00:00Z'),
      subject: 'New on Test Gazette',
      articles: [{ url: plain.url, title: plain.title, summary: plain.summary, date: plain.date }],
    };
    const withIssues = (site: typeof testSite, issues = [issue]) =>
      planSite(
        { site, live: [indexArticle(plain)], assets: [], issues },
        { body: async () => plain.html, asset: async () => new Uint8Array() },
      );
    const files = withIssues(testSite);
    const sitemap = await render('sitemap.xml', files);
    const locs = [...sitemap.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]);
    // Every HTML page but the 404 page and the issues (which the archive's index links) is listed, each once.
    const pages = files
      .filter(
        (f) =>
          f.contentType.startsWith('text/html') &&
          f.path !== '404.html' &&
          !/^newsletter\/[^/]+\/index\.html$/.test(f.path),
      )
      .map((f) => `https://news.example.com/${f.path.replace(/index\.html$/, '')}`);
    expect(locs.toSorted()).toEqual(pages.toSorted());
    expect(sitemap).toContain('<loc>https://news.example.com/subscribe/</loc>');
    expect(sitemap).toContain('<loc>https://news.example.com/newsletter/</loc>');
    // The site outside newsletter/ is the articles' alone: the same sitemap whatever mail went out.
    expect(await render('sitemap.xml', withIssues(testSite, []))).toBe(sitemap);
    // Without the archive there is no /newsletter/ to list.
    const unarchived = await render('sitemap.xml', withIssues({ ...testSite, archive: false }));
    expect(unarchived).not.toContain('/newsletter/');
    // An old address only redirects: it is not a page of its own to index.
    const moved = article({
      title: 'Moved',
      date: '2026-01-05',
      slug: 'moved',
      aliases: '[/old/moved/]',
    });
    const aliased = planOf([moved]);
    expect(aliased.map((f) => f.path)).toContain('old/moved/index.html');
    expect(await render('sitemap.xml', aliased)).not.toContain('/old/moved/');
  });

  it('carries Open Graph and Twitter card metadata with an absolute cover image and dates', async () => {
    const cover = article({ title: 'Cover', date: '2026-03-01', slug: 'cover', image: '/images/c.png' });
    const page = await render('posts/cover/index.html', planOf([cover]));
    expect(page).toContain('<meta property="og:type" content="article">');
    expect(page).toContain('<meta property="og:image" content="https://news.example.com/images/c.png">');
    expect(page).toContain('<meta property="article:published_time" content="2026-03-01');
    expect(page).toContain('<meta name="twitter:card" content="summary_large_image">');
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
  it.each([
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg onload="alert(1)"/>',
    '<svg><a href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg><foreignObject><iframe src="/api/"></iframe></foreignObject></svg>',
    '<!DOCTYPE svg [<!ENTITY x "y">]><svg/>',
  ])('refuses an SVG that can run script or embed content: %s', (svg) => {
    expect(staticAssetProblem('images/evil.svg', bytes(svg))).toMatch(/may not hold script/);
  });

  it.each([
    ['an entity in the scheme', '<svg><a href="jav&#x61;script:alert(1)"><text>x</text></a></svg>'],
    ['a tab in the scheme', '<svg><a href="java&#9;script:alert(1)"><text>x</text></a></svg>'],
    ['a line break in the scheme', '<svg><a href="java\nscript:alert(1)"><text>x</text></a></svg>'],
    ['a named entity', '<svg><a href="javascript&colon;alert(1)"><text>x</text></a></svg>'],
  ])('refuses script hidden by %s, as a browser reads it', (_how, svg) => {
    expect(staticAssetProblem('images/evil.svg', bytes(svg))).toMatch(/may not hold script/);
  });

  it.each([
    ['an attribute after a slash', 'page.html', '<svg/onload=alert(document.domain)>', 'onload='],
    ['attributes run together', 'page.html', '<img src="x"onerror="alert(1)">', 'onerror='],
    [
      'an unquoted value with a reference',
      'page.html',
      '<a href=jav&#x61;script:alert(1)>x</a>',
      'javascript:',
    ],
    [
      'an unquoted named reference',
      'page.html',
      '<svg><a href=javascript&colon;alert(1)>x</a></svg>',
      'javascript:',
    ],
    [
      'a prefixed SVG script',
      'd.svg',
      '<svg xmlns="http://www.w3.org/2000/svg"><x:script xmlns:x="http://www.w3.org/2000/svg">alert(1)</x:script></svg>',
      '<x:script"',
    ],
    [
      'a prefixed XHTML script',
      'e.svg',
      '<svg xmlns="http://www.w3.org/2000/svg"><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script></svg>',
      '<h:script"',
    ],
    [
      'an animation that sets a javascript: link',
      'f.svg',
      '<svg><a><animate attributeName="href" values="java&#x09;script:alert(1)"/><text>x</text></a></svg>',
      'javascript:',
    ],
  ])('refuses script written the ways a browser still runs it: %s', (_how, path, markup, found) => {
    expect(staticAssetProblem(`x/${path}`, bytes(markup))).toContain(
      `may not hold script or embedded content (found "${found}`,
    );
  });

  it('refuses an SVG or HTML page in another encoding than UTF-8, where the check could not read it', () => {
    const script = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...script].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(staticAssetProblem('images/evil.svg', utf16)).toBe('an SVG must be saved as UTF-8');
    expect(staticAssetProblem('old/page.html', utf16)).toBe('an HTML page must be saved as UTF-8');
    // No byte order mark: valid UTF-8, with NULs between the letters, declared UTF-16.
    const declared = `<?xml version="1.0" encoding="UTF-16"?>${[...script].map((c) => `${c}\0`).join('')}`;
    expect(staticAssetProblem('images/evil.svg', bytes(declared))).toBe('an SVG must be saved as UTF-8');
    expect(
      staticAssetProblem('images/ok.svg', bytes('<?xml version="1.0" encoding="utf-8"?><svg/>')),
    ).toBeUndefined();
    expect(staticAssetProblem('images/ok.svg', bytes('\uFEFF<svg/>'))).toBeUndefined();
  });

  it('accepts script shown as text, and an ASCII-compatible encoding declared', () => {
    expect(
      staticAssetProblem('old/page.html', bytes('<p>Write <code>&lt;script&gt;</code> to run code.</p>')),
    ).toBeUndefined();
    expect(
      staticAssetProblem('images/t.svg', bytes('<svg><text>&lt;iframe&gt;</text></svg>')),
    ).toBeUndefined();
    expect(
      staticAssetProblem('images/l.svg', bytes('<?xml version="1.0" encoding="ISO-8859-1"?><svg/>')),
    ).toBeUndefined();
  });

  it('accepts a plain SVG drawing', () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4" cx="5" cy="5"/></svg>';
    expect(staticAssetProblem('images/dot.svg', bytes(svg))).toBeUndefined();
  });

  it('copies CSS as it is, and HTML without script, but refuses an HTML page that can run script', () => {
    expect(staticAssetProblem('css/extra.css', bytes('body{background:url(a.png)}'))).toBeUndefined();
    expect(staticAssetProblem('old/page.html', bytes('<!doctype html><p>Hello</p>'))).toBeUndefined();
    expect(staticAssetProblem('old/page.html', bytes('<p onclick="x()">Hi</p>'))).toMatch(
      /an HTML page may not hold script/,
    );
    expect(staticAssetProblem('old/page.html', bytes('<script>alert(1)</script>'))).toMatch(/<script/);
  });

  it('refuses a static file at the address of a generated page, naming it', () => {
    const plan = planOf([article({ title: 'A', date: '2026-01-01T00:00:00Z', slug: 'a' })], testSite, [
      { path: 'tags/index.html', bytes: bytes('<p>mine</p>') },
      { path: 'ok.html', bytes: bytes('<p>ok</p>') },
    ]);
    expect(staticClashes(plan)).toEqual([
      { path: 'tags/index.html', reason: 'would overwrite the generated page /tags/index.html' },
    ]);
  });

  it.each(['images/a.svg', 'a-b_c.png', 'docs/x.pdf', 'css/site.css', 'old/page.html'])(
    'accepts %s',
    (path) => {
      expect(staticAssetProblem(path)).toBeUndefined();
    },
  );
  it.each([
    ['../escape.png', /letters/],
    ['a\\b.png', /letters/],
    ['.hidden.png', /letters/],
    ['images/a.exe', /not served/],
    ['script.js', /not served/],
    ['a.constructor', /not served/],
    ['a.__proto__', /not served/],
    ['index.html', /generated/],
    ['posts/x.png', /generated/],
    ['style.0123456789ab.css', /generated/],
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

  it('shows a year below 100 as written, not as 19xx', () => {
    expect(displayDate('0099-01-01T00:00:00Z', 'en')).toBe('January 1, 99');
  });
});
