// A planned digest (through SQS) → its audience (instant or weekly), in batches of 50, onto the send queue.
// A list too long for one invocation is read a page at a time; when time runs short the function puts a
// continuation ({ digestId, after }) on its own queue and the next invocation resumes there.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { dynamoClient, sqsClient } from '../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../src/adapters/aws/dynamo/announcement-ledger.js';
import { endpointsOf, functionEnv, logger, metrics, required } from '../src/adapters/aws/env.js';
import { DynamoRecipientPages } from '../src/adapters/aws/recipient-pages.js';
import { SqsSendQueue } from '../src/adapters/aws/sqs.js';
import { fanOutDigestFrom, fanOutPageSize } from '../src/pipeline/fanout.js';

const env = functionEnv();
const endpoints = endpointsOf(env);
const db = dynamoClient(endpoints);
const sqs = sqsClient(endpoints);
const deps = {
  digests: new DynamoAnnouncementLedger(db, env.TABLE_NAME),
  pages: new DynamoRecipientPages(db, env.TABLE_NAME),
  queue: new SqsSendQueue(sqs, required(env.SEND_QUEUE_URL, 'SEND_QUEUE_URL')),
};

const message = z.object({
  digestId: z.string().regex(/^[0-9a-f]{8,64}$/),
  after: z.string().min(1).optional(),
});

export async function handler(
  event: SQSEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const timeLeftMs = () => context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
  // Room to finish a page and hand on the rest: a fifth of the time the invocation started with, at most 10 s.
  const reserveMs = Math.min(10_000, timeLeftMs() / 5);
  for (const record of event.Records) {
    try {
      const { digestId, after } = message.parse(JSON.parse(record.body));
      const progress = await fanOutDigestFrom(digestId, deps, {
        ...(after ? { after } : {}),
        timeLeftMs,
        reserveMs,
        pageSize: fanOutPageSize(Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1),
      });
      if (progress.resumeAfter) {
        const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: required(env.DIGEST_QUEUE_URL, 'DIGEST_QUEUE_URL'),
            MessageBody: JSON.stringify({ digestId, after: progress.resumeAfter }),
          }),
        );
      }
      logger.info(progress.resumeAfter ? 'digest fan-out continues' : 'digest fanned out', {
        digestId,
        ...progress,
        resumeAfter: undefined,
      });
      metrics.addMetric('DigestRecipients', 'Count', progress.recipients);
    } catch (error) {
      logger.error('fan-out failed; the message will be retried', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  metrics.publishStoredMetrics();
  return { batchItemFailures };
}
