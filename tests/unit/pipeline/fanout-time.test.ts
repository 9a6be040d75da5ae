// The digest fan-out under a short timeout: it hands on before a page it has no time for, not after.
import { describe, expect, it } from 'vitest';
import type { DeliveryChoice } from '../../../src/core/delivery.js';
import type { SendBatch } from '../../../src/core/ports.js';
import { fanOutDigestFrom, fanOutPageSize } from '../../../src/pipeline/fanout.js';
import { article } from '../../helpers/site.js';

const { html: _html, ...meta } = article({ title: 'Slow', date: '2026-05-01', slug: 'slow' });
const readers: DeliveryChoice[] = Array.from({ length: 500 }, (_, i) => ({
  address: `r${String(i).padStart(3, '0')}@example.org`,
}));

/** A store whose every page costs `pageMs` of the invocation's time, on a clock the test owns. */
function slowWorld(startMs: number, pageMs: number) {
  let leftMs = startMs;
  const enqueued: SendBatch[] = [];
  const deps = {
    digests: { digest: async (id: string) => ({ id, createdAtMs: 0, articles: [meta] }) },
    pages: {
      page: async (after: string | undefined, limit: number) => {
        leftMs -= pageMs;
        const from = after === undefined ? 0 : readers.findIndex((r) => r.address === after) + 1;
        const recipients = readers.slice(from, from + limit);
        const last = recipients.at(-1)?.address;
        return { recipients, ...(from + limit < readers.length && last ? { next: last } : {}) };
      },
    },
    queue: { enqueue: async (batches: readonly SendBatch[]) => void enqueued.push(...batches) },
  };
  return { deps, enqueued, timeLeftMs: () => leftMs };
}

describe('fanOutDigestFrom under a short timeout', () => {
  it('begins another page only with the time the slowest one took left beyond the reserve', async () => {
    // 1,000 ms left, 200 reserved, pages of 300 ms: a third page would end 100 ms before the timeout.
    const world = slowWorld(1000, 300);
    const progress = await fanOutDigestFrom('d1', world.deps, {
      timeLeftMs: world.timeLeftMs,
      reserveMs: 200,
      pageSize: 100,
    });
    expect(progress).toEqual({ recipients: 200, batches: 4, resumeAfter: 'r199@example.org' });
    expect(world.timeLeftMs()).toBe(400);
  });

  it('resumes where it handed on, and every reader is enqueued once across the invocations', async () => {
    const addresses: string[] = [];
    let after: string | undefined;
    for (let invocation = 0; invocation < 10; invocation++) {
      const world = slowWorld(1000, 300);
      const progress = await fanOutDigestFrom('d1', world.deps, {
        ...(after ? { after } : {}),
        timeLeftMs: world.timeLeftMs,
        reserveMs: 200,
        pageSize: 100,
      });
      addresses.push(...world.enqueued.flatMap((b) => b.recipients));
      after = progress.resumeAfter;
      if (!after) break;
    }
    expect(after).toBeUndefined();
    expect(addresses).toEqual(readers.map((r) => r.address));
  });

  it('reads smaller pages each time a message comes back after a timeout, down to one batch', () => {
    // A whole number from the fifth receive on too: DynamoDB takes no fractional Limit.
    expect([1, 2, 3, 4, 5, 40].map(fanOutPageSize)).toEqual([1000, 500, 250, 125, 62, 62]);
  });
});
