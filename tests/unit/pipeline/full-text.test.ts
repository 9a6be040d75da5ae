// Full-text digests through the real publisher, fan-out and sender (in-memory ports): the record carries
// the bodies planned at announce time, and the sender puts them in each message.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { GMAIL_CLIP_BYTES } from '../../../src/core/full-text.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { RateLimiter } from '../../../src/pipeline/send.js';
import { fanOutAndSend } from '../../helpers/deliver.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemoryMailer,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const site = parseSiteConfig({
  title: testSite.title,
  base_url: testSite.baseUrl,
  author: { name: testSite.author.name },
  sender: testSite.sender,
  digest: { content: 'full' },
});

async function publishAndSend(files: Record<string, string>) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const subscribers = new MemorySubscribers();
  const mailer = new MemoryMailer();
  await subscribers.save({ address: 'r@example.org', status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 });
  const deps = {
    site,
    content,
    output: new MemorySite(),
    assets: new MemoryStatic(),
    index: new MemoryIndex(),
    mode: 'lenient' as const,
    announce: { ledger, digests: ledger, recipients: anInstantReader },
  };
  // Within announce_window (7 days) of the articles each test publishes.
  const now = new Date('2026-05-05T00:00:00Z');
  content.files.set('posts/old.md', '---\ntitle: Old\ndate: 2026-04-01\n---\nOld.\n');
  await publishChanges(deps, 'all', now); // the first run
  ledger.queued = [];
  for (const [path, text] of Object.entries(files)) content.files.set(path, text);
  await publishChanges(deps, Object.keys(files), now);
  for (const id of ledger.queued)
    await fanOutAndSend(id, {
      digests: ledger,
      recipients: subscribers,
      send: {
        site,
        digests: ledger,
        ledger: new MemorySendLedger(),
        mail: mailer,
        limiter: new RateLimiter(1e6),
        secret: 's'.repeat(32),
        now: () => now,
      },
    });
  const [sent] = mailer.sent;
  if (!sent) throw new Error('nothing was sent');
  return { ledger, mail: await simpleParser(Buffer.from(sent.data)) };
}

describe('full-text digests through the pipeline', () => {
  it('mails the article itself, not only its summary', async () => {
    const { mail } = await publishAndSend({
      'posts/new.md':
        '---\ntitle: New\ndate: 2026-05-01\nsummary: The summary.\n---\nThe **whole** article, with [a link](/posts/old/).\n',
    });
    expect(mail.html).toContain(
      'The <strong>whole</strong> article, with <a href="https://news.example.com/posts/old/">a link</a>.',
    );
    expect(mail.html).not.toContain('The summary.');
    expect(mail.text).toContain('The whole article, with a link (https://news.example.com/posts/old/).');
  });

  it('shows the cover image above the article, as it does above a summary', async () => {
    const { mail } = await publishAndSend({
      'posts/new.md':
        '---\ntitle: New\ndate: 2026-05-01\nimage: /images/cover.png\n---\nThe **whole** article.\n',
    });
    const html = String(mail.html);
    const cover = html.indexOf('<img src="https://news.example.com/images/cover.png"');
    expect(cover).toBeGreaterThan(0);
    expect(cover).toBeLessThan(html.indexOf('The <strong>whole</strong> article.'));
  });

  it('shortens the oldest to summary and link when the whole would pass Gmail’s clip, and records which', async () => {
    const long = (title: string, date: string) =>
      `---\ntitle: ${title}\ndate: ${date}\nsummary: Summary of ${title}.\n---\n${'Words upon words. '.repeat(3500)}\n`;
    const { ledger, mail } = await publishAndSend({
      'posts/a.md': long('Earlier', '2026-05-01'),
      'posts/b.md': long('Later', '2026-05-02'),
    });
    const [record] = [...ledger.digests.values()].filter((d) => d.articles.length === 2);
    expect(record?.shortened).toEqual(['https://news.example.com/posts/a/']);
    expect(Buffer.byteLength(String(mail.html))).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(mail.html).toContain('Summary of Earlier.');
    expect(mail.html).not.toContain('Summary of Later.');
  });
});
