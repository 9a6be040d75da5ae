// The cloud's send and subscribe functions never read content/theme/: the publish that loaded the theme hands
// the site's own files on (state/theme.json), and they render mail and pages with those. Here through the real
// publisher, API handler, fan-out and sender over in-memory ports, composed as the functions compose them.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { handleSubscriptionRequest } from '../../../src/api/subscription-api.js';
import { ContentError } from '../../../src/core/errors.js';
import { DEFAULT_THEME, publishedThemeFor } from '../../../src/core/theme.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { RateLimiter } from '../../../src/pipeline/send.js';
import { fanOutAndSend } from '../../helpers/deliver.js';
import {
  anInstantReader,
  MemoryAttempts,
  MemoryIndex,
  MemoryLedger,
  MemoryMailer,
  MemoryPublishedTheme,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
  MemoryTheme,
} from '../../helpers/memory.js';
import { testSite as site } from '../../helpers/site.js';

const now = new Date('2026-05-05T00:00:00Z');
const secret = 's'.repeat(32);
const post = (title: string, date: string) => `---\ntitle: ${title}\ndate: ${date}\n---\nText.\n`;

const overrides = {
  'email/confirm.txt.liquid': `Our own confirmation.\n${DEFAULT_THEME['email/confirm.txt.liquid']}`,
  'email/digest.txt.liquid': `Our own digest.\n${DEFAULT_THEME['email/digest.txt.liquid']}`,
  'subscription/message.liquid': `<p class="ours">Our own page.</p>\n${DEFAULT_THEME['subscription/message.liquid']}`,
  // A site-page template: the publish renders it; the functions have no use for it.
  'article.liquid': `<p class="ours">Our own article.</p>\n${DEFAULT_THEME['article.liquid']}`,
};

/** A reader's sign-up through the form, as the API receives it. */
const signUp = () => ({
  method: 'POST',
  path: '/subscribe',
  query: new URLSearchParams(),
  contentType: 'application/x-www-form-urlencoded',
  body: 'email=ana%40example.org',
  client: '203.0.113.7',
});

function cloud(config = site) {
  const content = new MemorySource();
  const pages = new MemorySource();
  const theme = new MemoryTheme();
  const published = new MemoryPublishedTheme();
  const ledger = new MemoryLedger();
  const deps = {
    site: config,
    content,
    pages,
    theme,
    publishedTheme: published,
    output: new MemorySite(),
    assets: new MemoryStatic(),
    index: new MemoryIndex(),
    mode: 'lenient' as const,
    announce: { ledger, digests: ledger, recipients: anInstantReader },
  };
  const publish = (paths: string[]) => publishChanges(deps, paths, now);
  return { content, pages, theme, published, ledger, publish };
}

describe('the theme the publish hands to the send and subscribe functions', () => {
  it('renders the confirmation email and the page of a sign-up with the site’s own templates', async () => {
    const { content, theme, published, publish } = cloud();
    for (const [path, text] of Object.entries(overrides)) theme.byPath.set(path, text);
    content.files.set('posts/a.md', post('A', '2026-05-01'));
    await publish(['posts/a.md']);
    expect(Object.keys((await published.load())?.files ?? {}).sort()).toEqual([
      'email/confirm.txt.liquid',
      'email/digest.txt.liquid',
      'subscription/message.liquid',
    ]);

    // As functions/subscribe.ts composes it: site.json, and the theme the last publish handed on.
    const mail = new MemoryMailer();
    const response = await handleSubscriptionRequest(
      {
        site,
        subscribers: new MemorySubscribers(),
        limiter: new MemoryAttempts(),
        mail,
        secret,
        theme: publishedThemeFor(site, await published.load()),
      },
      signUp(),
      now,
    );
    expect(response.status).toBe(200);
    expect(response.body).toContain('<p class="ours">Our own page.</p>');
    const [confirmation] = mail.sent;
    const text = (await simpleParser(Buffer.from(confirmation?.data ?? ''))).text ?? '';
    expect(text).toMatch(/^Our own confirmation\.\n/);
    expect(text).toMatch(/\/confirm\?token=/);
  });

  it('renders the digest with the site’s own template, changed in the same push as the article it announces', async () => {
    const { content, theme, published, ledger, publish } = cloud();
    const subscribers = new MemorySubscribers();
    await subscribers.save({ address: 'r@example.org', status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 });
    content.files.set('posts/old.md', post('Old', '2026-04-30'));
    await publish(['posts/old.md']); // the first run
    ledger.queued = [];

    theme.byPath.set('email/digest.txt.liquid', overrides['email/digest.txt.liquid']);
    content.files.set('posts/new.md', post('New', '2026-05-02'));
    await publish(['theme/email/digest.txt.liquid', 'posts/new.md']);
    const mail = new MemoryMailer();
    for (const id of ledger.queued) {
      // As functions/send.ts composes it, per batch.
      await fanOutAndSend(id, {
        digests: ledger,
        recipients: subscribers,
        send: {
          site,
          digests: ledger,
          ledger: new MemorySendLedger(),
          mail,
          limiter: new RateLimiter(1e6),
          secret,
          theme: publishedThemeFor(site, await published.load()),
          now: () => now,
        },
      });
    }
    expect(mail.sent).toHaveLength(1);
    const text = (await simpleParser(Buffer.from(mail.sent[0]?.data ?? ''))).text ?? '';
    expect(text).toMatch(/^Our own digest\.\n/);
    expect(text).toContain('New');
  });

  it('hands on the navigation too, so the subscription pages show the same header as the site’s', async () => {
    const { content, pages, published, publish } = cloud({ ...site, nav: ['about'] });
    pages.files.set('pages/about.md', '---\ntitle: About the Gazette\n---\nWho we are.\n');
    content.files.set('posts/a.md', post('A', '2026-05-01'));
    await publish(['pages/about.md', 'posts/a.md']);
    const handedOn = await published.load();
    expect(handedOn?.nav).toEqual([{ name: 'about', title: 'About the Gazette' }]);
    const page = await handleSubscriptionRequest(
      {
        site,
        subscribers: new MemorySubscribers(),
        limiter: new MemoryAttempts(),
        mail: new MemoryMailer(),
        secret,
        theme: publishedThemeFor(site, handedOn),
        nav: handedOn?.nav ?? [],
      },
      signUp(),
      now,
    );
    expect(page.body).toMatch(/<nav [^>]*>[\s\S]*<a href="[^"]*\/about\/">About the Gazette<\/a>/);

    // A new title is handed on by the next publish.
    pages.files.set('pages/about.md', '---\ntitle: Who we are\n---\nWho we are.\n');
    await publish(['pages/about.md']);
    expect((await published.load())?.nav).toEqual([{ name: 'about', title: 'Who we are' }]);
  });

  it('writes the theme again only when the site’s own email or subscription files change', async () => {
    const { content, theme, published, publish } = cloud();
    content.files.set('posts/a.md', post('A', '2026-05-01'));
    await publish(['posts/a.md']);
    expect(published.saves).toBe(1);
    expect((await published.load())?.files).toEqual({});
    content.files.set('posts/b.md', post('B', '2026-05-02'));
    await publish(['posts/b.md']);
    theme.byPath.set('article.liquid', overrides['article.liquid']);
    await publish(['theme/article.liquid']);
    expect(published.saves).toBe(1);
    theme.byPath.set('email/digest.txt.liquid', overrides['email/digest.txt.liquid']);
    await publish(['theme/email/digest.txt.liquid']);
    expect(published.saves).toBe(2);
  });

  it('hands on nothing from a theme that does not load, so the functions keep the last good one', async () => {
    const { content, theme, published, publish } = cloud();
    theme.byPath.set('email/digest.txt.liquid', overrides['email/digest.txt.liquid']);
    content.files.set('posts/a.md', post('A', '2026-05-01'));
    await publish(['posts/a.md']);
    const good = await published.load();
    theme.byPath.set('email/digest.txt.liquid', 'Broken {% if %}\n');
    await expect(publish(['theme/email/digest.txt.liquid'])).rejects.toThrow(ContentError);
    expect(await published.load()).toEqual(good);
  });

  it('falls back to the bundled theme before any publish has handed one on', () => {
    expect(publishedThemeFor(site, undefined).files).toEqual(DEFAULT_THEME);
  });
});
