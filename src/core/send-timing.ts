/**
 * The send path's clocks, derived from the send function's timeout in one place: the stack reads them for
 * the function, its queue and its event source mapping; the sender for its claims and when it stops.
 *
 * A sender claims each recipient in the ledger (a conditional write) before mailing it. If the sender
 * dies, its claims stay behind; SQS brings the message back after the visibility timeout, and the next
 * delivery takes over every claim older than the claim expiry. So that an interrupted batch is always
 * finished by a later delivery, and never mailed twice:
 *
 * 1. no live sender loses its claim: claims expire only after the longest an invocation can live
 *    (`claimExpiry > timeout`);
 * 2. when the message comes back, every claim its earlier deliveries made has expired
 *    (`visibility ≥ batching window + timeout + claimExpiry`: the last claim is made before the
 *    invocation ends, at most window + timeout after the message was received);
 * 3. a sender that runs short of time stops claiming and hands the rest back instead of being killed
 *    mid-batch: it claims nothing after `timeout − stopMargin`, and returns the message as a batch item
 *    failure, so its unclaimed recipients wait only for the visibility timeout;
 * 4. a batch fits in one invocation at the slowest rate an account has (SES's sandbox, 1 message a
 *    second, shared by every sender), so only a fault, not the batch size, sends a message round again:
 *    `batchSize × recipientsPerMessage ≤ (timeout − stopMargin) × minRate / concurrency`.
 *
 * A sender makes one SES call at a time and marks it sent before the next (see sendBatch), so one sender
 * reaches at most 1 / (SES answer + ledger write), some 15–30 messages a second in a region: an account
 * allowed more than that times `concurrency` needs a higher `concurrency`.
 */
export interface SendTiming {
  readonly functionTimeoutSeconds: number;
  /** How long the event source mapping gathers messages (0: invoke as soon as one arrives). */
  readonly batchingWindowSeconds: number;
  /** The mapping's maximum concurrency: each sender paces at the account's rate divided by it. */
  readonly concurrency: number;
  /** Queue messages per invocation. */
  readonly batchSize: number;
  readonly recipientsPerMessage: number;
  /** The sender claims no recipient when less than this is left of its invocation. */
  readonly stopMarginMs: number;
  /** A claim older than this belongs to a sender that is no longer running. */
  readonly claimExpiryMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

export interface SendTimingInput {
  readonly functionTimeoutSeconds: number;
  readonly batchingWindowSeconds: number;
  readonly concurrency: number;
  readonly recipientsPerMessage: number;
  /** The slowest account rate a batch must fit at (messages a second for the whole account). */
  readonly minAccountRatePerSecond: number;
  /** Enough for the SES calls in flight and their ledger writes to finish after the sender stops claiming. */
  readonly stopMarginSeconds: number;
  /** Slack for clock skew between Lambda, SQS and DynamoDB, and for the handler's start and finish. */
  readonly safetySeconds: number;
}

export function deriveSendTiming(input: SendTimingInput): SendTiming {
  const timeout = input.functionTimeoutSeconds;
  const window = input.batchingWindowSeconds;
  if (input.concurrency < 2)
    throw new Error('an SQS event source mapping allows a maximum concurrency of 2 or more');
  if (input.stopMarginSeconds >= timeout)
    throw new Error(`a stop margin of ${input.stopMarginSeconds} s leaves nothing of a ${timeout} s timeout`);
  const perSender = input.minAccountRatePerSecond / input.concurrency;
  const batchSize = Math.floor(
    ((timeout - input.stopMarginSeconds) * perSender) / input.recipientsPerMessage,
  );
  if (batchSize < 1) {
    throw new Error(
      `${input.recipientsPerMessage} recipients at ${perSender} a second do not fit in ${timeout - input.stopMarginSeconds} s: raise the timeout`,
    );
  }
  const claimExpirySeconds = timeout + input.safetySeconds;
  return {
    functionTimeoutSeconds: timeout,
    batchingWindowSeconds: window,
    concurrency: input.concurrency,
    batchSize,
    recipientsPerMessage: input.recipientsPerMessage,
    stopMarginMs: input.stopMarginSeconds * 1000,
    claimExpiryMs: claimExpirySeconds * 1000,
    visibilityTimeoutSeconds: window + timeout + claimExpirySeconds + input.safetySeconds,
    maxReceiveCount: 5,
  };
}

/** Recipients in one send-queue message (the fan-out splits a digest's audience into these). */
export const RECIPIENTS_PER_MESSAGE = 50;

export const SEND_TIMING: SendTiming = deriveSendTiming({
  functionTimeoutSeconds: 180,
  batchingWindowSeconds: 0,
  concurrency: 2,
  recipientsPerMessage: RECIPIENTS_PER_MESSAGE,
  minAccountRatePerSecond: 1,
  stopMarginSeconds: 30,
  safetySeconds: 30,
});

/** Senders that may run at once: the send mapping's maximum concurrency, passed as SEND_CONCURRENCY. */
export const SEND_CONCURRENCY = SEND_TIMING.concurrency;
