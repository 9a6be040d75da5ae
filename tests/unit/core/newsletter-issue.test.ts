// The page of one newsletter issue (newsletter-issue.liquid) as the default theme renders it.
import { describe, expect, it } from 'vitest';
import { pageContext } from '../../../src/core/layout.js';
import { newsletterIssuePage } from '../../../src/core/pages.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { themeFor } from '../../../src/core/theme.js';
import { testSite } from '../../helpers/site.js';

const issue = {
  id: 'd-1',
  subject: 'New on Test Gazette',
  sent: '2026-05-05T10:00:00.000Z',
  articles: [{ url: 'https://news.example.com/posts/crab/', title: 'Crab', date: '2026-05-04T08:00:00Z' }],
};

describe('newsletterIssuePage', () => {
  it('says when the issue went out as a date a reader reads, not a timestamp', () => {
    const page = newsletterIssuePage(pageContext(testSite), issue);
    expect(page).toContain('Sent on May 5, 2026 to subscribers of Test Gazette.');
    expect(page).not.toContain('2026-05-05T10:00');
  });

  it('writes the date in the site’s language', () => {
    const site = parseSiteConfig({
      title: 'Test Gazette',
      base_url: 'https://news.example.com',
      language: 'de',
      author: { name: 'Test Author' },
      sender: testSite.sender,
    });
    const theme = themeFor(site);
    const page = newsletterIssuePage(pageContext(site, theme), issue);
    expect(page).toContain('Am 5. Mai 2026 an die Abonnenten von Test Gazette verschickt.');
    // The assign renders on liquid-sync.ts's fast path, not liquidjs's fallback.
    expect(theme.slowRenders).toBe(0);
  });
});
