import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { perSenderRate, RateLimiter } from '../../../src/pipeline/send.js';

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
