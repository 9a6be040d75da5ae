// The local AWS's IAM, over the synthesized template's roles: how S3 answers a read of a missing object.
// AWS asks whether the caller may list the bucket at that key (s3:ListBucket with the key as s3:prefix):
// yes, 404 NoSuchKey; no, 403 AccessDenied. Send and subscribe may list exactly state/theme.json.
// And which items of the table a function may touch: the partition keys a call names, as LeadingKeys.
import { fileURLToPath } from 'node:url';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { IamPolicies } from '../../../src/dev/local-aws/iam.js';
import {
  dynamoKeyFields,
  iamRequestsOf,
  missingObjectCheck,
} from '../../../src/dev/local-aws/iam-requests.js';
import { localIdentities } from '../../../src/dev/local-aws/identities.js';
import { synthesize } from '../../../src/dev/local-aws/synth.js';
import { Resolver, resourcesOfType } from '../../../src/dev/local-aws/template.js';

let iam: IamPolicies;
let content: string;
let table: string;
const role = new Map<string, string>();

beforeAll(async () => {
  const { template, stackName } = await synthesize(fileURLToPath(new URL('../../..', import.meta.url)));
  const identities = localIdentities(template, stackName, {
    sqsQueueBase: 'http://sqs.localhost',
    apis: new Map(),
    cloudfront: 'http://127.0.0.1',
  });
  iam = new IamPolicies(template, new Resolver(identities, {}, stackName));
  for (const [id] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const fn = /^(Send|Subscribe|Bounces|Weekly|Publish)Role/.exec(id)?.[1];
    if (fn) role.set(fn, id);
  }
  const bucket = resourcesOfType(template, 'AWS::S3::Bucket').find(([id]) => id.startsWith('Content'));
  content = identities.get(bucket?.[0] ?? '')?.ref ?? '';
  const [tableId] = resourcesOfType(template, 'AWS::DynamoDB::Table')[0] ?? [''];
  table = identities.get(tableId)?.ref ?? '';
}, 120_000);

/** Whether a read of this missing key is answered 404 (the caller may list the bucket at the key). */
const notFound = async (fn: string, key: string) =>
  (
    await iam.authorize(
      role.get(fn) ?? '',
      fn,
      iamRequestsOf(missingObjectCheck({ Bucket: content, Key: key })),
    )
  ).allowed;
const lists = async (fn: string, prefix?: string) =>
  (
    await iam.authorize(
      role.get(fn) ?? '',
      fn,
      iamRequestsOf({
        client: 'S3Client',
        command: 'ListObjectsV2',
        input: { Bucket: content, ...(prefix === undefined ? {} : { Prefix: prefix }) },
      }),
    )
  ).allowed;

describe('a missing object on the local AWS', () => {
  it('is a 404 to send and subscribe for the published theme’s key, a 403 for any other', async () => {
    expect(content).toMatch(/content/);
    for (const fn of ['Send', 'Subscribe']) {
      expect(await notFound(fn, 'state/theme.json'), fn).toBe(true);
      expect(await notFound(fn, 'site.json'), fn).toBe(false);
      expect(await notFound(fn, 'state/theme.json.bak'), fn).toBe(false);
    }
    // A function without the listing grant gets 403 for it too; a publisher, with one, 404 for any key.
    expect(await notFound('Weekly', 'state/theme.json')).toBe(false);
    expect(await notFound('Publish', 'posts/gone.md')).toBe(true);
  });

  it('lets send and subscribe list nothing else: not the bucket, not another prefix', async () => {
    for (const fn of ['Send', 'Subscribe']) {
      expect(await lists(fn, 'state/theme.json'), fn).toBe(true);
      expect(await lists(fn), fn).toBe(false);
      expect(await lists(fn, 'state/'), fn).toBe(false);
      expect(await lists(fn, ''), fn).toBe(false);
    }
  });
});

const dynamo = (command: string, input: Record<string, unknown>) =>
  iamRequestsOf({ client: 'DynamoDBClient', command, input });
const leading = (command: string, input: Record<string, unknown>) =>
  dynamo(command, input).map((r) => r.context?.['dynamodb:LeadingKeys']);

describe('the partition keys of a DynamoDB call (dynamodb:LeadingKeys)', () => {
  it('are those of the items it names, plain (as the document client leaves them) or marshalled', () => {
    expect(
      leading('GetItemCommand', { TableName: 't', Key: { pk: 'subscriber#a@x.org', sk: 'subscriber' } }),
    ).toEqual([['subscriber#a@x.org']]);
    expect(
      leading('PutItemCommand', { TableName: 't', Item: { pk: { S: 'digest#d1' }, sk: { S: 'to#a' } } }),
    ).toEqual([['digest#d1']]);
    const batch = {
      RequestItems: {
        t: {
          Keys: [
            { pk: 'article#/a', sk: 'announced' },
            { pk: 'article#/b', sk: 'announced' },
          ],
        },
      },
    };
    expect(leading('BatchGetItemCommand', batch)).toEqual([['article#/a', 'article#/b']]);
    expect(dynamo('BatchGetItemCommand', batch)[0]?.action).toBe('dynamodb:BatchGetItem');
    const writes = {
      RequestItems: {
        t: [{ PutRequest: { Item: { pk: 'a#1', body: 'x' } } }, { DeleteRequest: { Key: { pk: 'a#2' } } }],
      },
    };
    expect(leading('BatchWriteItemCommand', writes)).toEqual([['a#1', 'a#2']]);
    expect(
      leading('QueryCommand', {
        TableName: 't',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :to)',
        ExpressionAttributeValues: { ':pk': 'digest#d1', ':to': 'to#' },
      }),
    ).toEqual([['digest#d1']]);
    // An index is keyed otherwise: no context, and no grant on one is conditioned on it.
    expect(
      leading('QueryCommand', {
        TableName: 't',
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :s',
        ExpressionAttributeValues: { ':s': 'subscriber#confirmed' },
      }),
    ).toEqual([undefined]);
  });

  it('survive what the worker reports of a call: the keys, none of the bodies', () => {
    const input = { TableName: 't', Item: { pk: 'subscriber#a', status: 'confirmed', address: 'a' } };
    const reported: Record<string, unknown> = { TableName: 't', ...dynamoKeyFields(input) };
    expect(reported.Item).toEqual({ pk: 'subscriber#a' });
    expect(leading('PutItemCommand', reported)).toEqual(leading('PutItemCommand', input));
    const batch = { RequestItems: { t: [{ PutRequest: { Item: { pk: 'a#1', body: 'x' } } }] } };
    expect(dynamoKeyFields(batch)).toEqual({
      RequestItems: { t: [{ PutRequest: { Item: { pk: 'a#1' } } }] },
    });
  });
});

describe('the table on the local AWS', () => {
  const may = async (fn: string, command: string, pk: string) =>
    (
      await iam.authorize(
        role.get(fn) ?? '',
        fn,
        dynamo(command, { TableName: table, Key: { pk, sk: 'x' }, Item: { pk, sk: 'x' } }),
      )
    ).allowed;

  it('lets subscribe, bounces and send touch only their own partitions', async () => {
    expect(table).not.toBe('');
    expect(await may('Subscribe', 'GetItemCommand', 'subscriber#a@x.org')).toBe(true);
    expect(await may('Subscribe', 'PutItemCommand', 'subscriber#a@x.org')).toBe(true);
    expect(await may('Subscribe', 'UpdateItemCommand', 'limit#signup:a@x.org#123')).toBe(true);
    expect(await may('Subscribe', 'UpdateItemCommand', 'subscriber#a@x.org')).toBe(false);
    expect(await may('Subscribe', 'GetItemCommand', 'digest#d1')).toBe(false);
    expect(await may('Bounces', 'PutItemCommand', 'subscriber#a@x.org')).toBe(true);
    expect(await may('Bounces', 'PutItemCommand', 'limit#x#1')).toBe(false);
    expect(await may('Send', 'GetItemCommand', 'digest#d1')).toBe(true);
    expect(await may('Send', 'GetItemCommand', 'subscriber#a@x.org')).toBe(true);
    expect(await may('Send', 'PutItemCommand', 'digest#d1')).toBe(true);
    expect(await may('Send', 'DeleteItemCommand', 'digest#d1')).toBe(true);
    expect(await may('Send', 'PutItemCommand', 'subscriber#a@x.org')).toBe(false);
    expect(await may('Send', 'GetItemCommand', 'lock#publish')).toBe(false);
  });

  it('refuses a batch with one key outside them (ForAllValues: every key must match)', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'dynamodb:BatchGetItem',
          Resource: `arn:aws:dynamodb:*:*:table/${table}`,
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['subscriber#*'] } },
        },
      ],
    };
    const batchOf = async (keys: string[]) => {
      const [request] = dynamo('BatchGetItemCommand', {
        RequestItems: { [table]: { Keys: keys.map((pk) => ({ pk, sk: 'x' })) } },
      });
      const result = await runSimulation(
        {
          identityPolicies: [{ name: 'p', policy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: {
            principal: 'arn:aws:iam::123456789012:role/r',
            action: request?.action ?? '',
            resource: { resource: request?.resource ?? '', accountId: '123456789012' },
            contextVariables: { ...request?.context },
          },
        },
        {},
      );
      return result.resultType === 'single' ? result.result.analysis.result : result.resultType;
    };
    expect(await batchOf(['subscriber#a', 'subscriber#b'])).toBe('Allowed');
    expect(await batchOf(['subscriber#a', 'digest#1'])).not.toBe('Allowed');
  });
});
