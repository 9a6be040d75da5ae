import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { buildApp } from '../../infra/app.js';
import { releaseOf } from '../../infra/concerns/publishing.js';
import { loadDeployConfig } from '../../infra/config.js';
import { BroadsheetStack } from '../../infra/stack.js';
import { COPY_SCRIPT_NAME } from '../../src/core/layout.js';
import { SEND_TIMING } from '../../src/core/send-timing.js';

const example = cdkJson.context.broadsheet;
const root = join(import.meta.dirname, '../..');
let template: Template;

/** The template for a configuration; `bundle: false` skips esbuild where only the template matters. */
function synth(context: Record<string, unknown>, options: { bundle: boolean } = { bundle: true }) {
  const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  const { app, stack } = buildApp(new App({ context: { broadsheet: context, ...bundling } }));
  app.synth();
  return Template.fromStack(stack);
}

/** Every option set: alarm email, custom certificate and the GitHub deploy role add resources of their own. */
const fullConfiguration = {
  ...example,
  alarmEmail: 'ops@gazette.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  githubRepository: 'gazette/site',
};

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement of every policy attached to one of our four function roles. */
function functionStatements(t: Template): { role: string; statement: Statement }[] {
  const out: { role: string; statement: Statement }[] = [];
  for (const [id, policy] of Object.entries(t.findResources('AWS::IAM::Policy'))) {
    if (!/^(Publish|Reconcile|Digest|Weekly|Send|Subscribe|Bounces|RotateSecret)Role/.test(id)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement as Statement[])
      out.push({ role: id, statement });
  }
  return out;
}

/** The content-bucket keys one function's role may use with an S3 action; any other resource as its JSON. */
function contentKeys(t: Template, fn: string, action: string): string[] {
  return functionStatements(t)
    .filter(
      ({ role, statement }) => role.startsWith(`${fn}Role`) && [statement.Action].flat().includes(action),
    )
    .flatMap(({ statement }) => [statement.Resource].flat())
    .map((r) => {
      const match = JSON.stringify(r).match(
        /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["Content[0-9A-F]{8}","Arn"\]\},"\/([^"*]+)"\]\]\}$/,
      );
      return match?.[1] ?? JSON.stringify(r);
    })
    .sort();
}

beforeAll(() => {
  template = synth(example);
}, 120_000);

describe('the Broadsheet stack', () => {
  it('keeps every bucket private, encrypted and TLS-only', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies.length).toBeGreaterThanOrEqual(3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });

  it('keeps on stack deletion what outlives it (buckets, table, the link-signing secret) and nothing else', () => {
    const full = synth(fullConfiguration, { bundle: false });
    for (const t of [template, full]) {
      const retained = Object.entries(t.toJSON().Resources as Record<string, { DeletionPolicy?: string }>)
        .filter(([, r]) => r.DeletionPolicy === 'Retain')
        .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort();
      // A key kept after its topic is gone would be billed every month and decrypt nothing.
      expect(retained).toEqual(['AccessLogs', 'Content', 'Site', 'State', 'TokenSecret']);
    }
  });

  it('versions the content bucket and sends every source’s events to a queue with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
    const configured = (
      (notifications?.Properties.NotificationConfiguration.QueueConfigurations ?? []) as {
        Events: string[];
        Filter: { Key: { FilterRules: { Name: string; Value: string }[] } };
        QueueArn: { 'Fn::GetAtt': [string, string] };
      }[]
    ).map((c) => {
      expect(c.QueueArn['Fn::GetAtt'][0]).toMatch(/^ContentChanges[0-9A-F]{8}$/);
      expect(c.Filter.Key.FilterRules).toHaveLength(1);
      return `${c.Events.join()} ${c.Filter.Key.FilterRules[0]?.Name}=${c.Filter.Key.FilterRules[0]?.Value}`;
    });
    // weekly-sent.json: the weekly function's signal that an issue went out (for its archive page).
    const sources = [
      'posts/',
      'static/',
      'pages/',
      'theme/',
      'site.yaml',
      'release.json',
      'weekly-sent.json',
    ];
    expect(configured.sort()).toEqual(
      ['s3:ObjectCreated:*', 's3:ObjectRemoved:*']
        .flatMap((e) => sources.map((p) => `${e} prefix=${p}`))
        .sort(),
    );
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    // Three work queues with their dead-letter queues, and four for asynchronous events that failed.
    expect(queues).toHaveLength(10);
    for (const q of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queues.filter((q) => q.Properties.RedrivePolicy)).toHaveLength(3);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 30,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs every handler on the latest Node.js, arm64, with its log group', () => {
    const ours = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
      /^(Publish|Reconcile|Digest|Weekly|Send|Subscribe|Bounces|RotateSecret)Function/.test(id),
    );
    expect(ours).toHaveLength(8);
    for (const [, fn] of ours) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('limits queue-driven functions by their mapping’s maximum concurrency, never by reserved concurrency', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(3);
    const driven = new Set<string>();
    for (const mapping of mappings) {
      // Reserved concurrency behind SQS throttles batches back into the queue until they dead-letter.
      expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][1]).toBe('Arn');
      expect(mapping.Properties.ScalingConfig?.MaximumConcurrency).toBeGreaterThanOrEqual(2);
      driven.add(mapping.Properties.FunctionName.Ref);
    }
    expect([...driven].sort()).toEqual([
      expect.stringMatching(/^DigestFunction/),
      expect.stringMatching(/^PublishFunction/),
      expect.stringMatching(/^SendFunction/),
    ]);
    for (const id of driven)
      expect(functions[id]?.Properties.ReservedConcurrentExecutions, id).toBeUndefined();
  });

  it('tells each sender how many senders share the account’s rate: the send mapping’s maximum concurrency', () => {
    const [sendId, send] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('SendFunction'),
    ) ?? ['', undefined];
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => m.Properties.FunctionName.Ref === sendId,
    );
    expect(Number(send?.Properties.Environment.Variables.SEND_CONCURRENCY)).toBe(
      mapping?.Properties.ScalingConfig.MaximumConcurrency,
    );
  });

  it('takes the send function’s timeout, its queue’s visibility and its batch size from one timing', () => {
    const [sendId, send] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('SendFunction'),
    ) ?? ['', undefined];
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => m.Properties.FunctionName.Ref === sendId,
    );
    const queue =
      template.findResources('AWS::SQS::Queue')[mapping?.Properties.EventSourceArn['Fn::GetAtt'][0]];
    expect(send?.Properties.Timeout).toBe(SEND_TIMING.functionTimeoutSeconds);
    expect(mapping?.Properties.BatchSize).toBe(SEND_TIMING.batchSize);
    expect(mapping?.Properties.MaximumBatchingWindowInSeconds ?? 0).toBe(SEND_TIMING.batchingWindowSeconds);
    expect(queue?.Properties.VisibilityTimeout).toBe(SEND_TIMING.visibilityTimeoutSeconds);
    expect(queue?.Properties.RedrivePolicy.maxReceiveCount).toBe(SEND_TIMING.maxReceiveCount);
    // What the sender assumes about them (tests/unit/pipeline/send-interrupted.test.ts runs it).
    expect(queue?.Properties.VisibilityTimeout * 1000).toBeGreaterThanOrEqual(
      send?.Properties.Timeout * 1000 + SEND_TIMING.claimExpiryMs,
    );
  });

  it('keeps a content change invisible while a publish can still be working on it', () => {
    const [publishId, publish] = Object.entries(template.findResources('AWS::Lambda::Function')).find(
      ([id]) => id.startsWith('PublishFunction'),
    ) ?? ['', undefined];
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => m.Properties.FunctionName.Ref === publishId,
    );
    const queue =
      template.findResources('AWS::SQS::Queue')[mapping?.Properties.EventSourceArn['Fn::GetAtt'][0]];
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThan(
      publish?.Properties.Timeout + mapping?.Properties.MaximumBatchingWindowInSeconds,
    );
  });

  it('grants each function only named actions on named resources', () => {
    const statements = functionStatements(template);
    expect(statements.length).toBeGreaterThan(10);
    for (const { role, statement } of statements) {
      const actions = [statement.Action].flat();
      for (const action of actions) expect(action, role).not.toMatch(/\*$|^\*/);
      const resources = [statement.Resource].flat();
      // The two actions AWS offers no resource-level permissions for.
      if (resources.includes('*'))
        expect(['ses:GetAccount', 'secretsmanager:GetRandomPassword']).toEqual(
          expect.arrayContaining(actions),
        );
    }
    const send = statements
      .filter((s) => s.role.startsWith('SendRole'))
      .flatMap((s) => [s.statement.Action].flat());
    expect(send).toEqual(
      expect.arrayContaining(['ses:SendEmail', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
    );
    expect(send).not.toContain('s3:PutObject');
    const digest = functionStatements(template)
      .filter((s) => s.role.startsWith('DigestRole'))
      .flatMap((s) => [s.statement.Action].flat());
    expect(digest).not.toContain('ses:SendEmail');
    // The weekly check reads site.yaml and the table, and hands digests to the digest queue; it never mails.
    // It writes one object, weekly-sent.json, whose event has the publisher archive the issue.
    const weekly = functionStatements(template)
      .filter((s) => s.role.startsWith('WeeklyRole'))
      .flatMap((s) => [s.statement.Action].flat());
    expect(weekly).toEqual(
      expect.arrayContaining(['s3:GetObject', 's3:PutObject', 'dynamodb:Query', 'sqs:SendMessage']),
    );
    for (const forbidden of ['ses:SendEmail', 's3:DeleteObject', 'secretsmanager:GetSecretValue'])
      expect(weekly).not.toContain(forbidden);
    expect(contentKeys(template, 'Weekly', 's3:PutObject')).toEqual(['weekly-sent.json']);
  });

  it('gives every asynchronous path a dead-letter queue or on-failure destination, each with an alarm', () => {
    const full = synth(fullConfiguration, { bundle: false });
    for (const t of [template, full]) {
      const queues = t.findResources('AWS::SQS::Queue');
      const queueOf = (arn: unknown) => {
        const id = (arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
        expect(queues[id ?? ''], JSON.stringify(arn)).toBeDefined();
        return id as string;
      };
      const deadLetters = new Set<string>();
      // SNS → Lambda (bounces) and SNS → email (alarms): a message SNS could not deliver is kept.
      const subscriptions = Object.values(t.findResources('AWS::SNS::Subscription'));
      expect(subscriptions.length).toBeGreaterThanOrEqual(t === full ? 2 : 1);
      for (const sub of subscriptions)
        deadLetters.add(queueOf(sub.Properties.RedrivePolicy?.deadLetterTargetArn));
      // EventBridge rules → Lambda: kept after the target's retries, never older than its maximum age.
      const rules = Object.values(t.findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(2);
      for (const rule of rules)
        for (const target of rule.Properties.Targets) {
          deadLetters.add(queueOf(target.DeadLetterConfig?.Arn));
          expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 2 });
          expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThan(0);
        }
      // Lambda's own asynchronous retries: an event that failed them all goes to a queue.
      const invokeConfigs = Object.values(t.findResources('AWS::Lambda::EventInvokeConfig'));
      const functions = t.findResources('AWS::Lambda::Function');
      const configured = invokeConfigs.map((c) => {
        expect(c.Properties.MaximumRetryAttempts).toBe(2);
        deadLetters.add(queueOf(c.Properties.DestinationConfig.OnFailure.Destination));
        return Object.keys(functions).find((id) => id === c.Properties.FunctionName.Ref) ?? '';
      });
      // Every function something invokes asynchronously: EventBridge rules, the wake schedule and SNS.
      expect(configured.map((id) => id.replace(/Function.*/, '')).sort()).toEqual([
        'Bounces',
        'Publish',
        'Reconcile',
        'Weekly',
      ]);
      // Each of those queues is watched.
      const watched = Object.values(t.findResources('AWS::CloudWatch::Alarm')).flatMap((a) =>
        (a.Properties.Dimensions ?? [])
          .filter((d: { Name: string }) => d.Name === 'QueueName')
          .map((d: { Value: { 'Fn::GetAtt': [string, string] } }) => d.Value['Fn::GetAtt'][0]),
      );
      for (const id of deadLetters) expect(watched, id).toContain(id);
      expect(deadLetters.size).toBe(t === full ? 5 : 4);
    }
    // The wake-up schedule is made at run time; publish gets the queue for its dead letters.
    const publish = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('PublishFunction'),
    )?.[1];
    expect(publish?.Properties.Environment.Variables.WAKE_DLQ_ARN).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^WakeDlq/), 'Arn'],
    });
  });

  it('lets CloudWatch publish every alarm to its topic: the topic policy allows it and the key encrypts for it', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const keys = template.findResources('AWS::KMS::Key');
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const targets = new Set(
      alarms.flatMap((a) => (a.Properties.AlarmActions ?? []).map((t: { Ref: string }) => t.Ref)),
    );
    expect(targets.size).toBe(1);
    const fromCloudWatch = (s: { Principal?: { Service?: unknown } }) =>
      [s.Principal?.Service].flat().includes('cloudwatch.amazonaws.com');
    for (const topic of targets) {
      expect(topics[topic], topic).toBeDefined();
      // A topic with a policy of its own has no default statement left: CloudWatch must be named.
      const statements = policies
        .filter((p) => p.Properties.Topics.some((t: { Ref: string }) => t.Ref === topic))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements.length).toBeGreaterThan(0);
      expect(
        statements.filter(
          (s) => s.Effect === 'Allow' && fromCloudWatch(s) && [s.Action].flat().includes('sns:Publish'),
        ),
        topic,
      ).toHaveLength(1);
      const key = topics[topic]?.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
      type KeyStatement = {
        Effect: string;
        Action: string[];
        Principal?: { Service?: unknown };
        Condition?: unknown;
      };
      const cloudWatchUses = ((keys[key]?.Properties.KeyPolicy.Statement ?? []) as KeyStatement[]).filter(
        (s) => s.Effect === 'Allow' && fromCloudWatch(s),
      );
      expect(cloudWatchUses.map((s) => s.Action)).toEqual([['kms:GenerateDataKey*', 'kms:Decrypt']]);
      // For this account's alarms only.
      expect(cloudWatchUses[0]?.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });
    }
  });

  it('checks for an ended week every 15 minutes, so the day and time can live in site.yaml', () => {
    const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
      id.startsWith('WeeklyDigestCheck'),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties.ScheduleExpression).toBe('rate(15 minutes)');
  });

  it('serves the site through CloudFront with origin access control, HTTPS only, security headers and compression', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          Compress: true,
          ResponseHeadersPolicyId: Match.anyValue(),
          FunctionAssociations: Match.arrayWith([Match.objectLike({ EventType: 'viewer-request' })]),
        }),
      }),
    });
  });

  it('names the distribution’s own domain, the target of siteDomain’s DNS record, with or without a certificate', () => {
    const withCertificate = synth(fullConfiguration, { bundle: false });
    for (const t of [template, withCertificate]) {
      const [id] = Object.keys(t.findResources('AWS::CloudFront::Distribution'));
      t.hasOutput('DistributionDomainName', { Value: { 'Fn::GetAtt': [id, 'DomainName'] } });
    }
    // With a certificate, the site's URL is siteDomain, which DNS must lead to the distribution.
    withCertificate.hasOutput('SiteUrl', { Value: 'https://gazette.example.com/' });
  });

  it('answers a missing page with the site’s 404 page, and leaves the API’s own error pages alone', () => {
    const config = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]?.Properties
      .DistributionConfig;
    // S3 answers a key it has not got with 403 to a reader that may not list the bucket, as CloudFront may not.
    const siteReads = Object.values(template.findResources('AWS::S3::BucketPolicy'))
      .filter((p) => JSON.stringify(p.Properties.Bucket).includes('Site'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(siteReads.flatMap((s) => [s.Action].flat())).toEqual(['s3:GetObject']);
    expect(config.CustomErrorResponses).toEqual([
      { ErrorCode: 403, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 300 },
    ]);
    // Error responses are the distribution's, not a behavior's: none may rewrite a status the API answers
    // with, or its page ("not subscribed", "link invalid") would become the site's.
    // What src/api/subscription-api.ts answers with besides 200.
    const apiStatuses = [400, 404, 405, 413, 415];
    for (const { ErrorCode } of config.CustomErrorResponses) expect(apiStatuses).not.toContain(ErrorCode);
  });

  it('serves the subscription API under /api on the site, throttled, with access logs', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(routes.sort()).toEqual([
      'GET /api/confirm',
      'GET /api/preferences',
      'GET /api/unsubscribe',
      'POST /api/confirm',
      'POST /api/preferences',
      'POST /api/subscribe',
      'POST /api/unsubscribe',
    ]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: [Match.objectLike({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' })],
      }),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    template.hasOutput('ApiUrl', {});
  });

  it('keeps state in an on-demand table with point-in-time recovery and TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('lets the senders mail a recipient that is itself a verified identity, only as the site sender', () => {
    // SES checks the recipient's identity too when it is verified in the account (all of them, in the sandbox).
    for (const fn of ['Send', 'Subscribe']) {
      const sends = functionStatements(template)
        .filter(
          (s) => s.role.startsWith(`${fn}Role`) && [s.statement.Action].flat().includes('ses:SendEmail'),
        )
        .map((s) => s.statement);
      const anyIdentity = sends.filter((s) => JSON.stringify(s.Resource).includes(':identity/*'));
      expect(anyIdentity, fn).toHaveLength(1);
      expect(anyIdentity[0]?.Condition).toEqual({
        StringEquals: { 'ses:FromAddress': example.senderAddress },
      });
      // The sender's own identity and the configuration set need no condition.
      expect(sends.filter((s) => !s.Condition).length, fn).toBe(1);
    }
  });

  it('conditions the any-identity send grant on the From address the mail carries, lowercased as site.yaml has it', () => {
    // cdk.json's senderAddress matches sender.address case-insensitively; StringEquals compares exactly.
    const mixed = synth({ ...example, senderAddress: 'Digest@gazette.example.com' }, { bundle: false });
    const conditions = functionStatements(mixed)
      .filter(({ statement }) => JSON.stringify(statement.Resource).includes(':identity/*'))
      .map(({ statement }) => statement.Condition);
    expect(conditions).toEqual([
      { StringEquals: { 'ses:FromAddress': 'digest@gazette.example.com' } },
      { StringEquals: { 'ses:FromAddress': 'digest@gazette.example.com' } },
    ]);
  });

  it('sets up SES with DKIM, bounce and complaint events, and alarms well before SES reviews', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'gazette.example.com' });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint'] }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.02,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.0005,
    });
    // Two reputation alarms, seven dead-letter queues and one error alarm per function (eight).
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(17);
  });

  it('keeps the link-signing secret in Secrets Manager, readable only by the functions that sign and rotate it', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2); // the signing key and the origin proof
    const readers = functionStatements(template)
      .filter(({ statement }) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
      .map(({ role, statement }) => `${role.replace(/Role.*/, '')} ${JSON.stringify(statement.Resource)}`);
    expect(readers).toHaveLength(3);
    expect(readers.find((r) => r.startsWith('RotateSecret'))).toMatch(/TokenSecret/);
    // Rotated less often than a mailed link lives, by the function that keeps the previous key.
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(450 days)' },
    });
    expect(readers.find((r) => r.startsWith('Send'))).toMatch(/TokenSecret/);
    expect(readers.find((r) => r.startsWith('Send'))).not.toMatch(/OriginSecret/);
    expect(readers.find((r) => r.startsWith('Subscribe'))).toMatch(/TokenSecret.*OriginSecret/);
    // Retained with the buckets and the table: deleting the stack must not break links already mailed.
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    const signing = Object.entries(secrets).filter(([id]) => id.includes('TokenSecret'));
    expect(signing.map(([, r]) => [r.DeletionPolicy, r.UpdateReplacePolicy])).toEqual([['Retain', 'Retain']]);
  });

  it("lets the API believe CloudFront's reader address only with CloudFront's secret header", () => {
    const [policy] = Object.values(template.findResources('AWS::CloudFront::OriginRequestPolicy'));
    expect(policy?.Properties.OriginRequestPolicyConfig.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['Content-Type', 'CloudFront-Viewer-Address'],
    });
    const distribution = JSON.stringify(template.findResources('AWS::CloudFront::Distribution'));
    expect(distribution).toMatch(
      /"HeaderName":"X-Broadsheet-Origin","HeaderValue":\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:/,
    );
  });

  it('lets only the publishers move the wake-up schedule, and the scheduler only invoke publish', () => {
    const wake = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('WakeRole'),
    );
    expect(wake?.[1].Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Effect: 'Allow' }),
      // Its dead letters: the scheduler delivers them with this role.
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^WakeDlq/), 'Arn'] },
      }),
    ]);
    // Assumed by EventBridge Scheduler for this account's schedules alone (confused deputy).
    const trust = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) =>
      id.startsWith('WakeRole'),
    )?.[1].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const movers = functionStatements(template)
      .filter(({ statement }) => [statement.Action].flat().includes('scheduler:UpdateSchedule'))
      .map(({ role }) => role.replace(/Role.*/, ''));
    expect(movers.sort()).toEqual(['Publish', 'Reconcile']);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  });

  it('uploads all of content/ and release.json to the content bucket on deploy, nothing straight to the site', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const [deployment] = deployments;
    expect(deployment?.Properties.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^Content/) });
    // content/ as it is in git (static/ included), release.json and site.json.
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(3);
    expect(deployment?.Properties.Prune).toBe(true);
    // The publisher's state and the weekly function's signal are written in the bucket, never pruned.
    expect(deployment?.Properties.Exclude).toEqual(['state/*', 'weekly-sent.json']);
    // release.json names the publisher's bundle, so a release that renders differently is a content change.
    const { stack } = buildApp(new App({ context: { broadsheet: example, 'aws:cdk:bundling-stacks': [] } }));
    const publish = stack.publishing.publish.fn.node.defaultChild as CfnFunction;
    const release = releaseOf(stack.publishing.publish, join(import.meta.dirname, '../..'));
    expect(`${release.renderer}.zip`).toBe((stack.resolve(publish.code) as { s3Key: string }).s3Key);
    expect(release.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const output of ['SiteUrl', 'RssFeedUrl', 'AtomFeedUrl', 'JsonFeedUrl'])
      template.hasOutput(output, {});
  });

  it('lets the functions that only read the settings read site.json (the weekly digest, the index; those that render mail, the published theme), nothing else of the content', () => {
    const reads = (fn: string) => contentKeys(template, fn, 's3:GetObject');
    expect(reads('Weekly')).toEqual(['site.json', 'state/site-index.json.gz']);
    for (const fn of ['Send', 'Subscribe']) expect(reads(fn), fn).toEqual(['site.json', 'state/theme.json']);
  });

  it('lets send and subscribe list the content bucket for the published theme’s key alone (weekly for the index’s), so an object not written yet is a 404 and a 403 a refusal', () => {
    const listings = functionStatements(template).filter(({ statement }) =>
      [statement.Action].flat().includes('s3:ListBucket'),
    );
    const fnOf = (role: string) => role.replace(/Role.*$/, '');
    for (const [fn, key] of [
      ['Send', 'state/theme.json'],
      ['Subscribe', 'state/theme.json'],
      ['Weekly', 'state/site-index.json.gz'],
    ]) {
      const own = listings.filter(({ role }) => fnOf(role) === fn).map(({ statement }) => statement);
      expect(own, fn).toHaveLength(1);
      expect(own[0]?.Action).toBe('s3:ListBucket');
      expect(JSON.stringify(own[0]?.Resource)).toMatch(/^\{"Fn::GetAtt":\["Content[0-9A-F]{8}","Arn"\]\}$/);
      // Exactly that key: a listing of anything else (or of the whole bucket, no prefix) stays refused.
      expect(Object.keys(own[0]?.Condition ?? {})).toEqual(['StringEquals']);
      expect(Object.keys(own[0]?.Condition?.StringEquals ?? {})).toEqual(['s3:prefix']);
      expect([own[0]?.Condition?.StringEquals?.['s3:prefix']].flat()).toEqual([key]);
    }
    // Only the publishers may list the bucket otherwise (a deleted article's source is a 404 to them).
    expect(
      [
        ...new Set(listings.filter(({ statement }) => !statement.Condition).map(({ role }) => fnOf(role))),
      ].sort(),
    ).toEqual(['Publish', 'Reconcile']);
    expect([...new Set(listings.map(({ role }) => fnOf(role)))].sort()).toEqual([
      'Publish',
      'Reconcile',
      'Send',
      'Subscribe',
      'Weekly',
    ]);
  });

  it('lets the publishers read every content source they render, and only those', () => {
    const reads = functionStatements(template)
      .filter(({ role, statement }) => role.startsWith('PublishRole') && statement.Action === 's3:GetObject')
      .flatMap(({ statement }) => [statement.Resource].flat())
      .map((r) => JSON.stringify(r).match(/\/([^"/]+(?:\/\*)?)"\]\]\}$/)?.[1]);
    // release.json is not among them: its event starts a publish, and nothing reads it.
    expect(reads.sort()).toEqual(['pages/*', 'posts/*', 'site.yaml', 'static/*', 'theme/*'].sort());
  });

  it('lets every function touch only the partitions of the table it uses (dynamodb:LeadingKeys)', () => {
    /** Each DynamoDB item action of one function → the partition-key patterns it is limited to. */
    const itemGrants = (fn: string) => {
      const out: Record<string, string[]> = {};
      for (const { role, statement } of functionStatements(template)) {
        const actions = [statement.Action].flat().filter((a) => a.startsWith('dynamodb:'));
        // Queries of the index are the next test's; every grant on the table's items names its partitions.
        if (JSON.stringify(statement.Resource).includes('/index/')) continue;
        if (!role.startsWith(`${fn}Role`) || actions.length === 0) continue;
        expect(Object.keys(statement.Condition ?? {}), fn).toEqual(['ForAllValues:StringLike']);
        const condition = statement.Condition?.['ForAllValues:StringLike'] ?? {};
        expect(Object.keys(condition), fn).toEqual(['dynamodb:LeadingKeys']);
        for (const action of actions)
          out[action] = [...(out[action] ?? []), ...[condition['dynamodb:LeadingKeys']].flat()].map(String);
      }
      return out;
    };
    expect(itemGrants('Subscribe')).toEqual({
      'dynamodb:GetItem': ['subscriber#*'],
      'dynamodb:PutItem': ['subscriber#*'],
      'dynamodb:UpdateItem': ['limit#*'],
    });
    expect(itemGrants('Bounces')).toEqual({
      'dynamodb:GetItem': ['subscriber#*'],
      'dynamodb:PutItem': ['subscriber#*'],
    });
    // The digest and its deliveries (digest#<id>, sk to#<address>), and the subscribers, read only.
    expect(itemGrants('Send')).toEqual({
      'dynamodb:GetItem': ['digest#*', 'subscriber#*'],
      'dynamodb:PutItem': ['digest#*'],
      'dynamodb:UpdateItem': ['digest#*'],
      'dynamodb:DeleteItem': ['digest#*'],
    });
    // The fan-out reads the digest; its recipients come from the index.
    expect(itemGrants('Digest')).toEqual({ 'dynamodb:GetItem': ['digest#*'] });
    // The cursor, the week's digest, the articles' marks and the open announcement: no subscriber.
    const weekly = ['weekly#*', 'digest#*', 'article#*', 'announce#*'];
    expect(itemGrants('Weekly')).toEqual({
      'dynamodb:GetItem': weekly,
      'dynamodb:PutItem': weekly,
      'dynamodb:BatchGetItem': weekly,
      'dynamodb:BatchWriteItem': weekly,
    });
    // The lease, the announced marks, digests and their hold, the open announcement and the weekly cursor.
    const publisher = ['lock#*', 'article#*', 'digest#*', 'announce#*', 'weekly#*'];
    for (const fn of ['Publish', 'Reconcile'])
      expect(itemGrants(fn)).toEqual(
        Object.fromEntries(
          ['GetItem', 'PutItem', 'DeleteItem', 'BatchGetItem', 'BatchWriteItem'].map((a) => [
            `dynamodb:${a}`,
            publisher,
          ]),
        ),
      );
    // Nothing but the subscription API and the bounce handler writes a subscriber.
    for (const fn of ['Publish', 'Reconcile', 'Digest', 'Weekly', 'Send'])
      for (const [action, partitions] of Object.entries(itemGrants(fn)))
        if (action !== 'dynamodb:GetItem')
          expect(partitions, `${fn} ${action}`).not.toContain('subscriber#*');
  });

  it('lets the publishers query the table only through its index (the confirmed subscribers, for the archive)', () => {
    for (const fn of ['Publish', 'Reconcile']) {
      const queries = functionStatements(template).filter(
        ({ role, statement }) =>
          role.startsWith(`${fn}Role`) && [statement.Action].flat().includes('dynamodb:Query'),
      );
      expect(queries, fn).toHaveLength(1);
      expect([queries[0]?.statement.Action].flat(), fn).toEqual(['dynamodb:Query']);
      const resources = [queries[0]?.statement.Resource].flat();
      expect(resources, fn).toHaveLength(1);
      expect(JSON.stringify(resources[0]), fn).toMatch(/"\/index\/gsi1"\]\]\}$/);
    }
  });

  it('sends a Content-Security-Policy that lets no script run but the site’s own two, with the other security headers', () => {
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const configOf = (prefix: string) =>
      Object.entries(policies).find(([id]) => id.startsWith(prefix))?.[1].Properties
        .ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const headers = configOf('SiteHeaders');
    const csp = headers.ContentSecurityPolicy.ContentSecurityPolicy as string;
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      // The scripts the site ships: the feed preview's XSL (Chromium loads XSLT under script-src) and the
      // Subscribe page's copy buttons, by their full URLs.
      'script-src': `https://gazette.example.com/feed.xsl https://gazette.example.com/${COPY_SCRIPT_NAME}`,
      'img-src': "'self' https: data:",
      'form-action': "'self'",
      'frame-ancestors': "'none'",
      'base-uri': "'self'",
      'object-src': "'none'",
    });
    expect(directives['style-src']).toBe("'self'");
    expect(headers).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY' },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin' },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000 },
    });
    // The API's pages get the same, and send no Referer: their URLs carry tokens.
    const api = configOf('ApiHeaders');
    expect(api).toEqual({ ...headers, ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true } });
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution?.Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({
      Ref: expect.stringMatching(/^SiteHeaders/),
    });
    expect(config.CacheBehaviors[0].ResponseHeadersPolicyId).toEqual({
      Ref: expect.stringMatching(/^ApiHeaders/),
    });
  });

  it('logs CloudFront requests without the query string or cookies, and the API without the query', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    // Legacy logging can only log every field, query string included.
    expect(distribution?.Properties.DistributionConfig.Logging).toBeUndefined();
    const [source] = Object.values(template.findResources('AWS::Logs::DeliverySource'));
    expect(source?.Properties).toMatchObject({
      LogType: 'ACCESS_LOGS',
      ResourceArn: expect.anything(),
    });
    const [delivery] = Object.values(template.findResources('AWS::Logs::Delivery'));
    const fields = delivery?.Properties.RecordFields as string[];
    expect(fields).toEqual(expect.arrayContaining(['date', 'time', 'cs-uri-stem', 'sc-status', 'c-ip']));
    expect(fields).not.toContain('cs-uri-query');
    expect(fields).not.toContain('cs(Cookie)');
    expect(delivery?.Properties.S3SuffixPath).toMatch(/^cloudfront\//);
    const [destination] = Object.values(template.findResources('AWS::Logs::DeliveryDestination'));
    expect(destination?.Properties.DestinationResourceArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^AccessLogs/), 'Arn'],
    });
    // Only CloudWatch Logs' delivery, for this source and account, may write there.
    const [accessLogsPolicy] = Object.entries(template.findResources('AWS::S3::BucketPolicy'))
      .filter(([id]) => id.startsWith('AccessLogsPolicy'))
      .map(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
    const put = accessLogsPolicy?.find((st) => st.Action === 's3:PutObject');
    expect(put).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Condition: {
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': expect.anything() },
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^AccessLogSource/), 'Arn'] } },
      },
    });
    // API Gateway: the route, never the query string.
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const format = JSON.parse(stage?.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format.route).toBe('$context.routeKey');
    for (const variable of Object.values(format))
      expect(variable).toMatch(
        /^\$context\.(requestId|requestTime|routeKey|status|responseLength|responseLatency|integrationErrorMessage)$/,
      );
  });

  it('refuses a region CloudFront cannot deliver its logs from', () => {
    const previous = process.env.CDK_DEFAULT_REGION;
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    try {
      expect(() =>
        buildApp(new App({ context: { broadsheet: example, 'aws:cdk:bundling-stacks': [] } })),
      ).toThrow(/eu-west-1: CloudFront delivers its access logs only from us-east-1/);
    } finally {
      if (previous === undefined) delete process.env.CDK_DEFAULT_REGION;
      else process.env.CDK_DEFAULT_REGION = previous;
    }
  });

  it('keeps the logical IDs its stateful resources had before the stack was split into concerns', () => {
    // A new logical ID for a bucket, table, key, secret or log group would deploy a new, empty one.
    const resources = template.toJSON().Resources as Record<string, { Type: string }>;
    const stateful = [
      'AccessLogs8B620ECA',
      'Content88381566',
      'SiteE53D7754',
      'State1C20CC9A',
      'TokenSecret75569B26',
      'OriginSecret5DDC59F1',
      'MailEventsKey58F345A0',
      'AlarmsKey8B9C40AB',
      'MailEventsE4612002',
      'Alarms04B5A0BF',
      'ContentChanges2200731E',
      'DigestsBE0C6DEB',
      'SendsD89EF50D',
      'ContentChangesDlqFF56ADB6',
      'DigestsDlq05782C7B',
      'SendsDlq119DDCDE',
      'ApiAccessLogsE9DF007D',
      'Distribution830FAC52',
      'Identity2D60E2CC',
      'ConfigurationSet3DD38186',
      'WakeGroup',
      'PublishLogs921C90B3',
      'ReconcileLogsDE13217A',
      'DigestLogs96C9745F',
      'WeeklyLogs42D524E5',
      'SendLogs6175DB5E',
      'SubscribeLogs0267BD39',
      'BouncesLogsA8BDBB30',
      'RotateSecretLogs9C737D5D',
    ];
    for (const id of stateful) expect(resources[id], id).toBeDefined();
    expect(resources.SendLogs6175DB5E?.Type).toBe('AWS::Logs::LogGroup');
  });

  it('refuses to deploy the example configuration', () => {
    const rules = template.toJSON().Rules as Record<string, { Assertions: { AssertDescription: string }[] }>;
    expect(rules.RefuseExampleConfiguration?.Assertions[0]?.AssertDescription).toMatch(
      /example configuration/,
    );
  });

  it('refuses to deploy when only the site domain left the example: the SES identity is still example.com', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const { config, site } = loadDeployConfig(example, root);
    const stack = new BroadsheetStack(app, 'HalfConfigured', {
      config: { ...config, siteDomain: 'news.gazette.test' },
      site: { ...site, baseUrl: 'https://news.gazette.test' },
      root,
      env: { region: 'us-east-1' },
    });
    const rules = Template.fromStack(stack).toJSON().Rules as Record<
      string,
      { Assertions: { AssertDescription: string }[] }
    >;
    expect(rules.RefuseExampleConfiguration?.Assertions[0]?.AssertDescription).toMatch(
      /example configuration \(gazette\.example\.com\)/,
    );
  });
});

describe('configuration', () => {
  it('fails synth with the bad field named', () => {
    expect(() =>
      buildApp(new App({ context: { broadsheet: { ...example, senderAddress: 'nope' } } })),
    ).toThrow(/senderAddress: must be an email address/);
    expect(() => buildApp(new App({ context: {} }))).toThrow(/is invalid/);
  });

  it('checks the configuration against content/site.yaml', () => {
    expect(() =>
      buildApp(
        new App({
          context: {
            broadsheet: { ...example, siteDomain: 'other.example.org', sesIdentity: 'gazette.example.com' },
          },
        }),
      ),
    ).toThrow(/not the host of base_url/);
  });

  it('runs cdk-nag: an unacknowledged finding fails synth', () => {
    const { app, stack } = buildApp(
      new App({ context: { broadsheet: example, 'aws:cdk:bundling-stacks': [] } }),
    );
    new s3.Bucket(stack, 'Careless'); // no access logs, no TLS policy
    expect(() => app.synth()).toThrow(/AwsSolutions-S1|AwsSolutions-S10|Validation/);
  });
});
