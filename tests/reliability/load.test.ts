// A digest to 600 subscribers against the emulators: every batch delivered, then every batch delivered
// again (as SQS may), and the ledger must hold exactly one "sent" record per recipient. The 10,000 of the
// issue run through the deployed functions in `npm run scenarios` (digest-10000-ses-throttling).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient, sesClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoSendLedger } from '../../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { SesMailer } from '../../src/adapters/aws/ses.js';
import type { SendBatch } from '../../src/core/ports.js';
import { type Emulators, sesMailbox, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { fanOutDigest } from '../../src/pipeline/fanout.js';
import { RateLimiter, sendBatch } from '../../src/pipeline/send.js';
import { article, testSite } from '../helpers/site.js';

const SUBSCRIBERS = 600;
let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators();
}, 60_000);
afterAll(async () => {
  await emu?.stop();
});

describe('load', () => {
  it(`sends one digest to ${SUBSCRIBERS} subscribers exactly once, with a consistent ledger`, async () => {
    const db = dynamoClient({ dynamodb: emu.dynamodb });
    await new DynamoSubscribers(db, TABLE).saveAll(
      Array.from({ length: SUBSCRIBERS }, (_, i) => ({
        address: `load-${i}@example.org`,
        status: 'confirmed' as const,
        createdAtMs: 0,
        updatedAtMs: 0,
      })),
    );
    const { html: _html, ...meta } = article({ title: 'Load', date: '2026-05-01', slug: 'load' });
    const ledger = new DynamoAnnouncementLedger(db, TABLE);
    const digestId = '10ad0000000000000000000a';
    expect(
      await ledger.createDigest({ id: digestId, createdAtMs: Date.parse('2026-05-01'), articles: [meta] }),
    ).toBe(true);

    const batches: SendBatch[] = [];
    const fanned = await fanOutDigest(digestId, {
      digests: ledger,
      recipients: new DynamoSubscribers(db, TABLE),
      queue: { enqueue: async (b) => void batches.push(...b) },
    });
    expect(fanned).toEqual({ recipients: SUBSCRIBERS, batches: SUBSCRIBERS / 50 });

    const deps = {
      site: testSite,
      digests: ledger,
      ledger: new DynamoSendLedger(db, TABLE),
      mail: new SesMailer(sesClient({ ses: emu.ses })),
      limiter: new RateLimiter(5000),
      secret: 'load',
      now: () => new Date('2026-05-01T00:00:00Z'),
    };
    const started = performance.now();
    for (const round of [1, 2]) {
      for (let i = 0; i < batches.length; i += 10) {
        const reports = await Promise.all(batches.slice(i, i + 10).map((b) => sendBatch(deps, b)));
        for (const r of reports) expect(round === 1 ? r.sent : r.skipped).toBe(50);
      }
    }
    const seconds = (performance.now() - started) / 1000;

    const mails = await sesMailbox(emu.ses);
    const counts = new Map<string, number>();
    for (const m of mails) for (const to of m.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    expect(mails).toHaveLength(SUBSCRIBERS);
    expect(counts.size).toBe(SUBSCRIBERS);
    const records = await deps.ledger.deliveries(digestId);
    expect(records.size).toBe(SUBSCRIBERS);
    expect([...records.values()].every((r) => r.state === 'sent')).toBe(true);
    console.log(
      `load: ${SUBSCRIBERS} emails in ${seconds.toFixed(1)} s (${Math.round(SUBSCRIBERS / seconds)} emails/s, both rounds)`,
    );
  }, 300_000);
});
