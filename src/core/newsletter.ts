// The public archive of issues (`archive:` in site.yaml, on by default): every digest that went out as a
// page /newsletter/<id>/ with what it carried (no personal links), an index newest first, and a feed.
// The markup is the theme's (newsletter.liquid, newsletter-issue.liquid); the feed is built here.
import type { ArticleMeta } from './article.js';
import { audienceOfDigest } from './delivery.js';
import { digestArticles, digestSubject } from './digest.js';
import { scopedIds } from './full-text.js';
import { trusted } from './html.js';
import { newsletterIndexPage, newsletterIssuePage, type PageContext } from './pages.js';
import type { DigestRecord } from './ports.js';
import type { SiteConfig } from './site.js';
import { escapeHtml as escapeXml } from './text.js';
import { weekStartAt } from './weekly-schedule.js';

/** What the archive keeps of a digest that went out: enough to show it, never who received it. */
export interface ArchivedIssue {
  readonly id: string;
  readonly createdAtMs: number;
  readonly subject: string;
  readonly articles: readonly Pick<ArticleMeta, 'url' | 'title' | 'summary' | 'date'>[];
}

/** The archive's entry for a digest that went out, instant or weekly: its subject is the one it was sent with. */
export function issueOf(record: DigestRecord, site: SiteConfig): ArchivedIssue {
  return {
    id: record.id,
    createdAtMs: record.createdAtMs,
    subject: digestSubject(record, site, audienceOfDigest(record).delivery),
    articles: record.articles.map(({ url, title, summary, date }) => ({ url, title, summary, date })),
  };
}

/**
 * Adds the digests that went out to the archive's list (newest first), each once: a digest handed on again
 * after a crash keeps the entry it has. One recorded as reaching nobody (`unreached`) is no issue: nobody
 * received it. Returns the list unchanged when none is new.
 */
export function withIssues(
  issues: readonly ArchivedIssue[],
  wentOut: readonly DigestRecord[],
  site: SiteConfig,
): readonly ArchivedIssue[] {
  const known = new Set(issues.map((i) => i.id));
  const added = wentOut
    .filter((d) => d.unreached !== true && !known.has(d.id) && known.add(d.id))
    .map((d) => issueOf(d, site));
  if (added.length === 0) return issues;
  return [...added, ...issues].sort((a, b) => b.createdAtMs - a.createdAtMs);
}

/** Weeks the archive looks at before giving up on older ones (a site idle for a year and more). */
const MAX_WEEKS_BACK = 60;

/**
 * The weekly send times whose digest the archive has not looked for yet, newest first: those after
 * `afterMs` (the last one looked at) up to `cursorMs` (the end of the last week whose weekly digest was
 * handed on). Without `afterMs` (a site archiving for the first time) only the latest.
 */
export function weeksToArchive(site: SiteConfig, afterMs: number | undefined, cursorMs: number): number[] {
  const weeks: number[] = [];
  for (let week = cursorMs; weeks.length < MAX_WEEKS_BACK; week = weekStartAt(site, week - 1)) {
    if (afterMs !== undefined && week <= afterMs) break;
    weeks.push(week);
    if (afterMs === undefined) break;
  }
  return weeks;
}

export const NEWSLETTER_DIR = 'newsletter';
/**
 * The feed of issues. Not named like the article feeds (feed.xml): those declare the WebSub hub and each
 * change is pushed to it; this one is polled like any plain RSS feed.
 */
export const ISSUES_FEED = `${NEWSLETTER_DIR}/issues.xml`;
/** Bump when issuesFeed writes differently, so a site already built writes the feed again. */
export const ISSUES_FEED_VERSION = '2';
export const issuePath = (id: string) => `${NEWSLETTER_DIR}/${id}/index.html`;
const issueUrl = (site: SiteConfig, id: string) => `${site.baseUrl}/${NEWSLETTER_DIR}/${id}/`;

/**
 * The URLs of an issue's articles that have left the site since it went out (deleted, made a draft again,
 * or dated in the future): withdrawn. `onSite` holds every live article's address and old addresses, so a
 * moved article is not withdrawn.
 */
export function withdrawnFrom(issue: ArchivedIssue, onSite: ReadonlySet<string>): string[] {
  return issue.articles.map((a) => a.url).filter((url) => !onSite.has(url));
}

/**
 * One issue as subscribers got it, without personal links: its articles with their summaries and links,
 * and how to subscribe. With the digest's record (`sent`), a full-text digest's articles show the bodies it
 * carried, as planned when it went out (those shortened for Gmail's clip show their summary, as in the
 * email); without it (a record gone), summaries. An article `withdrawn` since keeps its title and date,
 * marked withdrawn, and nothing of its content: no body, no summary (a template that does not know the
 * mark has nothing to show), and no link in the default theme.
 */
export function issuePage(
  ctx: PageContext,
  issue: ArchivedIssue,
  sent: DigestRecord | undefined,
  withdrawn: ReadonlySet<string>,
): string {
  const carried = sent?.id === issue.id ? sent : undefined;
  const articles = carried
    ? digestArticles(carried).map(({ url, title, summary, date, body }, i) => ({
        url,
        title,
        summary,
        date,
        ...(body === undefined ? {} : { body_html: trusted(scopedIds(body, `a${i + 1}`)) }),
      }))
    : issue.articles;
  return newsletterIssuePage(ctx, {
    id: issue.id,
    subject: issue.subject,
    sent: new Date(issue.createdAtMs).toISOString(),
    articles: articles.map((a) =>
      withdrawn.has(a.url) ? { url: a.url, title: a.title, date: a.date, withdrawn: true } : a,
    ),
  });
}

/** Every issue, newest first, with the archive's feed. */
export function issuesIndexPage(ctx: PageContext, issues: readonly ArchivedIssue[]): string {
  const { site } = ctx;
  return newsletterIndexPage(
    ctx,
    issues.map((i) => ({
      url: issueUrl(site, i.id),
      subject: i.subject,
      sent: new Date(i.createdAtMs).toISOString(),
    })),
    `${site.baseUrl}/${ISSUES_FEED}`,
  );
}

/**
 * RSS 2.0 of the issues, newest first (the newest `site.feedItems`); an article withdrawn since (`onSite`
 * lacks it) is listed by its title with `words.withdrawn`, without its link.
 */
export function issuesFeed(
  site: SiteConfig,
  issues: readonly ArchivedIssue[],
  onSite: ReadonlySet<string>,
  words: { readonly title: string; readonly description: string; readonly withdrawn: string },
): string {
  const items = issues.slice(0, site.feedItems).map((i) => {
    const list = i.articles.map((a) =>
      onSite.has(a.url)
        ? `<li><a href="${escapeXml(a.url)}">${escapeXml(a.title)}</a></li>`
        : `<li>${escapeXml(a.title)} (${escapeXml(words.withdrawn)})</li>`,
    );
    return `<item><title>${escapeXml(i.subject)}</title><link>${escapeXml(issueUrl(site, i.id))}</link><guid isPermaLink="true">${escapeXml(issueUrl(site, i.id))}</guid><pubDate>${new Date(i.createdAtMs).toUTCString()}</pubDate><description>${escapeXml(`<ul>${list.join('')}</ul>`)}</description></item>`;
  });
  // RSS Best Practices (rssboard.org): a feed names its own address in atom:link rel="self", as the article
  // feeds do; readers and validators use it to know where the feed lives once fetched.
  const self = `<atom:link href="${escapeXml(`${site.baseUrl}/${ISSUES_FEED}`)}" rel="self" type="application/rss+xml"/>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${escapeXml(`${site.title}: ${words.title}`)}</title><link>${escapeXml(`${site.baseUrl}/${NEWSLETTER_DIR}/`)}</link><description>${escapeXml(words.description)}</description><language>${escapeXml(site.language)}</language>${self}
${items.join('\n')}
</channel></rss>
`;
}
