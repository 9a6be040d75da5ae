import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { DEFAULT_ANNOUNCE_WINDOW_DAYS } from '../../core/announce-window.js';
import { ConfigError } from '../../core/errors.js';
import type { SiteConfig } from '../../core/site.js';

/**
 * site.yaml, already validated: the deploy writes it beside site.yaml (infra, from the same schema the CLI
 * uses), so the functions that only read the settings load JSON and bundle neither the YAML parser nor the
 * time zone database the validation needs. The publisher, which parses YAML front matter anyway, reads
 * site.yaml itself.
 */
export const SITE_JSON_KEY = 'site.json';

const text = z.string();
const url = z.url();
/** The shape of a validated SiteConfig; the checks that needed YAML or time zones ran before it was written. */
export const siteJsonSchema = z
  .object({
    title: text.min(1),
    description: text,
    baseUrl: url,
    language: text.min(2),
    timezone: text.min(1),
    author: z.object({ name: text.min(1), email: z.email().optional(), url: url.optional() }),
    sender: z.object({ name: text.min(1), address: z.email() }),
    replyTo: z.email().optional(),
    apiUrl: url,
    websubHub: url.optional(),
    weekly: z.object({
      weekday: z.number().int().min(1).max(7),
      hour: z.number().int().min(0).max(23),
      minute: z.number().int().min(0).max(59),
    }),
    feedItems: z.number().int().min(1),
    homeItems: z.number().int().min(1),
    copyright: text.optional(),
    // Absent from site.json files written before the welcome email existed: on, as in site.yaml.
    welcome: z.boolean().default(true),
    // Absent from site.json files written before themes and languages: the default theme, no overrides.
    theme: text.optional(),
    strings: z.record(text, z.union([text, z.record(text, text)])).optional(),
    nav: z.array(text).default([]),
    math: z.boolean().default(false),
    announceWindowDays: z.number().min(0).default(DEFAULT_ANNOUNCE_WINDOW_DAYS),
    // Absent from site.json files written before the grace window existed: no delay, as in site.yaml.
    digest: z
      .object({
        delayMs: z.number().int().min(0),
        content: z.enum(['full', 'summary']).default('summary'),
      })
      .default({ delayMs: 0, content: 'summary' }),
    archive: z.boolean().default(true),
    topics: z.array(z.object({ name: text.min(1), slug: text.min(1) })).default([]),
  })
  // JSON leaves out what is undefined; SiteConfig names those keys all the same.
  .transform(
    (s): SiteConfig => ({
      ...s,
      replyTo: s.replyTo,
      websubHub: s.websubHub,
      copyright: s.copyright,
      theme: s.theme,
      strings: s.strings,
    }),
  );

/** The body of site.json for a validated configuration. */
export function siteJsonOf(site: SiteConfig): string {
  return `${JSON.stringify(siteJsonSchema.parse(site), null, 2)}\n`;
}

/** site.json, read from the content bucket; a missing or malformed one is a ConfigError naming it. */
export async function loadSiteJsonFromBucket(client: S3Client, bucket: string): Promise<SiteConfig> {
  const source = `s3://${bucket}/${SITE_JSON_KEY}`;
  let body: string;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: SITE_JSON_KEY }));
    body = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if ((error as Error).name !== 'NoSuchKey') throw error;
    throw new ConfigError(source, ['is missing: the deploy writes it beside site.yaml (see docs/deploy.md)']);
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new ConfigError(source, [`is not JSON: ${(error as Error).message}`]);
  }
  const parsed = siteJsonSchema.safeParse(data);
  if (!parsed.success)
    throw new ConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(all)'}: ${i.message}`),
    );
  return parsed.data;
}
