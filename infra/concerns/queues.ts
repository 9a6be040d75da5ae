import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PUBLISH_TIMING } from '../../src/core/publish-timing.js';
import { SEND_TIMING } from '../../src/core/send-timing.js';
import { Concern } from '../logical-ids.js';

/** Dead-letter queues by the name their alarm carries, each with what a message in it means. */
export type DeadLetters = Record<string, { readonly queue: sqs.IQueue; readonly meaning: string }>;

export interface QueueWithDlq {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
}

/** Where failed work waits for a person: encrypted, TLS only, kept the longest SQS allows. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/** A queue with a dead-letter queue, encrypted, TLS only. */
function queueWithDlq(
  scope: Construct,
  id: string,
  visibilityTimeout: Duration,
  maxReceiveCount = 5,
): QueueWithDlq {
  const dlq = deadLetterQueue(scope, `${id}Dlq`);
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout,
    deadLetterQueue: { queue: dlq, maxReceiveCount },
  });
  return { queue, dlq };
}

/** The three work queues: content changes → publish, digests → fan-out, batches of recipients → send. */
export class Queues extends Concern {
  readonly changes: QueueWithDlq;
  readonly digests: QueueWithDlq;
  readonly sends: QueueWithDlq;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Publishes wait for each other on a lease, so a batch may come back a few times before it runs.
    this.changes = queueWithDlq(
      this,
      'ContentChanges',
      Duration.seconds(PUBLISH_TIMING.visibilityTimeoutSeconds),
      PUBLISH_TIMING.maxReceiveCount,
    );
    this.digests = queueWithDlq(this, 'Digests', Duration.minutes(2));
    // Long enough that every claim an interrupted sender left has expired when the batch comes back.
    this.sends = queueWithDlq(
      this,
      'Sends',
      Duration.seconds(SEND_TIMING.visibilityTimeoutSeconds),
      SEND_TIMING.maxReceiveCount,
    );
  }

  /** Every dead-letter queue, by the name its alarm carries, with what a message in it means. */
  deadLetterQueues(): DeadLetters {
    const failed = (what: string) => `${what} failed every delivery (maxReceiveCount)`;
    return {
      ContentChanges: { queue: this.changes.dlq, meaning: failed('a content change') },
      Digests: { queue: this.digests.dlq, meaning: failed('a digest fan-out') },
      Sends: { queue: this.sends.dlq, meaning: failed('a batch of recipients') },
    };
  }
}
