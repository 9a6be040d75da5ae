import { randomUUID } from 'node:crypto';
import { PublishBusyError } from '../core/errors.js';
import type { PublishLease } from '../core/ports.js';

export interface LeaseTiming {
  /** How long to wait for whoever holds the lease before giving up. */
  readonly leaseWaitMs?: number;
  /** How long the lease lasts if its holder dies (at least the publish function's timeout). */
  readonly leaseTtlMs?: number;
}

/**
 * Runs `work` holding the publish lease, waiting for the holder (a publish, or a desk command) up to
 * `leaseWaitMs`; then PublishBusyError with `busy` as its message, followed by who holds the lease when
 * the lease can say. Without a lease, runs it at once.
 */
export async function underLease<T>(
  lease: PublishLease | undefined,
  timing: LeaseTiming,
  busy: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!lease) return work();
  const owner = randomUUID();
  const deadline = Date.now() + (timing.leaseWaitMs ?? 30_000);
  while (!(await lease.acquire(owner, Date.now(), timing.leaseTtlMs ?? 5 * 60_000))) {
    if (Date.now() > deadline) {
      const holder = await lease.describe?.().catch(() => undefined);
      throw new PublishBusyError(holder ? `${busy}: ${holder}` : busy);
    }
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  try {
    return await work();
  } finally {
    await lease.release(owner);
  }
}
