// The site's pages: each builds the variables its template documents (README, "Themes") and renders it in
// the theme's base layout. The markup lives in the theme (themes/default/), the words in its locale files.
import type { ArticleMeta, Tag } from './article.js';
import { html, type SafeHtml, trusted } from './html.js';
import { COPY_SCRIPT_NAME, FEED_FILES } from './layout.js';
import { type SiteConfig, sitePath } from './site.js';
import { slugInUrl } from './text.js';
import type { PageTemplate, Theme } from './theme.js';

/** A page of content/pages/ in the navigation: its name (the folder it is served from) and title. */
export interface NavPage {
  readonly name: string;
  readonly title: string;
}

/** What every page needs besides its own content. */
export interface PageContext {
  readonly site: SiteConfig;
  readonly theme: Theme;
  /** Root-relative URL of the fingerprinted stylesheet. */
  readonly stylesheet: string;
  /** Pages listed in the navigation, in the order site.yaml's `nav:` gives. */
  readonly nav?: readonly NavPage[];
}

/** What the base layout shows about a page besides its content (variables `page.*`). */
interface PageMeta {
  readonly title: string;
  readonly description: string;
  readonly canonical: string;
  /** An article page: Open Graph article type, dates and cover image. */
  readonly article?: ArticleMeta;
  /** A tag page advertises its own feeds too. */
  readonly tagFeeds?: { readonly tag: Tag };
  /** A script the page needs (root-relative URL), loaded at the end of the body. */
  readonly script?: string;
  /** The newsletter's index advertises the feed of its issues (RSS only). */
  readonly issuesFeed?: { readonly label: string; readonly rss: string };
}

const feedsOf = (site: SiteConfig, dir: string, label: string) => ({
  label,
  rss: `${site.baseUrl}/${dir}${FEED_FILES.rss}`,
  atom: `${site.baseUrl}/${dir}${FEED_FILES.atom}`,
  json: `${site.baseUrl}/${dir}${FEED_FILES.json}`,
});

const commonScopes = new WeakMap<PageContext, Record<string, unknown>>();

/** The variables every template gets: `site`, `stylesheet`, `nav`, `site_feeds`. */
function common(ctx: PageContext): Record<string, unknown> {
  const known = commonScopes.get(ctx);
  if (known) return known;
  const { site, theme } = ctx;
  const root = sitePath(site);
  const scope = {
    site: {
      title: site.title,
      description: site.description,
      base_url: site.baseUrl,
      root,
      language: site.language,
      api_url: site.apiUrl,
      author: { name: site.author.name, email: site.author.email, url: site.author.url },
      copyright: site.copyright ?? theme.t('footer.copyright', { author: site.author.name }),
    },
    stylesheet: ctx.stylesheet,
    nav: [
      { title: theme.t('nav.archive'), url: `${root}/archive/` },
      { title: theme.t('nav.tags'), url: `${root}/tags/` },
      ...(ctx.nav ?? []).map((p) => ({ title: p.title, url: `${root}/${p.name}/` })),
      { title: theme.t('nav.subscribe'), url: `${root}/subscribe/` },
    ],
    site_feeds: feedsOf(site, '', site.title),
  };
  commonScopes.set(ctx, scope);
  return scope;
}

const articleViews = new WeakMap<SiteConfig, WeakMap<ArticleMeta, ReturnType<typeof newArticleView>>>();

/**
 * An article's metadata as templates see it (`title`, `url`, `date`, `updated`, `author`, `summary`, `image`,
 * `tags`): one object per article and site, whichever lists it is in, so include_cached finds it by identity.
 */
function articleView(article: ArticleMeta, site: SiteConfig) {
  let views = articleViews.get(site);
  if (!views) {
    views = new WeakMap();
    articleViews.set(site, views);
  }
  let view = views.get(article);
  if (!view) {
    view = newArticleView(article, site);
    views.set(article, view);
  }
  return view;
}

function newArticleView(article: ArticleMeta, site: SiteConfig) {
  const root = sitePath(site);
  return {
    title: article.title,
    url: article.url,
    date: article.date,
    updated: article.updated,
    author: article.author,
    summary: article.summary,
    image: article.image ? new URL(article.image, `${site.baseUrl}/`).href : undefined,
    tags: article.tags.map((tag) => ({
      name: tag.name,
      slug: tag.slug,
      url: `${root}/tags/${slugInUrl(tag.slug)}/`,
    })),
  };
}

/** `shows`: the length of the body HTML in `vars` (Theme.render's allowance for it). */
function render(
  ctx: PageContext,
  template: PageTemplate,
  meta: PageMeta,
  vars: Record<string, unknown>,
  shows = 0,
) {
  const { site } = ctx;
  const a = meta.article;
  const page = {
    title: meta.title,
    description: meta.description,
    canonical: meta.canonical,
    article: a ? articleView(a, site) : undefined,
    image: a?.image ? new URL(a.image, `${site.baseUrl}/`).href : undefined,
    tag_feeds: meta.tagFeeds
      ? feedsOf(site, `tags/${meta.tagFeeds.tag.slug}/`, `${site.title}: ${meta.tagFeeds.tag.name}`)
      : undefined,
    script: meta.script,
    issues_feed: meta.issuesFeed,
  };
  return ctx.theme.renderPage(template, { ...common(ctx), page, ...vars }, shows);
}

/**
 * The subscribe form on every page: a plain POST, so it works without JavaScript. The `website` field is a
 * honeypot: hidden from people and from assistive technology, filled in only by bots.
 */
export function subscribeForm(ctx: PageContext, id = 'subscribe'): SafeHtml {
  return trusted(ctx.theme.render('partials/subscribe-form.liquid', { ...common(ctx), id }));
}

/** A page of the subscription API (subscription/<name>.liquid) in the site's layout. */
export function subscriptionPage(
  ctx: PageContext,
  template: string,
  title: string,
  vars: Record<string, unknown>,
): string {
  const { site, theme } = ctx;
  const scope = {
    ...common(ctx),
    page: { title, description: '', canonical: `${site.baseUrl}/` },
    ...vars,
  };
  const content = trusted(theme.render(`subscription/${template}.liquid`, scope));
  const out = theme.render('layouts/base.liquid', { ...scope, content });
  return out.endsWith('\n') ? out : `${out}\n`;
}

/** The articles either side of one, by date: the older one ("previous") and the newer one ("next"). */
export interface Neighbours {
  readonly older?: ArticleMeta;
  readonly newer?: ArticleMeta;
}

/**
 * Where the site's feed links lead: browsers show a feed as raw text, so people land here instead, with
 * the email form and each feed's address to paste into a feed reader (autodiscovery links stay as they are).
 */
export function subscribePage(ctx: PageContext): string {
  const { site, theme } = ctx;
  const feeds = [
    ['RSS', FEED_FILES.rss],
    ['Atom', FEED_FILES.atom],
    ['JSON Feed', FEED_FILES.json],
  ].map(([label, file]) => ({ label: label as string, url: `${site.baseUrl}/${file}` }));
  return render(
    ctx,
    'subscribe',
    {
      title: theme.t('subscribe.title'),
      description: theme.t('subscribe.description', { site: site.title }),
      canonical: `${site.baseUrl}/subscribe/`,
      script: `${sitePath(site)}/${COPY_SCRIPT_NAME}`,
    },
    { feeds },
  );
}

/**
 * An article's page. Its metadata comes apart from its body, so that the same object (the index's) stands for
 * the article in every page and list, and its view and cached partials are made once.
 */
export function articlePage(
  ctx: PageContext,
  article: ArticleMeta,
  html: string,
  neighbours: Neighbours = {},
): string {
  const { site } = ctx;
  return render(
    ctx,
    'article',
    { title: article.title, description: article.summary, canonical: article.url, article },
    {
      article: { ...articleView(article, site), body: trusted(html) },
      older: neighbours.older ? articleView(neighbours.older, site) : undefined,
      newer: neighbours.newer ? articleView(neighbours.newer, site) : undefined,
    },
    html.length,
  );
}

/** A page of content/pages/: its own address, in the navigation, never in feeds or digests. */
export function contentPage(
  ctx: PageContext,
  doc: { readonly name: string; readonly title: string; readonly summary: string; readonly html: string },
): string {
  const { site } = ctx;
  return render(
    ctx,
    'page',
    { title: doc.title, description: doc.summary, canonical: `${site.baseUrl}/${doc.name}/` },
    { doc: { name: doc.name, title: doc.title, summary: doc.summary, body: trusted(doc.html) } },
    doc.html.length,
  );
}

/** The newest articles (newest first); `total` is how many are published in all. */
export function homePage(ctx: PageContext, newest: readonly ArticleMeta[], total: number): string {
  const { site } = ctx;
  const shown = newest.slice(0, site.homeItems);
  return render(
    ctx,
    'home',
    { title: site.title, description: site.description, canonical: `${site.baseUrl}/` },
    { articles: shown.map((a) => articleView(a, site)), total },
  );
}

/** One line per year, newest first, with how many articles it has. */
export function archiveIndexPage(
  ctx: PageContext,
  years: readonly { year: string; count: number }[],
): string {
  const { site, theme } = ctx;
  const root = sitePath(site);
  return render(
    ctx,
    'archive',
    {
      title: theme.t('archive.title'),
      description: theme.t('archive.description', { site: site.title }),
      canonical: `${site.baseUrl}/archive/`,
    },
    { years: years.map(({ year, count }) => ({ year, count, url: `${root}/archive/${year}/` })) },
  );
}

/** Every article of one year, newest first. */
export function archiveYearPage(ctx: PageContext, year: string, articles: readonly ArticleMeta[]): string {
  const { site, theme } = ctx;
  return render(
    ctx,
    'archive-year',
    {
      title: theme.t('archive.year_title', { year }),
      description: theme.t('archive.year_description', { site: site.title, year }),
      canonical: `${site.baseUrl}/archive/${year}/`,
    },
    { year, articles: articles.map((a) => articleView(a, site)) },
  );
}

export function tagPage(ctx: PageContext, tag: Tag, articles: readonly ArticleMeta[]): string {
  const { site, theme } = ctx;
  const dir = `${site.baseUrl}/tags/${slugInUrl(tag.slug)}/`;
  return render(
    ctx,
    'tag',
    {
      title: theme.t('tag.title', { name: tag.name }),
      description: theme.t('tag.description', { name: tag.name, site: site.title }),
      canonical: dir,
      tagFeeds: { tag },
    },
    {
      tag: { name: tag.name, slug: tag.slug, url: dir, feeds: feedsOf(site, `tags/${tag.slug}/`, tag.name) },
      articles: articles.map((a) => articleView(a, site)),
    },
  );
}

export function tagsIndexPage(ctx: PageContext, tags: readonly { tag: Tag; count: number }[]): string {
  const { site, theme } = ctx;
  const root = sitePath(site);
  return render(
    ctx,
    'tags',
    {
      title: theme.t('tags.title'),
      description: theme.t('tags.description', { site: site.title }),
      canonical: `${site.baseUrl}/tags/`,
    },
    {
      tags: tags.map(({ tag, count }) => ({
        name: tag.name,
        slug: tag.slug,
        url: `${root}/tags/${slugInUrl(tag.slug)}/`,
        count,
      })),
    },
  );
}

export function notFoundPage(ctx: PageContext): string {
  const { site, theme } = ctx;
  return render(
    ctx,
    '404',
    { title: theme.t('not_found.title'), description: '', canonical: `${site.baseUrl}/404.html` },
    {},
  );
}

/** One issue of the newsletter as subscribers got it (newsletter-issue.liquid), without personal links. */
export function newsletterIssuePage(
  ctx: PageContext,
  issue: {
    readonly id: string;
    readonly subject: string;
    readonly sent: string;
    readonly articles: readonly {
      url: string;
      title: string;
      summary?: string | undefined;
      date: string;
      /** The article's body as the digest mailed it (full text only). */
      body_html?: SafeHtml;
      /** It has left the site since the issue went out: shown by its title alone, marked withdrawn. */
      withdrawn?: boolean;
    }[];
  },
): string {
  const { site } = ctx;
  return render(
    ctx,
    'newsletter-issue',
    { title: issue.subject, description: '', canonical: `${site.baseUrl}/newsletter/${issue.id}/` },
    { issue },
  );
}

/** Every issue, newest first (newsletter.liquid), with the feed of issues. */
export function newsletterIndexPage(
  ctx: PageContext,
  issues: readonly { readonly url: string; readonly subject: string; readonly sent: string }[],
  feedUrl: string,
): string {
  const { site, theme } = ctx;
  return render(
    ctx,
    'newsletter',
    {
      title: theme.t('newsletter.title'),
      description: theme.t('newsletter.description', { site: site.title }),
      canonical: `${site.baseUrl}/newsletter/`,
      issuesFeed: { label: `${site.title}: ${theme.t('newsletter.title')}`, rss: feedUrl },
    },
    { issues, feed_url: feedUrl },
  );
}

/** What an old address of a moved article serves: an immediate redirect that works on any static host. */
export function redirectPage(ctx: PageContext, target: string): string {
  const { site, theme } = ctx;
  return html`<!doctype html>
<html lang="${site.language}">
<head>
<meta charset="utf-8">
<title>${theme.t('redirect.title')}</title>
<meta http-equiv="refresh" content="0; url=${target}">
<link rel="canonical" href="${target}">
<meta name="robots" content="noindex">
</head>
<body><p>${theme.t('redirect.text')} <a href="${target}">${target}</a>.</p></body>
</html>
`.value;
}
