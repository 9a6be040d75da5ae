import {
  DeleteObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ArticleSource } from '../../core/article.js';
import { NotFoundError } from '../../core/errors.js';
import type {
  ArticleSourceStore,
  Fingerprints,
  SiteStore,
  SourceEntry,
  StaticAssetStore,
  StoredFile,
  ThemeSourceStore,
} from '../../core/ports.js';
import { themeFilesOf } from '../../core/theme.js';
import { getObject, StateObject } from './state-object.js';

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
