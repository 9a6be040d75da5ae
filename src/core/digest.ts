import type { ArticleMeta } from './article.js';
import type { Audience, Delivery } from './delivery.js';
import { bodyText, fullTextHtml } from './full-text.js';
import type { DigestRecord } from './ports.js';
import { shortHash } from './short-hash.js';
import type { SiteConfig } from './site.js';
import { isMixedContent, SUBJECT_TITLE, truncateWords } from './text.js';
import { type Theme, themeFor, weeklyWhen } from './theme.js';

/** The title in a "Read …" link is cut to this: the heading above it already says it whole. */
const READ_LINK_TITLE = 48;

/** What the next digest announces. Ids are permalinks. */
export interface DigestPlan {
  /** Derived from the announced ids, so two planners racing over the same articles agree on it. */
  readonly id: string;
  /** Newest first. */
  readonly articles: readonly ArticleMeta[];
  /**
   * Published articles recorded as announced without being mailed: on the very first run, everything but
   * the newest, so installing Broadsheet on an existing blog never mails its archive.
   */
  readonly silenced: readonly ArticleMeta[];
}

/**
 * New = published (the caller passes only what is live at `now`, newest first) and not yet announced.
 * `announced` is undefined when no state exists yet (first run). Returns undefined when nothing is new.
 */
export function planDigest(
  published: readonly ArticleMeta[],
  announced: ReadonlySet<string> | undefined,
): DigestPlan | undefined {
  // An article that moved (declares its old address in `aliases`) was announced under that address.
  const fresh = published.filter(
    (article) => !announced?.has(article.url) && !article.aliases?.some((url) => announced?.has(url)),
  );
  const [newest, ...rest] = fresh;
  if (newest === undefined) return undefined;
  const articles = announced === undefined ? [newest] : fresh;
  const silenced = announced === undefined ? rest : [];
  return { id: digestId(articles), articles, silenced };
}

/** The stored form of a planned digest: what the sender needs, without the rendered bodies. */
export function digestRecordOf(plan: DigestPlan, createdAtMs: number, audience: Audience): DigestRecord {
  // Only metadata is stored: callers may hand in full articles, whose bodies the sender never needs.
  const articles = plan.articles.map((a): ArticleMeta => {
    const {
      html: _html,
      listKey: _l,
      renderKey: _r,
      ...meta
    } = a as ArticleMeta & {
      html?: string;
      listKey?: string;
      renderKey?: string;
    };
    return meta;
  });
  return { id: plan.id, createdAtMs, articles, audience };
}

/**
 * Names a digest by its articles as they read: publishes racing over the same files plan one digest, and
 * a digest planned again after an edit (one dropped when a stopped step's article was held, then fixed and
 * released) is a new record rather than the stored one with the old text.
 */
export function digestId(articles: readonly ArticleMeta[]): string {
  const ids = articles.map((a) => `${a.url} ${a.hash}`).sort();
  return shortHash(ids.join('\n'), 24);
}

/** The links that differ per recipient, each signed for that address alone. */
export interface MailLinks {
  readonly unsubscribe: string;
  readonly preferences: string;
}

/** Stand-ins for previews (outbox preview.html, `broadsheet diff`): real links are signed per recipient. */
export function previewLinks(site: SiteConfig): MailLinks {
  return {
    unsubscribe: `${site.apiUrl}/unsubscribe?token=(per-recipient)`,
    preferences: `${site.apiUrl}/preferences?token=(per-recipient)`,
  };
}

/** The digest's content, the same for every recipient but for the links. */
export interface Digest {
  readonly id: string;
  readonly subject: string;
  html(links: MailLinks): string;
  text(links: MailLinks): string;
  /** For the preview only, never mailed: e.g. which articles a full-text digest shortened. */
  readonly notes?: readonly string[];
}

/** What composing needs: the ids and metadata, never the bodies (a digest links to articles). */
export interface DigestContent {
  readonly id: string;
  readonly articles: readonly ArticleMeta[];
  /** Full-text digests: mail-ready bodies of the articles that go in full, by URL (src/core/full-text.ts). */
  readonly bodies?: Readonly<Record<string, string>>;
}

export function digestSubject(
  plan: Pick<DigestContent, 'articles'>,
  site: SiteConfig,
  delivery: Delivery,
  theme: Theme = themeFor(site),
): string {
  const [first] = plan.articles;
  const count = plan.articles.length;
  const one = count === 1 && first;
  const values = { site: site.title, count, title: truncateWords(first?.title ?? '', SUBJECT_TITLE) };
  if (delivery === 'weekly') {
    return theme.t(one ? 'digest.subject.weekly_one' : 'digest.subject.weekly_many', values);
  }
  return theme.t(one ? 'digest.subject.one' : 'digest.subject.many', values);
}

/** Inline styles carry the light colours (many mail clients drop <style>); the <style> block adds dark ones. */
export const EMAIL_FONT = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;';

/** What every email template gets: `site`, `colors` (the stylesheet's, light and dark) and `font`. */
export function emailScope(site: SiteConfig, theme: Theme) {
  return {
    site: { title: site.title, base_url: site.baseUrl, language: site.language },
    colors: theme.colors,
    font: EMAIL_FONT,
  };
}

/**
 * The articles of a digest as its templates see them, newest first: each with its summary and, when the
 * digest carried it in full (`digest.content: full`, not shortened for Gmail's clip), its mail-ready body.
 * The email (composeDigest) and its page in the public archive (newsletter.ts) both show these.
 */
export function digestArticles(plan: DigestContent) {
  return plan.articles.map((a) => ({
    title: a.title,
    short_title: truncateWords(a.title, READ_LINK_TITLE),
    url: a.url,
    date: a.date,
    updated: a.updated,
    summary: a.summary,
    author: a.author,
    image: a.image,
    body: plan.bodies?.[a.url],
  }));
}

/**
 * The digest templates, rendered for `plan` in each delivery and dropped: a template that fails is found
 * before a subscriber meets it (publish before it writes the site, check before a build). Throws what the
 * theme throws (ThemeLoadError, a ContentError).
 */
export function rehearseDigest(plan: DigestContent, site: SiteConfig, theme: Theme): void {
  for (const delivery of ['instant', 'weekly'] as const) {
    const digest = composeDigest(plan, site, delivery, theme);
    digest.html(previewLinks(site));
    digest.text(previewLinks(site));
  }
}

/**
 * `delivery`: an instant digest (what was just published) or the weekly one (the week's articles). The theme's
 * email/digest.html.liquid and email/digest.txt.liquid render it; the default theme unless given.
 */
export function composeDigest(
  plan: DigestContent,
  site: SiteConfig,
  delivery: Delivery = 'instant',
  theme: Theme = themeFor(site),
): Digest {
  const subject = digestSubject(plan, site, delivery, theme);
  const scope = {
    ...emailScope(site, theme),
    subject,
    delivery,
    heading: theme.t(`digest.heading.${delivery}`),
    why:
      delivery === 'weekly'
        ? theme.t('digest.why.weekly', { site: site.title, when: weeklyWhen(site, theme) })
        : theme.t('digest.why.instant', { site: site.title }),
    articles: digestArticles(plan).map(({ body, image, ...a }) => ({
      ...a,
      // The cover, as the article's page shows it, beside the summary. Not a plain-http one on an https site
      // (publishing warns about it): webmail, read over https, would block it or load it over https anyway.
      image: image === undefined || isMixedContent(image, site.baseUrl) ? undefined : image,
      // digest.content: full — the sanitized body, styled for mail, in place of the summary.
      body_html: body === undefined ? undefined : fullTextHtml(body),
      body_text: body === undefined ? undefined : bodyText(body),
    })),
  };
  const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  return {
    id: plan.id,
    subject,
    html: (links) => withNewline(theme.render('email/digest.html.liquid', { ...scope, links })),
    text: (links) => withNewline(theme.render('email/digest.txt.liquid', { ...scope, links })),
  };
}
