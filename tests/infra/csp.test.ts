import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../infra/csp.js';
import { FEED_XSL } from '../../src/core/assets.js';
import { buildFeeds, siteFeedScope } from '../../src/core/feeds.js';
import { COPY_SCRIPT_NAME } from '../../src/core/layout.js';
import { parseSiteConfig } from '../../src/core/site.js';
import { launchChromium } from '../helpers/chromium.js';

describe('the site’s Content-Security-Policy', () => {
  it('allows forms to post to the API’s own origin when it is not the site’s', () => {
    const sameOrigin = contentSecurityPolicy({
      siteUrl: 'https://news.example.com',
      apiUrl: 'https://news.example.com/api',
    });
    expect(sameOrigin).toContain("form-action 'self';");
    const elsewhere = contentSecurityPolicy({
      siteUrl: 'https://news.example.com',
      apiUrl: 'https://api.example.net/v1',
    });
    expect(elsewhere).toContain("form-action 'self' https://api.example.net;");
  });

  it('allows the site’s two scripts, the feed preview’s XSL and the copy script, by full URL, and nothing inline', () => {
    const policy = contentSecurityPolicy({
      siteUrl: 'https://a.example/blog',
      apiUrl: 'https://a.example/blog/api',
    });
    expect(policy).toContain(
      `script-src https://a.example/blog/feed.xsl https://a.example/blog/${COPY_SCRIPT_NAME};`,
    );
    expect(policy).toContain("style-src 'self';");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|sha256-|nonce-|script-src 'self'/);
  });
});

describe('the policy in a browser (Debian’s Chromium)', () => {
  let policy = '';
  /** Every path the browser asked for: a script that ran fetches /ran-<how>. */
  let requested: string[] = [];
  let server: Server;
  let origin = '';
  let browser: Browser;
  let withPolicy = true;
  const files: Record<string, [string, string]> = {};

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = request.url ?? '/';
      requested.push(url);
      const file = files[url];
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'Content-Type': file[0],
        ...(withPolicy ? { 'Content-Security-Policy': policy } : {}),
      });
      response.end(file[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    policy = contentSecurityPolicy({ siteUrl: origin, apiUrl: `${origin}/api` });
    const site = parseSiteConfig({
      title: 'T',
      base_url: origin,
      author: { name: 'A' },
      sender: { name: 'S', address: 's@example.org' },
    });
    Object.assign(files, {
      // Files an author could commit under static/: opened on their own, they are documents of the site.
      '/static/evil.svg': [
        'image/svg+xml',
        `<svg xmlns="http://www.w3.org/2000/svg" onload="new Image().src='/ran-onload'"><script>new Image().src='/ran-script'</script><circle r="5"/></svg>`,
      ],
      '/static/page.html': [
        'text/html',
        `<!doctype html><title>t</title><style>p{color:red}</style><p>x</p><script>new Image().src='/ran-inline'</script><script src="/static/evil.js"></script><img src="/none.gif" onerror="new Image().src='/ran-onerror'">`,
      ],
      '/static/evil.js': ['text/javascript', "new Image().src='/ran-file'"],
      // The real feed and its preview stylesheet, as the site writes them.
      '/feed.xml': ['application/xml', buildFeeds([], site, siteFeedScope(site)).rss],
      '/feed.xsl': ['application/xml', FEED_XSL],
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Opens a path: the scripts that ran, what it fetched, its title, and the console's CSP complaints. */
  async function open(path: string, policyOn: boolean) {
    withPolicy = policyOn;
    requested = [];
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${origin}${path}`, { waitUntil: 'load' });
    const title = await page.title();
    await page.close();
    return { ran: requested.filter((r) => r.startsWith('/ran')).sort(), requested, refused, title };
  }

  it('runs no script from an SVG or a page under static/, inline, in handlers or from a file', async () => {
    // Without the policy the same files do run script: the test can tell.
    expect((await open('/static/evil.svg', false)).ran).toEqual(['/ran-onload', '/ran-script']);
    expect((await open('/static/page.html', false)).ran).toEqual([
      '/ran-file',
      '/ran-inline',
      '/ran-onerror',
    ]);
    const svg = await open('/static/evil.svg', true);
    expect(svg.ran).toEqual([]);
    expect(svg.refused.length).toBeGreaterThan(0);
    const page = await open('/static/page.html', true);
    expect(page.ran).toEqual([]);
    expect(page.refused.some((m) => /inline style/.test(m))).toBe(true);
  });

  it('still shows the feed preview: the XSL it ships is the one script allowed', async () => {
    const feed = await open('/feed.xml', true);
    expect(feed.requested).toContain('/feed.xsl');
    expect(feed.title).toBe('T (feed)');
    expect(feed.refused.filter((m) => /Loading the script/.test(m))).toEqual([]);
  });
});
