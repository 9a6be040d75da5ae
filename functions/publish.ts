// S3 notifications for posts/ (through SQS) → incremental publish of the site, then the digest hand-off.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoClient, s3Client, sqsClient } from '../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger, DynamoPublishLock } from '../src/adapters/aws/dynamo.js';
import {
  endpointsOf,
  functionEnv,
  loadSiteFromBucket,
  logger,
  metrics,
  required,
} from '../src/adapters/aws/env.js';
import { changedArticlePaths } from '../src/adapters/aws/events.js';
import { S3ArticleSource, S3SiteStore, S3StateStore } from '../src/adapters/aws/s3.js';
import { SqsDigestQueue } from '../src/adapters/aws/sqs.js';
import { formatProblem } from '../src/core/errors.js';
import { publishChanges } from '../src/pipeline/incremental.js';

const env = functionEnv();
const endpoints = endpointsOf(env);
const s3 = s3Client(endpoints);
const db = dynamoClient(endpoints);
const deps = {
  content: new S3ArticleSource(s3, env.CONTENT_BUCKET),
  output: new S3SiteStore(s3, env.SITE_BUCKET),
  state: new S3StateStore(s3, env.CONTENT_BUCKET),
  lock: new DynamoPublishLock(db, env.TABLE_NAME),
  ledger: new DynamoAnnouncementLedger(db, env.TABLE_NAME),
  digests: new SqsDigestQueue(sqsClient(endpoints), required(env.DIGEST_QUEUE_URL, 'DIGEST_QUEUE_URL')),
};

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { paths, malformed } = changedArticlePaths(event);
  for (const id of malformed) logger.error('not an S3 notification; dropped', { messageId: id });
  const site = await loadSiteFromBucket(s3, env.CONTENT_BUCKET);
  const outcome = await publishChanges({ ...deps, site }, paths, new Date());
  for (const problem of outcome.problems) {
    logger.error('article rejected; the last good version stays online', {
      file: problem.file,
      field: problem.field,
      reason: problem.reason,
      detail: formatProblem(problem),
    });
  }
  logger.info('published', {
    published: outcome.published,
    removed: outcome.removed,
    unchanged: outcome.unchanged.length,
    written: outcome.written.length,
    digestId: outcome.digest?.id,
  });
  metrics.addMetric('ArticlesPublished', 'Count', outcome.published.length);
  metrics.addMetric('ArticlesRemoved', 'Count', outcome.removed.length);
  metrics.addMetric(
    'ArticlesRejected',
    'Count',
    outcome.problems.filter((p) => p.severity === 'error').length,
  );
  metrics.publishStoredMetrics();
  return { batchItemFailures: [] };
}
