import { describe, expect, it } from 'vitest';
import { buildFeeds, feedUrlsAmong, siteFeedScope } from '../../../src/core/feeds.js';
import { article, testSite } from '../../helpers/site.js';

const scope = siteFeedScope(testSite);
const older = article({ title: 'Older', date: '2026-01-01', slug: 'older', tags: '[Go]' });
const newer = article({
  title: 'Newer',
  date: '2026-02-01T10:00:00Z',
  updated: '2026-02-03T10:00:00Z',
  slug: 'newer',
});

describe('buildFeeds', () => {
  it('is byte-identical for the same articles: every date comes from content', () => {
    const first = buildFeeds([newer, older], testSite, scope);
    const second = buildFeeds([newer, older], testSite, scope);
    expect(second).toEqual(first);
  });

  it('dates the feed by its newest change, not by the clock', () => {
    const feeds = buildFeeds([newer, older], testSite, scope);
    expect(feeds.rss).toContain('<lastBuildDate>Tue, 03 Feb 2026 10:00:00 GMT</lastBuildDate>');
    expect(feeds.atom).toContain('<updated>2026-02-03T10:00:00.000Z</updated>');
    expect(feeds.rss).toContain('<pubDate>Sun, 01 Feb 2026 10:00:00 GMT</pubDate>');
  });

  it('derives guid and id from the permalink, unchanged when title and date are edited', () => {
    const edited = article({ title: 'Renamed', date: '2026-03-01', slug: 'older' });
    for (const a of [older, edited]) {
      const { rss, atom, json } = buildFeeds([a], testSite, scope);
      expect(rss).toContain('<guid isPermaLink="true">https://news.example.com/posts/older/</guid>');
      expect(atom).toContain('<id>https://news.example.com/posts/older/</id>');
      expect(JSON.parse(json).items[0].id).toBe('https://news.example.com/posts/older/');
    }
  });

  it('carries only the newest feed_items articles', () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      article({ title: `A${i}`, date: `2026-01-${String(i + 1).padStart(2, '0')}`, slug: `a${i}` }),
    ).reverse();
    const feeds = buildFeeds(many, { ...testSite, feedItems: 20 }, scope);
    expect(feeds.rss.match(/<item>/g)).toHaveLength(20);
    expect(feeds.rss).toContain('/posts/a24/');
    expect(feeds.rss).not.toContain('/posts/a4/');
  });

  it('has self links, a stylesheet and categories', () => {
    const { rss, atom } = buildFeeds([older], testSite, scope);
    expect(rss).toContain('<?xml-stylesheet href="/feed.xsl" type="text/xsl"?>');
    expect(rss).toContain(
      '<atom:link href="https://news.example.com/feed.xml" rel="self" type="application/rss+xml"/>',
    );
    expect(atom).toContain('<link rel="self" href="https://news.example.com/atom.xml"/>');
    expect(rss).toContain('<category domain="https://news.example.com/tags/go/">Go</category>');
  });

  it('escapes tag names in categories: `<` in Atom attributes, a literal "&amp;" in RSS text (issue 14, item 6)', () => {
    const a = article({
      title: 'T',
      date: '2026-01-01',
      slug: 't',
      tags: `["List<T>", 'say "hi"', "a&amp;b"]`,
    });
    const { rss, atom } = buildFeeds([a], testSite, scope);
    expect(atom).toContain('<category label="List&lt;T>" term="List&lt;T>"/>');
    expect(atom).toContain('<category label="say &quot;hi&quot;" term="say &quot;hi&quot;"/>');
    expect(atom).toContain('<category label="a&amp;amp;b" term="a&amp;amp;b"/>');
    expect(atom).not.toContain('\uFFFF');
    expect(rss).toContain(
      '<category domain="https://news.example.com/tags/list-t/">List&lt;T&gt;</category>',
    );
    expect(rss).toContain('<category domain="https://news.example.com/tags/a-amp-b/">a&amp;amp;b</category>');
  });

  it('escapes plain-text titles for Atom, whose titles are HTML', () => {
    const a = article({ title: '"a < b & <i>c</i>"', date: '2026-01-01', slug: 'lt' });
    const { atom } = buildFeeds([a], testSite, scope);
    expect(atom).toContain('<title type="html"><![CDATA[a &lt; b &amp; &lt;i&gt;c&lt;/i&gt;]]></title>');
  });

  it('splits "]]>" in content so CDATA sections stay closed', () => {
    const a = article({ title: 'CDATA', date: '2026-01-01', slug: 'cdata' }, 'a ]]> b ]]> c');
    const { rss } = buildFeeds([a], testSite, scope);
    const body = rss.slice(rss.indexOf('<content:encoded>'), rss.indexOf('</content:encoded>'));
    expect(body.match(/<!\[CDATA\[/g)?.length).toBe(body.match(/]]>/g)?.length ?? 0);
  });

  it('writes JSON Feed 1.1 with the fields the spec requires', () => {
    const feed = JSON.parse(buildFeeds([newer, older], testSite, scope).json);
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Test Gazette',
      home_page_url: 'https://news.example.com/',
      feed_url: 'https://news.example.com/feed.json',
      authors: [{ name: 'Test Author' }],
    });
    expect(feed.items[0]).toMatchObject({
      id: 'https://news.example.com/posts/newer/',
      url: 'https://news.example.com/posts/newer/',
      date_published: '2026-02-01T10:00:00.000Z',
      date_modified: '2026-02-03T10:00:00.000Z',
      content_html: '<p>Body text.</p>',
    });
    expect(feed.items[1].tags).toEqual(['Go']);
  });

  it("names a tag's feeds by percent-encoded URLs in every format, as its home page", () => {
    const tag = {
      title: '日本語',
      description: '',
      homeUrl: 'https://news.example.com/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/',
      dir: 'tags/日本語/',
    };
    const { rss, atom, json } = buildFeeds([newer], testSite, tag);
    const self = 'https://news.example.com/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/feed.json';
    expect(JSON.parse(json).feed_url).toBe(self);
    expect(rss).toContain('tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/feed.xml');
    expect(atom).toContain('tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/atom.xml');
    expect(`${rss}${atom}${json}`).not.toContain('日本語/');
  });

  it("tells the WebSub hub a tag feed's URL as the feed names itself (rel=self), percent-encoded", () => {
    // WebSub 1.0 section 4: the topic is the feed's rel=self URL; a hub matches subscriptions by that string.
    const dir = 'tags/日本語/';
    const tag = {
      title: '日本語',
      description: '',
      homeUrl: 'https://news.example.com/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/',
      dir,
    };
    const { rss, atom, json } = buildFeeds([newer], testSite, tag);
    const selfOf = (xml: string) =>
      /<(?:atom:)?link[^>]*rel="self"[^>]*>/.exec(xml)?.[0].match(/href="([^"]*)"/)?.[1];
    expect(feedUrlsAmong(testSite, [`${dir}feed.xml`, `${dir}atom.xml`, `${dir}feed.json`])).toEqual([
      selfOf(rss),
      selfOf(atom),
      JSON.parse(json).feed_url,
    ]);
  });

  it('gives RSS the channel description it requires, the title when the site has none; Atom no subtitle', () => {
    const { rss, atom } = buildFeeds([newer], testSite, { ...scope, title: 'Gazette', description: '' });
    expect(rss).toContain('<description>Gazette</description>');
    expect(atom).not.toContain('<subtitle>');
    const described = buildFeeds([newer], testSite, { ...scope, description: 'News & notes' });
    expect(described.rss).toContain('<description>News &amp; notes</description>');
  });

  it('dates an article from before 1970 as it is, not as the epoch', () => {
    const landing = article({ title: 'Landing', date: '1969-07-20T20:17:00Z', slug: 'landing' });
    const { atom, json } = buildFeeds([landing], testSite, scope);
    expect(JSON.parse(json).items[0].date_modified).toBe('1969-07-20T20:17:00.000Z');
    expect(atom).toContain('<updated>1969-07-20T20:17:00.000Z</updated>');
    expect(atom).not.toContain('1970-01-01');
  });

  it('writes an empty but valid feed when nothing is published', () => {
    const { rss, json } = buildFeeds([], testSite, scope);
    expect(rss).not.toContain('<item>');
    expect(JSON.parse(json).items).toEqual([]);
  });
});

describe('cover images in the feeds', () => {
  it('give no type for an extension that only names a property of every object (a.constructor)', () => {
    for (const name of ['a.constructor', 'a.__proto__', 'a.toString', 'a.hasOwnProperty']) {
      const a = article({
        title: 'T',
        date: '2026-01-01',
        slug: 't',
        image: `https://img.example.org/${name}`,
      });
      const { rss, atom } = buildFeeds([a], testSite, scope);
      for (const feed of [rss, atom]) {
        expect(feed, name).toContain(`<media:content url="https://img.example.org/${name}" medium="image"/>`);
        expect(feed, name).not.toContain('enclosure');
        expect(feed, name).not.toMatch(/type="(function|\[object)/);
      }
    }
  });
});
