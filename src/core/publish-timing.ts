/**
 * How long a publish may run, wait for the lease and stay invisible on its queue, derived in one place:
 * the stack reads it for the function's timeout and the ContentChanges queue, the publisher for its lease.
 *
 * Two publishes may run at once (2 is the least maximum concurrency an SQS event source mapping allows);
 * the DynamoDB lease makes the second wait. Rules:
 * - the lease outlives the invocation holding it (ttl ≥ timeout), and a dead holder's lease frees itself
 *   by the time its invocation would have ended;
 * - a waiter gives up well inside its own timeout and hands its records back as batch item failures, so
 *   they come back after the visibility timeout instead of the invocation timing out;
 * - the visibility timeout covers the batching window plus a whole invocation, so a batch is never
 *   redelivered while the invocation that has it can still run;
 * - the receive count leaves room for busy retries: a batch only fails on the lease when a publish ahead
 *   of it runs longer than the wait.
 */
export interface PublishTiming {
  readonly functionTimeoutSeconds: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly leaseTtlMs: number;
  readonly leaseWaitMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

export function derivePublishTiming(input: {
  functionTimeoutSeconds: number;
  batchingWindowSeconds: number;
  leaseWaitSeconds: number;
  /** Slack for clock skew between Lambda, SQS and DynamoDB, and for the handler's own start and finish. */
  safetySeconds: number;
}): PublishTiming {
  const { functionTimeoutSeconds: timeout, batchingWindowSeconds: window, leaseWaitSeconds: wait } = input;
  if (wait * 2 > timeout)
    throw new Error(`a lease wait of ${wait} s leaves too little of a ${timeout} s timeout to publish`);
  return {
    functionTimeoutSeconds: timeout,
    batchingWindowSeconds: window,
    maxConcurrency: 2,
    leaseTtlMs: timeout * 1000,
    leaseWaitMs: wait * 1000,
    visibilityTimeoutSeconds: window + timeout + input.safetySeconds,
    maxReceiveCount: 10,
  };
}

export const PUBLISH_TIMING: PublishTiming = derivePublishTiming({
  functionTimeoutSeconds: 300,
  batchingWindowSeconds: 30,
  leaseWaitSeconds: 60,
  safetySeconds: 30,
});

const SAFETY_MS = 30_000;

/**
 * The lease of one invocation, from the time it has left: held until the invocation cannot be running any
 * more (the reconcile runs for 15 minutes, the publish for 5, and a lease shorter than its holder could be
 * taken by a second publish while the first still announces), and waited for at most half that time.
 */
export function leaseTimingFor(remainingMs: number | undefined): { leaseTtlMs: number; leaseWaitMs: number } {
  if (remainingMs === undefined)
    return { leaseTtlMs: PUBLISH_TIMING.leaseTtlMs, leaseWaitMs: PUBLISH_TIMING.leaseWaitMs };
  return {
    leaseTtlMs: remainingMs + SAFETY_MS,
    leaseWaitMs: Math.min(PUBLISH_TIMING.leaseWaitMs, remainingMs / 2),
  };
}
