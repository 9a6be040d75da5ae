import { GetObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { NavPage } from '../../core/pages.js';
import type { PublishedThemeStore } from '../../core/ports.js';
import type { SiteConfig } from '../../core/site.js';
import { type PublishedTheme, publishedThemeFor, type Theme, themeFor } from '../../core/theme.js';
import { loadSiteJsonFromBucket } from './site-json.js';

/** Beside the publisher's other state in the content bucket; only the publisher writes it. */
export const PUBLISHED_THEME_KEY = 'state/theme.json';

const publishedThemeSchema = z.object({
  format: z.literal(1),
  key: z.string().min(1),
  files: z.record(z.string(), z.string()),
  nav: z.array(z.object({ name: z.string(), title: z.string() })).optional(),
});

const statusOf = (error: unknown) =>
  error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;

/**
 * The theme the publisher hands to the functions that render mail and the subscription pages. A container
 * keeps what it read and asks again with its ETag on every call, so an unchanged theme costs a 304, and a
 * theme published a moment ago is used by the next call.
 */
export class S3PublishedTheme implements PublishedThemeStore {
  private cached: { readonly etag: string; readonly theme: PublishedTheme } | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async load(): Promise<PublishedTheme | undefined> {
    const cached = this.cached;
    let body: string;
    let etag: string | undefined;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: PUBLISHED_THEME_KEY,
          ...(cached ? { IfNoneMatch: cached.etag } : {}),
        }),
      );
      body = (await out.Body?.transformToString('utf8')) ?? '';
      etag = out.ETag;
    } catch (error) {
      const status = statusOf(error);
      if (cached && status === 304) return cached.theme;
      // Not written yet (no publish since this release): the bundled theme it is, until a publish. The
      // readers may list this one key (s3:ListBucket with s3:prefix, infra/concerns/grants.ts), so S3
      // answers a missing object with 404; a 403 is a refusal (a grant gone, a key policy) and is thrown,
      // for themeOrBundled to log, never taken for a theme not published yet.
      if (status === 404 || (error as Error).name === 'NoSuchKey') {
        this.cached = undefined;
        return undefined;
      }
      throw error;
    }
    const theme = parsePublishedTheme(body, `s3://${this.bucket}/${PUBLISHED_THEME_KEY}`);
    this.cached = etag ? { etag, theme } : undefined;
    return theme;
  }

  async save(theme: PublishedTheme): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: PUBLISHED_THEME_KEY,
        Body: JSON.stringify(theme),
        ContentType: 'application/json',
      }),
    );
  }
}

/** The stored document, checked: a malformed one is a ConfigError naming it, never a theme half read. */
export function parsePublishedTheme(body: string, source: string): PublishedTheme {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new ConfigError(source, [`is not JSON: ${(error as Error).message}`]);
  }
  const parsed = publishedThemeSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(all)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/**
 * The theme mail and the subscription pages render with: the published one, or the bundled one when the
 * published one cannot be read or does not load. A broken theme object must never stop mail or an
 * unsubscribe (RFC 8058 one-click); it is logged, and the next publish that writes a good one mends it.
 */
export async function themeOrBundled(
  site: Pick<SiteConfig, 'language' | 'strings' | 'theme'>,
  published: Promise<PublishedTheme | undefined>,
  warn: (message: string, error: unknown) => void,
): Promise<Theme> {
  try {
    return publishedThemeFor(site, await published);
  } catch (error) {
    warn('the published theme cannot be used; rendering with the bundled theme', error);
    return themeFor(site);
  }
}

/**
 * What send and subscribe read on every call: the site settings and, in parallel, the published theme
 * (by ETag), resolved as themeOrBundled does.
 */
export async function siteAndTheme(
  client: S3Client,
  bucket: string,
  store: PublishedThemeStore,
  warn: (message: string, error: unknown) => void,
): Promise<{ site: SiteConfig; theme: Theme; nav: readonly NavPage[] }> {
  const published = store.load();
  // Waits for both; a failed theme read is themeOrBundled's to report, after the settings it falls back on.
  const [site, read] = await Promise.all([
    loadSiteJsonFromBucket(client, bucket),
    published.catch(() => undefined),
  ]);
  return { site, theme: await themeOrBundled(site, published, warn), nav: read?.nav ?? [] };
}
