// Faults while sending and publishing, against the emulators: nothing lost, nothing sent twice.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type SESv2Client, SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient, s3Client, sesClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoSendLedger } from '../../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { DynamoWeeklyLedger } from '../../src/adapters/aws/dynamo/weekly-ledger.js';
import { DynamoRecipientPages } from '../../src/adapters/aws/recipient-pages.js';
import type { S3SiteStore } from '../../src/adapters/aws/s3.js';
import { SesMailer } from '../../src/adapters/aws/ses.js';
import { s3PublishPorts } from '../../src/cloud.js';
import type { RawMessage } from '../../src/core/email.js';
import type { MailSender, StoredFile } from '../../src/core/ports.js';
import { type Emulators, sesMailbox, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import { RateLimiter, sendBatch } from '../../src/pipeline/send.js';
import { runWeekly } from '../../src/pipeline/weekly.js';
import { fanOutAndSend } from '../helpers/deliver.js';
import { testSite } from '../helpers/site.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
}, 60_000);
afterAll(async () => {
  await emu?.stop();
});

const recipients = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${i}@example.org`);

async function delivered(tag: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const mail of await sesMailbox(emu.ses)) {
    for (const to of mail.destination.to)
      if (to.startsWith(`${tag}-`)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

async function plannedDigest(id: string) {
  const ledger = new DynamoAnnouncementLedger(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
  await ledger.createDigest({
    id,
    createdAtMs: Date.parse('2026-06-01T00:00:00Z'),
    articles: [
      {
        source: 'posts/a.md',
        hash: 'h',
        slug: 'a',
        url: 'https://news.example.com/posts/a/',
        title: 'Fault-tolerant',
        summary: 'S',
        date: '2026-06-01T00:00:00Z',
        dateMs: 0,
        tags: [],
        draft: false,
        author: 'T',
      },
    ],
  });
  return ledger;
}

/** Makes the SES client throttle or fail a share of calls, deterministically, before they reach SES. */
function injectSesFaults(client: SESv2Client, pattern: ('ok' | 'throttle' | '5xx')[]): { calls: number } {
  const state = { calls: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const fault = pattern[state.calls++ % pattern.length];
      if (fault === 'throttle') {
        throw new SESv2ServiceException({
          name: 'TooManyRequestsException',
          $fault: 'client',
          $metadata: { httpStatusCode: 429 },
          message: 'Too many requests',
        });
      }
      if (fault === '5xx') {
        throw new SESv2ServiceException({
          name: 'InternalFailure',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
          message: 'Internal failure',
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'injectFaults' },
  );
  return state;
}

describe('faults while sending', () => {
  it('delivers exactly once to everyone while SES throttles a third of calls and fails a sixth', async () => {
    const client = sesClient({ ses: emu.ses });
    const faults = injectSesFaults(client, ['throttle', 'ok', '5xx', 'ok', 'throttle', 'ok']);
    const ledger = await plannedDigest('fa0175000000000000000001');
    const people = recipients(50, 'flaky');
    const report = await sendBatch(
      {
        site: testSite,
        digests: ledger,
        ledger: new DynamoSendLedger(dynamoClient({ dynamodb: emu.dynamodb }), TABLE),
        mail: new SesMailer(client),
        limiter: new RateLimiter(1000),
        secret: 's',
        now: () => new Date('2026-06-01T00:00:00Z'),
        attempts: 10,
        backoffMs: 1,
      },
      { digestId: 'fa0175000000000000000001', recipients: people },
    );
    expect(report).toMatchObject({ sent: 50, failed: 0, retry: [] });
    expect(faults.calls).toBeGreaterThan(50);
    const counts = await delivered('flaky');
    expect(counts.size).toBe(50);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('after a crash at message k of N, the redelivered batch completes: N delivered, no duplicates', async () => {
    const id = 'c7a5b000000000000000002a';
    const ledger = await plannedDigest(id);
    const sendLedger = new DynamoSendLedger(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
    const ses = new SesMailer(sesClient({ ses: emu.ses }));
    const people = recipients(40, 'crash');
    let sent = 0;
    let crashed = false;
    const inFlight: Promise<unknown>[] = [];
    // The process dies as it starts its 16th send: that message never reaches SES, nor does any after it.
    // The 15 already handed to SES complete (and are recorded) before it goes.
    const dying: MailSender = {
      async send(message: RawMessage) {
        if (crashed || sent === 15) {
          crashed = true;
          throw new Error('process killed');
        }
        sent++;
        const sending = ses.send(message);
        inFlight.push(sending);
        return sending;
      },
    };
    const deps = {
      site: testSite,
      digests: ledger,
      ledger: sendLedger,
      limiter: new RateLimiter(1000),
      secret: 's',
      staleClaimMs: 15 * 60_000,
    };
    const crashAt = new Date('2026-06-01T00:00:00Z');
    await expect(
      sendBatch({ ...deps, mail: dying, now: () => crashAt }, { digestId: id, recipients: people }),
    ).rejects.toThrow('process killed');
    await Promise.allSettled(inFlight);
    // Their "sent" records follow each accepted send; wait until all 15 are written (polling, not a timer).
    for (let tries = 0; tries < 100; tries++) {
      const states = [...(await sendLedger.deliveries(id)).values()];
      if (states.filter((d) => d.state === 'sent').length === 15) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await delivered('crash')).size).toBe(15);

    // SQS redelivers at once: claims are fresh, nobody is sent twice (and the unsent wait).
    const early = await sendBatch(
      { ...deps, mail: ses, now: () => crashAt },
      { digestId: id, recipients: people },
    );
    expect(early.sent).toBe(0);
    // A redelivery after the claim timeout takes over the dead sender's claims.
    const later = new Date(crashAt.getTime() + 16 * 60_000);
    const report = await sendBatch(
      { ...deps, mail: ses, now: () => later },
      { digestId: id, recipients: people },
    );
    expect(report.sent).toBe(25);
    const counts = await delivered('crash');
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const records = await sendLedger.deliveries(id);
    expect([...records.values()].every((r) => r.state === 'sent')).toBe(true);
  });
});

describe('the weekly digest under concurrency', () => {
  it('ten weekly checks at once create one digest, and each weekly subscriber gets one email', async () => {
    const db = dynamoClient({ dynamodb: emu.dynamodb });
    const ledger = new DynamoWeeklyLedger(db, TABLE);
    const people = new DynamoSubscribers(db, TABLE);
    // Three instant digests in the week of Monday 1 March 2027 (Lisbon, UTC+0), one article each.
    for (const [i, day] of ['02', '03', '04'].entries()) {
      const article = {
        source: `posts/w${i}.md`,
        hash: `h${i}`,
        slug: `w${i}`,
        url: `https://news.example.com/posts/w${i}/`,
        title: `Weekly ${i}`,
        summary: 'S',
        date: `2027-03-${day}T10:00:00Z`,
        dateMs: Date.parse(`2027-03-${day}T10:00:00Z`),
        tags: [],
        draft: false,
        author: 'T',
      };
      await ledger.createDigest({
        id: `7eec1${i}0000000000000000000`.slice(0, 24),
        createdAtMs: article.dateMs,
        articles: [article],
        audience: { delivery: 'instant', weekStartMs: Date.parse('2027-03-01T09:00:00Z') },
      });
    }
    await ledger.advanceWeeklyCursor(Date.parse('2027-03-01T09:00:00Z'));
    const weekly = recipients(30, 'weekly');
    await people.saveAll(
      weekly.map((address) => ({
        address,
        status: 'confirmed' as const,
        createdAtMs: 0,
        updatedAtMs: 0,
        delivery: 'weekly' as const,
        previousDelivery: 'weekly' as const,
        deliveryChangedMs: 0,
      })),
    );
    await people.put('weekly-instant@example.org', 'confirmed', 0);

    const queued: string[] = [];
    const now = new Date('2027-03-08T09:05:00Z');
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        runWeekly(
          {
            live: async () => undefined,
            site: testSite,
            ledger,
            recipients: new DynamoRecipientPages(db, TABLE),
            deliver: async (d) => void queued.push(d.id),
          },
          now,
        ),
      ),
    );
    const created = outcomes.filter((o) => o.kind === 'delivered' && o.created);
    expect(created).toHaveLength(1);
    expect(new Set(queued).size).toBe(1);
    expect(await ledger.weeklyCursor()).toBe(Date.parse('2027-03-08T09:00:00Z'));

    // Every hand-off fanned out and sent, as the queue would: duplicates included.
    const sendDeps = {
      site: testSite,
      digests: ledger,
      ledger: new DynamoSendLedger(db, TABLE),
      mail: new SesMailer(sesClient({ ses: emu.ses })),
      limiter: new RateLimiter(1000),
      secret: 's',
      now: () => now,
    };
    for (const id of queued) await fanOutAndSend(id, { digests: ledger, recipients: people, send: sendDeps });
    const counts = await delivered('weekly');
    expect(counts.has('weekly-instant@example.org')).toBe(false); // chose instant: not in the weekly audience
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const [mail] = (await sesMailbox(emu.ses)).filter((m) => m.destination.to.includes(weekly[0] ?? ''));
    expect(mail?.subject).toBe('This week on Test Gazette: 3 new articles');
  });
});

describe('faults while publishing', () => {
  const s3 = () => s3Client({ s3: emu.s3 });
  const post = (slug: string, title: string, date: string) =>
    s3().send(
      new PutObjectCommand({
        Bucket: 'pub-content',
        Key: `posts/${slug}.md`,
        Body: `---\ntitle: ${title}\ndate: ${date}\ntags: [t]\n---\nBody of ${title}.\n`,
      }),
    );
  const feed = async () => {
    const out = await s3().send(new GetObjectCommand({ Bucket: 'pub-site', Key: 'feed.xml' }));
    return (await out.Body?.transformToString()) ?? '';
  };
  const ports = () =>
    s3PublishPorts({
      s3: s3(),
      db: dynamoClient({ dynamodb: emu.dynamodb }),
      contentBucket: 'pub-content',
      siteBucket: 'pub-site',
      table: TABLE,
      digests: { enqueue: async () => {} },
    });
  const deps = (output = ports().output) => ({ ...ports(), site: testSite, output });

  beforeAll(async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'pub-content' }));
    await s3().send(new CreateBucketCommand({ Bucket: 'pub-site' }));
    await post('one', 'One', '2026-01-01');
    await publishChanges(deps(), ['posts/one.md'], new Date('2026-06-01'));
  });

  it('keeps the previous complete feed when a write fails halfway, and the retry completes it', async () => {
    const before = await feed();
    await post('two', 'Two', '2026-02-01');
    const store = ports().output as S3SiteStore;
    const failing = Object.assign(Object.create(store) as S3SiteStore, {
      async put(file: StoredFile) {
        if (file.path === 'feed.xml') throw new Error('S3 unavailable');
        return store.put(file);
      },
    });
    await expect(publishChanges(deps(failing), ['posts/two.md'], new Date('2026-06-01'))).rejects.toThrow(
      'S3 unavailable',
    );
    expect(await feed()).toBe(before);

    const retried = await publishChanges(deps(), ['posts/two.md'], new Date('2026-06-01'));
    expect(retried.published).toEqual(['posts/two.md']);
    expect(await feed()).toContain('<title><![CDATA[Two]]></title>');
  });

  it('loses neither update when two publishes of different articles overlap', async () => {
    await post('three', 'Three', '2026-03-01');
    await post('four', 'Four', '2026-04-01');
    await Promise.all([
      publishChanges(deps(), ['posts/three.md'], new Date('2026-06-01')),
      publishChanges(deps(), ['posts/four.md'], new Date('2026-06-01')),
    ]);
    const xml = await feed();
    for (const title of ['One', 'Two', 'Three', 'Four'])
      expect(xml).toContain(`<title><![CDATA[${title}]]></title>`);
    const tagFeed = await s3().send(new GetObjectCommand({ Bucket: 'pub-site', Key: 'tags/t/feed.xml' }));
    expect(((await tagFeed.Body?.transformToString()) ?? '').match(/<item>/g)).toHaveLength(4);
  });
});
