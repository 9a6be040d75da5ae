// Events as AWS shapes them, for tests that call a handler in process against the bare emulators.
import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/** An S3 event notification as S3 sends it: keys form-encoded (space → '+'). */
export function s3Notification(bucket: string, changes: { key: string; removed?: boolean }[]): string {
  return JSON.stringify({
    Records: changes.map(({ key, removed }) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: removed ? 'ObjectRemoved:Delete' : 'ObjectCreated:Put',
      s3: {
        bucket: { name: bucket },
        object: { key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/') },
      },
    })),
  });
}

export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
      awsRegion: 'us-east-1',
    })),
  };
}

/** Hands everything on a queue to a handler, batch by batch, deleting what it did not report as failed. */
export async function drainQueue(
  endpoint: string,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<number> {
  const sqs = new SQSClient({ endpoint, region: 'us-east-1' });
  let handled = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return handled;
    const event = sqsEvent(Messages.map((m) => m.Body ?? ''));
    for (const [i, r] of event.Records.entries()) r.messageId = Messages[i]?.MessageId ?? r.messageId;
    const failed = new Set((await handler(event)).batchItemFailures.map((f) => f.itemIdentifier));
    for (const m of Messages) {
      if (!failed.has(m.MessageId ?? '')) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    handled += Messages.length;
  }
}
