import { gunzipSync, gzipSync } from 'node:zlib';
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
  SiteIndexStore,
  SiteStore,
  SourceEntry,
  StaticAssetStore,
  StoredFile,
  ThemeSourceStore,
} from '../../core/ports.js';
import type { SiteIndex } from '../../core/site-index.js';
import { themeFilesOf } from '../../core/theme.js';

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
    /** 'posts/' for articles, 'pages/' for pages. */
    private readonly prefix: 'posts/' | 'pages/' = 'posts/',
  ) {}

  /** Only the daily reconcile lists; a publish reads just the files its events name. */
  async list(): Promise<SourceEntry[]> {
    const objects = await listObjects(this.client, this.bucket, this.prefix);
    return objects.filter((o) => o.key.endsWith('.md')).map((o) => ({ path: o.key, version: o.etag }));
  }

  async read(path: string): Promise<ArticleSource> {
    const object = await getObject(this.client, this.bucket, path);
    if (!object) throw new NotFoundError(`s3://${this.bucket}/${path}`);
    return { path, bytes: object.bytes, ...(object.etag ? { version: object.etag } : {}) };
  }
}

/** Static files in the content bucket under `static/`; the publisher copies them into the site. */
export class S3StaticAssets implements StaticAssetStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async list(): Promise<SourceEntry[]> {
    const objects = await listObjects(this.client, this.bucket, STATIC_PREFIX);
    return objects
      .filter((o) => !o.key.endsWith('/'))
      .map((o) => ({ path: o.key.slice(STATIC_PREFIX.length), version: o.etag }));
  }

  async read(path: string): Promise<{ bytes: Uint8Array; version?: string }> {
    const object = await getObject(this.client, this.bucket, STATIC_PREFIX + path);
    if (!object) throw new NotFoundError(`s3://${this.bucket}/${STATIC_PREFIX}${path}`);
    return { bytes: object.bytes, ...(object.etag ? { version: object.etag } : {}) };
  }
}

const STATIC_PREFIX = 'static/';

/** The site's theme files in the content bucket under `theme/` (content/theme/ in git). */
export class S3ThemeFiles implements ThemeSourceStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async files(): Promise<Record<string, string>> {
    const objects = (await listObjects(this.client, this.bucket, THEME_PREFIX)).filter(
      (o) => !o.key.endsWith('/'),
    );
    const read = await Promise.all(
      objects.map(async (o) => {
        const object = await getObject(this.client, this.bucket, o.key);
        return [o.key.slice(THEME_PREFIX.length), object?.bytes] as const;
      }),
    );
    // An object deleted between the listing and the read is simply not part of the theme any more.
    return themeFilesOf(
      read.filter((entry): entry is readonly [string, Uint8Array] => entry[1] !== undefined),
    );
  }
}

const THEME_PREFIX = 'theme/';
const SHORT_CACHE = 'public, max-age=300, must-revalidate';
const PAGE_CACHE = 'public, max-age=600';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A private object holding one JSON document, gzipped (the index compresses about fivefold). */
class StateObject<T> {
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

/**
 * The built site in the site bucket. Every file is one PUT, so readers (through CloudFront) see the old or
 * the new version, never a mix. The key of every file is recorded in one private object beside the index
 * (`state/outputs.json.gz` in the content bucket), read once and written around the writes of a publish.
 */
export class S3SiteStore implements SiteStore {
  private readonly manifest: StateObject<Record<string, string>>;
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    state: { readonly bucket: string; readonly key?: string },
  ) {
    this.manifest = new StateObject(client, state.bucket, state.key ?? 'state/outputs.json.gz');
  }

  async fingerprints(): Promise<Fingerprints> {
    return new Map(Object.entries((await this.manifest.get()) ?? {}));
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

  async saveFingerprints(fingerprints: Fingerprints): Promise<void> {
    await this.manifest.put(Object.fromEntries(fingerprints));
  }
}

/** The publisher's index, one private object in the content bucket (`state/site-index.json.gz`). */
export class S3SiteIndexStore implements SiteIndexStore {
  private readonly object: StateObject<SiteIndex>;
  constructor(client: S3Client, bucket: string, key = 'state/site-index.json.gz') {
    this.object = new StateObject(client, bucket, key);
  }

  load(): Promise<SiteIndex | undefined> {
    return this.object.get();
  }

  save(index: SiteIndex): Promise<void> {
    return this.object.put(index);
  }
}
