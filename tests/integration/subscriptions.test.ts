// Subscribe → confirm (instant or weekly) → digests → one-click unsubscribe → no more digests, and bounces, on
// the local AWS: requests through CloudFront's /api/* behaviour to the HTTP API and the subscribe function,
// the weekly check fired by its EventBridge rule, bounces reported by SES through the SNS topic to the
// bounces function. Every function runs from its bundle, with its role.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { parseSiteConfig } from '../../src/core/site.js';
import { DEFAULT_THEME } from '../../src/core/theme.js';
import { nextWeeklySend } from '../../src/core/weekly-schedule.js';
import { ManualClock } from '../../src/dev/local-aws/clock.js';
import { type StackUnderTest, startStackUnderTest } from '../../src/dev/local-aws/harness.js';
import { repoRoot } from '../helpers/cli.js';

let stack: StackUnderTest;
let clock: ManualClock;
let sendAt: number;
let people: DynamoSubscribers;

/** A form POST (or GET) at the site, as a browser or mail client makes it. */
async function request(method: string, url: string, body?: string) {
  const response = await fetch(url, {
    method,
    ...(body !== undefined ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
  });
  return { status: response.status, body: await response.text() };
}

async function mailTo(address: string) {
  return (await stack.mailbox()).filter((m) => m.destination.to.includes(address));
}

async function publishArticle(name: string, title: string, date: string) {
  await stack.upload(`posts/${name}.md`, `---\ntitle: ${title}\ndate: ${date}\n---\nBody.\n`);
  await stack.aws.settle();
}

const link = (pattern: RegExp, text: string | undefined) => pattern.exec(text ?? '')?.[1] ?? '';

beforeAll(async () => {
  // On the wall clock, articles dated early in 2026 are long past announce_window: widen it, so each is
  // mailed as it arrives (the window itself is tested in publish.test.ts).
  const siteYaml = `${await readFile(join(repoRoot, 'content/site.yaml'), 'utf8')}announce_window: 36500\n`;
  // The schedule clock starts 20 minutes before the site's weekly send time (Mondays 09:00 Europe/Lisbon).
  sendAt = nextWeeklySend(parseSiteConfig(parse(siteYaml)), Date.now());
  clock = new ManualClock(sendAt - 20 * 60_000);
  stack = await startStackUnderTest({ clock, ses: { account: { maxSendRate: 100 } } });
  // Links in mail lead to the local CloudFront, as they lead to the site's domain in AWS.
  await stack.deploySiteYaml(stack.localSiteYaml(siteYaml));
  people = new DynamoSubscribers(dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb }), stack.table);
  await publishArticle('first', 'Before anyone subscribed', '2026-01-01');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('subscriptions on the local AWS', () => {
  it('subscribe → confirm → digest → one-click unsubscribe → no further digest', async () => {
    const site = stack.aws.endpoints.site ?? '';
    const subscribed = await request('POST', `${site}/api/subscribe`, 'email=Reader%40Example.org&website=');
    expect(subscribed.status).toBe(200);
    const [confirmation] = await mailTo('reader@example.org');
    expect(confirmation?.subject).toBe('Confirm your subscription to The Broadsheet Gazette');
    const confirmUrl = link(/(http:\/\/\S+\/api\/confirm\?token=[\w.-]+)/, confirmation?.body.text);
    expect(confirmUrl.startsWith(`${site}/api/confirm?token=`)).toBe(true);
    // A link scanner's GET changes nothing; the reader's POST confirms.
    expect((await request('GET', confirmUrl)).body).toContain('Confirm your subscription');
    // Confirmed twice at once (a double click): one confirmation, one welcome.
    const [confirmed, again] = await Promise.all([
      request('POST', confirmUrl, 'delivery=instant'),
      request('POST', confirmUrl, 'delivery=instant'),
    ]);
    expect([confirmed.status, again.status]).toEqual([200, 200]);
    expect([confirmed.body, again.body].filter((b) => b.includes('You are subscribed'))).toHaveLength(1);
    expect([confirmed.body, again.body].filter((b) => b.includes('Already confirmed'))).toHaveLength(1);

    await publishArticle('second', 'For our first reader', '2026-02-01');
    const afterDigest = await mailTo('reader@example.org');
    expect(afterDigest.map((m) => m.subject)).toEqual([
      'Confirm your subscription to The Broadsheet Gazette',
      'Welcome to The Broadsheet Gazette',
      'For our first reader · The Broadsheet Gazette',
    ]);
    expect(afterDigest[1]?.body.text).toContain('Each time a new article is published');

    const unsubscribeUrl = link(/Unsubscribe: (http:\/\/\S+)/, afterDigest[2]?.body.text);
    expect((await request('POST', unsubscribeUrl, 'List-Unsubscribe=One-Click')).status).toBe(200);

    await publishArticle('third', 'Nobody should get this', '2026-03-01');
    expect(await mailTo('reader@example.org')).toHaveLength(3);
  });

  it('gives a weekly subscriber one digest for the week, when the rule fires after the send time', async () => {
    const site = stack.aws.endpoints.site ?? '';
    await request('POST', `${site}/api/subscribe`, 'email=weekly.reader%40example.org');
    const [confirmation] = await mailTo('weekly.reader@example.org');
    const confirmUrl = link(/(http:\/\/\S+\/api\/confirm\?token=[\w.-]+)/, confirmation?.body.text);
    expect((await request('POST', confirmUrl, 'delivery=weekly')).body).toContain('A weekly digest');
    await people.put('instant.reader@example.org', 'confirmed', Date.now());

    await publishArticle('w1', 'Weekly one', '2026-05-01');
    await publishArticle('w2', 'Weekly two', '2026-05-02');
    await publishArticle('w3', 'Weekly three', '2026-05-03');
    expect(await mailTo('instant.reader@example.org')).toHaveLength(3);
    expect(await mailTo('weekly.reader@example.org')).toHaveLength(2); // the confirmation and the welcome

    // rate(15 minutes) from the clock's start: once 5 minutes before the send time, once 10 after.
    await clock.advance(16 * 60_000);
    await stack.aws.settle();
    expect(stack.logs.entries('Weekly', 'week ended with nothing new')).toHaveLength(1);
    expect(await mailTo('weekly.reader@example.org')).toHaveLength(2);
    await clock.advance(15 * 60_000);
    await stack.aws.settle();
    expect(stack.logs.entries('Weekly', 'weekly digest handed on')).toHaveLength(1);
    expect(clock.now()).toBeGreaterThan(sendAt);

    const mails = await mailTo('weekly.reader@example.org');
    // Every article announced this week, those from before this reader confirmed included.
    expect(mails.map((m) => m.subject)).toEqual([
      'Confirm your subscription to The Broadsheet Gazette',
      'Welcome to The Broadsheet Gazette',
      'This week on The Broadsheet Gazette: 6 new articles',
    ]);
    expect(mails[1]?.body.text).toContain('Once a week, Mondays at 09:00');
    const text = mails[2]?.body.text ?? '';
    for (const title of ['Weekly one', 'Weekly two', 'Weekly three']) expect(text).toContain(title);
    expect(await mailTo('instant.reader@example.org')).toHaveLength(3);

    const preferences = await request('GET', link(/Change how often: (http:\/\/\S+)/, text));
    expect(preferences.status).toBe(200);
    expect(preferences.body).toContain('value="weekly" checked');
    expect(
      (await request('POST', link(/Unsubscribe: (http:\/\/\S+)/, text), 'List-Unsubscribe=One-Click')).status,
    ).toBe(200);
    expect((await people.get('weekly.reader@example.org'))?.status).toBe('unsubscribed');
  });

  it('suppresses an address SES reports as bounced or complained about, so the next digest skips it', async () => {
    for (const a of ['bouncy@example.org', 'angry@example.org', 'happy@example.org'])
      await people.put(a, 'confirmed', Date.now());
    // SES accepts these, then publishes a bounce and a complaint to the configuration set's topic.
    stack.aws.ses.bouncing.add('bouncy@example.org');
    stack.aws.ses.complaining.add('angry@example.org');
    await publishArticle('fourth', 'Bounced once', '2026-04-01');
    expect((await people.get('bouncy@example.org'))?.status).toBe('suppressed');
    expect((await people.get('angry@example.org'))?.status).toBe('suppressed');
    expect(
      stack.logs
        .entries('Bounces', 'mail feedback')
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['complaint', 'hard-bounce']);

    await publishArticle('fifth', 'Only for the happy', '2026-04-02');
    expect((await mailTo('happy@example.org')).map((m) => m.subject)).toEqual([
      'Bounced once · The Broadsheet Gazette',
      'Only for the happy · The Broadsheet Gazette',
    ]);
    expect(await mailTo('bouncy@example.org')).toHaveLength(1);
    expect(await mailTo('angry@example.org')).toHaveLength(1);
    expect(await stack.aws.deadLettered()).toBe(0);
    expect(stack.aws.deliveries.lost).toEqual([]);
    expect(stack.aws.iam.denials).toEqual([]);
  });

  it('sends no welcome when site.yaml says welcome: false', async () => {
    const site = stack.aws.endpoints.site ?? '';
    const yaml = stack.localSiteYaml(
      `${await readFile(join(repoRoot, 'content/site.yaml'), 'utf8')}announce_window: 36500\n`,
    );
    // As a deploy does: site.json beside site.yaml (the subscribe function reads the JSON).
    await stack.deploySiteYaml(`${yaml}welcome: false\n`);
    try {
      await request('POST', `${site}/api/subscribe`, 'email=quiet%40example.org');
      const [confirmation] = await mailTo('quiet@example.org');
      const confirmUrl = link(/(http:\/\/\S+\/api\/confirm\?token=[\w.-]+)/, confirmation?.body.text);
      expect((await request('POST', confirmUrl, 'delivery=instant')).body).toContain('You are subscribed');
      expect((await mailTo('quiet@example.org')).map((m) => m.subject)).toEqual([
        'Confirm your subscription to The Broadsheet Gazette',
      ]);
    } finally {
      await stack.deploySiteYaml(yaml);
    }
  });

  it('mails with the bundled theme while none is published, told so by a 404 under the functions’ own roles, not a refusal', async () => {
    const site = stack.aws.endpoints.site ?? '';
    const key = { Bucket: stack.contentBucket, Key: 'state/theme.json' };
    const saved = await (
      await stack.aws.clients.s3.send(new GetObjectCommand(key))
    ).Body?.transformToString();
    // As after the first deploy of this release, before any publish wrote it.
    await stack.remove('state/theme.json');
    try {
      stack.logs.clear();
      await request('POST', `${site}/api/subscribe`, 'email=plain%40example.org');
      const [confirmation] = await mailTo('plain@example.org');
      const confirmUrl = link(/(http:\/\/\S+\/api\/confirm\?token=[\w.-]+)/, confirmation?.body.text);
      expect((await request('POST', confirmUrl, 'delivery=instant')).status).toBe(200);
      await publishArticle('plain', 'Bundled words', '2026-05-01');
      expect((await mailTo('plain@example.org')).map((m) => m.subject)).toContain(
        'Bundled words · The Broadsheet Gazette',
      );
      // Absent, not refused: no denial (S3 would have answered 403), nothing logged as a broken theme.
      expect(stack.aws.iam.denials).toEqual([]);
      for (const fn of ['Subscribe', 'Send'])
        expect(
          stack.logs.entries(fn, 'the published theme cannot be used; rendering with the bundled theme'),
          fn,
        ).toEqual([]);
    } finally {
      if (saved !== undefined) await stack.upload('state/theme.json', saved);
    }
  });

  it('mails the confirmation and the digest from the email templates pushed under theme/', async () => {
    const site = stack.aws.endpoints.site ?? '';
    await stack.upload(
      'theme/email/confirm.txt.liquid',
      `Pushed confirmation.\n${DEFAULT_THEME['email/confirm.txt.liquid']}`,
    );
    await stack.upload(
      'theme/email/digest.txt.liquid',
      `Pushed digest.\n${DEFAULT_THEME['email/digest.txt.liquid']}`,
    );
    await stack.aws.settle();
    await request('POST', `${site}/api/subscribe`, 'email=themed%40example.org');
    const [confirmation] = await mailTo('themed@example.org');
    expect(confirmation?.body.text).toContain('Pushed confirmation.');
    const confirmUrl = link(/(http:\/\/\S+\/api\/confirm\?token=[\w.-]+)/, confirmation?.body.text);
    expect((await request('POST', confirmUrl, 'delivery=instant')).status).toBe(200);
    await publishArticle('themed', 'In our own words', '2026-06-01');
    const digest = (await mailTo('themed@example.org')).find((m) => m.subject.startsWith('In our own words'));
    expect(digest?.body.text).toContain('Pushed digest.');
    // The published theme is read under the functions' own roles: nothing was denied.
    expect(stack.aws.iam.denials).toEqual([]);
  });
});
