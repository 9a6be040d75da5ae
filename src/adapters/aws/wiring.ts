// The AWS adapters put together for the handlers that share them: composition, not logic.
import type { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { IncrementalDeps } from '../../pipeline/incremental.js';
import { WebSubNotifier } from '../http/websub.js';
import { dynamoClient, s3Client, sqsClient } from './clients.js';
import { DynamoAnnouncementLedger, DynamoPublishLock } from './dynamo.js';
import { endpointsOf, type FunctionEnv, required } from './env.js';
import { S3ArticleSource, S3SiteStore, S3StateStore } from './s3.js';
import { EventBridgePublishScheduler } from './scheduler.js';
import { loadSiteFromBucket } from './site-config.js';
import { SqsDigestQueue } from './sqs.js';

/** The incremental publisher wired to S3, DynamoDB and SQS: shared by the publish and reconcile functions. */
export function awsPublisher(env: FunctionEnv): {
  s3: S3Client;
  deps: () => Promise<IncrementalDeps>;
} {
  const endpoints = endpointsOf(env);
  const s3 = s3Client(endpoints);
  const db = dynamoClient(endpoints);
  const fixed = {
    content: new S3ArticleSource(s3, env.CONTENT_BUCKET),
    output: new S3SiteStore(s3, env.SITE_BUCKET),
    state: new S3StateStore(s3, env.CONTENT_BUCKET),
    lock: new DynamoPublishLock(db, env.TABLE_NAME),
    ledger: new DynamoAnnouncementLedger(db, env.TABLE_NAME),
    digests: new SqsDigestQueue(sqsClient(endpoints), required(env.DIGEST_QUEUE_URL, 'DIGEST_QUEUE_URL')),
  };
  const scheduler =
    env.WAKE_SCHEDULE_GROUP && env.WAKE_SCHEDULE_NAME && env.WAKE_TARGET_ARN && env.WAKE_ROLE_ARN
      ? new EventBridgePublishScheduler(new SchedulerClient({}), {
          group: env.WAKE_SCHEDULE_GROUP,
          name: env.WAKE_SCHEDULE_NAME,
          functionArn: env.WAKE_TARGET_ARN,
          roleArn: env.WAKE_ROLE_ARN,
          ...(env.WAKE_DLQ_ARN ? { deadLetterArn: env.WAKE_DLQ_ARN } : {}),
        })
      : undefined;
  // site.yaml is read on every invocation: one GET, and a deploy that changes it takes effect at once.
  return {
    s3,
    deps: async () => {
      const site = await loadSiteFromBucket(s3, env.CONTENT_BUCKET);
      return {
        ...fixed,
        site,
        ...(site.websubHub ? { hub: new WebSubNotifier(site.websubHub) } : {}),
        ...(scheduler ? { scheduler } : {}),
      };
    },
  };
}
