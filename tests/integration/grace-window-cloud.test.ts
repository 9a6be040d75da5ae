// Issue 17, item 6 in AWS, on the local AWS: with `digest.delay`, the publish function hands no digest on;
// it sets the EventBridge Scheduler one-shot wake-up for the window's end (no function waits), and the
// publish that wake-up runs sends the article as edited in the window. The operator's hold is a DynamoDB
// item the publish reads.
import { randomUUID } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoDigestHold } from '../../src/adapters/aws/dynamo/digest-hold.js';
import { DynamoPublishLease } from '../../src/adapters/aws/dynamo/publish-lease.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { S3SiteIndexStore } from '../../src/adapters/aws/state-object.js';
import { parseSiteYaml } from '../../src/core/site-yaml.js';
import { ManualClock } from '../../src/dev/local-aws/clock.js';
import { type StackUnderTest, startStackUnderTest } from '../../src/dev/local-aws/harness.js';
import { notificationRecord } from '../../src/dev/local-aws/s3-notifications.js';
import { type DeskDeps, deskStatus, holdDigest, releaseDigest } from '../../src/pipeline/desk.js';
import { broadsheet, repoRoot, scratchProject } from '../helpers/cli.js';

const DELAY_S = 8;
const subscribers = ['ana@example.org', 'bo@example.org'];
let stack: StackUnderTest;
let clock: ManualClock;
let desk: DeskDeps;

const article = (title: string, date: string) =>
  `---\ntitle: ${title}\ndate: ${date}\nsummary: About ${title}.\n---\nText of ${title}.\n`;
/** The functions' time: the schedule clock's, plus the waits the local AWS skipped. */
const functionNow = () => stack.aws.functionNow();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes one key at once, as its S3 event would (without the queue's batching window). */
async function publishNow(key: string) {
  const body = JSON.stringify({
    Records: [notificationRecord(stack.contentBucket, 'ObjectCreated:Put', { key }, 'test')],
  });
  const outcome = await stack.aws.fn('Publish').invoke({ Records: [{ messageId: randomUUID(), body }] });
  expect(outcome.ok).toBe(true);
}

/**
 * A second past a window's end in the functions' time, which is the manual clock's: moved on rather than
 * waited out (the desk calls here are given that time). The --stack commands read the wall clock, so the
 * test that runs them still waits in real time.
 */
async function pastTheWindow(dueAtMs: number) {
  await clock.advance(Math.max(0, dueAtMs + 1000 - functionNow()));
}

/** Fires what the schedule clock has due a minute past the functions' time (the wake-up), and waits. */
async function fireDueSchedules() {
  await clock.set(new Date(functionNow() + 60_000));
  await stack.aws.settle();
}

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  stack = await startStackUnderTest({ clock, ses: { account: { maxSendRate: 100 } } });
  // On the wall clock, articles dated in 2026 are past announce_window (7 days): widen it, so each is mailed.
  const yaml = `${await readFile(join(repoRoot, 'content/site.yaml'), 'utf8')}digest:\n  delay: ${DELAY_S}s\nannounce_window: 36500\n`;
  await stack.upload('site.yaml', yaml);
  const db = dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb });
  const people = new DynamoSubscribers(db, stack.table);
  for (const address of subscribers) await people.put(address, 'confirmed', Date.now());
  // The first content a site publishes is announced at once (only its newest article).
  await stack.upload('posts/2026-01-10-first.md', article('First light', '2026-01-10'));
  await stack.aws.settle();
  expect((await stack.mailbox()).length).toBe(subscribers.length);
  await stack.clearMailbox();
  stack.aws.notifier.faults.drop = true;
  desk = {
    site: parseSiteYaml(yaml, 'site.yaml'),
    index: new S3SiteIndexStore(stack.aws.clients.s3, stack.contentBucket),
    ledger: new DynamoAnnouncementLedger(db, stack.table),
    hold: new DynamoDigestHold(db, stack.table),
    lease: new DynamoPublishLease(db, stack.table),
  };
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the grace window on the local AWS', () => {
  it('sends the article as edited in the window when the one-shot wake-up fires', async () => {
    const key = 'posts/2026-07-01-late.md';
    await stack.upload(key, article('Laet news', '2026-07-01'));
    const pushedAt = functionNow();
    await publishNow(key);
    await stack.upload(key, article('Late news', '2026-07-01'));
    await publishNow(key);
    const status = await deskStatus(desk, functionNow());
    expect(status.articles.map((a) => a.title)).toEqual(['Late news']);
    expect(status.dueAtMs).toBeGreaterThanOrEqual(pushedAt + DELAY_S * 1000);
    // Still inside the window, or this run shows nothing about waiting.
    expect(functionNow()).toBeLessThan(status.dueAtMs ?? 0);
    expect(await stack.mailbox()).toEqual([]);

    await pastTheWindow(status.dueAtMs ?? 0);
    await fireDueSchedules();
    const mail = await stack.inbox();
    expect([...mail.keys()].sort()).toEqual(subscribers);
    for (const subjects of mail.values()) expect(subjects).toEqual(['Late news · The Broadsheet Gazette']);
    expect(await deskStatus(desk, functionNow())).toEqual({ articles: [], held: false });
    await fireDueSchedules();
    expect((await stack.mailbox()).length).toBe(subscribers.length);
  }, 120_000);

  it('keeps a held digest past its window, and the publish after release sends it once', async () => {
    await stack.clearMailbox();
    const key = 'posts/2026-07-02-held.md';
    await stack.upload(key, article('Held news', '2026-07-02'));
    await publishNow(key);
    await holdDigest(desk, functionNow());
    const { dueAtMs = 0 } = await deskStatus(desk, functionNow());
    await pastTheWindow(dueAtMs);
    await fireDueSchedules();
    expect(await stack.mailbox()).toEqual([]);
    expect(await deskStatus(desk, functionNow())).toMatchObject({
      held: true,
      articles: [{ title: 'Held news' }],
    });

    await releaseDigest(desk, functionNow());
    await publishNow(key); // any publish after the release; `broadsheet release --stack` runs one
    await stack.aws.settle();
    for (const subjects of (await stack.inbox()).values())
      expect(subjects).toEqual(['Held news · The Broadsheet Gazette']);
    expect((await stack.mailbox()).length).toBe(subscribers.length);
    expect(await stack.aws.deadLettered()).toBe(0);
    expect(stack.aws.iam.denials).toEqual([]);
  }, 120_000);

  it('pending, hold, release, cancel and stats with --stack, on the stack the outputs file names', async () => {
    await stack.clearMailbox();
    const dir = await scratchProject();
    await appendFile(join(dir, 'content/site.yaml'), `digest:\n  delay: ${DELAY_S}s\n`);
    const outputs = join(dir, 'cdk-outputs.json');
    // As `npm run dev` writes them, from the template's outputs.
    const written = stack.aws.outputs();
    expect(written).toMatchObject({ TableName: stack.table, ContentBucketName: stack.contentBucket });
    await writeFile(outputs, JSON.stringify({ Broadsheet: written }));
    const cli = (command: string) =>
      broadsheet(
        dir,
        command,
        '--stack',
        'Broadsheet',
        '--outputs',
        outputs,
        '--endpoint',
        stack.aws.endpoints.dynamodb,
        '--s3-endpoint',
        stack.aws.endpoints.s3,
      );

    const key = 'posts/2026-07-03-stacked.md';
    await stack.upload(key, article('Stacked news', '2026-07-03'));
    await publishNow(key);
    const pending = await cli('pending');
    expect(pending.code).toBe(0);
    expect(pending.stdout).toContain('Stacked news  https://gazette.example.com/posts/stacked/');
    expect((await cli('hold')).stdout).toContain('Holding the digest of 1 article');
    const { dueAtMs = 0 } = await deskStatus(desk, functionNow());
    while (functionNow() < dueAtMs + 1000) await sleep(250);
    await fireDueSchedules();
    expect(await stack.mailbox()).toEqual([]);

    // Release runs a publish (site.yaml copied onto itself: its notification wakes the publish function).
    stack.aws.notifier.faults.drop = false;
    expect((await cli('release')).stdout).toContain('Released the digest of 1 article');
    await stack.aws.settle();
    for (const subjects of (await stack.inbox()).values())
      expect(subjects).toEqual(['Stacked news · The Broadsheet Gazette']);
    expect((await stack.mailbox()).length).toBe(subscribers.length);
    stack.aws.notifier.faults.drop = true;

    const dropped = 'posts/2026-07-04-dropped.md';
    await stack.upload(dropped, article('Dropped news', '2026-07-04'));
    await publishNow(dropped);
    expect((await cli('cancel')).stdout).toContain(
      'Cancelled: 1 article recorded as announced, never mailed',
    );
    await sleep(DELAY_S * 1000);
    await fireDueSchedules();
    await publishNow(dropped);
    expect((await stack.mailbox()).length).toBe(subscribers.length);

    const stats = await cli('stats');
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/confirmed/);
    expect(stack.aws.iam.denials).toEqual([]);
  }, 180_000);
});
