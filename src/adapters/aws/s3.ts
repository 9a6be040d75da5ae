import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
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

async function getBytes(client: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Articles in the content bucket under `posts/`. */
export class S3ArticleSource implements ArticleSourceStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Only the daily reconcile lists; a publish reads just the files its events name. */
  async list(): Promise<SourceEntry[]> {
    const entries: SourceEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: 'posts/', ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key?.endsWith('.md')) entries.push({ path: o.Key, version: o.ETag ?? '' });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries;
  }

  async read(path: string): Promise<ArticleSource> {
    const bytes = await getBytes(this.client, this.bucket, path);
    if (!bytes) throw new NotFoundError(`s3://${this.bucket}/${path}`);
    return { path, bytes };
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

  async get(key: string): Promise<unknown> {
    const bytes = await getBytes(this.client, this.bucket, this.prefix + key);
    return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown) : undefined;
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
