// The public archive of issues (`archive:` in site.yaml, on by default): every digest that went out as a
// page /newsletter/<id>/ with what it carried (no personal links), an index newest first, and a feed.
// Kept apart from the site's other markup so a theme can take it over.
import type { ArticleMeta } from './article.js';
import { displayDate } from './dates.js';
import { digestSubject } from './digest.js';
import { html } from './html.js';
import { messagePage, type PageContext } from './pages.js';
import type { DigestRecord } from './ports.js';
import type { SiteConfig } from './site.js';
import { escapeHtml as escapeXml } from './text.js';

/** What the archive keeps of a digest that went out: enough to show it, never who received it. */
export interface ArchivedIssue {
  readonly id: string;
  readonly createdAtMs: number;
  readonly subject: string;
  readonly articles: readonly Pick<ArticleMeta, 'url' | 'title' | 'summary' | 'date'>[];
}

export function issueOf(record: DigestRecord, site: SiteConfig): ArchivedIssue {
  return {
    id: record.id,
    createdAtMs: record.createdAtMs,
    subject: digestSubject(record, site, 'instant'),
    articles: record.articles.map(({ url, title, summary, date }) => ({ url, title, summary, date })),
  };
}

export const NEWSLETTER_DIR = 'newsletter';
/**
 * The feed of issues. Not named like the article feeds (feed.xml): those declare the WebSub hub and each
 * change is pushed to it; this one is polled like any plain RSS feed.
 */
export const ISSUES_FEED = `${NEWSLETTER_DIR}/issues.xml`;
export const issuePath = (id: string) => `${NEWSLETTER_DIR}/${id}/index.html`;
const issueUrl = (site: SiteConfig, id: string) => `${site.baseUrl}/${NEWSLETTER_DIR}/${id}/`;
const sentOn = (site: SiteConfig, ms: number) => displayDate(new Date(ms).toISOString(), site.language);

/** One issue as subscribers got it: its articles with their summaries and links, and how to subscribe. */
export function issuePage(ctx: PageContext, issue: ArchivedIssue): string {
  const { site } = ctx;
  return messagePage(
    ctx,
    issue.subject,
    html`<p>Sent on ${sentOn(site, issue.createdAtMs)} to subscribers of ${site.title}. <a href="${site.baseUrl}/${NEWSLETTER_DIR}/">All issues</a> · <a href="${site.baseUrl}/subscribe/">Subscribe</a></p>
${issue.articles.map(
  (a) => html`<article>
<h2><a href="${a.url}">${a.title}</a></h2>
<p>${displayDate(a.date, site.language)}</p>
${a.summary ? html`<p>${a.summary}</p>` : ''}
</article>
`,
)}`,
  );
}

/** Every issue, newest first, with the archive's feed. */
export function issuesIndexPage(ctx: PageContext, issues: readonly ArchivedIssue[]): string {
  const { site } = ctx;
  return messagePage(
    ctx,
    'Newsletter',
    html`<p>Every email sent to subscribers of ${site.title}, newest first. <a href="${site.baseUrl}/subscribe/">Subscribe</a> · <a href="${site.baseUrl}/${ISSUES_FEED}">Feed of issues</a></p>
${
  issues.length === 0
    ? html`<p>No issue has gone out yet.</p>`
    : html`<ul>
${issues.map(
  (i) => html`<li><a href="${issueUrl(site, i.id)}">${i.subject}</a> (${sentOn(site, i.createdAtMs)})</li>
`,
)}</ul>`
}`,
  );
}

/** RSS 2.0 of the issues, newest first (the newest `site.feedItems`). */
export function issuesFeed(site: SiteConfig, issues: readonly ArchivedIssue[]): string {
  const items = issues.slice(0, site.feedItems).map((i) => {
    const list = i.articles.map((a) => `<li><a href="${escapeXml(a.url)}">${escapeXml(a.title)}</a></li>`);
    return `<item><title>${escapeXml(i.subject)}</title><link>${escapeXml(issueUrl(site, i.id))}</link><guid isPermaLink="true">${escapeXml(issueUrl(site, i.id))}</guid><pubDate>${new Date(i.createdAtMs).toUTCString()}</pubDate><description>${escapeXml(`<ul>${list.join('')}</ul>`)}</description></item>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>${escapeXml(`${site.title}: newsletter`)}</title><link>${escapeXml(`${site.baseUrl}/${NEWSLETTER_DIR}/`)}</link><description>${escapeXml(`Every email sent to subscribers of ${site.title}`)}</description><language>${escapeXml(site.language)}</language>
${items.join('\n')}
</channel></rss>
`;
}
