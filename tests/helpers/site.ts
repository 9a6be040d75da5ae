import type { Article } from '../../src/core/article.js';
import { contentHash, parseArticle } from '../../src/core/article.js';
import { byNewest } from '../../src/core/order.js';
import { prepareSanitizer } from '../../src/core/render.js';
import { parseSiteConfig, type SiteConfig } from '../../src/core/site.js';
import { planSite, type SiteFile } from '../../src/core/site-build.js';
import { indexArticle } from '../../src/core/site-index.js';
import type { Theme } from '../../src/core/theme.js';

// Tests that parse articles directly (not through a pipeline, which prepares what it parses) may give
// them raw HTML, which needs the sanitizer loaded. tests/unit/core/lazy-sanitizer.test.ts checks that the
// pipelines load it themselves, without this.
await prepareSanitizer();

export const testSite: SiteConfig = parseSiteConfig({
  title: 'Test Gazette',
  description: 'A site for tests',
  base_url: 'https://news.example.com',
  timezone: 'Europe/Lisbon',
  author: { name: 'Test Author', email: 'owner@example.com' },
  sender: { name: 'Test Gazette', address: 'digest@example.com' },
  feed_items: 20,
});

/** The test site with a ten-minute grace window, and minutes from a fixed start, for the grace tests. */
export const graceSite: SiteConfig = parseSiteConfig({
  title: testSite.title,
  base_url: testSite.baseUrl,
  author: { name: testSite.author.name },
  sender: testSite.sender,
  digest: { delay: '10m' },
});
const MIN = 60_000;
const GRACE_T0 = Date.parse('2026-05-05T10:00:00Z');
export const at = (minutes: number) => new Date(GRACE_T0 + minutes * MIN);

export const bytes = (text: string) => new TextEncoder().encode(text);

/** A Markdown file with the given front matter lines and body. */
export function markdown(fields: Record<string, string>, body = 'Body text.'): string {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${v}`);
  return `---\n${lines.join('\n')}\n---\n${body}\n`;
}

/** Parses a valid article or fails the test with the problems found. */
export function article(
  fields: Record<string, string>,
  body?: string,
  path = `posts/${fields.slug ?? 'post'}.md`,
  site = testSite,
): Article {
  const result = parseArticle({ path, bytes: bytes(markdown(fields, body)) }, site);
  if (!result.ok) throw new Error(`expected a valid article: ${JSON.stringify(result.problems)}`);
  return result.article;
}

/** The site plan for these parsed articles (live ones, newest first), bodies served from the articles. */
export function planOf(
  articles: readonly Article[],
  site: SiteConfig = testSite,
  assets: readonly { path: string; bytes: Uint8Array }[] = [],
  theme?: Theme,
): SiteFile[] {
  const bodies = new Map<string, string>();
  const live = articles.map((a) => {
    const indexed = indexArticle(a);
    bodies.set(indexed.renderKey, a.html);
    return indexed;
  });
  return planSite(
    {
      site,
      live: live.sort(byNewest),
      assets: assets.map((a) => ({ path: a.path, hash: contentHash(a.bytes) })),
      ...(theme ? { theme } : {}),
    },
    {
      body: async (a) => bodies.get(a.renderKey) ?? '',
      asset: async (path) => assets.find((a) => a.path === path)?.bytes ?? new Uint8Array(),
    },
  );
}
