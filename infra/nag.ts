import { type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const IAM5 = (finding: string) => `AwsSolutions::AwsSolutions-IAM5[${finding}]`;
const BASIC_EXECUTION =
  'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/**
 * Every cdk-nag finding we accept, each with its reason; anything else fails `cdk synth`. Findings are
 * acknowledged on the construct they name, so a new wildcard anywhere else is still caught.
 */
export function acknowledgeFindings(
  stack: Stack,
  options: { customCertificate: boolean; alarmEmail: boolean },
): void {
  const find = (pathSuffix: string): IConstruct[] => {
    const found = stack.node
      .findAll()
      .filter((c) => c.node.path.endsWith(pathSuffix) || c.node.path.includes(`${pathSuffix}/`));
    if (found.length === 0) throw new Error(`nag acknowledgement: nothing at "${pathSuffix}"`);
    // The construct and everything inside it: findings are reported on the L1 resources within.
    return found;
  };
  const acknowledge = (pathSuffix: string, ids: string[], reason: string) => {
    for (const node of find(pathSuffix))
      for (const id of ids) Validations.of(node).acknowledge({ id, reason });
  };

  for (const fn of ['Publish', 'Reconcile']) {
    acknowledge(
      `/${fn}/Role`,
      [
        ...['posts', 'static', 'pages', 'theme', 'state'].map((folder) =>
          IAM5(`Resource::<${bucketId(stack, 'Content')}.Arn>/${folder}/*`),
        ),
        IAM5(`Resource::<${bucketId(stack, 'Site')}.Arn>/*`),
      ],
      'Reads any source under posts/, static/, pages/ and theme/ (the keys are file names from git, unknown in advance), keeps its own state under state/, and writes any generated file of the site bucket.',
    );
  }
  acknowledge(
    '/Send/Role',
    [IAM5('Resource::*')],
    'ses:GetAccount has no resource-level permissions; it only reads the send quota.',
  );
  for (const fn of ['Send', 'Subscribe'])
    acknowledge(
      `/${fn}/Role`,
      [IAM5(`Resource::arn:<AWS::Partition>:ses:${stack.region}:<AWS::AccountId>:identity/*`)],
      'SES also authorizes a send against the recipient when the recipient is a verified identity of the account (every recipient, in the sandbox); the grant holds only for mail from the site sender address (ses:FromAddress).',
    );
  acknowledge(
    '/RotateSecret/Role',
    [IAM5('Resource::*')],
    'Added by the rotation schedule: secretsmanager:GetRandomPassword has no resource-level permissions (it reads no secret).',
  );
  for (const dlq of [
    'WakeDlq',
    'ReconcileDlq',
    'WeeklyDlq',
    'BouncesDlq',
    ...(options.alarmEmail ? ['AlarmMailDlq'] : []),
  ]) {
    acknowledge(
      `/${dlq}`,
      ['AwsSolutions::AwsSolutions-SQS3'],
      'This is a dead-letter queue: of an SNS subscription, an EventBridge target or schedule, or a Lambda on-failure destination (cdk-nag only recognizes the dead-letter queues of other queues). It has an alarm.',
    );
  }
  acknowledge(
    '/OriginSecret',
    ['AwsSolutions-SMG4'],
    'It only proves a request passed through CloudFront; rotating it needs CloudFront updated in the same step (a deploy re-resolves it). A leak lets a caller pick its own rate-limit key, nothing more.',
  );
  acknowledge(
    '/Api',
    ['AwsSolutions::AwsSolutions-APIG4'],
    'Subscribe, confirm and unsubscribe are public by design: the proof is the signed token in the link, and one-click unsubscribe (RFC 8058) allows no login.',
  );
  acknowledge(
    '/AccessLogs',
    ['AwsSolutions-S1'],
    'This is the access-log bucket; logging it into itself would loop.',
  );
  acknowledge(
    '/Distribution',
    ['AwsSolutions-CFR1'],
    'A public blog is for readers in every country: no geo restriction.',
  );
  acknowledge(
    '/Distribution',
    ['AwsSolutions::AwsSolutions-CFR3'],
    'It logs through CloudFront standard logging v2 (AccessLogDelivery, into the access-log bucket), which cdk-nag does not see; v2 is what lets the query string (signed tokens) stay out of the logs.',
  );
  acknowledge(
    '/Distribution',
    ['AwsSolutions-CFR2'],
    'Static files with no origin compute; a WAF would cost more than the site it protects.',
  );
  if (!options.customCertificate) {
    acknowledge(
      '/Distribution',
      ['AwsSolutions::AwsSolutions-CFR4'],
      'Without a custom domain CloudFront serves its default certificate, whose policy AWS fixes; set certificateArn to get TLS 1.2 minimum.',
    );
  }
  // Singletons CDK itself adds; their code and roles are not ours to change.
  acknowledge(
    '/BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    [BASIC_EXECUTION, IAM5('Resource::*')],
    'CDK’s handler that configures the bucket notification at deploy time; it runs once per deploy.',
  );
  const deployment = 'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C512MiB';
  acknowledge(
    `/${deployment}`,
    [
      BASIC_EXECUTION,
      'AwsSolutions::AwsSolutions-L1',
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((a) =>
        IAM5(`Action::${a}`),
      ),
      IAM5(`Resource::<${bucketId(stack, 'Content')}.Arn>/*`),
      IAM5('Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*'),
      IAM5(`Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${stack.region}/*`),
    ],
    'CDK’s BucketDeployment handler copies content/ from the asset bucket into the content bucket on deploy; CDK picks its runtime and grants.',
  );
}

function bucketId(stack: Stack, id: string): string {
  return logicalIdOf(stack, id);
}

function logicalIdOf(stack: Stack, path: string): string {
  // Concerns sit between the stack and the resource in the construct path: match on the path's end.
  const found = stack.node.findAll().filter((c) => c.node.path.endsWith(`/${path}/Resource`));
  const [node] = found;
  if (!node || found.length > 1) throw new Error(`nag acknowledgement: not one resource at ${path}`);
  return stack.resolve((node as unknown as { logicalId: string }).logicalId) as string;
}
