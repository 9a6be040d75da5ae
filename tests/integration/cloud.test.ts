// The cloud edition as deployed, on the local AWS: the synthesized template's buckets, queues, table and
// functions (run from their bundles, with their roles), S3 notifications driving the publish function
// through its queue, the digest and send functions through theirs, SES capturing the mail.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoSendLedger } from '../../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { WallClock } from '../../src/dev/local-aws/clock.js';
import { type StackUnderTest, startStackUnderTest } from '../../src/dev/local-aws/harness.js';
import { repoRoot } from '../helpers/cli.js';
import { feedparser } from '../helpers/clients.js';

let stack: StackUnderTest;
const subscribers = ['ana@example.org', 'bo@example.org', 'chen@example.org'];

async function parsedFeed(key: string) {
  const dir = await mkdtemp(join(tmpdir(), 'feed-'));
  const file = join(dir, key.replace(/\//g, '_'));
  await writeFile(file, (await stack.siteObject(key))?.body ?? '');
  return feedparser(file);
}

const article = (title: string, date: string, tags = '[cloud]') =>
  `---\ntitle: ${title}\ndate: ${date}\ntags: ${tags}\nsummary: About ${title}.\n---\nText of ${title}.\n`;

/** Digest ids the publish function handed on since the last look. */
function digestsHandedOn(): string[] {
  const ids = stack.logs
    .entries('Publish', 'published')
    .flatMap((e) => (typeof e.digestId === 'string' ? [e.digestId] : []));
  stack.logs.clear();
  return ids;
}

async function nothingLost(): Promise<void> {
  expect(await stack.aws.deadLettered()).toBe(0);
  expect(stack.aws.deliveries.lost).toEqual([]);
  expect(stack.aws.iam.denials).toEqual([]);
}

beforeAll(async () => {
  stack = await startStackUnderTest({ clock: new WallClock(), ses: { account: { maxSendRate: 200 } } });
  // The stack runs on the wall clock and these articles are dated early in 2026: a window wide enough that
  // each is mailed as it arrives (announce_window's own behaviour is tested in publish.test.ts).
  const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
  await stack.upload('site.yaml', `${siteYaml}announce_window: 36500\n`);
  const people = new DynamoSubscribers(dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb }), stack.table);
  for (const address of subscribers) await people.put(address, 'confirmed', Date.now());
  await people.put('gone@example.org', 'unsubscribed', Date.now());
  await people.put('pending@example.org', 'pending', Date.now());
  await stack.aws.settle();
  stack.logs.clear();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('cloud edition on the local AWS', () => {
  it('publishes uploaded articles and mails one digest to each confirmed subscriber', async () => {
    await stack.upload('posts/2026-01-10-first.md', article('First light', '2026-01-10'));
    await stack.upload('posts/2026-02-10-second.md', article('Second wind', '2026-02-10', '[cloud, email]'));
    await stack.upload('posts/2026-03-10-third post.md', article('Third “time” lucky', '2026-03-10'));
    await stack.aws.settle();

    const feed = await parsedFeed('feed.xml');
    expect(feed.bozo).toBe(false);
    expect(feed.entries.map((e) => e.title)).toEqual(['Third “time” lucky', 'Second wind', 'First light']);
    expect(feed.entries[0]?.link).toBe('https://gazette.example.com/posts/third-post/');
    expect((await parsedFeed('atom.xml')).bozo).toBe(false);
    expect((await parsedFeed('tags/email/feed.xml')).entries.map((e) => e.title)).toEqual(['Second wind']);

    const page = await stack.siteObject('posts/third-post/index.html');
    expect(page?.contentType).toBe('text/html; charset=utf-8');
    expect(page?.body).toContain('Third “time” lucky');
    const rss = await stack.siteObject('feed.xml');
    expect(rss?.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(rss?.cacheControl).toMatch(/max-age=300/);
    expect((await stack.siteObject('archive/2026/index.html'))?.body).toContain('First light');

    // The first content a site publishes announces only its newest article, even though the notification
    // configuration's s3:TestEvent already ran a publish over the empty bucket (a deploy whose content lands
    // after the notification is configured): an index without sources is still a first run.
    expect(digestsHandedOn()).toHaveLength(1);
    const mail = await stack.inbox();
    expect([...mail.keys()].sort()).toEqual(subscribers);
    for (const subjects of mail.values())
      expect(subjects).toEqual(['Third “time” lucky · The Broadsheet Gazette']);

    const [first] = await stack.mailbox();
    expect(first?.from).toBe('"The Broadsheet Gazette" <digest@gazette.example.com>');
    expect(first?.body.text).toMatch(
      /Unsubscribe: https:\/\/gazette\.example\.com\/api\/unsubscribe\?token=[\w-]+\.[\w-]+/,
    );
    expect(first?.body.text).toContain('https://gazette.example.com/posts/third-post/');
    await nothingLost();
  });

  it('sends nothing more when S3 delivers the same event three more times', async () => {
    for (let i = 0; i < 3; i++) await stack.notifyAgain([{ key: 'posts/2026-03-10-third post.md' }]);
    await stack.aws.settle();
    expect(digestsHandedOn()).toEqual([]);
    for (const subjects of (await stack.inbox()).values()) expect(subjects).toHaveLength(1);
    await nothingLost();
  });

  it('mails a new article exactly once when 20 notifications of it arrive at once, and again when its digest is redelivered', async () => {
    await stack.upload('posts/2026-04-01-fourth.md', article('Fourth estate', '2026-04-01'));
    await stack.notifyAgain(Array.from({ length: 19 }, () => ({ key: 'posts/2026-04-01-fourth.md' })));
    await stack.aws.settle();
    const [digestId] = digestsHandedOn();
    expect(digestId).toMatch(/^[0-9a-f]+$/);

    // SQS may deliver the digest message again: a second fan-out finds every recipient already sent.
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const digestQueue = stack.aws.fn('Publish').config.environment.DIGEST_QUEUE_URL ?? '';
    await stack.aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: digestQueue, MessageBody: JSON.stringify({ digestId }) }),
    );
    await stack.aws.settle();

    const mail = await stack.inbox();
    for (const address of subscribers) {
      expect(mail.get(address)).toEqual([
        'Third “time” lucky · The Broadsheet Gazette',
        'Fourth estate · The Broadsheet Gazette',
      ]);
    }
    expect(mail.has('gone@example.org')).toBe(false);
    expect(mail.has('pending@example.org')).toBe(false);
    const ledger = await new DynamoSendLedger(
      dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb }),
      stack.table,
    ).deliveries(digestId ?? '');
    expect([...ledger.keys()].sort()).toEqual(subscribers);
    for (const delivery of ledger.values()) expect(delivery.state).toBe('sent');
    await nothingLost();
  });

  it('keeps the last good feed and sends nothing when an article is invalid', async () => {
    const before = (await stack.siteObject('feed.xml'))?.body;
    await stack.upload('posts/2026-05-01-broken.md', '---\ntitle: [unclosed\ndate: 2026-05-01\n---\nBody\n');
    await stack.upload('posts/2026-05-02-bad-date.md', article('Bad date', '2026-02-30'));
    await stack.aws.settle();
    const rejected = stack.logs.entries('Publish', 'rejected; the last good version stays online');
    expect(rejected.map((r) => r.file).sort()).toEqual([
      'posts/2026-05-01-broken.md',
      'posts/2026-05-02-bad-date.md',
    ]);
    expect((await stack.siteObject('feed.xml'))?.body).toBe(before);
    expect(digestsHandedOn()).toEqual([]);
  });

  it('takes a deleted article out of every feed and page', async () => {
    await stack.remove('posts/2026-02-10-second.md');
    await stack.aws.settle();
    const feed = await parsedFeed('feed.xml');
    expect(feed.entries.map((e) => e.title)).toEqual(['Fourth estate', 'Third “time” lucky', 'First light']);
    expect(await stack.siteObject('posts/second/index.html')).toBeUndefined();
    expect(await stack.siteObject('tags/email/feed.xml')).toBeUndefined();
    expect((await parsedFeed('tags/cloud/feed.xml')).entries.map((e) => e.title)).not.toContain(
      'Second wind',
    );
    expect((await stack.siteObject('archive/2026/index.html'))?.body).not.toContain('Second wind');
    expect(digestsHandedOn()).toEqual([]);
  });
});

describe('conditional GET through CloudFront', () => {
  // What a feed reader does: ask again with the validators it was given, at the distribution's URL.
  const fetchFeed = (headers: Record<string, string> = {}) =>
    fetch(`${stack.aws.endpoints.site}/feed.xml`, { headers });

  it('answers 304 while a feed is unchanged, and 200 with new validators once it changes', async () => {
    // Two items a feed, so an article older than both leaves the site-wide feed as it is.
    const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
    await stack.upload('site.yaml', siteYaml.replace(/^feed_items: \d+$/m, 'feed_items: 2'));
    await stack.upload('posts/2026-04-05-sixth.md', article('Sixth sense', '2026-04-05'));
    await stack.aws.settle();
    const first = await fetchFeed();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).not.toBe('');
    expect(lastModified).not.toBe('');

    // Last-Modified has one-second resolution: let a rewrite, if one happened, show in it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await stack.upload('posts/2019-05-01-old.md', article('From the archive', '2019-05-01', '[history]'));
    await stack.upload(
      'posts/2026-04-01-draft-note.md',
      '---\ntitle: Not yet\ndate: 2026-04-01\ndraft: true\n---\nSoon.\n',
    );
    await stack.upload('posts/2026-04-01-fourth.md', article('Fourth estate', '2026-04-01'));
    await stack.aws.settle();
    expect((await stack.siteObject('archive/2019/index.html'))?.body).toContain('From the archive');
    expect((await fetchFeed({ 'if-none-match': etag })).status).toBe(304);
    expect((await fetchFeed({ 'if-modified-since': lastModified })).status).toBe(304);
    expect((await fetchFeed()).headers.get('last-modified')).toBe(lastModified);

    await stack.upload('posts/2026-04-06-seventh.md', article('Seventh heaven', '2026-04-06'));
    await stack.aws.settle();
    const changed = await fetchFeed({ 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('Seventh heaven');
    await stack.upload('site.yaml', siteYaml);
    await stack.aws.settle();
  });

  it('serves directory URLs through the viewer-request function, and the 404 page for what is not there', async () => {
    const page = await fetch(`${stack.aws.endpoints.site}/posts/seventh/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('Seventh heaven');
    const missing = await fetch(`${stack.aws.endpoints.site}/posts/no-such-thing/`);
    expect(missing.status).toBe(404);
  });

  it('applies a page and a theme file pushed to the content bucket, each through its own S3 event', async () => {
    await stack.upload('pages/about.md', '---\ntitle: About the Gazette\n---\nWho we are.\n');
    await stack.upload(
      'theme/article.liquid',
      '<article class="pushed"><h1>{{ article.title }}</h1>{{ article.body | sanitized }}</article>\n',
    );
    await stack.aws.settle();
    const text = async (key: string) => String((await stack.siteObject(key))?.body ?? '');
    expect(await text('about/index.html')).toContain('<p>Who we are.</p>');
    expect(await text('posts/seventh/index.html')).toContain(
      '<article class="pushed"><h1>Seventh heaven</h1>',
    );
    const home = await text('index.html');
    expect(home).toContain('>About the Gazette</a>');
    expect(home).not.toContain('class="pushed"');
    expect(await text('feed.xml')).not.toContain('About the Gazette');
    await nothingLost();
  });
});

describe('daily reconcile', () => {
  it('publishes what arrived without an event and removes what left without one', async () => {
    // Objects changed behind the notifications' back: straight into the emulator's store.
    const reconcile = stack.aws.fn('Reconcile');
    const { PutObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const { faults } = stack.aws.notifier;
    faults.drop = true;
    await stack.aws.clients.s3.send(
      new PutObjectCommand({
        Bucket: stack.contentBucket,
        Key: 'posts/2026-06-01-quiet.md',
        Body: article('Quietly uploaded', '2026-06-01'),
      }),
    );
    await stack.aws.clients.s3.send(
      new DeleteObjectCommand({ Bucket: stack.contentBucket, Key: 'posts/2026-01-10-first.md' }),
    );
    faults.drop = false;
    const invalid = ['posts/2026-05-01-broken.md', 'posts/2026-05-02-bad-date.md'];
    const run = await reconcile.invoke({});
    expect(run).toEqual({
      ok: true,
      value: { drift: ['posts/2026-01-10-first.md', ...invalid, 'posts/2026-06-01-quiet.md'] },
    });
    await stack.aws.settle();
    const titles = (await parsedFeed('feed.xml')).entries.map((e) => e.title);
    expect(titles).toContain('Quietly uploaded');
    expect(titles).not.toContain('First light');
    expect(await stack.siteObject('posts/first/index.html')).toBeUndefined();
    expect(await reconcile.invoke({})).toEqual({ ok: true, value: { drift: invalid } });
    await nothingLost();
  });

  it('sends full text, and to each subscriber only the articles on the topics they follow', async () => {
    const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
    await stack.upload(
      'site.yaml',
      `${siteYaml}announce_window: 36500\ntopics: [email, cloud]\ndigest:\n  content: full\n`,
    );
    const people = new DynamoSubscribers(
      dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb }),
      stack.table,
    );
    await people.update('bo@example.org', (current) => current && { ...current, topics: ['email'] });
    await stack.aws.settle();
    await stack.clearMailbox();
    await stack.upload(
      'posts/2026-08-01-topical.md',
      '---\ntitle: Topical\ndate: 2026-08-01\ntags: [cloud]\nsummary: Short.\n---\nThe **whole** text.\n\n```\ncode block\n```\n',
    );
    await stack.aws.settle();
    const mail = await stack.mailbox();
    expect(mail.map((m) => m.destination.to[0]).sort()).toEqual(['ana@example.org', 'chen@example.org']);
    expect(mail[0]?.body.html).toContain('The <strong>whole</strong> text.');
    expect(mail[0]?.body.html).toMatch(/<pre style="[^"]*white-space:pre-wrap/);
    expect(mail[0]?.body.text).toContain('code block');

    await stack.clearMailbox();
    await stack.upload(
      'posts/2026-08-02-both.md',
      '---\ntitle: Both\ndate: 2026-08-02\ntags: [cloud, email]\n---\nFor everyone.\n',
    );
    await stack.aws.settle();
    expect((await stack.inbox()).get('bo@example.org')).toEqual(['Both · The Broadsheet Gazette']);
    expect((await stack.mailbox()).length).toBe(3);

    // The public archive: each issue has its page in the site bucket, listed newest first, no personal link.
    const archive = (await stack.siteObject('newsletter/index.html'))?.body ?? '';
    expect(archive.indexOf('Both · The Broadsheet Gazette')).toBeGreaterThan(-1);
    expect(archive.indexOf('Both · The Broadsheet Gazette')).toBeLessThan(archive.indexOf('Topical · '));
    const issue = /href="https:\/\/gazette\.example\.com\/(newsletter\/[0-9a-f]+\/)"/.exec(archive)?.[1];
    const page = (await stack.siteObject(`${issue}index.html`))?.body ?? '';
    expect(page).toContain('<a href="https://gazette.example.com/posts/both/">Both</a>');
    expect(page).not.toMatch(/token=/);
    // The full-text issue shows the body it mailed, read from the digest's record by the publish function.
    const [, topical] = [
      ...archive.matchAll(/href="https:\/\/gazette\.example\.com\/(newsletter\/[0-9a-f]+\/)"/g),
    ];
    const topicalPage = (await stack.siteObject(`${topical?.[1]}index.html`))?.body ?? '';
    expect(topicalPage).toContain('The <strong>whole</strong> text.');
    expect(topicalPage).not.toMatch(/token=|unsubscribe\?/);
    expect((await stack.siteObject('newsletter/issues.xml'))?.contentType).toBe(
      'application/rss+xml; charset=utf-8',
    );

    // Nobody follows cloud now: the digest is recorded and handed on, mails no one, and gets no issue page.
    for (const address of subscribers)
      await people.update(address, (current) => current && { ...current, topics: ['email'] });
    await stack.aws.settle();
    await stack.clearMailbox();
    stack.logs.clear();
    await stack.upload(
      'posts/2026-08-03-unread.md',
      '---\ntitle: Unread\ndate: 2026-08-03\ntags: [cloud]\n---\nFor nobody.\n',
    );
    await stack.aws.settle();
    const [unread] = digestsHandedOn();
    const db = dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb });
    expect(await new DynamoAnnouncementLedger(db, stack.table).digest(String(unread))).toMatchObject({
      id: unread,
      unreached: true,
    });
    expect(await stack.mailbox()).toEqual([]);
    expect(await stack.siteObject(`newsletter/${unread}/index.html`)).toBeUndefined();
    expect((await stack.siteObject('newsletter/index.html'))?.body).not.toContain('Unread');

    for (const address of subscribers)
      await people.update(address, (current) => {
        if (!current) return undefined;
        const { topics: _topics, ...rest } = current;
        return rest;
      });
    await stack.upload('site.yaml', siteYaml);
    await stack.aws.settle();
    await nothingLost();
  });
});
