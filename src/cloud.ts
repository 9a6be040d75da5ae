// The cloud edition: the pipeline wired to S3, DynamoDB, SQS and SES for the handlers that share them.
import type { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient, s3Client, sqsClient } from './adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from './adapters/aws/dynamo/announcement-ledger.js';
import { DynamoDigestHold } from './adapters/aws/dynamo/digest-hold.js';
import { DynamoPublishLease } from './adapters/aws/dynamo/publish-lease.js';
import { DynamoWeeklyLedger } from './adapters/aws/dynamo/weekly-ledger.js';
import { endpointsOf, type FunctionEnv, required } from './adapters/aws/env.js';
import { S3PublishedTheme } from './adapters/aws/published-theme.js';
import { DynamoRecipientPages } from './adapters/aws/recipient-pages.js';
import { S3ArticleSource, S3SiteStore, S3StaticAssets, S3ThemeFiles } from './adapters/aws/s3.js';
import { EventBridgePublishScheduler } from './adapters/aws/scheduler.js';
import { loadSiteFromBucket } from './adapters/aws/site-config.js';
import { SqsDigestQueue } from './adapters/aws/sqs.js';
import { S3SiteIndexStore } from './adapters/aws/state-object.js';
import { WebSubNotifier } from './adapters/http/websub.js';
import type { DigestQueue } from './core/ports.js';
import { PUBLISH_TIMING } from './core/publish-timing.js';
import type { PublishDeps } from './pipeline/publish.js';

/** The publish pipeline's AWS ports for one content bucket, site bucket and table. */
export function s3PublishPorts(options: {
  readonly s3: S3Client;
  readonly db: DynamoDBDocumentClient;
  readonly contentBucket: string;
  readonly siteBucket: string;
  readonly table: string;
  readonly digests: DigestQueue;
}): Omit<PublishDeps, 'site'> {
  const { s3, db, contentBucket, table } = options;
  return {
    content: new S3ArticleSource(s3, contentBucket),
    assets: new S3StaticAssets(s3, contentBucket),
    pages: new S3ArticleSource(s3, contentBucket, 'pages/'),
    theme: new S3ThemeFiles(s3, contentBucket),
    publishedTheme: new S3PublishedTheme(s3, contentBucket),
    output: new S3SiteStore(s3, options.siteBucket, { bucket: contentBucket }),
    index: new S3SiteIndexStore(s3, contentBucket),
    mode: 'lenient',
    lease: new DynamoPublishLease(db, table),
    leaseWaitMs: PUBLISH_TIMING.leaseWaitMs,
    leaseTtlMs: PUBLISH_TIMING.leaseTtlMs,
    announce: {
      ledger: new DynamoAnnouncementLedger(db, table),
      digests: options.digests,
      hold: new DynamoDigestHold(db, table),
      issues: new DynamoWeeklyLedger(db, table),
      // Read when a digest is planned, only until the first subscriber it reaches (for the archive).
      recipients: new DynamoRecipientPages(db, table),
    },
  };
}

/** The publisher wired to S3, DynamoDB and SQS: shared by the publish and reconcile functions. */
export function awsPublisher(env: FunctionEnv) {
  const endpoints = endpointsOf(env);
  const s3 = s3Client(endpoints);
  const db = dynamoClient(endpoints);
  const fixed = s3PublishPorts({
    s3,
    db,
    contentBucket: env.CONTENT_BUCKET,
    siteBucket: env.SITE_BUCKET,
    table: env.TABLE_NAME,
    digests: new SqsDigestQueue(sqsClient(endpoints), required(env.DIGEST_QUEUE_URL, 'DIGEST_QUEUE_URL')),
  });
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
    deps: async (): Promise<PublishDeps> => {
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
