import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DigestQueue, SendBatch, SendQueue } from '../../core/ports.js';

export class SqsDigestQueue implements DigestQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly url: string,
  ) {}

  async enqueue(digestId: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.url, MessageBody: JSON.stringify({ digestId }) }),
    );
  }
}

export class SqsSendQueue implements SendQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly url: string,
  ) {}

  async enqueue(batches: readonly SendBatch[]): Promise<void> {
    for (let i = 0; i < batches.length; i += 10) {
      const entries = batches
        .slice(i, i + 10)
        .map((batch, j) => ({ Id: String(j), MessageBody: JSON.stringify(batch) }));
      const out = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.url, Entries: entries }),
      );
      if (out.Failed && out.Failed.length > 0) {
        throw new Error(
          `SQS refused ${out.Failed.length} send batches: ${out.Failed[0]?.Message ?? 'unknown'}`,
        );
      }
    }
  }
}
