// Outside judges of the default theme (issue 15): every page of the sample site and every subscription
// page passes the Nu HTML checker (vnu-jar, on Debian's Java runtime) and axe-core in Debian's Chromium
// with no violations, in light and in dark mode.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import type { SiteConfig } from '../../src/core/site.js';
import { type SiteServer, startSiteServer } from '../../src/dev/site-server.js';
import { previewBuild } from '../../src/local.js';
import { launchChromium } from '../helpers/chromium.js';
import { repoRoot } from '../helpers/cli.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../helpers/memory.js';
import { nuCheckerErrors } from '../helpers/nu-checker.js';

const AXE = readFileSync(join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

let server: SiteServer;
let browser: Browser;
let site: SiteConfig;
let dist: string;
/** Site paths of every built page, and the subscription pages a reader can reach by GET. */
let pages: string[];
const API_PAGES = [
  '/api/confirm?token=not-a-token',
  '/api/preferences?token=not-a-token',
  '/api/unsubscribe?token=not-a-token',
];

beforeAll(async () => {
  const content = join(repoRoot, 'content');
  dist = await mkdtemp(join(tmpdir(), 'judged-'));
  const configured = await loadSiteConfig(content);
  server = await startSiteServer(
    () => ({
      site,
      subscribers: new MemorySubscribers(),
      limiter: new MemoryAttempts(),
      mail: new MemoryMailer(),
      secret: 'judges-secret',
    }),
    { siteRoot: dist },
  );
  site = { ...configured, baseUrl: server.url, apiUrl: `${server.url}/api` };
  await previewBuild(site, content, dist, new Date('2026-11-25T12:00:00Z'));
  const files = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.html'));
  pages = files
    .map(
      (f) =>
        `/${f
          .split('\\')
          .join('/')
          .replace(/index\.html$/, '')}`,
    )
    .sort();
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the Nu HTML checker', () => {
  it('finds no error in any page of the sample site or any subscription page', async () => {
    // Subscription pages are answered by the API: saved beside the built pages to be checked with them.
    const checked = (await readdir(dist, { recursive: true }))
      .filter((f) => f.endsWith('.html'))
      .map((f) => join(dist, f));
    for (const [i, path] of [...API_PAGES, 'POST /api/subscribe'].entries()) {
      const response = path.startsWith('POST')
        ? await fetch(`${server.url}/api/subscribe`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'email=reader%40example.org',
          })
        : await fetch(`${server.url}${path}`);
      const file = join(dist, `api-page-${i}.html`);
      await writeFile(file, await response.text());
      checked.push(file);
    }
    expect(checked.length).toBeGreaterThan(12);
    expect(await nuCheckerErrors(checked, dist)).toEqual([]);
  }, 120_000);
});

describe('axe-core in Chromium', () => {
  it.each(['light', 'dark'] as const)(
    'finds no violation on any page in %s mode',
    async (colorScheme) => {
      const violations: string[] = [];
      // One tab for every page, with axe given to each document as it is created: a new tab and axe
      // added after load cost 1.3 s a page more than the check itself.
      const context = await browser.newContext({ colorScheme });
      await context.addInitScript({ content: AXE });
      const page = await context.newPage();
      for (const path of [...pages, ...API_PAGES]) {
        await page.goto(`${server.url}${path}`);
        const found = await page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
          return (await axe.run()).violations as { id: string; nodes: { target: string[] }[] }[];
        });
        for (const v of found)
          violations.push(`${path}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
      await context.close();
      expect(pages.length).toBeGreaterThan(10);
      expect(violations).toEqual([]);
    },
    120_000,
  );
});
