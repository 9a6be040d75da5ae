// A phone's screen (375 CSS pixels) in Debian's Chromium: an article title of one long word (a German
// compound, a URL) wraps in the article's pager and in the digest instead of widening the page, and block
// math that fits shows no scrollbar of its own. Found by an author's review of the default theme.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { previewBuild } from '../../src/local.js';
import { launchChromium } from '../helpers/chromium.js';
import { broadsheet, committedRepo, scratchProject } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';
const LONG = 'Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaftsausflug';
const PHONE = { width: 375, height: 800 };

let dir: string;
let browser: Browser;
let css: string;

beforeAll(async () => {
  dir = await scratchProject();
  committedRepo(dir);
  const post = (day: string, title: string, body: string) =>
    writeFile(
      join(dir, `content/posts/2026-11-${day}-${title.slice(0, 8).toLowerCase()}.md`),
      `---\ntitle: ${title}\ndate: 2026-11-${day}T10:00:00Z\nmath: true\n---\n${body}\n`,
    );
  await post('21', LONG, 'The older one.');
  await post('22', 'Middle', 'Between two long titles.\n\n$$\\sum_{i=1}^{n} x_i^2 = \\int_0^1 f(y)\\,dy$$\n');
  await post('23', `Zweiter${LONG}`, 'The newer one.');
  const content = join(dir, 'content');
  await previewBuild(await loadSiteConfig(content), content, join(dir, 'dist'), new Date(NOW));
  expect((await broadsheet(dir, 'diff', 'HEAD', '--now', NOW, '--out', 'report')).code).toBe(0);
  css = await readFile(join(dir, 'dist/style.css'), 'utf8');
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

/** A page of the site, with its stylesheet (linked by its site address) given inline; an email as it is. */
async function onPhone<T>(html: string, look: (page: Page) => Promise<T>, css = ''): Promise<T> {
  const page = await browser.newPage({ viewport: PHONE });
  try {
    await page.setContent(css === '' ? html : html.replace('</head>', `<style>${css}</style></head>`));
    return await look(page);
  } finally {
    await page.close();
  }
}

const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

describe('on a 375-pixel screen', () => {
  it('an article whose neighbours have one-word titles is no wider than the screen', async () => {
    const html = await readFile(join(dir, 'dist/posts/middle/index.html'), 'utf8');
    expect(html).toContain(LONG);
    expect(await onPhone(html, pageWidth, css)).toBeLessThanOrEqual(PHONE.width);
  });

  it('the digest of those articles is no wider than the screen', async () => {
    const html = await readFile(join(dir, 'report/digest.html'), 'utf8');
    expect(html).toContain(LONG);
    expect(await onPhone(html, pageWidth)).toBeLessThanOrEqual(PHONE.width);
  });

  it('block math that fits does not scroll up and down inside its box', async () => {
    const html = await readFile(join(dir, 'dist/posts/middle/index.html'), 'utf8');
    const scrolled = await onPhone(
      html,
      async (page) => {
        const math = page.locator('math[display="block"]');
        await math.hover();
        await page.mouse.wheel(0, 200);
        await page.waitForTimeout(100);
        return (await page.evaluate(`document.querySelector('math[display="block"]').scrollTop`)) as number;
      },
      css,
    );
    expect(scrolled).toBe(0);
  });
});
