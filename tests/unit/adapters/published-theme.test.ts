// The theme the publisher hands to send and subscribe, in S3 (s3rver): read whole once, then by ETag (a 304
// keeps what the container holds), a new version as soon as it is written, the bundled theme while absent.
// Absent is S3's 404 (NoSuchKey) alone: a 403 is a refusal, reported, never taken for "no theme yet".
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../../src/adapters/aws/clients.js';
import {
  PUBLISHED_THEME_KEY,
  S3PublishedTheme,
  themeOrBundled,
} from '../../../src/adapters/aws/published-theme.js';
import { ConfigError } from '../../../src/core/errors.js';
import { publishedThemeOf } from '../../../src/core/theme.js';

let server: S3rver;
let dir: string;
let s3: S3Client;
const BUCKET = 'content';

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  dir = await mkdtemp(join(tmpdir(), 's3rver-theme-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  s3 = s3Client({ s3: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('S3PublishedTheme', () => {
  it('is absent before a publish, then read, kept while unchanged, and read again once rewritten', async () => {
    const reader = new S3PublishedTheme(s3, BUCKET);
    expect(await reader.load()).toBeUndefined();

    const first = publishedThemeOf({ 'email/digest.txt.liquid': 'One.\n' });
    await new S3PublishedTheme(s3, BUCKET).save(first);
    const read = await reader.load();
    expect(read).toEqual(first);
    // Unchanged: S3 answers the ETag with 304, and the reader hands back what it holds.
    expect(await reader.load()).toBe(read);

    // With the navigation the subscription pages show, which the reader keeps.
    const second = publishedThemeOf({ 'email/digest.txt.liquid': 'Two.\n' }, [
      { name: 'about', title: 'About' },
    ]);
    await new S3PublishedTheme(s3, BUCKET).save(second);
    expect(await reader.load()).toEqual(second);
    expect(second.nav).toEqual([{ name: 'about', title: 'About' }]);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: PUBLISHED_THEME_KEY }));
    expect(await reader.load()).toBeUndefined();
  });

  it('refuses a malformed object, naming it', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: PUBLISHED_THEME_KEY, Body: '{"format":2,"files":{}}' }),
    );
    await expect(new S3PublishedTheme(s3, BUCKET).load()).rejects.toThrow(ConfigError);
    await expect(new S3PublishedTheme(s3, BUCKET).load()).rejects.toThrow(/state\/theme\.json/);
  });
});

describe('S3PublishedTheme refused', () => {
  it('reports a 403 (AccessDenied) as an error, not as a theme not published yet', async () => {
    // S3's own answer to a GetObject it refuses, as it comes over the wire: the SDK parses it as it would.
    const refusing = createServer((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R</RequestId></Error>',
      );
    });
    refusing.listen(0, '127.0.0.1');
    await once(refusing, 'listening');
    try {
      const { port } = refusing.address() as AddressInfo;
      const reader = new S3PublishedTheme(s3Client({ s3: `http://127.0.0.1:${port}` }), BUCKET);
      const refused = reader.load();
      await expect(refused).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
      // What send and subscribe then do: log it and render with the bundled theme.
      const warned: unknown[] = [];
      const theme = await themeOrBundled(
        { language: 'en', strings: {}, theme: 'default' },
        refused,
        (_message, error) => warned.push(error),
      );
      expect(
        theme.render('email/confirm.txt.liquid', {
          site: { title: 'T' },
          confirm_url: 'https://x/c',
          days: 7,
        }),
      ).toContain('https://x/c');
      expect(warned).toHaveLength(1);
    } finally {
      refusing.close();
    }
  });
});

describe('a published theme that cannot be used', () => {
  const site = { language: 'en', strings: {}, theme: 'default' } as const;
  const bundledConfirm = (theme: { render(path: string, scope: Record<string, unknown>): string }) =>
    theme.render('email/confirm.txt.liquid', { site: { title: 'T' }, confirm_url: 'https://x/c', days: 7 });

  it('never stops mail or the subscription pages: the bundled theme renders, and the reason is logged', async () => {
    const warned: unknown[] = [];
    const unreadable = Promise.reject(new ConfigError('s3://content/state/theme.json', ['is not JSON']));
    const broken = Promise.resolve({
      format: 1 as const,
      key: 'k',
      files: { 'email/confirm.txt.liquid': '{% if %}' },
    });
    for (const published of [unreadable, broken]) {
      const theme = await themeOrBundled(site, published, (_message, error) => warned.push(error));
      expect(bundledConfirm(theme)).toContain('https://x/c');
    }
    expect(warned).toHaveLength(2);
  });
});
