import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ArticleSource } from '../../core/article.js';
import { NotFoundError } from '../../core/errors.js';
import type {
  ArticleSourceStore,
  Fingerprints,
  SiteStore,
  SourceEntry,
  StateStore,
  StoredFile,
} from '../../core/ports.js';

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    (error instanceof S3ServiceException &&
      (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404))
  );
}

async function getObject(
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

async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; etag: string }[]> {
  const objects: { key: string; etag: string }[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) if (o.Key) objects.push({ key: o.Key, etag: o.ETag ?? '' });
  }
  return objects;
}

/** Articles in the content bucket under `posts/`. */
export class S3ArticleSource implements ArticleSourceStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Only the daily reconcile lists; a publish reads just the files its events name. */
  async list(): Promise<SourceEntry[]> {
    const objects = await listObjects(this.client, this.bucket, 'posts/');
    return objects.filter((o) => o.key.endsWith('.md')).map((o) => ({ path: o.key, version: o.etag }));
  }

  async read(path: string): Promise<ArticleSource> {
    const object = await getObject(this.client, this.bucket, path);
    if (!object) throw new NotFoundError(`s3://${this.bucket}/${path}`);
    return { path, bytes: object.bytes, ...(object.etag ? { version: object.etag } : {}) };
  }
}

const SHORT_CACHE = 'public, max-age=300, must-revalidate';
const PAGE_CACHE = 'public, max-age=600';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The built site in the site bucket. Every file is one PUT, so readers (through CloudFront) see the old or
 * the new version, never a mix. The incremental publisher plans only what changed, so no manifest is kept.
 */
export class S3SiteStore implements SiteStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async fingerprints(): Promise<Fingerprints> {
    return new Map();
  }

  async put(file: StoredFile): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: file.path,
        Body: typeof file.body === 'string' ? Buffer.from(file.body) : file.body,
        ContentType: file.contentType,
        CacheControl: file.immutable ? IMMUTABLE : file.kind === 'page' ? PAGE_CACHE : SHORT_CACHE,
      }),
    );
  }

  async delete(path: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: path }));
  }

  async saveFingerprints(): Promise<void> {}
}

/** The publisher's JSON documents, under a private prefix of the content bucket. */
export class S3StateStore implements StateStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'state/',
  ) {}

  async list(prefix: string): Promise<string[]> {
    const objects = await listObjects(this.client, this.bucket, this.prefix + prefix);
    return objects.map((o) => o.key.slice(this.prefix.length));
  }

  async get(key: string): Promise<unknown> {
    const object = await getObject(this.client, this.bucket, this.prefix + key);
    return object ? (JSON.parse(Buffer.from(object.bytes).toString('utf8')) as unknown) : undefined;
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.prefix + key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }
}
