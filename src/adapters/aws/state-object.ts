// One object in a bucket read and written whole, gzipped JSON: the publisher's state (its index, the
// manifest of the built site). Apart from the rest of the S3 adapters so the functions that only read the
// index (the weekly digest) bundle nothing else.
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { SiteIndexStore } from '../../core/ports.js';
import type { SiteIndex } from '../../core/site-index.js';

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    (error instanceof S3ServiceException &&
      (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404))
  );
}

export async function getObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ bytes: Uint8Array; etag?: string } | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    return { bytes, ...(out.ETag ? { etag: out.ETag } : {}) };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** A private object holding one JSON document, gzipped (the index compresses about fivefold). */
export class StateObject<T> {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  async get(): Promise<T | undefined> {
    const object = await getObject(this.client, this.bucket, this.key);
    return object ? (JSON.parse(gunzipSync(object.bytes).toString('utf8')) as T) : undefined;
  }

  async put(value: T): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        Body: gzipSync(JSON.stringify(value)),
        ContentType: 'application/json',
        ContentEncoding: 'gzip',
      }),
    );
  }
}

export const SITE_INDEX_KEY = 'state/site-index.json.gz';

/** The publisher's index, one private object in the content bucket (SITE_INDEX_KEY). */
export class S3SiteIndexStore implements SiteIndexStore {
  private readonly object: StateObject<SiteIndex>;
  constructor(client: S3Client, bucket: string, key = SITE_INDEX_KEY) {
    this.object = new StateObject(client, bucket, key);
  }

  load(): Promise<SiteIndex | undefined> {
    return this.object.get();
  }

  save(index: SiteIndex): Promise<void> {
    return this.object.put(index);
  }
}
