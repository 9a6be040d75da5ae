// `broadsheet preview --watch --drafts` in a real browser (Debian's Chromium through playwright-core): an edit
// to an article shows in the open page without touching it, drafts and scheduled articles are shown and
// marked, and the subscribe form works against the local API with its email in outbox/.
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Preview, startPreview } from '../../src/dev/preview.js';
import { launchChromium } from '../helpers/chromium.js';
import { scratchProject } from '../helpers/cli.js';

let dir: string;
let preview: Preview;
let browser: Browser;

beforeAll(async () => {
  dir = await scratchProject();
  preview = await startPreview({
    content: join(dir, 'content'),
    out: join(dir, 'preview'),
    state: join(dir, '.broadsheet'),
    outbox: join(dir, 'outbox'),
    port: 0,
    watch: true,
    drafts: true,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await preview?.close();
});

describe('preview --watch --drafts', () => {
  it('reloads an open page when its article is edited', async () => {
    const page = await browser.newPage();
    await page.goto(`${preview.url}/posts/one-email-per-batch/`);
    const heading = page.getByRole('heading', { level: 1 });
    expect(await heading.textContent()).toBe('One email per batch, never two');

    const file = join(dir, 'content/posts/2026-10-02-one-email-per-batch.md');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace('title: One email per batch, never two', 'title: Edited while open'),
    );
    // The page is never touched again: only the reload the rebuild sends can change what it shows.
    await expect.poll(() => heading.textContent(), { timeout: 10_000 }).toBe('Edited while open');
  });

  it('reloads every open tab, past the 6 connections a browser keeps to one host', async () => {
    // One context, as tabs of one browser window: they share its connection limit per host.
    const context = await browser.newContext();
    const tabs = await Promise.all(Array.from({ length: 8 }, () => context.newPage()));
    for (const tab of tabs) await tab.goto(`${preview.url}/posts/why-plain-text/`);
    const headings = tabs.map((tab) => tab.getByRole('heading', { level: 1 }));

    const file = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace('title: Why we publish from plain text', 'title: Seen in every tab'),
    );
    for (const heading of headings) {
      await expect.poll(() => heading.textContent(), { timeout: 10_000 }).toBe('Seen in every tab');
    }
    await context.close();
  });

  it('reloads a tab left on the 404 page once its article is back', async () => {
    const page = await browser.newPage();
    const opened = await page.goto(`${preview.url}/posts/cafe-typography/`);
    expect(opened?.status()).toBe(200);
    const heading = page.getByRole('heading', { level: 1 });
    const title = await heading.textContent();

    const file = join(dir, 'content/posts/2026-11-03-cafe-typography.md');
    const away = join(dir, 'cafe-typography.md.away');
    await rename(file, away);
    await expect.poll(() => heading.textContent(), { timeout: 10_000 }).not.toBe(title);
    await rename(away, file);
    // Only the reload the 404 page listens for can bring the article back.
    await expect.poll(() => heading.textContent(), { timeout: 10_000 }).toBe(title);
  });

  it('shows drafts and scheduled articles, each marked as such', async () => {
    const page = await browser.newPage();
    await page.goto(`${preview.url}/posts/notes-on-feeds/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Draft: Notes on feed formats (draft)',
    );
    expect(await page.textContent('main')).toContain('Draft: not published and not announced.');
    await page.goto(`${preview.url}/posts/summer-schedule/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Scheduled: /);
  });

  it('subscribes through the local API, with the confirmation email in outbox/subscriptions/', async () => {
    const page = await browser.newPage();
    await page.goto(`${preview.url}/`);
    await page.getByLabel('Get new articles by email').fill('preview.reader@example.org');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your inbox');
    const folder = join(dir, 'outbox/subscriptions');
    const [name] = await readdir(folder);
    const mail = await readFile(join(folder, name ?? ''), 'utf8');
    expect(mail).toMatch(/^To: .*preview\.reader@example\.org/m);
    expect(mail.replace(/=\r?\n/g, '')).toContain(`${preview.url}/api/confirm?token=`);
  });
});
