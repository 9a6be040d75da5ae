// How events reach functions, with AWS's rules.
// - SQS event source mappings: pollers that scale regardless of the function's reserved concurrency
//   (throttled batches go back to the queue, their receive count climbs, and redrive moves them to the
//   dead-letter queue), batch size, batching window, maximum concurrency, partial batch responses.
// - Asynchronous invocations (SNS, EventBridge, Scheduler, S3): an internal queue per function, retries
//   with backoff (2 by default), then the on-failure destination or the dead-letter queue, else lost.
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Waits } from './clock.js';
import type { InvocationOutcome, LambdaFunction } from './lambda-runtime.js';
import { ACCOUNT, REGION } from './template.js';

export interface DeliveryLog {
  /** Events that no retry, destination or dead-letter queue kept: lost, as they would be in AWS. */
  readonly lost: { source: string; fn: string; reason: string }[];
  /** Events moved to an on-failure destination or dead-letter queue by Lambda or a target. */
  readonly deadLettered: { source: string; fn: string; target: string }[];
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export interface SqsMappingConfig {
  readonly logicalId: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maximumConcurrency: number | undefined;
  readonly reportBatchItemFailures: boolean;
  readonly visibilityTimeoutSeconds: number;
}

/**
 * Lambda starts five pollers for a standard queue and, while messages wait, adds more (AWS: up to 300
 * concurrent invocations a minute) regardless of the function's reserved concurrency; a mapping's maximum
 * concurrency caps them. Locally the ramp is five more a second, to a cap of 25 unless the mapping says.
 */
export const INITIAL_POLLERS = 5;
const POLLERS_ADDED_PER_SECOND = 5;
const LOCAL_POLLER_CAP = 25;

export class SqsEventSourceMapping {
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly returns = new Set<Promise<void>>();
  private busy = 0;
  private scaler: NodeJS.Timeout | undefined;
  readonly stats = { batches: 0, messages: 0, returned: 0, deleted: 0 };

  constructor(
    readonly config: SqsMappingConfig,
    private readonly fn: LambdaFunction,
    private readonly sqs: SQSClient,
    private readonly waits: Waits,
  ) {}

  start(): void {
    const cap = this.config.maximumConcurrency ?? LOCAL_POLLER_CAP;
    const add = (n: number) => {
      for (let i = 0; i < n && this.loops.length < cap; i++) this.loops.push(this.poll());
    };
    add(INITIAL_POLLERS);
    this.scaler = setInterval(() => {
      void this.backlog().then((waiting) => {
        if (waiting > 0 && !this.abort.signal.aborted) add(POLLERS_ADDED_PER_SECOND);
      });
    }, 1000);
    this.scaler.unref();
  }

  /** Pollers running now. */
  get pollers(): number {
    return this.loops.length;
  }

  private async backlog(): Promise<number> {
    try {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.config.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
    } catch {
      return 0;
    }
  }

  /** True while a batch is being collected or is in a function. */
  get active(): boolean {
    return this.busy > 0;
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    // One controller a request (the SDK leaves its listener on the signal), all aborted on stop.
    const request = new AbortController();
    const abort = () => request.abort();
    this.abort.signal.addEventListener('abort', abort, { once: true });
    try {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.config.queueUrl,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: request.signal },
      );
      return out.Messages ?? [];
    } catch (error) {
      if (this.abort.signal.aborted) return [];
      throw error;
    } finally {
      this.abort.signal.removeEventListener('abort', abort);
    }
  }

  /**
   * One batch: a long poll for the first message, then, with a batching window, more until the batch is
   * full or the window (one of the stack's waits) ends.
   */
  private async collect(): Promise<Message[]> {
    const size = this.config.batchSize;
    const batch = await this.receive(size, 1);
    if (batch.length === 0) return batch;
    const windowMs = this.config.batchingWindowSeconds * 1000;
    if (windowMs > 0 && batch.length < size) {
      let closed = false;
      void this.waits.wait(windowMs).then(() => {
        closed = true;
      });
      while (!closed && batch.length < size && !this.abort.signal.aborted)
        batch.push(...(await this.receive(size - batch.length, 1)));
    }
    this.busy++;
    return batch;
  }

  private async poll(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const batch = await this.collect();
        if (batch.length === 0) continue;
        try {
          await this.deliver(batch);
        } finally {
          this.busy--;
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.fn.log({
          fn: this.fn.config.name,
          stream: 'stderr',
          line: `local-aws: poller for ${this.config.logicalId} failed: ${String(error)}`,
        });
        await pause(500, this.abort.signal);
      }
    }
  }

  private async deliver(batch: Message[]): Promise<void> {
    const receivedAt = Date.now();
    this.stats.batches++;
    this.stats.messages += batch.length;
    const outcome = await this.fn.invoke(sqsEvent(batch, this.config.queueArn));
    const failed = failedIds(outcome, batch, this.config.reportBatchItemFailures);
    const done = batch.filter((m) => !failed.has(m.MessageId ?? ''));
    const back = batch.filter((m) => failed.has(m.MessageId ?? ''));
    await this.remove(done);
    this.returnLater(back, receivedAt);
  }

  private async remove(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages
        .slice(i, i + 10)
        .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '' }));
      await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.config.queueUrl, Entries: entries }),
      );
    }
    this.stats.deleted += messages.length;
  }

  /**
   * A failed or throttled batch stays in the queue until its visibility timeout, counted from the receive,
   * ends (one of the stack's waits); then it is received again, one receive count higher.
   */
  private returnLater(messages: Message[], receivedAt: number): void {
    if (messages.length === 0) return;
    this.stats.returned += messages.length;
    const left = this.config.visibilityTimeoutSeconds * 1000 - (Date.now() - receivedAt);
    const back = this.waits
      .wait(left)
      .then(async () => {
        if (this.abort.signal.aborted) return;
        for (let i = 0; i < messages.length; i += 10) {
          const entries = messages
            .slice(i, i + 10)
            .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: 0 }));
          await this.sqs.send(
            new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.config.queueUrl, Entries: entries }),
          );
        }
      })
      // The queue's own timeout may have made them visible first; then the handles are stale, which is fine.
      .catch(() => {});
    this.returns.add(back);
    void back.finally(() => this.returns.delete(back));
  }

  async stop(): Promise<void> {
    clearInterval(this.scaler);
    this.abort.abort();
    await Promise.allSettled([...this.loops, ...this.returns]);
  }
}

/** Which messages of a batch failed: all of them unless the function succeeded (and, with partial batch responses, named only some). */
function failedIds(outcome: InvocationOutcome, batch: Message[], partial: boolean): Set<string> {
  const all = new Set(batch.map((m) => m.MessageId ?? ''));
  if (!outcome.ok) return all;
  if (!partial) return new Set();
  const value = outcome.value as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null;
  const failures = value?.batchItemFailures;
  if (!failures || failures.length === 0) return new Set();
  const ids = failures.map((f) => f.itemIdentifier);
  // Lambda treats a response naming an unknown or empty identifier as a failure of the whole batch.
  if (ids.some((id) => typeof id !== 'string' || !all.has(id))) return all;
  return new Set(ids as string[]);
}

export function sqsEvent(batch: readonly Message[], queueArn: string) {
  return {
    Records: batch.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? ACCOUNT,
        ApproximateFirstReceiveTimestamp:
          m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          {
            stringValue: v.StringValue,
            binaryValue: v.BinaryValue,
            stringListValues: [],
            binaryListValues: [],
            dataType: v.DataType,
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

export interface AsyncConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  /** On-failure destination or dead-letter target (an SQS queue or SNS topic ARN). */
  readonly onFailure: { readonly arn: string; readonly kind: 'destination' | 'dlq' } | undefined;
}

/** Delivers to an SQS or SNS ARN on behalf of the Lambda service; false if it could not. */
export type FailureSink = (arn: string, body: string, attributes: Record<string, string>) => Promise<boolean>;

/** Lambda's internal queue for one function's asynchronous invocations. */
export class AsyncInvoker {
  private pending = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly fn: LambdaFunction,
    private readonly config: AsyncConfig,
    private readonly waits: Waits,
    private readonly sink: FailureSink,
    private readonly log: DeliveryLog,
  ) {}

  /** Invoke with InvocationType Event: accepted at once, run (and retried) in the background. */
  invoke(event: unknown, source: string): void {
    this.pending++;
    void this.run(event, source).finally(() => {
      this.pending--;
      if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  private async run(event: unknown, source: string): Promise<void> {
    const maxAgeMs = this.config.maximumEventAgeSeconds * 1000;
    let ageMs = 0;
    let attempts = 0;
    let last: InvocationOutcome | undefined;
    let throttleWait = 1000;
    while (!this.stopped) {
      const started = Date.now();
      const outcome = await this.fn.invoke(event);
      ageMs += Date.now() - started;
      last = outcome;
      if (outcome.ok) return;
      if (outcome.kind === 'throttled') {
        // Throttles do not use up retries; Lambda keeps trying until the event is too old.
        if (ageMs + throttleWait > maxAgeMs) break;
        await this.waits.wait(throttleWait);
        ageMs += throttleWait;
        throttleWait = Math.min(throttleWait * 2, 300_000);
        continue;
      }
      attempts++;
      if (attempts > this.config.maximumRetryAttempts) break;
      // AWS waits about a minute before the first retry and two before the second.
      await this.waits.wait(attempts * 60_000);
      ageMs += attempts * 60_000;
      if (ageMs > maxAgeMs) break;
    }
    if (this.stopped || !last || last.ok) return;
    const condition = attempts > this.config.maximumRetryAttempts ? 'RetriesExhausted' : 'EventAgeExceeded';
    const target = this.config.onFailure;
    if (!target) {
      this.log.lost.push({
        source,
        fn: this.fn.config.name,
        reason: `${condition}: ${last.error.name}: ${last.error.message}`,
      });
      return;
    }
    const requestId = randomUUID();
    const body =
      target.kind === 'destination'
        ? JSON.stringify({
            version: '1.0',
            timestamp: new Date().toISOString(),
            requestContext: {
              requestId,
              functionArn: `${this.fn.config.arn}:$LATEST`,
              condition,
              approximateInvokeCount: attempts + 1,
            },
            requestPayload: event,
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: { errorType: last.error.name, errorMessage: last.error.message },
          })
        : JSON.stringify(event);
    const delivered = await this.sink(target.arn, body, {
      RequestID: requestId,
      ErrorCode: '200',
      ErrorMessage: last.error.message.slice(0, 256),
    });
    if (delivered) this.log.deadLettered.push({ source, fn: this.fn.config.name, target: target.arn });
    else
      this.log.lost.push({ source, fn: this.fn.config.name, reason: `could not deliver to ${target.arn}` });
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Sends to a queue by ARN through the emulator; the sink for dead letters. */
export async function sendToQueue(
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  attributes: Record<string, string>,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
}
