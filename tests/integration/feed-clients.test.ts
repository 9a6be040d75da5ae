import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeeds, siteFeedScope } from '../../src/core/feeds.js';
import { escapeHtml } from '../../src/core/text.js';
import { feedparser } from '../helpers/clients.js';
import { article, testSite } from '../helpers/site.js';

describe('feeds with awkward text, read by feedparser', () => {
  it('keeps markup characters, CDATA terminators and Unicode in titles and bodies, and drops control characters', async () => {
    const a = article(
      {
        title: '"a < b & <i>c</i> ]]> \\u0001 “q” 🎉"',
        date: '2026-01-01',
        slug: 'awkward',
        summary: '"s ]]> t"',
      },
      'x ]]> y ]]> z\u0007',
    );
    const feeds = buildFeeds([a], testSite, siteFeedScope(testSite));
    const dir = await mkdtemp(join(tmpdir(), 'feeds-'));
    await writeFile(join(dir, 'feed.xml'), feeds.rss);
    await writeFile(join(dir, 'atom.xml'), feeds.atom);

    const title = 'a < b & <i>c</i> ]]> “q” 🎉';
    const rss = await feedparser(join(dir, 'feed.xml'));
    expect(rss.bozo).toBe(false);
    expect(rss.entries[0]?.title).toBe(title);
    expect(rss.entries[0]?.content[0]).toBe('<p>x ]]&gt; y ]]&gt; z</p>');

    const atom = await feedparser(join(dir, 'atom.xml'));
    expect(atom.bozo).toBe(false);
    // Atom titles are HTML: feedparser hands back the markup that displays as the original text.
    expect(atom.entries[0]?.title).toBe(escapeHtml(title).replace(/&#39;/g, "'"));
  });

  it("names each article's author in RSS by Dublin Core (RSS's own <author> is an email address) and in Atom", async () => {
    const written = article({
      title: 'By Zoë',
      date: '2026-01-02',
      slug: 'zoe',
      author: 'Zoë <Almeida> & Co',
    });
    // No body: the feed library declares the dc: namespace only for items with content.
    const empty = article({ title: 'Empty', date: '2026-01-01', slug: 'empty' }, '');
    const feeds = buildFeeds([written, empty], testSite, siteFeedScope(testSite));
    expect(feeds.rss).not.toMatch(/<author>/);
    const dir = await mkdtemp(join(tmpdir(), 'feeds-'));
    await writeFile(join(dir, 'feed.xml'), feeds.rss);
    await writeFile(join(dir, 'atom.xml'), feeds.atom);
    for (const file of ['feed.xml', 'atom.xml']) {
      const parsed = await feedparser(join(dir, file));
      expect(parsed.bozo, file).toBe(false);
      expect(
        parsed.entries.map((e) => e.author),
        file,
      ).toEqual(['Zoë <Almeida> & Co', 'Test Author']);
    }
    const onlyEmpty = buildFeeds([empty], testSite, siteFeedScope(testSite)).rss;
    await writeFile(join(dir, 'feed.xml'), onlyEmpty);
    const parsed = await feedparser(join(dir, 'feed.xml'));
    expect(parsed.bozo).toBe(false);
    expect(parsed.entries[0]?.author).toBe('Test Author');
  });

  it('carries a cover image as an enclosure and as Media RSS content and thumbnail, in RSS and Atom', async () => {
    // A path on the site (made absolute and percent-encoded, `&` escaped in the XML), and an image service's
    // address, whose type nothing tells: an enclosure needs one, so that one has Media RSS alone.
    const onSite = article({
      title: 'On site',
      date: '2026-01-03',
      slug: 'on-site',
      image: '/images/a cover.JPG?v=1&w=2',
    });
    const service = article({
      title: 'Service',
      date: '2026-01-02',
      slug: 'service',
      image: 'https://img.example.org/photo/123?w=800&h=600',
    });
    const plain = article({ title: 'Plain', date: '2026-01-01', slug: 'plain' });
    const feeds = buildFeeds([onSite, service, plain], testSite, siteFeedScope(testSite));
    const dir = await mkdtemp(join(tmpdir(), 'feeds-'));
    await writeFile(join(dir, 'feed.xml'), feeds.rss);
    await writeFile(join(dir, 'atom.xml'), feeds.atom);
    const cover = 'https://news.example.com/images/a%20cover.JPG?v=1&w=2';
    const remote = 'https://img.example.org/photo/123?w=800&h=600';

    for (const [file, length] of [
      ['feed.xml', '0'],
      ['atom.xml', null],
    ] as const) {
      const parsed = await feedparser(join(dir, file));
      expect(parsed.bozo, parsed.bozo_exception).toBe(false);
      expect(
        parsed.entries.map((e) => e.enclosures),
        file,
      ).toEqual([[{ href: cover, type: 'image/jpeg', length }], [], []]);
      expect(
        parsed.entries.map((e) => e.media_content),
        file,
      ).toEqual([
        [{ url: cover, medium: 'image', type: 'image/jpeg' }],
        [{ url: remote, medium: 'image', type: null }],
        [],
      ]);
      expect(
        parsed.entries.map((e) => e.media_thumbnail),
        file,
      ).toEqual([[cover], [remote], []]);
    }
    // Without a cover, neither feed declares the Media RSS namespace.
    const without = buildFeeds([plain], testSite, siteFeedScope(testSite));
    expect(without.rss).not.toContain('mrss');
    expect(without.atom).not.toContain('mrss');
  });
});
