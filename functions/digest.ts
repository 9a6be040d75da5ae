// A planned digest (through SQS) → its audience (instant or weekly), in batches of 50, onto the send queue.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoClient, sqsClient } from '../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoSubscribers } from '../src/adapters/aws/dynamo/subscribers.js';
import { endpointsOf, functionEnv, logger, metrics, required } from '../src/adapters/aws/env.js';
import { digestIdOf } from '../src/adapters/aws/events.js';
import { SqsSendQueue } from '../src/adapters/aws/sqs.js';
import { fanOutDigest } from '../src/pipeline/fanout.js';

const env = functionEnv();
const endpoints = endpointsOf(env);
const db = dynamoClient(endpoints);
const deps = {
  digests: new DynamoAnnouncementLedger(db, env.TABLE_NAME),
  recipients: new DynamoSubscribers(db, env.TABLE_NAME),
  queue: new SqsSendQueue(sqsClient(endpoints), required(env.SEND_QUEUE_URL, 'SEND_QUEUE_URL')),
};

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const digestId = digestIdOf(record.body);
      const { recipients, batches } = await fanOutDigest(digestId, deps);
      logger.info('digest fanned out', { digestId, recipients, batches });
      metrics.addMetric('DigestRecipients', 'Count', recipients);
    } catch (error) {
      logger.error('fan-out failed; the message will be retried', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  metrics.publishStoredMetrics();
  return { batchItemFailures };
}
