import { createHash } from 'node:crypto';
import type { ArticleMeta } from './article.js';
import { displayDate } from './dates.js';
import { type Audience, audienceOfDigest, type Delivery } from './delivery.js';
import { bodyText, fullTextHtml } from './full-text.js';
import { html } from './html.js';
import type { DigestRecord } from './ports.js';
import type { SiteConfig } from './site.js';
import { truncateWords } from './text.js';
import { describeWeekly } from './weekly-schedule.js';

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
 * The weekly digest's candidates among stored digests: articles of instant digests created in
 * [sinceMs, beforeMs), oldest announcement first, that no weekly digest has carried yet.
 */
export function articlesAwaitingWeekly(
  digests: Iterable<DigestRecord>,
  carried: (url: string) => boolean,
  sinceMs: number,
  beforeMs: number,
): ArticleMeta[] {
  return [...digests]
    .filter((d) => audienceOfDigest(d).delivery === 'instant')
    .filter((d) => d.createdAtMs >= sinceMs && d.createdAtMs < beforeMs)
    .sort((a, b) => a.createdAtMs - b.createdAtMs)
    .flatMap((d) => d.articles)
    .filter((a) => !carried(a.url));
}

export function digestId(articles: readonly ArticleMeta[]): string {
  const ids = articles.map((a) => a.url).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 24);
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
): string {
  const [first] = plan.articles;
  const count = plan.articles.length;
  if (delivery === 'weekly') {
    return `This week on ${site.title}: ${count === 1 && first ? first.title : `${count} new articles`}`;
  }
  if (count === 1 && first) return `${first.title} · ${site.title}`;
  return `${count} new articles on ${site.title}`;
}

/** `delivery`: an instant digest (what was just published) or the weekly one (the week's articles). */
export function composeDigest(plan: DigestContent, site: SiteConfig, delivery: Delivery = 'instant'): Digest {
  const subject = digestSubject(plan, site, delivery);
  const heading = delivery === 'weekly' ? 'This week on' : 'New on';
  const why =
    delivery === 'weekly'
      ? `You receive a weekly digest from ${site.title}, ${describeWeekly(site)}.`
      : `You receive each new article from ${site.title} as it is published.`;
  // Inline styles only: many mail clients drop <style>. No images, so it reads the same with images off.
  const font = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;';
  const items = plan.articles.map(
    (article) => html`<tr><td style="padding:0 0 24px 0;${font}">
<h2 style="margin:0 0 4px 0;font-size:20px;line-height:1.3;"><a href="${article.url}" style="color:#0b57d0;text-decoration:none;">${article.title}</a></h2>
<p style="margin:0 0 8px 0;font-size:13px;color:#5b5b66;">${displayDate(article.date, site.language)}</p>
${plan.bodies?.[article.url] !== undefined ? fullTextHtml(plan.bodies[article.url] ?? '') : article.summary ? html`<p style="margin:0 0 8px 0;font-size:16px;line-height:1.5;color:#1d1d1f;">${article.summary}</p>` : ''}
<p style="margin:0;font-size:15px;"><a href="${article.url}" style="color:#0b57d0;">Read “${truncateWords(article.title, READ_LINK_TITLE)}”</a></p>
</td></tr>`,
  );
  return {
    id: plan.id,
    subject,
    html: (links) =>
      html`<!doctype html>
<html lang="${site.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:0;background:#ffffff;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;padding:24px 16px;">
<tr><td style="padding:0 0 24px 0;${font}"><p style="margin:0;font-size:14px;color:#5b5b66;">${heading} <a href="${site.baseUrl}/" style="color:#5b5b66;">${site.title}</a></p></td></tr>
${items}
<tr><td style="padding:16px 0 0 0;border-top:1px solid #d9d9de;font-size:13px;line-height:1.5;color:#5b5b66;${font}">
${why} <a href="${links.preferences}" style="color:#5b5b66;">Change how often</a> or <a href="${links.unsubscribe}" style="color:#5b5b66;">unsubscribe</a> with one click.
</td></tr>
</table>
</body>
</html>
`.value,
    text: (links) =>
      [
        `${heading} ${site.title}`,
        '',
        ...plan.articles.flatMap((article) => [
          article.title,
          displayDate(article.date, site.language),
          ...(plan.bodies?.[article.url] !== undefined
            ? [bodyText(plan.bodies[article.url] ?? '')]
            : article.summary
              ? [article.summary]
              : []),
          article.url,
          '',
        ]),
        '--',
        why,
        `Change how often: ${links.preferences}`,
        `Unsubscribe: ${links.unsubscribe}`,
        '',
      ].join('\n'),
  };
}
