// The real Lambda handlers against S3 (s3rver), SES v2 (aws-ses-v2-local) and DynamoDB (dynalite).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient, s3Client } from '../../src/adapters/aws/clients.js';
import { DynamoSendLedger } from '../../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { SITE_JSON_KEY, siteJsonOf } from '../../src/adapters/aws/site-json.js';
import { parseSiteYaml } from '../../src/core/site-yaml.js';
import {
  type Emulators,
  s3Notification,
  sesMailbox,
  sqsEvent,
  startEmulators,
  TABLE,
} from '../../src/dev/emulators.js';
import { repoRoot } from '../helpers/cli.js';
import { feedparser } from '../helpers/clients.js';

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

let emu: Emulators;
let publish: Handler;
let digest: Handler;
let send: Handler;
const subscribers = ['ana@example.org', 'bo@example.org', 'chen@example.org'];

const s3 = () => s3Client({ s3: emu.s3 });

async function upload(key: string, body: string | Uint8Array) {
  await s3().send(new PutObjectCommand({ Bucket: 'content', Key: key, Body: body }));
}

async function siteObject(
  key: string,
): Promise<{ body: string; contentType?: string; cacheControl?: string }> {
  const out = await s3().send(new GetObjectCommand({ Bucket: 'site', Key: key }));
  return {
    body: (await out.Body?.transformToString('utf8')) ?? '',
    ...(out.ContentType ? { contentType: out.ContentType } : {}),
    ...(out.CacheControl ? { cacheControl: out.CacheControl } : {}),
  };
}

async function siteHas(key: string): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: 'site', Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function parsedFeed(key: string) {
  const dir = await mkdtemp(join(tmpdir(), 'feed-'));
  const file = join(dir, key.replace(/\//g, '_'));
  await writeFile(file, (await siteObject(key)).body);
  return feedparser(file);
}

const event = (...changes: { key: string; removed?: boolean }[]) =>
  sqsEvent([s3Notification('content', changes)]);

/** Runs the digest queue through the digest function and the send queue through the sender. */
async function deliverDigests(): Promise<void> {
  expect((await emu.queues.deliverMail({ digest, send })).failed).toEqual([]);
}

async function inbox(): Promise<Map<string, string[]>> {
  const byRecipient = new Map<string, string[]>();
  for (const mail of await sesMailbox(emu.ses)) {
    for (const to of mail.destination.to) byRecipient.set(to, [...(byRecipient.get(to) ?? []), mail.subject]);
  }
  return byRecipient;
}

const article = (title: string, date: string, tags = '[cloud]') =>
  `---\ntitle: ${title}\ndate: ${date}\ntags: ${tags}\nsummary: About ${title}.\n---\nText of ${title}.\n`;

beforeAll(async () => {
  emu = await startEmulators();
  Object.assign(process.env, emu.env);
  publish = (await import('../../functions/publish.js')).handler;
  digest = (await import('../../functions/digest.js')).handler;
  send = (await import('../../functions/send.js')).handler;

  const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
  await upload('site.yaml', siteYaml);
  // As a deploy does: the settings, validated, for the functions that do not parse YAML.
  await upload(SITE_JSON_KEY, siteJsonOf(parseSiteYaml(siteYaml, 'content/site.yaml')));
  const people = new DynamoSubscribers(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
  for (const address of subscribers) await people.put(address, 'confirmed', Date.now());
  await people.put('gone@example.org', 'unsubscribed', Date.now());
  await people.put('pending@example.org', 'pending', Date.now());
}, 60_000);

afterAll(async () => {
  await emu?.stop();
});

describe('cloud edition against emulators', () => {
  it('publishes uploaded articles and mails one digest to each confirmed subscriber', async () => {
    await upload('posts/2026-01-10-first.md', article('First light', '2026-01-10'));
    await upload('posts/2026-02-10-second.md', article('Second wind', '2026-02-10', '[cloud, email]'));
    await upload('posts/2026-03-10-third post.md', article('Third “time” lucky', '2026-03-10'));

    const result = await publish(
      event(
        { key: 'posts/2026-01-10-first.md' },
        { key: 'posts/2026-02-10-second.md' },
        { key: 'posts/2026-03-10-third post.md' },
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });

    const feed = await parsedFeed('feed.xml');
    expect(feed.bozo).toBe(false);
    expect(feed.entries.map((e) => e.title)).toEqual(['Third “time” lucky', 'Second wind', 'First light']);
    expect(feed.entries[0]?.link).toBe('https://gazette.example.com/posts/third-post/');
    expect((await parsedFeed('atom.xml')).bozo).toBe(false);
    expect((await parsedFeed('tags/email/feed.xml')).entries.map((e) => e.title)).toEqual(['Second wind']);

    const page = await siteObject('posts/third-post/index.html');
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Third “time” lucky');
    const rss = await siteObject('feed.xml');
    expect(rss.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(rss.cacheControl).toMatch(/max-age=300/);
    expect((await siteObject('archive/2026/index.html')).body).toContain('First light');

    // The first run announces only the newest article.
    expect(emu.queues.peek('digest')).toHaveLength(1);
    await deliverDigests();
    const mail = await inbox();
    expect([...mail.keys()].sort()).toEqual(subscribers);
    for (const subjects of mail.values())
      expect(subjects).toEqual(['Third “time” lucky · The Broadsheet Gazette']);

    // The emulator keeps what it parsed from our raw MIME (not the headers themselves; the unit tests parse
    // those from the same renderer): sender, subject, both parts and the per-recipient unsubscribe link.
    const [first] = await sesMailbox(emu.ses);
    expect(first?.from).toBe('"The Broadsheet Gazette" <digest@gazette.example.com>');
    expect(first?.body.text).toMatch(
      /Unsubscribe: https:\/\/gazette\.example\.com\/api\/unsubscribe\?token=[\w-]+\.[\w-]+/,
    );
    expect(first?.body.text).toContain('https://gazette.example.com/posts/third-post/');
    expect(first?.body.html).toContain('https://gazette.example.com/posts/third-post/');
  });

  it('sends nothing more when the same event arrives three times', async () => {
    const repeated = event({ key: 'posts/2026-03-10-third post.md' });
    for (let i = 0; i < 3; i++) expect(await publish(repeated)).toEqual({ batchItemFailures: [] });
    expect(emu.queues.peek('digest')).toHaveLength(0);
    await deliverDigests();
    for (const subjects of (await inbox()).values()) expect(subjects).toHaveLength(1);
  });

  it('mails a new article exactly once when 20 publishes of it run at once', async () => {
    await upload('posts/2026-04-01-fourth.md', article('Fourth estate', '2026-04-01'));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => publish(event({ key: 'posts/2026-04-01-fourth.md' }))),
    );
    for (const r of results) expect(r).toEqual({ batchItemFailures: [] });
    expect(emu.queues.peek('digest')).toHaveLength(1);

    // Deliver the digest, then deliver its send batches a second time, as SQS may.
    const digests = emu.queues.take('digest');
    await digest(digests);
    const batches = emu.queues.peek('send');
    await send(sqsEvent(batches));
    await send(emu.queues.take('send'));
    const mail = await inbox();
    for (const address of subscribers) {
      expect(mail.get(address)).toEqual([
        'Third “time” lucky · The Broadsheet Gazette',
        'Fourth estate · The Broadsheet Gazette',
      ]);
    }
    expect(mail.has('gone@example.org')).toBe(false);
    expect(mail.has('pending@example.org')).toBe(false);

    const digestId = JSON.parse(digests.Records[0]?.body ?? '{}').digestId as string;
    const ledger = await new DynamoSendLedger(dynamoClient({ dynamodb: emu.dynamodb }), TABLE).deliveries(
      digestId,
    );
    expect([...ledger.keys()].sort()).toEqual(subscribers);
    for (const delivery of ledger.values()) expect(delivery.state).toBe('sent');
  });

  it('keeps the last good feed and sends nothing when an article is invalid', async () => {
    const before = (await siteObject('feed.xml')).body;
    await upload('posts/2026-05-01-broken.md', '---\ntitle: [unclosed\ndate: 2026-05-01\n---\nBody\n');
    await upload('posts/2026-05-02-bad-date.md', article('Bad date', '2026-02-30'));
    expect(
      await publish(event({ key: 'posts/2026-05-01-broken.md' }, { key: 'posts/2026-05-02-bad-date.md' })),
    ).toEqual({
      batchItemFailures: [],
    });
    expect((await siteObject('feed.xml')).body).toBe(before);
    expect(emu.queues.peek('digest')).toHaveLength(0);
  });

  it('takes a deleted article out of every feed and page', async () => {
    await s3().send(new DeleteObjectCommand({ Bucket: 'content', Key: 'posts/2026-02-10-second.md' }));
    expect(await publish(event({ key: 'posts/2026-02-10-second.md', removed: true }))).toEqual({
      batchItemFailures: [],
    });
    const feed = await parsedFeed('feed.xml');
    expect(feed.entries.map((e) => e.title)).toEqual(['Fourth estate', 'Third “time” lucky', 'First light']);
    expect(await siteHas('posts/second/index.html')).toBe(false);
    expect(await siteHas('tags/email/feed.xml')).toBe(false);
    expect((await parsedFeed('tags/cloud/feed.xml')).entries.map((e) => e.title)).not.toContain(
      'Second wind',
    );
    expect((await siteObject('archive/2026/index.html')).body).not.toContain('Second wind');
    expect(emu.queues.peek('digest')).toHaveLength(0);
  });
});

describe('conditional GET', () => {
  // What a feed reader (or CloudFront revalidating) does: ask again with the validators it was given.
  const fetchFeed = (headers: Record<string, string> = {}) => fetch(`${emu.s3}/site/feed.xml`, { headers });

  it('answers 304 while a feed is unchanged, and 200 with new validators once it changes', async () => {
    // Two items a feed, so an article older than both leaves the site-wide feed as it is.
    const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
    await upload('site.yaml', siteYaml.replace(/^feed_items: \d+$/m, 'feed_items: 2'));
    await upload('posts/2026-04-05-sixth.md', article('Sixth sense', '2026-04-05'));
    await publish(event({ key: 'posts/2026-04-05-sixth.md' }));
    const first = await fetchFeed();
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).not.toBe('');
    expect(lastModified).not.toBe('');

    // Last-Modified has one-second resolution: let a rewrite, if one happened, show in it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Publishes that change no item of the site-wide feed: an old article (its year, tag and home pages
    // change), a draft, and the same bytes of an article uploaded again.
    await upload('posts/2019-05-01-old.md', article('From the archive', '2019-05-01', '[history]'));
    await upload(
      'posts/2026-04-01-draft-note.md',
      '---\ntitle: Not yet\ndate: 2026-04-01\ndraft: true\n---\nSoon.\n',
    );
    await upload('posts/2026-04-01-fourth.md', article('Fourth estate', '2026-04-01'));
    const quiet = await publish(
      event(
        { key: 'posts/2019-05-01-old.md' },
        { key: 'posts/2026-04-01-draft-note.md' },
        { key: 'posts/2026-04-01-fourth.md' },
      ),
    );
    expect(quiet.batchItemFailures).toEqual([]);
    expect((await siteObject('archive/2019/index.html')).body).toContain('From the archive');
    expect((await fetchFeed({ 'if-none-match': etag })).status).toBe(304);
    expect((await fetchFeed({ 'if-modified-since': lastModified })).status).toBe(304);
    expect((await fetchFeed()).headers.get('last-modified')).toBe(lastModified);

    await upload('posts/2026-04-06-seventh.md', article('Seventh heaven', '2026-04-06'));
    await publish(event({ key: 'posts/2026-04-06-seventh.md' }));
    const changed = await fetchFeed({ 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('Seventh heaven');

    await deliverDigests();
    await upload('site.yaml', siteYaml);
  });
});

describe('daily reconcile', () => {
  it('publishes what arrived without an event and removes what left without one', async () => {
    const reconcile = (await import('../../functions/reconcile.js')).handler;
    await upload('posts/2026-06-01-quiet.md', article('Quietly uploaded', '2026-06-01'));
    await s3().send(new DeleteObjectCommand({ Bucket: 'content', Key: 'posts/2026-01-10-first.md' }));
    // The invalid articles from the earlier test are still in the bucket: checked (and reported) every day.
    const invalid = ['posts/2026-05-01-broken.md', 'posts/2026-05-02-bad-date.md'];
    expect(await reconcile()).toEqual({
      drift: ['posts/2026-01-10-first.md', ...invalid, 'posts/2026-06-01-quiet.md'],
    });
    const titles = (await parsedFeed('feed.xml')).entries.map((e) => e.title);
    expect(titles).toContain('Quietly uploaded');
    expect(titles).not.toContain('First light');
    expect(await siteHas('posts/first/index.html')).toBe(false);
    expect(await reconcile()).toEqual({ drift: invalid });
    emu.queues.take('digest');
  });
});
