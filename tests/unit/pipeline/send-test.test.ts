import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeDigest } from '../../../src/core/digest.js';
import { digestMessageFor, digestMessageId } from '../../../src/core/email.js';
import { indexArticle } from '../../../src/core/site-index.js';
import { DEFAULT_THEME, themeFor } from '../../../src/core/theme.js';
import { announce } from '../../../src/pipeline/announce.js';
import { nextDigestPlan } from '../../../src/pipeline/next-announcement.js';
import { sendTest, TEST_SUBJECT_PREFIX } from '../../../src/pipeline/send-test.js';
import { anInstantReader, MemoryLedger, MemoryMailer, MemorySendLedger } from '../../helpers/memory.js';
import { article, testSite } from '../../helpers/site.js';

const now = new Date('2026-11-25T12:00:00Z');
const secret = 'a-test-signing-secret-of-at-least-32-bytes';
const live = [
  article({ title: 'Older', date: '2026-11-20T09:00:00Z', slug: 'older' }),
  article({ title: 'Newest', date: '2026-11-24T09:00:00Z', slug: 'newest', summary: 'The latest.' }),
].map(indexArticle);

describe('send-test', () => {
  it('renders the test with the site’s own digest template, as subscribers get it', async () => {
    const plan = await nextDigestPlan(new MemoryLedger(), live, false);
    if (!plan) throw new Error('expected a plan');
    const theme = themeFor(testSite, {
      'email/digest.txt.liquid': `Our own digest.\n${DEFAULT_THEME['email/digest.txt.liquid']}`,
    });
    const { message } = await sendTest(
      { site: testSite, mail: new MemoryMailer(), secret, theme },
      plan,
      'me@example.org',
      now,
    );
    expect((await simpleParser(Buffer.from(message.data))).text).toMatch(/^Our own digest\.\n/);
  });

  it('sends what the next digest would send, to one address, and records nothing', async () => {
    const ledger = new MemoryLedger();
    const sends = new MemorySendLedger();
    await ledger.markAnnounced(['https://news.example.com/posts/gone/'], 'earlier');
    const plan = await nextDigestPlan(ledger, live, false);
    if (!plan) throw new Error('expected a plan');

    const mail = new MemoryMailer();
    const { message } = await sendTest({ site: testSite, mail, secret }, plan, 'me@example.org', now);
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]?.to).toBe('me@example.org');

    // Nothing recorded: the ledger is as it was, and the send ledger was never asked.
    expect(ledger.announcedUrls()).toEqual(['https://news.example.com/posts/gone/']);
    expect(ledger.digests.size).toBe(0);
    expect(ledger.queued).toEqual([]);
    expect(sends.records.size).toBe(0);

    // The real announce afterwards plans the very same digest.
    const real = await announce(
      { site: testSite, ledger, digests: ledger, recipients: anInstantReader },
      live,
      false,
      now.getTime(),
    );
    expect(real.digest?.id).toBe(plan.id);
    expect(real.digest?.articles).toEqual(plan.articles.map((a) => a.url));

    // And the test carries exactly what that digest sends to this address, but for its subject and id.
    const record = ledger.digests.get(plan.id);
    if (!record) throw new Error('expected the real digest');
    const realMessage = await digestMessageFor(
      composeDigest(record, testSite, 'instant'),
      record.createdAtMs,
      testSite,
      'me@example.org',
      secret,
      now.getTime(),
    );
    const [test, sent] = await Promise.all([
      simpleParser(Buffer.from(message.data)),
      simpleParser(Buffer.from(realMessage.data)),
    ]);
    expect(test.subject).toBe(`${TEST_SUBJECT_PREFIX}${sent.subject}`);
    expect(test.subject).toBe('[Test] 2 new articles on Test Gazette');
    expect(test.html).toBe(sent.html);
    expect(test.text).toBe(sent.text);
    expect(test.headers.get('list-unsubscribe')).toEqual(sent.headers.get('list-unsubscribe'));
    // Its own Message-ID: a mail system that kept the test must not drop the real digest as a duplicate.
    expect(test.messageId).not.toBe(sent.messageId);
    expect(sent.messageId).toBe(digestMessageId(plan.id, 'me@example.org', testSite));
  });

  it('plans as the first run does: only the newest article when nothing was announced yet', async () => {
    const plan = await nextDigestPlan(new MemoryLedger(), live, true);
    expect(plan?.articles.map((a) => a.slug)).toEqual(['newest']);
  });

  it('has nothing to send when every article going live was announced', async () => {
    const ledger = new MemoryLedger();
    await ledger.markAnnounced(
      live.map((a) => a.url),
      'earlier',
    );
    expect(await nextDigestPlan(ledger, live, false)).toBeUndefined();
  });
});
