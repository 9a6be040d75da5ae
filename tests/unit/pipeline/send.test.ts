import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { digestRecordOf, planDigest } from '../../../src/core/digest.js';
import { perSenderRate, RateLimiter, sendBatch } from '../../../src/pipeline/send.js';
import { MemoryLedger, MemoryMailer, MemorySendLedger, MemorySubscribers } from '../../helpers/memory.js';
import { article, testSite } from '../../helpers/site.js';

describe('the send rate across concurrent senders', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  /** Starts `senders` limiters at their share of `accountRate` and records when each send would go. */
  async function sendTimes(accountRate: number, senders: number, seconds: number): Promise<number[]> {
    const start = Date.now();
    const times: number[] = [];
    const sender = async (limiter: RateLimiter) => {
      for (;;) {
        await limiter.take();
        const at = Date.now() - start;
        if (at >= seconds * 1000) return;
        times.push(at);
      }
    };
    const running = Array.from({ length: senders }, () =>
      sender(new RateLimiter(perSenderRate(accountRate, senders))),
    );
    await vi.advanceTimersByTimeAsync(seconds * 1000 + 1000);
    await Promise.all(running);
    return times.sort((a, b) => a - b);
  }

  it.each([
    [14, 2],
    [1, 2],
    [50, 5],
  ])(
    'at %i a second shared by %i senders, no one-second window carries more than the account rate',
    async (rate, senders) => {
      const times = await sendTimes(rate, senders, 20);
      let busiest = 0;
      for (let i = 0; i < times.length; i++) {
        const windowEnd = (times[i] as number) + 1000;
        let j = i;
        while (j < times.length && (times[j] as number) < windowEnd) j++;
        busiest = Math.max(busiest, j - i);
      }
      // Each sender's first send goes at once; after that the shares add up to the account's rate.
      expect(busiest).toBeLessThanOrEqual(Math.max(rate, senders));
      // And the senders together use the rate, not a fraction of it.
      expect(times.length).toBeGreaterThanOrEqual(rate * 20 - senders);
    },
  );

  it('refuses a share it cannot compute', () => {
    expect(perSenderRate(14, 2)).toBe(7);
    expect(() => perSenderRate(0, 2)).toThrow(/send rate must be positive/);
    expect(() => perSenderRate(14, 0)).toThrow(/concurrent senders/);
    expect(() => perSenderRate(14, 1.5)).toThrow(/concurrent senders/);
  });
});

describe('a batch sent after its recipients changed their minds', () => {
  it('mails only those still confirmed when it goes: not who unsubscribed, complained or bounced since', async () => {
    const ledger = new MemoryLedger();
    const plan = planDigest([article({ title: 'News', date: '2026-06-01', slug: 'news' })], new Set());
    if (!plan) throw new Error('no plan');
    const nowMs = Date.parse('2026-06-01T12:00:00Z');
    await ledger.createDigest(digestRecordOf(plan, nowMs, { delivery: 'instant', weekStartMs: 0 }));
    const subscribers = new MemorySubscribers();
    const people = ['stays@example.org', 'left@example.org', 'complained@example.org', 'pending@example.org'];
    const statuses = ['confirmed', 'unsubscribed', 'suppressed', 'pending'] as const;
    for (const [i, address] of people.entries())
      await subscribers.save({ address, status: statuses[i] ?? 'confirmed', createdAtMs: 0, updatedAtMs: 0 });
    const mail = new MemoryMailer();
    const deps = {
      site: testSite,
      digests: ledger,
      ledger: new MemorySendLedger(),
      mail,
      limiter: new RateLimiter(1e6),
      secret: 'send-test-secret',
      now: () => new Date(nowMs),
    };
    // Planned when all four were confirmed (and one is gone from the list altogether).
    const batch = { digestId: plan.id, recipients: [...people, 'deleted@example.org'] };
    const report = await sendBatch({ ...deps, subscribers }, batch);
    expect(mail.sent.map((m) => m.to)).toEqual(['stays@example.org']);
    expect(report).toMatchObject({ sent: 1, left: 4, skipped: 0, failed: 0 });
  });
});
