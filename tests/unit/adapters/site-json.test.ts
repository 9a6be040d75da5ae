import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { loadSiteJsonFromBucket, SITE_JSON_KEY, siteJsonOf } from '../../../src/adapters/aws/site-json.js';
import { parseSiteYaml } from '../../../src/core/site-yaml.js';
import { repoRoot } from '../../helpers/cli.js';

const site = parseSiteYaml(readFileSync(join(repoRoot, 'content/site.yaml'), 'utf8'), 'content/site.yaml');

/** An S3 client that never leaves the process: GetObject answers `body`, or NoSuchKey when undefined. */
function bucketHolding(body: string | undefined) {
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const keys: string[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      keys.push(String((args.input as { Key?: string }).Key));
      if (body === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return {
        output: { $metadata: {}, Body: { transformToString: async () => body } },
        response: {},
      } as never;
    },
    { step: 'initialize', name: 'stub' },
  );
  return { client, keys };
}

describe('site.json, the settings the deploy writes beside site.yaml', () => {
  it('reads back exactly what site.yaml validated to', async () => {
    const { client, keys } = bucketHolding(siteJsonOf(site));
    await expect(loadSiteJsonFromBucket(client, 'content')).resolves.toEqual(site);
    expect(keys).toEqual([SITE_JSON_KEY]);
  });

  it('names the object and the field when it is missing or wrong', async () => {
    await expect(loadSiteJsonFromBucket(bucketHolding(undefined).client, 'content')).rejects.toThrow(
      /s3:\/\/content\/site\.json is invalid:\n {2}- is missing: the deploy writes it/,
    );
    await expect(loadSiteJsonFromBucket(bucketHolding('{"title":').client, 'content')).rejects.toThrow(
      /s3:\/\/content\/site\.json is invalid:\n {2}- is not JSON/,
    );
    const wrong = JSON.stringify({ ...JSON.parse(siteJsonOf(site)), feedItems: 0, baseUrl: 'nope' });
    await expect(loadSiteJsonFromBucket(bucketHolding(wrong).client, 'content')).rejects.toThrow(
      /baseUrl: .*\n.*feedItems: /s,
    );
  });

  it('refuses to write what is not a validated configuration', () => {
    expect(() => siteJsonOf({ ...site, weekly: { ...site.weekly, hour: 24 } })).toThrow(/hour/);
  });
});
