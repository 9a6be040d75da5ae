import { type Extension, Feed, type Item } from 'feed';
import type { Article } from './article.js';
import { lastChangedMs } from './corpus.js';
import { FEED_FILES, IMAGE_TYPES } from './layout.js';
import { type SiteConfig, sitePath } from './site.js';
import { escapeHtml, slugInUrl } from './text.js';

/** Which articles a set of feeds covers: the whole site, or one tag. */
export interface FeedScope {
  readonly title: string;
  readonly description: string;
  /** The page readers land on from the feed (site home or tag page). */
  readonly homeUrl: string;
  /** Output folder, relative to the site root: '' for the site feeds, 'tags/<slug>/' for a tag. */
  readonly dir: string;
}

export interface FeedFiles {
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
}

export function siteFeedScope(site: SiteConfig): FeedScope {
  return { title: site.title, description: site.description, homeUrl: `${site.baseUrl}/`, dir: '' };
}

/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the newest `site.feedItems` of `articles` (newest first).
 * Every date comes from the articles, so unchanged content gives byte-identical feeds.
 */
export function buildFeeds(articles: readonly Article[], site: SiteConfig, scope: FeedScope): FeedFiles {
  const items = articles.slice(0, site.feedItems);
  const updated = new Date(items.length === 0 ? 0 : Math.max(...items.map(lastChangedMs)));
  // Percent-encoded, as the home URL is: a tag's folder may hold any script, and a URL is ASCII.
  const feedUrl = (file: string) => new URL(`${site.baseUrl}/${scope.dir}${file}`).href;
  const xmlFeed = (format: 'rss' | 'atom', titleOf: (article: Article) => string) => {
    // RSS 2.0 requires a channel description, and an empty one says nothing: the title stands in for it.
    // Atom's subtitle is optional, so it is left out rather than repeat the title.
    const description = format === 'rss' ? scope.description || scope.title : scope.description;
    const feed = new Feed({
      id: scope.homeUrl,
      title: scope.title,
      ...(description ? { description } : {}),
      link: scope.homeUrl,
      language: site.language,
      updated,
      generator: 'Broadsheet',
      ...(site.websubHub ? { hub: site.websubHub } : {}),
      stylesheet: `${sitePath(site)}/feed.xsl`,
      feedLinks: {
        rss: feedUrl(FEED_FILES.rss),
        atom: feedUrl(FEED_FILES.atom),
        json: feedUrl(FEED_FILES.json),
      },
      author: { name: site.author.name, ...(site.author.url ? { link: site.author.url } : {}) },
      // As the footer reads without a copyright in site.yaml (every bundled locale writes it so).
      copyright: site.copyright ?? `© ${site.author.name}`,
    });
    for (const article of items) feed.addItem(feedItem(article, site, format, titleOf(article)));
    return feed;
  };
  return {
    rss: withNamespaces(xmlFeed('rss', (article) => cdataText(article.title)).rss2()),
    // Atom titles are written as type="html", so plain-text titles must be escaped for it.
    atom: atomCovers(restoreLessThan(xmlFeed('atom', (article) => escapeHtml(article.title)).atom1())),
    json: jsonFeed(items, site, scope, feedUrl(FEED_FILES.json)),
  };
}

/**
 * `feed` declares the dc: namespace only when an item has content, though every item names its creator in
 * it, and never the media: one the cover images use: each is declared here when an item uses it.
 */
function withNamespaces(rss: string): string {
  const needed = [
    ['dc', '<dc:creator>', 'http://purl.org/dc/elements/1.1/'],
    ['media', '<media:content ', MEDIA_RSS],
  ].filter(
    ([prefix, element]) =>
      rss.includes(element ?? '') && !new RegExp(`<rss\\b[^>]*\\bxmlns:${prefix}=`).test(rss),
  );
  const declared = needed.map(([prefix, , uri]) => ` xmlns:${prefix}="${uri}"`).join('');
  return declared ? rss.replace(/<rss\b/, `<rss${declared}`) : rss;
}

/**
 * A cover image's media type, from its file's extension; undefined when that names no image type (an image
 * service's address such as /photo/123?w=800), as nothing else says what it is.
 */
function coverImageType(url: string): string | undefined {
  const name = new URL(url).pathname.split('/').pop() ?? '';
  const extension = name.includes('.') ? (name.split('.').pop()?.toLowerCase() ?? '') : '';
  // Own keys only: `a.constructor` or `a.__proto__` would find Object's, and write a function as the type.
  return Object.hasOwn(IMAGE_TYPES, extension) ? IMAGE_TYPES[extension] : undefined;
}

/**
 * The cover image (front matter `image`, already an absolute, percent-encoded URL), as feed.json has it in
 * `image`, in each form feed readers look for an item's picture, since each reader reads some and not others:
 * - an enclosure, the one every reader and feedparser know: RSS <enclosure> requires a type and a length in
 *   bytes. The length is unknown here (an image elsewhere, or a site file whose size the index does not keep),
 *   and the RSS Best Practices Profile asks for 0 then; the type only the extension tells, so an image
 *   service's address (/photo/123?w=800) gets none: a wrong type is worse, and feedparser takes an untyped
 *   Atom enclosure for text/html. Atom's link rel="enclosure" (RFC 4287 §4.2.7.2) the same, length omitted.
 * - Media RSS's <media:content medium="image"> and <media:thumbnail>, which many readers and RSS-to-email
 *   tools pick first, and which need no type. Atom allows them as extension elements.
 * `feed` writes RSS extensions but none in an Atom entry, and types an Atom enclosure "image/" plus whatever
 * follows the path's last dot (image/jpg, image/svg): Atom gets its cover from atomCovers instead.
 */
function coverImage(
  image: string | undefined,
  format: 'rss' | 'atom',
): Partial<Item> & { media: Extension[] } {
  if (image === undefined) return { media: [] };
  // Only as the mark atomCovers replaces: the one enclosure link `feed` writes in the entry.
  if (format === 'atom') return { image, media: [] };
  const type = coverImageType(image);
  // `feed` escapes `&` in the URLs it writes itself; xml-js escapes only `"` in attributes, which a URL lacks.
  const url = image.replace(/&/g, '&amp;');
  return {
    ...(type ? { enclosure: { url: image, type, length: 0 } } : {}),
    media: [
      {
        name: 'media:content',
        objects: { _attributes: { url, medium: 'image', ...(type ? { type } : {}) } },
      },
      { name: 'media:thumbnail', objects: { _attributes: { url } } },
    ],
  };
}

const MEDIA_RSS = 'http://search.yahoo.com/mrss/';

/**
 * Each Atom entry's cover, from the enclosure link `feed` wrote for it (only covers are enclosures here, the
 * href percent-encoded with `&` escaped), as coverImage describes; the media: namespace declared if used.
 */
function atomCovers(atom: string): string {
  const written = atom.replace(
    /(\n[ \t]*)<link rel="enclosure" href="([^"]*)" type="[^"]*"\/>/g,
    (_, indent: string, url: string) => {
      const type = coverImageType(url.replaceAll('&amp;', '&'));
      const typed = type ? ` type="${type}"` : '';
      return [
        ...(type ? [`<link rel="enclosure" href="${url}"${typed}/>`] : []),
        `<media:content url="${url}" medium="image"${typed}/>`,
        `<media:thumbnail url="${url}"/>`,
      ]
        .map((element) => `${indent}${element}`)
        .join('');
    },
  );
  return written === atom ? atom : written.replace(/<feed\b/, `<feed xmlns:media="${MEDIA_RSS}"`);
}

/**
 * RSS titles go into CDATA as they are. The XML writer under \`feed\` (xml-js) splits only the first "]]>" of
 * a CDATA section, so a second one would end the section early and break the feed: split every later one
 * here, and leave the first to it. Guarded by the property test in tests/reliability/properties.test.ts.
 */
function cdataText(text: string): string {
  const [first, ...rest] = text.split(']]>');
  return rest.length === 0 ? text : `${first}]]>${rest.join(']]]]><![CDATA[>')}`;
}

/**
 * Category names on their way through `feed` and xml-js. RSS writes the name as element text, which xml-js
 * escapes after turning every `&amp;` back into `&`: escaping `&` first keeps a literal "&amp;" intact.
 * Atom writes it into attributes, where `feed` escapes only `&` and xml-js only `"`: a `<` would be left raw
 * and make the whole feed ill-formed, so it travels as U+FFFF and is escaped afterwards (restoreLessThan).
 * U+FFFF can stand in because it is not allowed in XML: tag names never hold it (singleLine drops it).
 */
function categoryName(name: string, format: 'rss' | 'atom'): string {
  return format === 'rss' ? name.replace(/&/g, '&amp;') : name.replace(/</g, LESS_THAN_STAND_IN);
}

const LESS_THAN_STAND_IN = '\uFFFF';

/** Escapes the `<` that categoryName carried through Atom's category attributes. */
function restoreLessThan(atom: string): string {
  if (!atom.includes(LESS_THAN_STAND_IN)) return atom;
  // Attribute values hold no `"` (xml-js writes &quot;), so this finds each category element exactly.
  return atom.replace(/<category(?:\s+[a-z]+="[^"]*")*\s*\/>/g, (element) =>
    element.replaceAll(LESS_THAN_STAND_IN, '&lt;'),
  );
}

function feedItem(article: Article, site: SiteConfig, format: 'rss' | 'atom', title: string): Item {
  const { media, ...cover } = coverImage(article.image, format);
  return {
    title,
    // No explicit id: RSS guid and Atom id both derive from the permalink.
    link: article.url,
    date: new Date(lastChangedMs(article)),
    published: new Date(article.dateMs),
    description: escapeHtml(article.summary),
    content: article.html,
    category: article.tags.map((tag) => ({
      name: categoryName(tag.name, format),
      term: categoryName(tag.name, format),
      domain: `${site.baseUrl}/tags/${slugInUrl(tag.slug)}/`,
    })),
    // RSS 2.0's <author> is an email address, which an article's author is not: RSS names it in Dublin
    // Core's <dc:creator> (the namespace is declared below), Atom in <author><name>.
    ...(format === 'rss'
      ? { extensions: [{ name: 'dc:creator', objects: { _text: article.author } }, ...media] }
      : { author: [{ name: article.author }] }),
    ...cover,
  };
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); the `feed` package only writes version 1. */
function jsonFeed(items: readonly Article[], site: SiteConfig, scope: FeedScope, feedUrl: string): string {
  const author = { name: site.author.name, ...(site.author.url ? { url: site.author.url } : {}) };
  return `${JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: scope.title,
      home_page_url: scope.homeUrl,
      feed_url: feedUrl,
      ...(scope.description ? { description: scope.description } : {}),
      language: site.language,
      ...(site.websubHub ? { hubs: [{ type: 'WebSub', url: site.websubHub }] } : {}),
      authors: [author],
      items: items.map((article) => ({
        id: article.url,
        url: article.url,
        title: article.title,
        content_html: article.html,
        summary: article.summary,
        ...(article.image ? { image: article.image } : {}),
        date_published: new Date(article.dateMs).toISOString(),
        date_modified: new Date(lastChangedMs(article)).toISOString(),
        authors: [{ name: article.author }],
        tags: article.tags.map((tag) => tag.name),
      })),
    },
    null,
    2,
  )}\n`;
}

/**
 * The absolute URLs of the feeds among the paths a publish wrote: what a WebSub hub should hear about. Each
 * is the feed's rel=self URL as buildFeeds writes it, percent-encoded (a tag's folder may hold any script):
 * the hub knows a topic by that exact string, and would not match `tags/日本語/` to its subscribers.
 */
export function feedUrlsAmong(site: SiteConfig, written: readonly string[]): string[] {
  const names = new Set<string>(Object.values(FEED_FILES));
  return written
    .filter((path) => names.has(path.split('/').pop() ?? ''))
    .map((path) => new URL(`${site.baseUrl}/${path}`).href);
}
