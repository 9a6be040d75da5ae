import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { WEEKLY_SENT_KEY } from '../../src/adapters/aws/publish-trigger.js';
import { PUBLISHED_THEME_KEY } from '../../src/adapters/aws/published-theme.js';
import { SITE_JSON_KEY } from '../../src/adapters/aws/site-json.js';
import { SITE_INDEX_KEY } from '../../src/adapters/aws/state-object.js';
import { SEND_TIMING } from '../../src/core/send-timing.js';
import { BroadsheetFunction } from '../function.js';
import { Concern } from '../logical-ids.js';
import type { Email } from './email.js';
import { allow, allowFindingMissing, allowItems } from './grants.js';
import { type DeadLetters, deadLetterQueue, type Queues } from './queues.js';
import type { Storage } from './storage.js';

export interface MailProps {
  readonly root: string;
  readonly storage: Storage;
  readonly queues: Queues;
  readonly email: Email;
}

/**
 * The digest's way to the inbox: the fan-out of a digest into batches of recipients, the weekly check, the
 * sender, the bounce handler, and the secret that signs every link in a message (with its rotation).
 */
export class Mail extends Concern {
  readonly digest: BroadsheetFunction;
  readonly weekly: BroadsheetFunction;
  readonly send: BroadsheetFunction;
  readonly bounces: BroadsheetFunction;
  readonly rotateSecret: BroadsheetFunction;
  readonly tokenSecret: secretsmanager.Secret;
  private readonly weeklyFailures: sqs.Queue;
  private readonly bounceFailures: sqs.Queue;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    const { root, storage, queues, email } = props;
    const { content, table } = storage;
    const tableArn = table.tableArn;
    const common = {
      CONTENT_BUCKET: content.bucketName,
      SITE_BUCKET: storage.site.bucketName,
      TABLE_NAME: table.tableName,
    };

    this.digest = new BroadsheetFunction(this, 'Digest', {
      name: 'digest',
      root,
      // Its own queue too: a fan-out that outlives one invocation continues there.
      environment: {
        ...common,
        SEND_QUEUE_URL: queues.sends.queue.queueUrl,
        DIGEST_QUEUE_URL: queues.digests.queue.queueUrl,
      },
    });
    allow(this.digest, ['dynamodb:Query'], [`${tableArn}/index/gsi1`]);
    // The digest record alone (digest#<id>): its recipients come from the index.
    allowItems(this.digest, ['dynamodb:GetItem'], tableArn, ['digest#*']);
    allow(this.digest, ['sqs:SendMessage'], [queues.sends.queue.queueArn, queues.digests.queue.queueArn]);
    this.digest.fn.addEventSource(
      // Fan-outs are few and idempotent; two at once is plenty (and the least AWS allows).
      new SqsEventSource(queues.digests.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    // The weekly digest: checked every 15 minutes, so the day and time live in site.yaml (content), not here.
    // A check that failed every retry is kept (the next one, 15 minutes on, usually does the work).
    this.weeklyFailures = deadLetterQueue(this, 'WeeklyDlq');
    this.weekly = new BroadsheetFunction(this, 'Weekly', {
      name: 'weekly',
      root,
      environment: { ...common, DIGEST_QUEUE_URL: queues.digests.queue.queueUrl },
      asyncFailures: { queue: this.weeklyFailures, maxEventAge: Duration.minutes(15) },
    });
    // The index, to leave out what was withdrawn since it was announced.
    allow(
      this.weekly,
      ['s3:GetObject'],
      [content.arnForObjects(SITE_JSON_KEY), content.arnForObjects(SITE_INDEX_KEY)],
    );
    // Before the first publish saved one, a missing index must read as missing (a 404), not as a refusal.
    allowFindingMissing(this.weekly, content, [SITE_INDEX_KEY]);
    // Its notification wakes the publisher, which puts the week's issue in the public archive.
    allow(this.weekly, ['s3:PutObject'], [content.arnForObjects(WEEKLY_SENT_KEY)]);
    allow(this.weekly, ['dynamodb:Query'], [`${tableArn}/index/gsi1`]);
    // The cursor, the week's digest, the articles' announced and weekly marks, and the open announcement.
    allowItems(
      this.weekly,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      tableArn,
      ['weekly#*', 'digest#*', 'article#*', 'announce#*'],
    );
    allow(this.weekly, ['sqs:SendMessage'], [queues.digests.queue.queueArn]);
    new events.Rule(this, 'WeeklyDigestCheck', {
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(this.weekly.fn, {
          deadLetterQueue: this.weeklyFailures,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(15),
        }),
      ],
    });

    // Generated at the first deploy and never shown: it signs confirmation and unsubscribe links.
    this.tokenSecret = new secretsmanager.Secret(this, 'TokenSecret', {
      description: 'Signs Broadsheet subscriber links (HMAC-SHA256)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      // Kept with the buckets and the table: every link already mailed is signed with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Rotated less often than a mailed link lives (400 days), and each rotation keeps the key before, so
    // no link in anyone's inbox stops working before it expires.
    this.rotateSecret = new BroadsheetFunction(this, 'RotateSecret', {
      name: 'rotate-secret',
      root,
      environment: {},
      timeout: Duration.seconds(30),
      memorySize: 256,
    });
    // The schedule grants the function read and write (Describe, Get, Put, UpdateVersionStage) on this
    // secret alone, and GetRandomPassword, which has no resource (acknowledged in infra/nag.ts).
    this.tokenSecret.addRotationSchedule('Rotation', {
      rotationLambda: this.rotateSecret.fn,
      automaticallyAfter: Duration.days(450),
    });

    this.send = new BroadsheetFunction(this, 'Send', {
      name: 'send',
      root,
      environment: {
        ...common,
        TOKEN_SECRET_ARN: this.tokenSecret.secretArn,
        SES_CONFIGURATION_SET: email.configurationSet.configurationSetName,
        // Each sender takes this share of the account's send rate (the mapping below runs at most this many).
        SEND_CONCURRENCY: String(SEND_TIMING.concurrency),
      },
      // The timeout, the queue's visibility, the claim expiry and the batch size come from one derivation
      // (src/core/send-timing.ts), so an interrupted batch is always finished by a later delivery.
      timeout: Duration.seconds(SEND_TIMING.functionTimeoutSeconds),
    });
    // The settings, and the theme the last publish handed on (mail renders with the site's own templates).
    allow(
      this.send,
      ['s3:GetObject'],
      [content.arnForObjects(SITE_JSON_KEY), content.arnForObjects(PUBLISHED_THEME_KEY)],
    );
    // So that a theme not published yet is a 404, and a 403 a real refusal (src/adapters/aws/published-theme.ts).
    allowFindingMissing(this.send, content, [PUBLISHED_THEME_KEY]);
    allow(this.send, ['secretsmanager:GetSecretValue'], [this.tokenSecret.secretArn]);
    // The digest and its send ledger (both under digest#<id>), and the recipients as they are now.
    allowItems(this.send, ['dynamodb:GetItem'], tableArn, ['digest#*', 'subscriber#*']);
    allowItems(this.send, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], tableArn, [
      'digest#*',
    ]);
    email.grantSending(this.send.role);
    this.send.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }), // acknowledged in infra/nag.ts
    );
    this.send.fn.addEventSource(
      new SqsEventSource(queues.sends.queue, {
        batchSize: SEND_TIMING.batchSize,
        ...(SEND_TIMING.batchingWindowSeconds > 0
          ? { maxBatchingWindow: Duration.seconds(SEND_TIMING.batchingWindowSeconds) }
          : {}),
        reportBatchItemFailures: true,
        maxConcurrency: SEND_TIMING.concurrency,
      }),
    );

    // A bounce or complaint SNS could not deliver, or that the function failed three times: the address is
    // not suppressed yet, so it must not vanish (SES's own suppression list still covers it meanwhile).
    this.bounceFailures = deadLetterQueue(this, 'BouncesDlq');
    this.bounces = new BroadsheetFunction(this, 'Bounces', {
      name: 'bounces',
      root,
      environment: common,
      timeout: Duration.seconds(30),
      memorySize: 256,
      asyncFailures: { queue: this.bounceFailures, maxEventAge: Duration.hours(6) },
    });
    allowItems(this.bounces, ['dynamodb:GetItem', 'dynamodb:PutItem'], tableArn, ['subscriber#*']);
    email.mailEvents.addSubscription(
      new subscriptions.LambdaSubscription(this.bounces.fn, { deadLetterQueue: this.bounceFailures }),
    );
  }

  /** Where asynchronous mail events go when every retry failed, for the alarms. */
  deadLetterQueues(): DeadLetters {
    return {
      Weekly: { queue: this.weeklyFailures, meaning: 'a weekly digest check failed every retry' },
      Bounces: { queue: this.bounceFailures, meaning: 'a bounce or complaint was not recorded' },
    };
  }
}
