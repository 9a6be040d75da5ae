// Every 15 minutes → once a week has ended (day and time from site.yaml), its digest onto the digest queue.
import * as z from 'zod';
import { dynamoClient, s3Client, sqsClient } from '../src/adapters/aws/clients.js';
import { DynamoWeeklyLedger } from '../src/adapters/aws/dynamo/weekly-ledger.js';
import { endpointsOf, functionEnv, logger, metrics, required } from '../src/adapters/aws/env.js';
import { signalWeeklySent } from '../src/adapters/aws/publish-trigger.js';
import { DynamoRecipientPages } from '../src/adapters/aws/recipient-pages.js';
import { loadSiteJsonFromBucket } from '../src/adapters/aws/site-json.js';
import { SqsDigestQueue } from '../src/adapters/aws/sqs.js';
import { S3SiteIndexStore } from '../src/adapters/aws/state-object.js';
import { liveInIndex, runWeekly, type WeeklyOutcome } from '../src/pipeline/weekly.js';

const env = functionEnv();
const endpoints = endpointsOf(env);
const s3 = s3Client(endpoints);
const db = dynamoClient(endpoints);
const ledger = new DynamoWeeklyLedger(db, env.TABLE_NAME);
// Read only when a week's digest is about to be created, and only until the first weekly reader.
const recipients = new DynamoRecipientPages(db, env.TABLE_NAME);
// The publisher's index, read once a week has articles waiting: the articles on the site then.
const siteIndex = new S3SiteIndexStore(s3, required(env.CONTENT_BUCKET, 'CONTENT_BUCKET'));
const queue = new SqsDigestQueue(sqsClient(endpoints), required(env.DIGEST_QUEUE_URL, 'DIGEST_QUEUE_URL'));

// The rule's scheduled time, not the clock: a retried invocation then decides about the same week.
const scheduled = z.object({ time: z.iso.datetime() });

export async function handler(event: unknown): Promise<WeeklyOutcome['kind']> {
  const parsed = scheduled.safeParse(event);
  const now = parsed.success ? new Date(parsed.data.time) : new Date();
  const site = await loadSiteJsonFromBucket(s3, env.CONTENT_BUCKET);
  const outcome = await runWeekly(
    {
      site,
      ledger,
      recipients,
      deliver: (digest) => queue.enqueue(digest.id),
      live: liveInIndex(siteIndex, now.getTime()),
    },
    now,
  );
  if (outcome.kind === 'delivered') {
    // Every time, a retry too: the publish that archives the issue is idempotent.
    await signalWeeklySent(
      s3,
      required(env.CONTENT_BUCKET, 'CONTENT_BUCKET'),
      outcome.digest.id,
      now.getTime(),
    );
    logger.info('weekly digest handed on', {
      digestId: outcome.digest.id,
      articles: outcome.digest.articles.length,
      created: outcome.created,
    });
    metrics.addMetric('WeeklyArticles', 'Count', outcome.digest.articles.length);
    metrics.publishStoredMetrics();
  } else if (outcome.kind === 'no-audience') {
    // No digest, so no weekly-sent.json: there is no issue to archive.
    logger.info('week ended with nobody to send to', {
      weekEnd: new Date(outcome.weekEndMs).toISOString(),
      articles: outcome.articles,
    });
  } else if (outcome.kind === 'nothing-new') {
    logger.info('week ended with nothing new', { weekEnd: new Date(outcome.weekEndMs).toISOString() });
  }
  return outcome.kind;
}
