// The subscribe form in a real browser: Debian's Chromium driven by playwright-core, against the built
// site and the subscription API on loopback, with DynamoDB and SES emulated.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient, sesClient } from '../../src/adapters/aws/clients.js';
import { DynamoAttemptLimiter } from '../../src/adapters/aws/dynamo/attempt-limiter.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { SesMailer } from '../../src/adapters/aws/ses.js';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { preferencesUrl } from '../../src/core/email.js';
import type { SiteConfig } from '../../src/core/site.js';
import { type Emulators, sesMailbox, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { type SiteServer, startSiteServer } from '../../src/dev/site-server.js';
import { previewBuild } from '../../src/local.js';
import { repoRoot } from '../helpers/cli.js';

let emu: Emulators;
let server: SiteServer;
let browser: Browser;
let site: SiteConfig;

beforeAll(async () => {
  emu = await startEmulators();
  const db = dynamoClient({ dynamodb: emu.dynamodb });
  const content = join(repoRoot, 'content');
  const dist = await mkdtemp(join(tmpdir(), 'site-'));
  const configured = await loadSiteConfig(content);
  server = await startSiteServer(
    () => ({
      site,
      subscribers: new DynamoSubscribers(db, TABLE),
      limiter: new DynamoAttemptLimiter(db, TABLE),
      mail: new SesMailer(sesClient({ ses: emu.ses })),
      secret: 'browser-test-secret',
    }),
    { siteRoot: dist },
  );
  site = { ...configured, baseUrl: server.url, apiUrl: `${server.url}/api` };
  await previewBuild(site, content, dist, new Date('2026-11-25T12:00:00Z'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await emu?.stop();
});

describe('the subscribe form', () => {
  it('subscribes from the home page, and the emailed link confirms with a choice of how often', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    const email = page.getByLabel('Get new articles by email');
    await email.fill('browser.reader@example.org');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your inbox');
    expect(await page.getByRole('status').textContent()).toMatch(/confirmation link/);

    const [mail] = (await sesMailbox(emu.ses)).filter((m) =>
      m.destination.to.includes('browser.reader@example.org'),
    );
    const link = /http:\/\/127\.0\.0\.1:\d+\/api\/confirm\?token=[\w.-]+/.exec(mail?.body.text ?? '')?.[0];
    expect(link).toBeDefined();
    await page.goto(link ?? '');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Confirm your subscription',
    );
    expect(await page.getByRole('radio', { name: 'Every new article, as it is published' }).isChecked()).toBe(
      true,
    );
    await page.getByRole('radio', { name: /A weekly digest, Mondays at 09:00/ }).check();
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are subscribed');
    const status = await page.getByRole('status').textContent();
    expect(status).toContain('browser.reader@example.org');
    expect(status).toContain('A weekly digest');

    // The "Change how often" link every email carries: a form that shows the choice and saves a new one.
    await page.goto(preferencesUrl(site, 'browser.reader@example.org', 'browser-test-secret', Date.now()));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('How often');
    expect(await page.getByRole('radio', { name: /A weekly digest/ }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: 'Every new article, as it is published' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Preferences saved');
    expect(await page.getByRole('status').textContent()).toMatch(
      /Every new article.* from .* on; until then/,
    );
    expect(await page.getByRole('link', { name: 'Unsubscribe instead' }).count()).toBe(1);
    const saved = await new DynamoSubscribers(dynamoClient({ dynamodb: emu.dynamodb }), TABLE).get(
      'browser.reader@example.org',
    );
    expect(saved).toMatchObject({ delivery: 'instant', previousDelivery: 'weekly' });
  });

  it('is on every page, works without JavaScript, and explains a bad address', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/posts/why-plain-text/`);
    await page.getByLabel('Get new articles by email').fill('not an address');
    // Skip the browser's own type=email check, to see what the server says.
    await page.$eval('form.subscribe', (form) => form.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /does not look like an email address/,
    );
    await context.close();
  });

  it('reaches the form from the keyboard', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.focus('#subscribe-email');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Subscribe');
  });
});

describe('the Subscribe page', () => {
  it('is linked from every page, and copies a feed address with one click', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Subscribe');
    expect(await page.getByLabel('Atom').inputValue()).toBe(`${server.url}/atom.xml`);
    const copy = page.getByRole('button', { name: 'Copy' }).first();
    await copy.click(); // hidden until the script runs: a click on a hidden button would time out
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(`${server.url}/feed.xml`);
    await context.close();
  });
});
