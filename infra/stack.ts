import { join } from 'node:path';
import {
  CfnOutput,
  CfnParameter,
  CfnRule,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigwIntegrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type DeployConfig, EXAMPLE_DOMAIN } from './config.js';
import { BroadsheetFunction } from './function.js';

export interface BroadsheetStackProps extends StackProps {
  readonly config: DeployConfig;
  /** The repository root (content/, functions/, package-lock.json). */
  readonly root: string;
}

/** A queue with a dead-letter queue, encrypted, TLS only. */
function queueWithDlq(scope: Construct, id: string, visibilityTimeout: Duration) {
  const dlq = new sqs.Queue(scope, `${id}Dlq`, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout,
    deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
  });
  return { queue, dlq };
}

export class BroadsheetStack extends Stack {
  constructor(scope: Construct, id: string, props: BroadsheetStackProps) {
    super(scope, id, props);
    const { config, root } = props;

    // `cdk deploy` with the example configuration fails before anything is created: CloudFormation checks
    // rules before it touches a resource. Synthesis still works, so a fresh clone can run `cdk synth`.
    if (EXAMPLE_DOMAIN.test(config.siteDomain)) {
      const domain = new CfnParameter(this, 'SiteDomain', { type: 'String', default: config.siteDomain });
      new CfnRule(this, 'RefuseExampleConfiguration', {
        assertions: [
          {
            assert: Fn.conditionNot(Fn.conditionContains([config.siteDomain], domain.valueAsString)),
            assertDescription: `cdk.json still holds the example configuration (${config.siteDomain}): set siteDomain, senderAddress and sesIdentity to your own before deploying (see docs/deploy.md).`,
          },
        ],
      });
    }

    // ---- Storage ----
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const content = new s3.Bucket(this, 'Content', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'content/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const site = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
    });

    // ---- Delivery ----
    // /posts/x/ → /posts/x/index.html: S3 has no index documents behind an origin access control.
    const indexRewrite = new cloudfront.Function(this, 'IndexRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.endsWith('/')) r.uri += 'index.html'; return r; }",
      ),
    });
    const certificate = config.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn)
      : undefined;
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(site),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        compress: true,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [
          { function: indexRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      defaultRootObject: 'index.html',
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
        { httpStatus: 404, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
      ],
      ...(certificate
        ? {
            certificate,
            domainNames: [config.siteDomain],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });

    // ---- Queues ----
    const changes = queueWithDlq(this, 'ContentChanges', Duration.minutes(6));
    const digests = queueWithDlq(this, 'Digests', Duration.minutes(2));
    const sends = queueWithDlq(this, 'Sends', Duration.minutes(6));
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      content.addEventNotification(event, new s3n.SqsDestination(changes.queue), { prefix: 'posts/' });
    }

    // ---- Email ----
    const mailEventsKey = new kms.Key(this, 'MailEventsKey', {
      enableKeyRotation: true,
      description: 'Encrypts SES bounce and complaint notifications',
    });
    mailEventsKey.grant(new iam.ServicePrincipal('ses.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
    const mailEvents = new sns.Topic(this, 'MailEvents', { masterKey: mailEventsKey, enforceSSL: true });
    const configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(mailEvents),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    const identity = new ses.EmailIdentity(this, 'Identity', {
      identity: ses.Identity.domain(config.sesIdentity),
      configurationSet,
    });

    // ---- Functions ----
    const common = {
      CONTENT_BUCKET: content.bucketName,
      SITE_BUCKET: site.bucketName,
      TABLE_NAME: table.tableName,
    };
    const tableArn = table.tableArn;
    const allow = (fn: BroadsheetFunction, actionsList: string[], resources: string[]) =>
      fn.role.addToPolicy(new iam.PolicyStatement({ actions: actionsList, resources }));

    const publisherPolicy = (fn: BroadsheetFunction) => {
      // ListBucket makes a missing object a 404 (a deleted article) instead of a 403.
      allow(fn, ['s3:ListBucket'], [content.bucketArn]);
      allow(fn, ['s3:GetObject'], [content.arnForObjects('posts/*'), content.arnForObjects('site.yaml')]);
      allow(fn, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [content.arnForObjects('state/*')]);
      allow(fn, ['s3:PutObject', 's3:DeleteObject'], [site.arnForObjects('*')]);
      allow(
        fn,
        ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
        [tableArn],
      );
      allow(fn, ['sqs:SendMessage'], [digests.queue.queueArn]);
      allow(
        fn,
        ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        [wakeSchedule],
      );
      allow(fn, ['iam:PassRole'], [wakeRole.roleArn]);
    };
    // Scheduled articles go live on the minute: a one-shot EventBridge schedule, moved by each publish to the
    // next due article, invokes the publish function with an empty batch.
    const publishName = `${this.stackName}-publish`;
    const publishArn = `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${publishName}`;
    const wakeGroup = new scheduler.CfnScheduleGroup(this, 'WakeGroup', { name: `${this.stackName}-wake` });
    const wakeRole = new iam.Role(this, 'WakeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets EventBridge Scheduler start a publish when a scheduled article is due',
    });
    wakeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [publishArn] }),
    );
    const wake = {
      WAKE_SCHEDULE_GROUP: wakeGroup.ref,
      WAKE_SCHEDULE_NAME: 'next-publish',
      WAKE_TARGET_ARN: publishArn,
      WAKE_ROLE_ARN: wakeRole.roleArn,
    };
    const wakeSchedule = `arn:${this.partition}:scheduler:${this.region}:${this.account}:schedule/${wakeGroup.ref}/next-publish`;

    const publish = new BroadsheetFunction(this, 'Publish', {
      name: 'publish',
      functionName: publishName,
      root,
      environment: { ...common, DIGEST_QUEUE_URL: digests.queue.queueUrl, ...wake },
      timeout: Duration.minutes(5),
      memorySize: 1024,
      // One publish at a time: the lease in DynamoDB guards correctness, this keeps them from waiting on it.
      reservedConcurrency: 1,
    });
    publisherPolicy(publish);
    publish.fn.addEventSource(
      new SqsEventSource(changes.queue, {
        // One commit of many files arrives as one batch, so it costs one rebuild.
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(30),
        reportBatchItemFailures: true,
      }),
    );

    const reconcile = new BroadsheetFunction(this, 'Reconcile', {
      name: 'reconcile',
      root,
      environment: { ...common, DIGEST_QUEUE_URL: digests.queue.queueUrl, ...wake },
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    publisherPolicy(reconcile);
    new events.Rule(this, 'DailyReconcile', {
      schedule: events.Schedule.cron({ minute: '17', hour: '3' }),
      targets: [new targets.LambdaFunction(reconcile.fn, { retryAttempts: 2 })],
    });

    const digest = new BroadsheetFunction(this, 'Digest', {
      name: 'digest',
      root,
      // Its own queue too: a fan-out that outlives one invocation continues there.
      environment: {
        ...common,
        SEND_QUEUE_URL: sends.queue.queueUrl,
        DIGEST_QUEUE_URL: digests.queue.queueUrl,
      },
    });
    allow(digest, ['dynamodb:Query'], [`${tableArn}/index/gsi1`]);
    allow(digest, ['dynamodb:GetItem'], [tableArn]);
    allow(digest, ['sqs:SendMessage'], [sends.queue.queueArn, digests.queue.queueArn]);
    digest.fn.addEventSource(
      new SqsEventSource(digests.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // The weekly digest: checked every 15 minutes, so the day and time live in site.yaml (content), not here.
    const weekly = new BroadsheetFunction(this, 'Weekly', {
      name: 'weekly',
      root,
      environment: { ...common, DIGEST_QUEUE_URL: digests.queue.queueUrl },
    });
    allow(weekly, ['s3:GetObject'], [content.arnForObjects('site.yaml')]);
    allow(weekly, ['dynamodb:Query'], [`${tableArn}/index/gsi1`]);
    allow(
      weekly,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      [tableArn],
    );
    allow(weekly, ['sqs:SendMessage'], [digests.queue.queueArn]);
    new events.Rule(this, 'WeeklyDigestCheck', {
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new targets.LambdaFunction(weekly.fn, { retryAttempts: 2 })],
    });

    // SendEmail is authorized on both the identity and the configuration set it names.
    const sesSending = [
      `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${identity.emailIdentityName}`,
      `arn:${this.partition}:ses:${this.region}:${this.account}:configuration-set/${configurationSet.configurationSetName}`,
    ];
    // Generated at the first deploy and never shown: it signs confirmation and unsubscribe links.
    const tokenSecret = new secretsmanager.Secret(this, 'TokenSecret', {
      description: 'Signs Broadsheet subscriber links (HMAC-SHA256)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    // Rotated less often than a mailed link lives (400 days), and each rotation keeps the key before, so
    // no link in anyone's inbox stops working before it expires.
    const rotateSecret = new BroadsheetFunction(this, 'RotateSecret', {
      name: 'rotate-secret',
      root,
      environment: {},
      timeout: Duration.seconds(30),
      memorySize: 256,
    });
    // The schedule grants the function read and write (Describe, Get, Put, UpdateVersionStage) on this
    // secret alone, and GetRandomPassword, which has no resource (acknowledged in infra/nag.ts).
    tokenSecret.addRotationSchedule('Rotation', {
      rotationLambda: rotateSecret.fn,
      automaticallyAfter: Duration.days(450),
    });
    const send = new BroadsheetFunction(this, 'Send', {
      name: 'send',
      root,
      environment: {
        ...common,
        TOKEN_SECRET_ARN: tokenSecret.secretArn,
        SES_CONFIGURATION_SET: configurationSet.configurationSetName,
      },
      timeout: Duration.minutes(5),
      // One sender: its rate limiter then paces the whole account.
      reservedConcurrency: 1,
    });
    allow(send, ['s3:GetObject'], [content.arnForObjects('site.yaml')]);
    allow(send, ['secretsmanager:GetSecretValue'], [tokenSecret.secretArn]);
    allow(
      send,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [tableArn],
    );
    allow(send, ['ses:SendEmail'], sesSending);
    send.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }), // acknowledged in infra/nag.ts
    );
    send.fn.addEventSource(
      new SqsEventSource(sends.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
      }),
    );

    // CloudFront sends this with every API request; with it the function may believe CloudFront-Viewer-Address
    // (the reader's address, for the per-client limit) instead of seeing every reader as the edge.
    const originSecret = new secretsmanager.Secret(this, 'OriginSecret', {
      description: 'Proves a request to the Broadsheet API came through CloudFront',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    const subscribe = new BroadsheetFunction(this, 'Subscribe', {
      name: 'subscribe',
      root,
      environment: {
        ...common,
        TOKEN_SECRET_ARN: tokenSecret.secretArn,
        ORIGIN_SECRET_ARN: originSecret.secretArn,
        SES_CONFIGURATION_SET: configurationSet.configurationSetName,
      },
      timeout: Duration.seconds(10),
      memorySize: 256,
    });
    allow(subscribe, ['s3:GetObject'], [content.arnForObjects('site.yaml')]);
    allow(subscribe, ['secretsmanager:GetSecretValue'], [tokenSecret.secretArn, originSecret.secretArn]);
    allow(subscribe, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [tableArn]);
    allow(subscribe, ['ses:SendEmail'], sesSending);
    const apiLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigw.HttpApi(this, 'Api', {
      description: 'Broadsheet subscribe, confirm, preferences and unsubscribe',
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      // Signups are rare; a flood is an attack. Per-address and per-client limits sit behind this.
      throttle: { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(apiLogs) },
    });
    const integration = new apigwIntegrations.HttpLambdaIntegration('SubscribeIntegration', subscribe.fn);
    api.addRoutes({ path: '/api/subscribe', methods: [apigw.HttpMethod.POST], integration });
    // GET shows a page, POST acts: link scanners fetch URLs from emails and must not change anything.
    for (const path of ['/api/confirm', '/api/preferences', '/api/unsubscribe']) {
      api.addRoutes({ path, methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST], integration });
    }
    // Served under the site's own domain (/api/*), so forms post to the same origin and links look local.
    const apiOrigin = new origins.HttpOrigin(Fn.select(2, Fn.split('/', api.apiEndpoint)), {
      // A dynamic reference: the value never appears in the template.
      customHeaders: { 'X-Broadsheet-Origin': originSecret.secretValue.unsafeUnwrap() },
    });
    // What the API needs and nothing else: the form's type, the query (tokens) and who is asking.
    const apiRequests = new cloudfront.OriginRequestPolicy(this, 'ApiOriginRequests', {
      comment: 'Broadsheet API: Content-Type, the reader address and the query string',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(
        'Content-Type',
        'CloudFront-Viewer-Address',
      ),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    distribution.addBehavior('/api/*', apiOrigin, {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: apiRequests,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
    });

    const bounces = new BroadsheetFunction(this, 'Bounces', {
      name: 'bounces',
      root,
      environment: common,
      timeout: Duration.seconds(30),
      memorySize: 256,
    });
    allow(bounces, ['dynamodb:GetItem', 'dynamodb:PutItem'], [tableArn]);
    mailEvents.addSubscription(new subscriptions.LambdaSubscription(bounces.fn));

    // ---- Publishing from git ----
    new s3deploy.BucketDeployment(this, 'DeployContent', {
      sources: [s3deploy.Source.asset(join(root, 'content'), { exclude: ['static', 'static/**'] })],
      destinationBucket: content,
      // Deleting a file in git deletes the article; the publisher's own state is never touched.
      prune: true,
      exclude: ['state/*'],
      memoryLimit: 512,
    });
    new s3deploy.BucketDeployment(this, 'DeployStatic', {
      sources: [s3deploy.Source.asset(join(root, 'content/static'))],
      destinationBucket: site,
      // The site bucket also holds every generated page: never prune it.
      prune: false,
      memoryLimit: 512,
    });

    // ---- Operations ----
    const alarmTopicKey = new kms.Key(this, 'AlarmsKey', {
      enableKeyRotation: true,
      description: 'Encrypts alarm notifications',
    });
    alarmTopicKey.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:GenerateDataKey*',
      'kms:Decrypt',
    );
    const alarms = new sns.Topic(this, 'Alarms', { masterKey: alarmTopicKey, enforceSSL: true });
    if (config.alarmEmail) alarms.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const notify = new actions.SnsAction(alarms);
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) =>
      new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(notify);
    for (const [name, { dlq }] of Object.entries({
      ContentChanges: changes,
      Digests: digests,
      Sends: sends,
    })) {
      alarm(
        `${name}DlqNotEmpty`,
        dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        1,
        `${name} messages failed five times`,
      );
    }
    for (const [name, fn] of Object.entries({
      Publish: publish,
      Reconcile: reconcile,
      Digest: digest,
      Weekly: weekly,
      Send: send,
      RotateSecret: rotateSecret,
      Subscribe: subscribe,
      Bounces: bounces,
    })) {
      alarm(
        `${name}Errors`,
        fn.fn.metricErrors({ period: Duration.minutes(5) }),
        1,
        `the ${name} function failed`,
      );
    }
    // SES reviews an account at 5 % bounces and 0.1 % complaints: warn well before.
    const reputation = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        statistic: 'Average',
        period: Duration.hours(1),
      });
    alarm('BounceRate', reputation('Reputation.BounceRate'), 0.02, 'bounce rate at 2 % (SES reviews at 5 %)');
    alarm(
      'ComplaintRate',
      reputation('Reputation.ComplaintRate'),
      0.0005,
      'complaint rate at 0.05 % (SES reviews at 0.1 %)',
    );

    // ---- Deploying from GitHub without stored keys ----
    if (config.githubRepository) {
      const github = new iam.OpenIdConnectProvider(this, 'GitHubOidc', {
        url: 'https://token.actions.githubusercontent.com',
        clientIds: ['sts.amazonaws.com'],
      });
      const deployer = new iam.Role(this, 'GitHubDeployRole', {
        assumedBy: new iam.WebIdentityPrincipal(github.openIdConnectProviderArn, {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: {
            'token.actions.githubusercontent.com:sub': `repo:${config.githubRepository}:ref:refs/heads/main`,
          },
        }),
        description: 'Assumed by GitHub Actions on main to run cdk deploy',
        maxSessionDuration: Duration.hours(1),
      });
      deployer.addToPolicy(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: [
            `arn:${this.partition}:iam::${this.account}:role/cdk-hnb659fds-*-${this.account}-${this.region}`,
          ],
        }),
      );
      new CfnOutput(this, 'GitHubDeployRoleArn', { value: deployer.roleArn });
    }

    const siteUrl = config.certificateArn
      ? `https://${config.siteDomain}`
      : `https://${distribution.distributionDomainName}`;
    new CfnOutput(this, 'SiteUrl', { value: `${siteUrl}/` });
    new CfnOutput(this, 'RssFeedUrl', { value: `${siteUrl}/feed.xml` });
    new CfnOutput(this, 'AtomFeedUrl', { value: `${siteUrl}/atom.xml` });
    new CfnOutput(this, 'JsonFeedUrl', { value: `${siteUrl}/feed.json` });
    new CfnOutput(this, 'ContentBucketName', { value: content.bucketName });
    new CfnOutput(this, 'ApiUrl', { value: `${siteUrl}/api` });
    new CfnOutput(this, 'TableName', { value: table.tableName });
  }
}
