// Issue 14 item 8: a sender that dies mid-batch leaves recipients claimed. SQS brings the message back after
// the visibility timeout, and that delivery must finish the batch: every recipient mailed exactly once.
// The queue, the Lambda timeout and the kill are simulated on one fake clock; the sender and the ledger's
// rules are the real ones.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RawMessage } from '../../../src/core/email.js';
import { MailError } from '../../../src/core/errors.js';
import type { DigestRecord, SendLedger } from '../../../src/core/ports.js';
import {
  deriveSendTiming,
  RECIPIENTS_PER_MESSAGE,
  SEND_TIMING,
  type SendTiming,
} from '../../../src/core/send-timing.js';
import { RECIPIENTS_PER_BATCH } from '../../../src/pipeline/fanout.js';
import { perSenderRate, RateLimiter, type SendReport, sendBatch } from '../../../src/pipeline/send.js';
import { MemorySendLedger } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const digest: DigestRecord = {
  id: 'd16e57000000000000000001',
  createdAtMs: Date.parse('2026-06-01T00:00:00Z'),
  articles: [
    {
      source: 'posts/a.md',
      hash: 'h',
      slug: 'a',
      url: 'https://news.example.com/posts/a/',
      title: 'Interrupted',
      summary: 'S',
      date: '2026-06-01T00:00:00Z',
      dateMs: Date.parse('2026-06-01T00:00:00Z'),
      tags: [],
      draft: false,
      author: 'T',
    },
  ],
};
const recipients = Array.from({ length: RECIPIENTS_PER_MESSAGE }, (_, i) => `reader${i}@example.org`);

const hang = <T>() => new Promise<T>(() => {});

/** One function instance. Killed, it stops mid-step: nothing it calls reaches anything, nothing returns. */
class Instance {
  dead = false;
  async call<T>(step: () => Promise<T>): Promise<T> {
    if (this.dead) return hang();
    try {
      const value = await step();
      return this.dead ? hang() : value;
    } catch (error) {
      if (this.dead) return hang();
      throw error;
    }
  }
}

interface Run {
  /** How many messages each address received. */
  readonly mailed: Map<string, number>;
  /** The most SES calls one sender had waiting for an answer at once. */
  readonly mostInFlight: number;
  /** Messages SES accepted in each delivery. */
  readonly sentPerDelivery: number[];
  readonly deliveries: number;
  readonly killed: number;
  readonly deadLettered: boolean;
  readonly ledger: MemorySendLedger;
}

/**
 * Delivers one send-queue message the way SQS and Lambda do: visible again `visibilityTimeout` after each
 * receive, the invocation stopped at its timeout (or when `killAfterMs` says, a crash), deleted once a
 * delivery reports no failure, dead-lettered after `maxReceiveCount` receives.
 */
async function deliver(options: {
  timing: SendTiming;
  accountRate: number;
  /** The sender stops claiming `stopMarginMs` before its timeout (false: what landed before, it never stops). */
  stopsEarly?: boolean;
  killAfterMs?: (delivery: number) => number | undefined;
  /** Every n-th SES call is throttled. */
  throttleEvery?: number;
  /** SES accepts a message when the call arrives and answers this much later. */
  sesLatencyMs?: number;
}): Promise<Run> {
  const { timing } = options;
  const ledger = new MemorySendLedger();
  const mailed = new Map<string, number>();
  const sentPerDelivery: number[] = [];
  let sesCalls = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  let visibleAt = Date.now();
  let deliveries = 0;
  let killed = 0;
  for (;;) {
    if (deliveries >= timing.maxReceiveCount)
      return { mailed, mostInFlight, sentPerDelivery, deliveries, killed, deadLettered: true, ledger };
    await vi.advanceTimersByTimeAsync(Math.max(0, visibleAt - Date.now()));
    deliveries++;
    sentPerDelivery.push(0);
    visibleAt = Date.now() + timing.visibilityTimeoutSeconds * 1000;
    await vi.advanceTimersByTimeAsync(timing.batchingWindowSeconds * 1000);

    const start = Date.now();
    const timeoutMs = timing.functionTimeoutSeconds * 1000;
    const killAt = start + Math.min(timeoutMs, options.killAfterMs?.(deliveries) ?? timeoutMs);
    const instance = new Instance();
    const sendLedger: SendLedger = {
      claim: (...args) => instance.call(() => ledger.claim(...args)),
      release: (...args) => instance.call(() => ledger.release(...args)),
      markSent: (digestId, address) => instance.call(() => ledger.markSent(digestId, address)),
      markFailed: (digestId, address) => instance.call(() => ledger.markFailed(digestId, address)),
    };
    const mail = {
      send: (message: RawMessage) =>
        instance.call(async () => {
          sesCalls++;
          if (options.throttleEvery && sesCalls % options.throttleEvery === 0)
            throw new MailError('TooManyRequestsException: slow down', true);
          mailed.set(message.to, (mailed.get(message.to) ?? 0) + 1);
          sentPerDelivery[deliveries - 1] = (sentPerDelivery[deliveries - 1] ?? 0) + 1;
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          if (options.sesLatencyMs) await new Promise((r) => setTimeout(r, options.sesLatencyMs));
          inFlight--;
          return `ses-${sesCalls}`;
        }),
    };
    let report: SendReport | undefined;
    let failure: unknown;
    sendBatch(
      {
        site: testSite,
        digests: { digest: () => instance.call(async () => digest) },
        ledger: sendLedger,
        mail,
        limiter: new RateLimiter(perSenderRate(options.accountRate, timing.concurrency)),
        secret: 'interrupted',
        now: () => new Date(),
        staleClaimMs: timing.claimExpiryMs,
        ...(options.stopsEarly === false ? {} : { stopAtMs: start + timeoutMs - timing.stopMarginMs }),
      },
      { digestId: digest.id, recipients },
    ).then(
      (r) => {
        report = r;
      },
      (e: unknown) => {
        failure = e;
      },
    );
    while (report === undefined && failure === undefined && Date.now() < killAt)
      await vi.advanceTimersByTimeAsync(Math.min(500, killAt - Date.now()));
    if (failure !== undefined) throw failure;
    if (report === undefined) {
      // Timed out or crashed: the message was not deleted and comes back at visibleAt.
      instance.dead = true;
      killed++;
      continue;
    }
    if (report.retry.length === 0)
      return { mailed, mostInFlight, sentPerDelivery, deliveries, killed, deadLettered: false, ledger };
  }
}

function expectEveryoneMailedOnce(run: Run) {
  expect(run.deadLettered).toBe(false);
  expect([...run.mailed.keys()].sort()).toEqual([...recipients].sort());
  expect([...run.mailed.values()].every((n) => n === 1)).toBe(true);
  expect([...run.ledger.records.values()].map((r) => r.state)).toEqual(recipients.map(() => 'sent'));
}

describe('a sender killed mid-batch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-06-01T06:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  // At the slowest account rate (1 a second, two senders) the 50 recipients take about 100 s.
  it.each([1_000, 10_000, 33_300, 61_000, 97_500])(
    'killed %i ms in, its batch is finished by the next delivery: every recipient mailed exactly once',
    async (killAfter) => {
      const run = await deliver({
        timing: SEND_TIMING,
        accountRate: 1,
        killAfterMs: (delivery) => (delivery === 1 ? killAfter : undefined),
      });
      expectEveryoneMailedOnce(run);
      expect(run).toMatchObject({ deliveries: 2, killed: 1 });
      // It really was interrupted: the first delivery mailed some of them, the second the rest.
      const [first = 0, second = 0] = run.sentPerDelivery;
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(recipients.length);
      expect(first + second).toBe(recipients.length);
    },
  );

  it('killed on three deliveries in a row while SES throttles every third call, still mails each once', async () => {
    const run = await deliver({
      timing: SEND_TIMING,
      accountRate: 2,
      throttleEvery: 3,
      killAfterMs: (delivery) => (delivery <= 3 ? 4_000 * delivery : undefined),
    });
    expectEveryoneMailedOnce(run);
    expect(run).toMatchObject({ deliveries: 4, killed: 3 });
  });

  it('killed while SES is slow to answer, leaves at most the one message in flight to be sent again', async () => {
    // SES has accepted a message the moment the call arrives; a sender that dies before the answer never
    // marks it sent, so the next delivery sends it again. At 50 a second and 300 ms an answer, a sender
    // that overlapped its calls would have about 8 such messages at any moment.
    const run = await deliver({
      timing: SEND_TIMING,
      accountRate: 50,
      sesLatencyMs: 300,
      killAfterMs: (delivery) => (delivery === 1 ? 2_150 : undefined),
    });
    expect(run.mostInFlight).toBe(1);
    expect(run).toMatchObject({ deliveries: 2, killed: 1, deadLettered: false });
    expect([...run.mailed.keys()].sort()).toEqual([...recipients].sort());
    const extra = [...run.mailed.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(extra).toBeLessThanOrEqual(1);
  });

  it('slower than any account it was sized for, stops before its timeout and hands the rest back', async () => {
    // A quarter of the sandbox rate: no invocation can finish the batch, none is killed by its timeout.
    const run = await deliver({ timing: SEND_TIMING, accountRate: 0.25 });
    expectEveryoneMailedOnce(run);
    expect(run.killed).toBe(0);
    expect(run.deliveries).toBe(3);
  });

  it('with the timing that landed before (6-minute visibility, 15-minute claims, no stop), misses recipients', async () => {
    const landed: SendTiming = {
      ...SEND_TIMING,
      functionTimeoutSeconds: 300,
      batchingWindowSeconds: 5,
      claimExpiryMs: 15 * 60_000,
      visibilityTimeoutSeconds: 360,
    };
    // The timeout ends the first delivery mid-batch; the second finds the claims fresh, skips them and
    // reports success, so SQS deletes the message.
    const run = await deliver({ timing: landed, accountRate: 0.2, stopsEarly: false });
    expect(run).toMatchObject({ deliveries: 2, killed: 1, deadLettered: false });
    const missed = recipients.filter((address) => !run.mailed.has(address));
    expect(missed.length).toBeGreaterThan(0);
  });
});

describe('the send timing', () => {
  it('holds its invariants: live claims never expire, returning messages find every claim expired', () => {
    const t = SEND_TIMING;
    expect(t.claimExpiryMs).toBeGreaterThan(t.functionTimeoutSeconds * 1000);
    expect(t.visibilityTimeoutSeconds * 1000).toBeGreaterThanOrEqual(
      (t.batchingWindowSeconds + t.functionTimeoutSeconds) * 1000 + t.claimExpiryMs,
    );
    // A whole batch fits in one invocation at the SES sandbox's 1 message a second, shared by the senders.
    const perSender = 1 / t.concurrency;
    expect(t.batchSize * t.recipientsPerMessage).toBeLessThanOrEqual(
      ((t.functionTimeoutSeconds * 1000 - t.stopMarginMs) / 1000) * perSender,
    );
    expect(t.recipientsPerMessage).toBe(RECIPIENTS_PER_BATCH);
  });

  it('refuses a timing that cannot hold them', () => {
    const base = {
      functionTimeoutSeconds: 180,
      batchingWindowSeconds: 0,
      concurrency: 2,
      recipientsPerMessage: 50,
      minAccountRatePerSecond: 1,
      stopMarginSeconds: 30,
      safetySeconds: 30,
    };
    expect(deriveSendTiming(base)).toMatchObject({
      batchSize: 1,
      claimExpiryMs: 210_000,
      visibilityTimeoutSeconds: 420,
    });
    expect(() => deriveSendTiming({ ...base, functionTimeoutSeconds: 90 })).toThrow(/raise the timeout/);
    expect(() => deriveSendTiming({ ...base, concurrency: 1 })).toThrow(/maximum concurrency of 2/);
    expect(() => deriveSendTiming({ ...base, stopMarginSeconds: 180 })).toThrow(/leaves nothing/);
  });
});
