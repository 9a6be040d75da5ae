// The local AWS's IAM, over the synthesized template's roles: how S3 answers a read of a missing object.
// AWS asks whether the caller may list the bucket at that key (s3:ListBucket with the key as s3:prefix):
// yes, 404 NoSuchKey; no, 403 AccessDenied. Send and subscribe may list exactly state/theme.json.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { IamPolicies } from '../../../src/dev/local-aws/iam.js';
import { iamRequestsOf, missingObjectCheck } from '../../../src/dev/local-aws/iam-requests.js';
import { localIdentities } from '../../../src/dev/local-aws/identities.js';
import { synthesize } from '../../../src/dev/local-aws/synth.js';
import { Resolver, resourcesOfType } from '../../../src/dev/local-aws/template.js';

let iam: IamPolicies;
let content: string;
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
    const fn = /^(Send|Subscribe|Weekly|Publish)Role/.exec(id)?.[1];
    if (fn) role.set(fn, id);
  }
  const bucket = resourcesOfType(template, 'AWS::S3::Bucket').find(([id]) => id.startsWith('Content'));
  content = identities.get(bucket?.[0] ?? '')?.ref ?? '';
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
