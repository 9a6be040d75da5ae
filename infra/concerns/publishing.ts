import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { WEEKLY_SENT_KEY } from '../../src/adapters/aws/publish-trigger.js';
import { SITE_JSON_KEY, siteJsonOf } from '../../src/adapters/aws/site-json.js';
import { PUBLISH_TIMING } from '../../src/core/publish-timing.js';
import type { SiteConfig } from '../../src/core/site.js';
import { BroadsheetFunction } from '../function.js';
import { Concern } from '../logical-ids.js';
import { allow, allowItems } from './grants.js';
import { type DeadLetters, deadLetterQueue, type Queues } from './queues.js';
import type { Storage } from './storage.js';

/** Content bucket keys the publisher reads and is told about: folders end with '/'. */
export const CONTENT_SOURCES = [
  'posts/',
  'static/',
  'pages/',
  'theme/',
  'site.yaml',
  'release.json',
  WEEKLY_SENT_KEY,
] as const;
const RELEASE_KEY = 'release.json';

/** What release.json says: the publisher's bundle (its asset hash) and the package version. */
export function releaseOf(
  publisher: BroadsheetFunction,
  root: string,
): { renderer: string; version: string } {
  const code = Stack.of(publisher).resolve((publisher.fn.node.defaultChild as lambda.CfnFunction).code) as {
    s3Key?: unknown;
  };
  if (typeof code.s3Key !== 'string') throw new Error('release.json: the publish bundle has no asset hash');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { renderer: code.s3Key.replace(/\.zip$/, ''), version };
}

export interface PublishingProps {
  readonly root: string;
  /** content/site.yaml, validated at synth: deployed beside it as site.json for the functions that only read it. */
  readonly site: SiteConfig;
  readonly storage: Storage;
  readonly queues: Queues;
}

/**
 * From git to the site: the content deployment, its S3 notifications to the ContentChanges queue, the
 * publish function behind that queue, the one-shot schedule that wakes it for scheduled articles, and the
 * daily reconcile that repairs whatever an event missed.
 */
export class Publishing extends Concern {
  readonly publish: BroadsheetFunction;
  readonly reconcile: BroadsheetFunction;
  private readonly wakeFailures: sqs.Queue;
  private readonly reconcileFailures: sqs.Queue;

  constructor(scope: Construct, id: string, props: PublishingProps) {
    super(scope, id);
    const { root, storage, queues } = props;
    const { content, site, table } = storage;
    const stack = Stack.of(this);

    // Every source a page depends on: articles, static files, pages, the theme, the site settings and the
    // release (a deploy that changes rendering), so each change reaches the publisher as an S3 event.
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      for (const prefix of CONTENT_SOURCES)
        content.addEventNotification(event, new s3n.SqsDestination(queues.changes.queue), { prefix });
    }

    // Scheduled articles go live on the minute: a one-shot EventBridge schedule, moved by each publish to the
    // next due article, invokes the publish function with an empty batch.
    const publishName = `${stack.stackName}-publish`;
    const publishArn = `arn:${stack.partition}:lambda:${stack.region}:${stack.account}:function:${publishName}`;
    const wakeGroup = new scheduler.CfnScheduleGroup(this, 'WakeGroup', { name: `${stack.stackName}-wake` });
    const wakeRole = new iam.Role(this, 'WakeRole', {
      // Only for this account's schedules: no other account's scheduler may act through it (confused deputy).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Lets EventBridge Scheduler start a publish when a scheduled article is due',
    });
    wakeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [publishArn] }),
    );
    // A wake-up the scheduler could not deliver, or one the publish failed three times: either way a
    // scheduled article may be late, so it waits here (with its alarm) instead of vanishing.
    this.wakeFailures = deadLetterQueue(this, 'WakeDlq');
    // The scheduler delivers its dead letters with the role it runs as.
    wakeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.wakeFailures.queueArn] }),
    );
    const wake = {
      WAKE_SCHEDULE_GROUP: wakeGroup.ref,
      WAKE_SCHEDULE_NAME: 'next-publish',
      WAKE_TARGET_ARN: publishArn,
      WAKE_ROLE_ARN: wakeRole.roleArn,
      WAKE_DLQ_ARN: this.wakeFailures.queueArn,
    };
    const wakeSchedule = `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${wakeGroup.ref}/next-publish`;

    const environment = {
      CONTENT_BUCKET: content.bucketName,
      SITE_BUCKET: site.bucketName,
      TABLE_NAME: table.tableName,
      DIGEST_QUEUE_URL: queues.digests.queue.queueUrl,
      ...wake,
    };
    const publisherPolicy = (fn: BroadsheetFunction) => {
      // ListBucket makes a missing object a 404 (a deleted article) instead of a 403.
      allow(fn, ['s3:ListBucket'], [content.bucketArn]);
      // release.json and weekly-sent.json only start a publish (their events); nothing reads them.
      allow(
        fn,
        ['s3:GetObject'],
        CONTENT_SOURCES.filter((source) => source !== RELEASE_KEY && source !== WEEKLY_SENT_KEY).map(
          (source) => content.arnForObjects(source.endsWith('/') ? `${source}*` : source),
        ),
      );
      // The index and the outputs manifest are overwritten in place, never deleted.
      allow(fn, ['s3:GetObject', 's3:PutObject'], [content.arnForObjects('state/*')]);
      allow(fn, ['s3:PutObject', 's3:DeleteObject'], [site.arnForObjects('*')]);
      // GetItem: the public archive reads the weekly cursor and the weekly digests that went out. The
      // partitions (src/adapters/aws/dynamo/table.ts): the lease, the announced marks, digests and their
      // hold, the open announcement and the weekly cursor; never a subscriber or a rate-limit counter.
      allowItems(
        fn,
        [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
        ],
        table.tableArn,
        ['lock#*', 'article#*', 'digest#*', 'announce#*', 'weekly#*'],
      );
      // The confirmed subscribers (gsi1), read when an instant digest is planned until the first it reaches:
      // one that reaches nobody gets no page in the public archive.
      allow(fn, ['dynamodb:Query'], [`${table.tableArn}/index/gsi1`]);
      allow(fn, ['sqs:SendMessage'], [queues.digests.queue.queueArn]);
      allow(
        fn,
        ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        [wakeSchedule],
      );
      allow(fn, ['iam:PassRole'], [wakeRole.roleArn]);
    };

    this.publish = new BroadsheetFunction(this, 'Publish', {
      name: 'publish',
      functionName: publishName,
      root,
      environment,
      timeout: Duration.seconds(PUBLISH_TIMING.functionTimeoutSeconds),
      memorySize: 1024,
      // The wake-up schedule invokes it asynchronously; a wake-up older than an hour is not worth keeping.
      asyncFailures: { queue: this.wakeFailures, maxEventAge: Duration.hours(1) },
    });
    publisherPolicy(this.publish);
    this.publish.fn.addEventSource(
      new SqsEventSource(queues.changes.queue, {
        // One commit of many files arrives as one batch, so it costs one rebuild.
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(PUBLISH_TIMING.batchingWindowSeconds),
        reportBatchItemFailures: true,
        // The least AWS allows; the lease in DynamoDB makes the second wait (src/core/publish-timing.ts).
        maxConcurrency: PUBLISH_TIMING.maxConcurrency,
      }),
    );

    // The rule could not invoke it, or it failed three times: the day's repair did not happen.
    this.reconcileFailures = deadLetterQueue(this, 'ReconcileDlq');
    this.reconcile = new BroadsheetFunction(this, 'Reconcile', {
      name: 'reconcile',
      root,
      environment,
      timeout: Duration.minutes(15),
      memorySize: 1024,
      asyncFailures: { queue: this.reconcileFailures, maxEventAge: Duration.hours(6) },
    });
    publisherPolicy(this.reconcile);
    new events.Rule(this, 'DailyReconcile', {
      schedule: events.Schedule.cron({ minute: '17', hour: '3' }),
      targets: [
        new targets.LambdaFunction(this.reconcile.fn, {
          deadLetterQueue: this.reconcileFailures,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // Everything under content/ goes to the content bucket, never straight to the site: the publisher
    // copies static files through the same rule the local build applies. release.json names the publisher's
    // bundle, so a release that changes rendering is a content change too. site.json is site.yaml as
    // validated here, for the functions that read only the settings (no YAML parser in their bundles).
    const deployment = new s3deploy.BucketDeployment(this, 'DeployContent', {
      sources: [
        s3deploy.Source.asset(join(root, 'content')),
        s3deploy.Source.data(RELEASE_KEY, JSON.stringify(releaseOf(this.publish, root))),
        s3deploy.Source.data(SITE_JSON_KEY, siteJsonOf(props.site)),
      ],
      destinationBucket: content,
      // Deleting a file in git deletes the article; the publisher's own state is never touched.
      prune: true,
      exclude: ['state/*', WEEKLY_SENT_KEY],
      memoryLimit: 512,
    });
    // The new publisher is in place before the content that asks for it lands.
    deployment.node.addDependency(this.publish.fn);
  }

  /** Where asynchronous publishing events go when every retry failed, for the alarms. */
  deadLetterQueues(): DeadLetters {
    return {
      Wake: { queue: this.wakeFailures, meaning: 'a scheduled wake-up of publish failed every retry' },
      Reconcile: { queue: this.reconcileFailures, meaning: 'the daily reconcile failed every retry' },
    };
  }
}
