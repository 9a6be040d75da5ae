import { createHash } from 'node:crypto';
import type { Article } from './article.js';
import { displayDate } from './dates.js';
import { html } from './html.js';
import type { SiteConfig } from './site.js';

/** What the next digest announces. Ids are permalinks. */
export interface DigestPlan {
  /** Derived from the announced ids, so two planners racing over the same articles agree on it. */
  readonly id: string;
  /** Newest first. */
  readonly articles: readonly Article[];
  /**
   * Published articles recorded as announced without being mailed: on the very first run, everything but
   * the newest, so installing Broadsheet on an existing blog never mails its archive.
   */
  readonly silenced: readonly Article[];
}

/**
 * New = published (the caller passes only what is live at `now`, newest first) and not yet announced.
 * `announced` is undefined when no state exists yet (first run). Returns undefined when nothing is new.
 */
export function planDigest(
  published: readonly Article[],
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

export function digestId(articles: readonly Article[]): string {
  const ids = articles.map((a) => a.url).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 24);
}

/** The digest's content, the same for every recipient but for the unsubscribe link. */
export interface Digest {
  readonly id: string;
  readonly subject: string;
  html(unsubscribeUrl: string): string;
  text(unsubscribeUrl: string): string;
}

export function digestSubject(plan: DigestPlan, site: SiteConfig): string {
  const [first] = plan.articles;
  if (plan.articles.length === 1 && first) return `${first.title} · ${site.title}`;
  return `${plan.articles.length} new articles on ${site.title}`;
}

export function composeDigest(plan: DigestPlan, site: SiteConfig): Digest {
  const subject = digestSubject(plan, site);
  // Inline styles only: many mail clients drop <style>. No images, so it reads the same with images off.
  const font = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;';
  const items = plan.articles.map(
    (article) => html`<tr><td style="padding:0 0 24px 0;${font}">
<h2 style="margin:0 0 4px 0;font-size:20px;line-height:1.3;"><a href="${article.url}" style="color:#0b57d0;text-decoration:none;">${article.title}</a></h2>
<p style="margin:0 0 8px 0;font-size:13px;color:#5b5b66;">${displayDate(article.date, site.language)}</p>
${article.summary ? html`<p style="margin:0 0 8px 0;font-size:16px;line-height:1.5;color:#1d1d1f;">${article.summary}</p>` : ''}
<p style="margin:0;font-size:15px;"><a href="${article.url}" style="color:#0b57d0;">Read “${article.title}”</a></p>
</td></tr>`,
  );
  return {
    id: plan.id,
    subject,
    html: (unsubscribeUrl) =>
      html`<!doctype html>
<html lang="${site.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:0;background:#ffffff;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;padding:24px 16px;">
<tr><td style="padding:0 0 24px 0;${font}"><p style="margin:0;font-size:14px;color:#5b5b66;">New on <a href="${site.baseUrl}/" style="color:#5b5b66;">${site.title}</a></p></td></tr>
${items}
<tr><td style="padding:16px 0 0 0;border-top:1px solid #d9d9de;font-size:13px;line-height:1.5;color:#5b5b66;${font}">
You receive this because you subscribed to ${site.title}. <a href="${unsubscribeUrl}" style="color:#5b5b66;">Unsubscribe</a> with one click.
</td></tr>
</table>
</body>
</html>
`.value,
    text: (unsubscribeUrl) =>
      [
        `New on ${site.title}`,
        '',
        ...plan.articles.flatMap((article) => [
          article.title,
          displayDate(article.date, site.language),
          ...(article.summary ? [article.summary] : []),
          article.url,
          '',
        ]),
        '--',
        `You receive this because you subscribed to ${site.title}.`,
        `Unsubscribe: ${unsubscribeUrl}`,
        '',
      ].join('\n'),
  };
}
