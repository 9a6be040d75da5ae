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
  /** The request's condition keys a policy may test (`s3:prefix` of a listing, `dynamodb:LeadingKeys`). */
  readonly context?: Readonly<Record<string, string | string[]>>;
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

/**
 * The attribute our tables are partitioned on. DynamoDB offers a request's partition-key values to IAM as
 * `dynamodb:LeadingKeys`; it knows the key schema, we assume it (every table of this app is keyed pk/sk).
 */
const PARTITION_KEY = 'pk';

/** An attribute's string value, from a document-client item ('x') or a marshalled one ({ S: 'x' }). */
function stringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

const partitionOf = (item: unknown) =>
  stringValue((item as Record<string, unknown> | undefined)?.[PARTITION_KEY]);

/** The value a table Query's key condition sets the partition key to (`pk = :pk`, or `#k = :pk`). */
function queriedPartition(input: Readonly<Record<string, unknown>>): string | undefined {
  const names = (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const values = (input.ExpressionAttributeValues as Record<string, unknown> | undefined) ?? {};
  for (const [, name, placeholder] of str(input.KeyConditionExpression).matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    if ((names[name ?? ''] ?? name) === PARTITION_KEY) return stringValue(values[placeholder ?? '']);
  }
  return undefined;
}

/** The partition keys a batch names for one table: its Keys to read, its puts' items, its deletes' keys. */
function batchPartitions(command: string, requests: unknown): (string | undefined)[] {
  if (command === 'BatchGetItem') return ((requests as { Keys?: unknown[] })?.Keys ?? []).map(partitionOf);
  const writes = (requests as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]) ?? [];
  return writes.map((w) => partitionOf(w.PutRequest?.Item ?? w.DeleteRequest?.Key));
}

/** `dynamodb:LeadingKeys` for these partition keys; none when one is missing, as it is for a Scan. */
function leadingKeys(partitions: readonly (string | undefined)[]): Pick<IamRequest, 'context'> {
  if (partitions.length === 0 || partitions.some((p) => p === undefined)) return {};
  return { context: { 'dynamodb:LeadingKeys': [...new Set(partitions as string[])] } };
}

/**
 * The fields of a DynamoDB input that name items, with nothing of their bodies: each item keeps its
 * partition key alone, each batch the keys of its requests. What the worker reports for the check.
 */
export function dynamoKeyFields(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keyOnly = (item: unknown) => ({
    [PARTITION_KEY]: (item as Record<string, unknown>)?.[PARTITION_KEY],
  });
  if (input.Item !== undefined) out.Item = keyOnly(input.Item);
  if (input.KeyConditionExpression !== undefined) {
    out.KeyConditionExpression = input.KeyConditionExpression;
    out.ExpressionAttributeNames = input.ExpressionAttributeNames;
    out.ExpressionAttributeValues = input.ExpressionAttributeValues;
  }
  if (input.RequestItems !== undefined) {
    const tables = input.RequestItems as Record<string, unknown>;
    out.RequestItems = Object.fromEntries(
      Object.entries(tables).map(([name, requests]) => [
        name,
        Array.isArray(requests)
          ? requests.map((w: { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }) =>
              w.PutRequest
                ? { PutRequest: { Item: keyOnly(w.PutRequest.Item) } }
                : { DeleteRequest: { Key: keyOnly(w.DeleteRequest?.Key) } },
            )
          : { Keys: ((requests as { Keys?: unknown[] }).Keys ?? []).map(keyOnly) },
      ]),
    );
  }
  return out;
}

function dynamoRequests(command: string, input: Readonly<Record<string, unknown>>): IamRequest[] {
  const table = (name: string) => arn('dynamodb', `table/${name}`);
  if (command === 'BatchGetItem' || command === 'BatchWriteItem') {
    return Object.entries((input.RequestItems as Record<string, unknown>) ?? {}).map(([name, requests]) => ({
      action: `dynamodb:${command}`,
      resource: table(name),
      ...leadingKeys(batchPartitions(command, requests)),
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
  if (index) {
    // An index is partitioned on its own key (gsi1pk), and whether AWS offers that as LeadingKeys is not
    // something we rely on: index grants here carry no LeadingKeys condition, and index queries no context.
    return [{ action: `dynamodb:${command}`, resource: `${base}/index/${index}` }];
  }
  const partitions =
    command === 'Query'
      ? [queriedPartition(input)]
      : input.Item !== undefined
        ? [partitionOf(input.Item)]
        : input.Key !== undefined
          ? [partitionOf(input.Key)]
          : [];
  return [{ action: `dynamodb:${command}`, resource: base, ...leadingKeys(partitions) }];
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
