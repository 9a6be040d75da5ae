// Batches of up to 50 recipients (through SQS) → one SES message each, exactly once, at the account's rate.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoAnnouncementLedger } from '../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoSendLedger } from '../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../src/adapters/aws/dynamo/subscribers.js';
import { functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { sendBatchOf } from '../src/adapters/aws/events.js';
import { awsMailer } from '../src/adapters/aws/mailer-wiring.js';
import { S3PublishedTheme, siteAndTheme } from '../src/adapters/aws/published-theme.js';
import { SEND_TIMING } from '../src/core/send-timing.js';
import { perSenderRate, RateLimiter, sendBatch } from '../src/pipeline/send.js';

const env = functionEnv();
const { db, s3, mail, secret } = await awsMailer(env);
// Kept per container and asked again by ETag: a theme the last publish handed on applies to the next batch.
const publishedTheme = new S3PublishedTheme(s3, env.CONTENT_BUCKET);
let limiter: RateLimiter | undefined;

async function rateLimiter(): Promise<RateLimiter> {
  // One limiter per container, shared by every batch it handles. Up to SEND_CONCURRENCY containers send at
  // once (the queue mapping's maximum concurrency), so each paces at its share of the account's rate.
  if (!limiter) {
    const accountRate = env.MAX_SEND_RATE ?? (await mail.maxSendRate()) ?? 1;
    limiter = new RateLimiter(perSenderRate(accountRate, env.SEND_CONCURRENCY));
  }
  return limiter;
}

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  // Stop starting sends while there is time to finish those in flight: what is left goes back to the queue
  // (src/core/send-timing.ts says why the timeout must never be what ends a batch).
  const remainingMs = context?.getRemainingTimeInMillis();
  const stopAtMs =
    remainingMs === undefined ? undefined : Date.now() + remainingMs - SEND_TIMING.stopMarginMs;
  const { site, theme } = await siteAndTheme(s3, env.CONTENT_BUCKET, publishedTheme, (message, error) =>
    logger.error(message, { error }),
  );
  const deps = {
    site,
    theme,
    digests: new DynamoAnnouncementLedger(db, env.TABLE_NAME),
    ledger: new DynamoSendLedger(db, env.TABLE_NAME),
    subscribers: new DynamoSubscribers(db, env.TABLE_NAME),
    mail,
    limiter: await rateLimiter(),
    secret,
    now: () => new Date(),
    ...(stopAtMs === undefined ? {} : { stopAtMs }),
  };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const batch = sendBatchOf(record.body);
      const report = await sendBatch(deps, batch);
      logger.info('batch sent', { digestId: batch.digestId, ...report, retry: report.retry.length });
      metrics.addMetric('EmailsSent', 'Count', report.sent);
      metrics.addMetric('EmailsFailed', 'Count', report.failed);
      if (report.retry.length > 0) batchItemFailures.push({ itemIdentifier: record.messageId });
    } catch (error) {
      logger.error('send batch failed; it will be retried', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  metrics.publishStoredMetrics();
  return { batchItemFailures };
}
