import { describe, expect, it } from 'vitest';
import { digestIdOfMessageId, digestMessageId } from '../../../src/core/email.js';
import type { DigestRecord } from '../../../src/core/ports.js';
import type { LedgerEntry, StatsSource } from '../../../src/core/stats.js';
import type { Subscriber } from '../../../src/core/subscribers.js';
import { formatStats, gatherStats } from '../../../src/pipeline/stats.js';
import { applyFeedback } from '../../../src/pipeline/subscriptions.js';
import { MemorySubscribers } from '../../helpers/memory.js';
import { article, testSite } from '../../helpers/site.js';

const DAY = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');
const digestAt = now.getTime() - 3 * DAY;
const digest: DigestRecord = {
  id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  createdAtMs: digestAt,
  articles: [article({ title: 'Counted', date: '2026-11-20', slug: 'counted' })],
  audience: { delivery: 'instant', weekStartMs: digestAt - DAY },
};
const older: DigestRecord = {
  ...digest,
  id: 'bbbbbbbbbbbbbbbbbbbbbbbb',
  createdAtMs: now.getTime() - 40 * DAY,
};

function source(ledgers: Record<string, Record<string, LedgerEntry>>, feedbackReported = true): StatsSource {
  return {
    recentDigests: async (sinceMs) => [digest, older].filter((d) => d.createdAtMs >= sinceMs),
    ledger: async (id) => new Map(Object.entries(ledgers[id] ?? {})),
    feedbackReported,
  };
}

const person = (address: string, fields: Partial<Subscriber> = {}): Subscriber => ({
  address,
  status: 'confirmed',
  createdAtMs: 0,
  updatedAtMs: 0,
  ...fields,
});

describe('stats', () => {
  it('counts each recent digest from its send ledger and the subscriber records', async () => {
    const store = new MemorySubscribers();
    for (const s of [
      person('sent@example.org'),
      person('weekly@example.org', { delivery: 'weekly' }),
      person('pending@example.org', { status: 'pending' }),
      person('left@example.org', { status: 'unsubscribed', updatedAtMs: digestAt + 2 * DAY }),
      person('left-later@example.org', { status: 'unsubscribed', updatedAtMs: digestAt + 8 * DAY }),
      person('left-before@example.org', { status: 'unsubscribed', updatedAtMs: digestAt - DAY }),
    ])
      await store.save(s);
    await store.save(person('bounced@example.org'));
    await applyFeedback(
      store,
      { kind: 'hard-bounce', addresses: ['bounced@example.org'], messageId: 'ses-2' },
      now,
    );
    await store.save(person('angry@example.org'));
    await applyFeedback(
      store,
      { kind: 'complaint', addresses: ['angry@example.org'], digestId: digest.id },
      now,
    );
    await store.save(person('elsewhere@example.org'));
    // A bounce of some other message: not this digest's.
    await applyFeedback(
      store,
      { kind: 'soft-bounce', addresses: ['elsewhere@example.org'], messageId: 'ses-9' },
      now,
    );

    const report = await gatherStats(
      source({
        [digest.id]: {
          'sent@example.org': { state: 'sent', messageId: 'ses-1' },
          'bounced@example.org': { state: 'sent', messageId: 'ses-2' },
          'angry@example.org': { state: 'sent', messageId: 'ses-3' },
          'left@example.org': { state: 'sent', messageId: 'ses-4' },
          'left-later@example.org': { state: 'sent', messageId: 'ses-5' },
          'left-before@example.org': { state: 'failed' },
          'elsewhere@example.org': { state: 'sent', messageId: 'ses-6' },
          'slow@example.org': { state: 'claimed' },
        },
      }),
      store,
      testSite,
      now,
    );
    expect(report.subscribers).toEqual({
      total: 9,
      byStatus: { confirmed: 3, pending: 1, unsubscribed: 3, suppressed: 2 },
      byDelivery: { instant: 2, weekly: 1 },
      everything: 3,
      byTopic: {},
    });
    // The 40-day-old digest is outside the default 30 days.
    expect(report.digests).toEqual([
      {
        id: digest.id,
        createdAtMs: digestAt,
        delivery: 'instant',
        articles: 1,
        subject: 'Counted · Test Gazette',
        recipients: 8,
        sent: 6,
        failed: 1,
        inProgress: 1,
        bounced: 1,
        complained: 1,
        unsubscribed: 1,
      },
    ]);
    const text = formatStats(report, testSite);
    expect(text).toContain('Subscribers: 9 (confirmed 3, pending 1, unsubscribed 3, suppressed 2)');
    expect(text).toMatch(
      /aaaaaaaaaaaa {2}2026-11-22 12:00 {2}instant {2}8 +6 \(\+1 in progress\) {2}1 +1 +1 +1/,
    );
    expect(text).toContain('Broadsheet adds no open or click tracking');
  });

  it('says bounces and complaints are unknown where no mail server reports them', async () => {
    const report = await gatherStats(
      source({ [digest.id]: { 'a@example.org': { state: 'sent' } } }, false),
      new MemorySubscribers(),
      testSite,
      now,
    );
    expect(report.digests[0]).toMatchObject({
      recipients: 1,
      sent: 1,
      bounced: undefined,
      complained: undefined,
    });
    const text = formatStats(report, testSite);
    expect(text).toMatch(/1 +1 +0 +n\/a +n\/a +0/);
    expect(text).toContain('Bounced and complained: n/a here');
  });

  it('reads the digest back from our Message-ID, and nothing from anyone else’s', () => {
    expect(digestIdOfMessageId(digestMessageId(digest.id, 'a@example.org', testSite))).toBe(digest.id);
    expect(digestIdOfMessageId('<CAF=abc@mail.gmail.com>')).toBeUndefined();
  });
});
