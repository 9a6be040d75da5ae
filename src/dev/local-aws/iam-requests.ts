// Which IAM actions on which resources an AWS SDK call needs, as AWS authorizes it. Pure: the Lambda
// worker reports each call (client, command, the input fields that name resources) and this says what
// the function's role must allow.
import { ACCOUNT, PARTITION, REGION } from './template.js';

/** An SDK call as the worker reports it: no bodies, only the fields that name resources. */
export interface SdkCall {
  readonly client: string;
  readonly command: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** The request's condition keys a policy may test (`s3:prefix` of a listing). */
  readonly context?: Readonly<Record<string, string>>;
}

/** The input fields the worker copies out of a command's input (bodies and payloads stay behind). */
export const RESOURCE_FIELDS = [
  'Bucket',
  'Key',
  'Prefix',
  'CopySource',
  'Delete',
  'TableName',
  'IndexName',
  'RequestItems',
  'TransactItems',
  'QueueUrl',
  'QueueName',
  'SecretId',
  'Name',
  'GroupName',
  'Target',
  'FromEmailAddress',
  'ConfigurationSetName',
  'TopicArn',
  'FunctionName',
  'EmailIdentity',
] as const;

const arn = (service: string, resource: string, region = REGION) =>
  `arn:${PARTITION}:${service}:${region}:${ACCOUNT}:${resource}`;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function serviceOf(client: string): string {
  const name = client.replace(/Client$/, '');
  const known: Record<string, string> = {
    S3: 's3',
    DynamoDB: 'dynamodb',
    DynamoDBDocument: 'dynamodb',
    SQS: 'sqs',
    SESv2: 'ses',
    SES: 'ses',
    SecretsManager: 'secretsmanager',
    Scheduler: 'scheduler',
    SNS: 'sns',
    Lambda: 'lambda',
    CloudWatch: 'cloudwatch',
  };
  return known[name] ?? name.toLowerCase();
}

function s3Requests(command: string, input: Readonly<Record<string, unknown>>): IamRequest[] {
  const bucket = `arn:${PARTITION}:s3:::${str(input.Bucket)}`;
  const object = (key: string) => `${bucket}/${key}`;
  switch (command) {
    case 'GetObject':
    case 'HeadObject':
      return [{ action: 's3:GetObject', resource: object(str(input.Key)) }];
    case 'PutObject':
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
      return [{ action: 's3:PutObject', resource: object(str(input.Key)) }];
    case 'DeleteObject':
      return [{ action: 's3:DeleteObject', resource: object(str(input.Key)) }];
    case 'DeleteObjects': {
      const objects = (input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? [];
      return objects.map((o) => ({ action: 's3:DeleteObject', resource: object(str(o.Key)) }));
    }
    case 'CopyObject': {
      const source = decodeURIComponent(str(input.CopySource).replace(/^\//, ''));
      return [
        { action: 's3:GetObject', resource: `arn:${PARTITION}:s3:::${source}` },
        { action: 's3:PutObject', resource: object(str(input.Key)) },
      ];
    }
    case 'ListObjects':
    case 'ListObjectsV2':
      // A listing without a prefix is the empty one: a condition on one key's prefix refuses it.
      return [{ action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': str(input.Prefix) } }];
    case 'HeadBucket':
      return [{ action: 's3:ListBucket', resource: bucket }];
    default:
      return [{ action: `s3:${command}`, resource: input.Key ? object(str(input.Key)) : bucket }];
  }
}

const DYNAMO_TRANSACT: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

function dynamoRequests(command: string, input: Readonly<Record<string, unknown>>): IamRequest[] {
  const table = (name: string) => arn('dynamodb', `table/${name}`);
  if (command === 'BatchGetItem' || command === 'BatchWriteItem') {
    return Object.keys((input.RequestItems as Record<string, unknown>) ?? {}).map((name) => ({
      action: `dynamodb:${command}`,
      resource: table(name),
    }));
  }
  if (command === 'TransactWriteItems' || command === 'TransactGetItems') {
    const items = (input.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? [];
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, body]) => ({
        action: DYNAMO_TRANSACT[kind] ?? `dynamodb:${kind}`,
        resource: table(str(body?.TableName)),
      })),
    );
  }
  const base = table(str(input.TableName));
  const index = str(input.IndexName);
  return [{ action: `dynamodb:${command}`, resource: index ? `${base}/index/${index}` : base }];
}

/** A queue URL (…/<account>/<name>) → its ARN. */
export function queueArnOfUrl(url: string): string {
  const [name = '', account = ACCOUNT] = url.split('/').filter(Boolean).reverse();
  return `arn:${PARTITION}:sqs:${REGION}:${account}:${name}`;
}

const SQS_BATCH: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** The From address of a raw MIME message (its header block only). */
export function rawFromAddress(raw: string): string | undefined {
  const headers = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const from = /^from:\s*(.*(?:\r?\n[ \t].*)*)/im.exec(headers)?.[1] ?? '';
  return /<([^>]+)>/.exec(from)?.[1] ?? (from.trim() || undefined);
}

function sesRequests(command: string, input: Readonly<Record<string, unknown>>): IamRequest[] {
  if (command !== 'SendEmail' && command !== 'SendBulkEmail' && command !== 'SendRawEmail') {
    return [{ action: `ses:${command}`, resource: '*' }];
  }
  const action = command === 'SendBulkEmail' ? 'ses:SendBulkEmail' : `ses:${command}`;
  const from = str(input.FromEmailAddress);
  const domain = from.split('@')[1] ?? from;
  const requests: IamRequest[] = [{ action, resource: arn('ses', `identity/${domain}`) }];
  const configurationSet = str(input.ConfigurationSetName);
  if (configurationSet)
    requests.push({ action, resource: arn('ses', `configuration-set/${configurationSet}`) });
  return requests;
}

/**
 * What S3 asks before it answers a read of an object that is not there: may the caller list the bucket at
 * that key? AWS evaluates s3:ListBucket with the key as `s3:prefix`, so a grant conditioned on exactly that
 * prefix is enough for a 404 NoSuchKey; without it the answer is 403 AccessDenied.
 */
export function missingObjectCheck(input: Readonly<Record<string, unknown>>): SdkCall {
  return {
    client: 'S3Client',
    command: 'ListObjectsV2',
    input: { Bucket: input.Bucket, Prefix: str(input.Key) },
  };
}

export function iamRequestsOf(call: SdkCall): IamRequest[] {
  const service = serviceOf(call.client);
  const command = call.command.replace(/Command$/, '');
  const { input } = call;
  switch (service) {
    case 's3':
      return s3Requests(command, input);
    case 'dynamodb':
      return dynamoRequests(command, input);
    case 'sqs': {
      const queue = input.QueueUrl ? queueArnOfUrl(str(input.QueueUrl)) : arn('sqs', str(input.QueueName));
      return [{ action: `sqs:${SQS_BATCH[command] ?? command}`, resource: queue }];
    }
    case 'ses':
      return sesRequests(command, input);
    case 'secretsmanager': {
      const id = str(input.SecretId);
      return [{ action: `secretsmanager:${command}`, resource: id.startsWith('arn:') ? id : '*' }];
    }
    case 'scheduler': {
      const schedule = arn('scheduler', `schedule/${str(input.GroupName) || 'default'}/${str(input.Name)}`);
      const requests: IamRequest[] = [{ action: `scheduler:${command}`, resource: schedule }];
      const role = str((input.Target as { RoleArn?: string } | undefined)?.RoleArn);
      if (role && (command === 'CreateSchedule' || command === 'UpdateSchedule'))
        requests.push({ action: 'iam:PassRole', resource: role });
      return requests;
    }
    case 'sns':
      return [{ action: `sns:${command}`, resource: str(input.TopicArn) || '*' }];
    case 'lambda':
      return [{ action: `lambda:${command}`, resource: str(input.FunctionName) || '*' }];
    default:
      return [{ action: `${service}:${command}`, resource: '*' }];
  }
}
