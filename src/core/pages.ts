import type { Article, ArticleMeta, Tag } from './article.js';
import { displayDate } from './dates.js';
import { html, type SafeHtml, trusted } from './html.js';
import { COPY_SCRIPT_NAME, FEED_FILES } from './layout.js';
import { type SiteConfig, sitePath } from './site.js';

/** What every page needs besides its own content. */
export interface PageContext {
  readonly site: SiteConfig;
  /** Root-relative URL of the fingerprinted stylesheet. */
  readonly stylesheet: string;
}

interface PageOptions {
  readonly title: string;
  readonly description: string;
  readonly canonical: string;
  readonly main: SafeHtml;
  /** Extra feeds to advertise (a tag's own feeds on its page). */
  readonly tagFeeds?: { readonly tag: Tag };
  /** Open Graph and Twitter card details for an article page; other pages are a website. */
  readonly article?: ArticleMeta;
  /** A script the page needs (root-relative URL), loaded at the end of the body. */
  readonly script?: string;
}

/** What link previews (Open Graph, Twitter cards) show: title, summary, cover image and dates. */
function shareMeta(site: SiteConfig, page: PageOptions): SafeHtml {
  const a = page.article;
  const image = a?.image ? new URL(a.image, `${site.baseUrl}/`).href : undefined;
  return html`<meta property="og:site_name" content="${site.title}">
<meta property="og:type" content="${a ? 'article' : 'website'}">
<meta property="og:title" content="${page.title}">
<meta property="og:url" content="${page.canonical}">
${page.description ? html`<meta property="og:description" content="${page.description}">` : ''}
${image ? html`<meta property="og:image" content="${image}">` : ''}
${a ? html`<meta property="article:published_time" content="${a.date}">` : ''}
${a?.updated ? html`<meta property="article:modified_time" content="${a.updated}">` : ''}
<meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}">`;
}

function feedLinks(ctx: PageContext, dir: string, label: string): SafeHtml {
  const base = `${ctx.site.baseUrl}/${dir}`;
  return html`<link rel="alternate" type="application/rss+xml" title="${label} (RSS)" href="${base}${FEED_FILES.rss}">
<link rel="alternate" type="application/atom+xml" title="${label} (Atom)" href="${base}${FEED_FILES.atom}">
<link rel="alternate" type="application/feed+json" title="${label} (JSON Feed)" href="${base}${FEED_FILES.json}">`;
}

/**
 * The subscribe form on every page: a plain POST, so it works without JavaScript. The `website` field is a
 * honeypot: hidden from people and from assistive technology, filled in only by bots.
 */
export function subscribeForm(site: SiteConfig, id = 'subscribe'): SafeHtml {
  return html`<form class="subscribe" method="post" action="${site.apiUrl}/subscribe">
<label for="${id}-email">Get new articles by email</label>
<div class="subscribe-row">
<input id="${id}-email" name="email" type="email" autocomplete="email" required maxlength="254" aria-describedby="${id}-note">
<button type="submit">Subscribe</button>
</div>
<p id="${id}-note" class="note">We send a link to confirm; nothing else until you click it. Unsubscribe with one click.</p>
<div class="hp" aria-hidden="true"><label for="${id}-website">Leave empty</label><input id="${id}-website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
</form>`;
}

/** A page with a heading and a short message (subscription results, errors). */
export function messagePage(ctx: PageContext, title: string, main: SafeHtml): string {
  return layout(ctx, {
    title,
    description: '',
    canonical: `${ctx.site.baseUrl}/`,
    main: html`<h1>${title}</h1>
${main}`,
  });
}

function layout(ctx: PageContext, page: PageOptions): string {
  const { site } = ctx;
  const root = `${sitePath(site)}/`;
  const fullTitle = page.title === site.title ? site.title : `${page.title} · ${site.title}`;
  return html`<!doctype html>
<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${fullTitle}</title>
${page.description ? html`<meta name="description" content="${page.description}">` : ''}
<link rel="canonical" href="${page.canonical}">
${shareMeta(site, page)}
<link rel="stylesheet" href="${ctx.stylesheet}">
${feedLinks(ctx, '', site.title)}
${page.tagFeeds ? feedLinks(ctx, `tags/${page.tagFeeds.tag.slug}/`, `${site.title}: ${page.tagFeeds.tag.name}`) : ''}
</head>
<body>
<header class="site-header">
<a class="site-title" href="${root}">${site.title}</a>
<nav aria-label="Site">
<a href="${root}archive/">Archive</a>
<a href="${root}tags/">Tags</a>
<a href="${root}subscribe/">Subscribe</a>
</nav>
</header>
<main id="main">
${page.main}
</main>
<footer class="site-footer">
${subscribeForm(site)}
<p>${site.copyright ?? `© ${site.author.name}`} · <a href="${root}subscribe/">Follow by email or feed reader</a></p>
</footer>
${page.script ? html`<script src="${page.script}"></script>` : ''}
</body>
</html>
`.value;
}

function tagLinks(tags: readonly Tag[], site: SiteConfig): SafeHtml {
  if (tags.length === 0) return html``;
  const root = sitePath(site);
  return html`<ul class="tags" aria-label="Tags">${tags.map(
    (tag) => html`<li><a href="${root}/tags/${tag.slug}/">${tag.name}</a></li>`,
  )}</ul>`;
}

function articleMeta(article: ArticleMeta, site: SiteConfig): SafeHtml {
  return html`<p class="meta"><time datetime="${article.date}">${displayDate(article.date, site.language)}</time>${
    article.author === site.author.name ? '' : html` · ${article.author}`
  }${
    article.updated
      ? html` · updated <time datetime="${article.updated}">${displayDate(article.updated, site.language)}</time>`
      : ''
  }</p>`;
}

function articleList(articles: readonly ArticleMeta[], site: SiteConfig, withSummary: boolean): SafeHtml {
  return html`<ol class="articles" reversed>${articles.map(
    (article) => html`
<li><article>
<h2><a href="${article.url}">${article.title}</a></h2>
${articleMeta(article, site)}
${withSummary && article.summary ? html`<p class="summary">${article.summary}</p>` : ''}
</article></li>`,
  )}
</ol>`;
}

/** The articles either side of one, by date: the older one ("previous") and the newer one ("next"). */
export interface Neighbours {
  readonly older?: ArticleMeta;
  readonly newer?: ArticleMeta;
}

function pager({ older, newer }: Neighbours): SafeHtml {
  if (!older && !newer) return html``;
  return html`<nav class="pager" aria-label="More articles">
${older ? html`<a rel="prev" href="${older.url}">← ${older.title}</a>` : ''}
${newer ? html`<a rel="next" href="${newer.url}">${newer.title} →</a>` : ''}
</nav>`;
}

/**
 * Where the site's feed links lead: browsers show a feed as raw text, so people land here instead, with
 * the email form and each feed's address to paste into a feed reader (autodiscovery links stay as they are).
 */
export function subscribePage(ctx: PageContext): string {
  const { site } = ctx;
  const feeds = [
    ['RSS', FEED_FILES.rss],
    ['Atom', FEED_FILES.atom],
    ['JSON Feed', FEED_FILES.json],
  ].map(([label, file]) => ({ label: label as string, url: `${site.baseUrl}/${file}` }));
  return layout(ctx, {
    title: 'Subscribe',
    description: `Follow ${site.title} by email or in a feed reader.`,
    canonical: `${site.baseUrl}/subscribe/`,
    script: `${sitePath(site)}/${COPY_SCRIPT_NAME}`,
    main: html`<h1>Subscribe</h1>
<h2>By email</h2>
<p>New articles arrive in your inbox; the form below is also at the foot of every page.</p>
${subscribeForm(site, 'subscribe-page')}
<h2>In a feed reader</h2>
<p>A feed reader (NetNewsWire, Feedly, Thunderbird, newsboat and many more) checks the sites you follow and
shows what is new, without an account here and without email. Paste one of these addresses into yours; they
carry the same articles in three formats, and most readers take any of them.</p>
<ul class="feed-list">${feeds.map(
      ({ label, url }, i) => html`
<li><label for="feed-${i}">${label}</label><br>
<input id="feed-${i}" type="text" readonly value="${url}">
<button type="button" data-copy="${url}" hidden>Copy</button></li>`,
    )}
</ul>`,
  });
}

export function articlePage(ctx: PageContext, article: Article, neighbours: Neighbours = {}): string {
  const { site } = ctx;
  return layout(ctx, {
    title: article.title,
    description: article.summary,
    canonical: article.url,
    article,
    main: html`<article class="post">
<header>
<h1>${article.title}</h1>
${articleMeta(article, site)}
</header>
${article.image ? html`<img class="cover" src="${article.image}" alt="">` : ''}
<div class="body">
${trusted(article.html)}
</div>
<footer>${tagLinks(article.tags, site)}</footer>
</article>
${pager(neighbours)}`,
  });
}

/** The newest articles (newest first); `total` is how many are published in all. */
export function homePage(ctx: PageContext, newest: readonly ArticleMeta[], total: number): string {
  const { site } = ctx;
  const shown = newest.slice(0, site.homeItems);
  return layout(ctx, {
    title: site.title,
    description: site.description,
    canonical: `${site.baseUrl}/`,
    main: html`<h1 class="visually-hidden">${site.title}</h1>
${site.description ? html`<p class="lede">${site.description}</p>` : ''}
${shown.length === 0 ? html`<p>Nothing published yet.</p>` : articleList(shown, site, true)}
${total > shown.length ? html`<p><a href="${sitePath(site)}/archive/">All ${total} articles in the archive</a></p>` : ''}`,
  });
}

/** One line per year, newest first, with how many articles it has. */
export function archiveIndexPage(
  ctx: PageContext,
  years: readonly { year: string; count: number }[],
): string {
  const { site } = ctx;
  return layout(ctx, {
    title: 'Archive',
    description: `Every article on ${site.title}, by year.`,
    canonical: `${site.baseUrl}/archive/`,
    main: html`<h1>Archive</h1>
<ul class="archive">${years.map(
      ({ year, count }) =>
        html`<li><a href="${sitePath(site)}/archive/${year}/">${year}</a> <span class="count">(${count} article${count === 1 ? '' : 's'})</span></li>`,
    )}</ul>`,
  });
}

/** Every article of one year, newest first. */
export function archiveYearPage(ctx: PageContext, year: string, articles: readonly ArticleMeta[]): string {
  const { site } = ctx;
  return layout(ctx, {
    title: `Archive ${year}`,
    description: `Articles on ${site.title} from ${year}.`,
    canonical: `${site.baseUrl}/archive/${year}/`,
    main: html`<h1>${year}</h1>
<p><a href="${sitePath(site)}/archive/">All years</a></p>
<ul class="archive">${articles.map(
      (article) =>
        html`<li><time datetime="${article.date}">${displayDate(article.date, site.language)}</time> <a href="${article.url}">${article.title}</a></li>`,
    )}</ul>`,
  });
}

export function tagPage(ctx: PageContext, tag: Tag, articles: readonly ArticleMeta[]): string {
  const { site } = ctx;
  const dir = `${site.baseUrl}/tags/${tag.slug}/`;
  return layout(ctx, {
    title: `Tagged “${tag.name}”`,
    description: `Articles tagged ${tag.name} on ${site.title}.`,
    canonical: dir,
    tagFeeds: { tag },
    main: html`<h1>Tagged “${tag.name}”</h1>
<p class="feeds">Follow this tag: <a href="${dir}${FEED_FILES.rss}">RSS</a> · <a href="${dir}${FEED_FILES.atom}">Atom</a> · <a href="${dir}${FEED_FILES.json}">JSON Feed</a></p>
${articleList(articles, site, true)}`,
  });
}

export function tagsIndexPage(ctx: PageContext, tags: readonly { tag: Tag; count: number }[]): string {
  const { site } = ctx;
  return layout(ctx, {
    title: 'Tags',
    description: `Topics on ${site.title}.`,
    canonical: `${site.baseUrl}/tags/`,
    main: html`<h1>Tags</h1>
<ul class="tag-index">${tags.map(
      ({ tag, count }) =>
        html`<li><a href="${sitePath(site)}/tags/${tag.slug}/">${tag.name}</a> <span class="count">(${count})</span></li>`,
    )}</ul>`,
  });
}

export function notFoundPage(ctx: PageContext): string {
  const { site } = ctx;
  return layout(ctx, {
    title: 'Not found',
    description: '',
    canonical: `${site.baseUrl}/404.html`,
    main: html`<h1>Not found</h1>
<p>There is no page at this address. Try the <a href="${sitePath(site)}/archive/">archive</a>.</p>`,
  });
}

/** What an old address of a moved article serves: an immediate redirect that works on any static host. */
export function redirectPage(site: SiteConfig, target: string): string {
  return html`<!doctype html>
<html lang="${site.language}">
<head>
<meta charset="utf-8">
<title>Moved</title>
<meta http-equiv="refresh" content="0; url=${target}">
<link rel="canonical" href="${target}">
<meta name="robots" content="noindex">
</head>
<body><p>This article has moved to <a href="${target}">${target}</a>.</p></body>
</html>
`.value;
}
