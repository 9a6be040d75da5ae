import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SiteConfig } from '../../core/site.js';
import { parseSiteYaml } from '../../core/site-yaml.js';

/** site.yaml, read from the content bucket (deployed beside the articles). */
export async function loadSiteFromBucket(client: S3Client, bucket: string): Promise<SiteConfig> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'site.yaml' }));
  return parseSiteYaml((await out.Body?.transformToString('utf8')) ?? '', `s3://${bucket}/site.yaml`);
}
