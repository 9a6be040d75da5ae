import { describe, expect, it } from 'vitest';
import { derivePublishTiming, leaseTimingFor, PUBLISH_TIMING } from '../../../src/core/publish-timing.js';

describe('publish timing', () => {
  it('holds the lease for as long as the invocation holding it can run (the 15-minute reconcile too)', () => {
    for (const remainingMs of [300_000, 900_000, 12_345]) {
      const { leaseTtlMs, leaseWaitMs } = leaseTimingFor(remainingMs);
      // A lease that ran out while its holder still announces would let a second publish announce too.
      expect(leaseTtlMs).toBeGreaterThan(remainingMs);
      // Waiting for another's lease ends well inside this invocation.
      expect(leaseWaitMs).toBeLessThanOrEqual(remainingMs / 2);
    }
  });

  it('without an invocation (a local run), keeps the publish function timing', () => {
    expect(leaseTimingFor(undefined)).toEqual({
      leaseTtlMs: PUBLISH_TIMING.leaseTtlMs,
      leaseWaitMs: PUBLISH_TIMING.leaseWaitMs,
    });
  });

  it('refuses a lease wait that leaves too little of the timeout to publish', () => {
    expect(() =>
      derivePublishTiming({
        functionTimeoutSeconds: 60,
        batchingWindowSeconds: 1,
        leaseWaitSeconds: 40,
        safetySeconds: 1,
      }),
    ).toThrow(/leaves too little/);
  });
});
