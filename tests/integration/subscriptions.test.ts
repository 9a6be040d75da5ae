// Subscribe → confirm (instant or weekly) → digests → one-click unsubscribe → no more digests, and bounces, with the real
// handlers against DynamoDB (dynalite), SES (aws-ses-v2-local) and S3 (s3rver).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  SNSEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dynamoClient, s3Client } from '../../src/adapters/aws/clients.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { SITE_JSON_KEY, siteJsonOf } from '../../src/adapters/aws/site-json.js';
import { parseSiteConfig } from '../../src/core/site.js';
import { parseSiteYaml } from '../../src/core/site-yaml.js';
import { nextWeeklySend } from '../../src/core/weekly-schedule.js';
import {
  type Emulators,
  s3Notification,
  sesMailbox,
  sqsEvent,
  startEmulators,
  TABLE,
} from '../../src/dev/emulators.js';
import { repoRoot } from '../helpers/cli.js';

let emu: Emulators;
let api: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let bounces: (event: SNSEvent) => Promise<void>;
let publish: (event: SQSEvent) => Promise<SQSBatchResponse>;
let digest: (event: SQSEvent) => Promise<SQSBatchResponse>;
let send: (event: SQSEvent) => Promise<SQSBatchResponse>;
let weekly: (event: unknown) => Promise<string>;

/** The EventBridge rule's event, as it fires at `ms`. */
const tick = (ms: number) => weekly({ 'detail-type': 'Scheduled Event', time: new Date(ms).toISOString() });

function request(
  method: string,
  url: string,
  body = '',
  contentType = 'application/x-www-form-urlencoded',
): APIGatewayProxyEventV2 {
  const parsed = new URL(url, 'https://gazette.example.com');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers: { 'content-type': contentType },
    body,
    isBase64Encoded: false,
    requestContext: {
      http: {
        method,
        path: parsed.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent: 'test',
      },
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

async function mailTo(address: string) {
  return (await sesMailbox(emu.ses)).filter((m) => m.destination.to.includes(address));
}

async function publishArticle(name: string, title: string, date: string) {
  await s3Client({ s3: emu.s3 }).send(
    new PutObjectCommand({
      Bucket: 'content',
      Key: `posts/${name}.md`,
      Body: `---\ntitle: ${title}\ndate: ${date}\n---\nBody.\n`,
    }),
  );
  await publish(sqsEvent([s3Notification('content', [{ key: `posts/${name}.md` }])]));
  expect((await emu.queues.deliverMail({ digest, send })).failed).toEqual([]);
}

beforeAll(async () => {
  emu = await startEmulators();
  Object.assign(process.env, emu.env);
  api = (await import('../../functions/subscribe.js')).handler;
  bounces = (await import('../../functions/bounces.js')).handler;
  publish = (await import('../../functions/publish.js')).handler;
  digest = (await import('../../functions/digest.js')).handler;
  send = (await import('../../functions/send.js')).handler;
  weekly = (await import('../../functions/weekly.js')).handler;
  const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
  for (const [Key, Body] of [
    ['site.yaml', siteYaml],
    // As a deploy does: the settings, validated, for the functions that do not parse YAML.
    [SITE_JSON_KEY, siteJsonOf(parseSiteYaml(siteYaml, 'content/site.yaml'))],
  ])
    await s3Client({ s3: emu.s3 }).send(new PutObjectCommand({ Bucket: 'content', Key, Body }));
  await publishArticle('first', 'Before anyone subscribed', '2026-01-01');
}, 60_000);

afterAll(async () => {
  await emu?.stop();
});

describe('subscriptions against emulators', () => {
  it('subscribe → confirm → digest → one-click unsubscribe → no further digest', async () => {
    const subscribed = await api(request('POST', '/api/subscribe', 'email=Reader%40Example.org&website='));
    expect(subscribed.statusCode).toBe(200);
    const [confirmation] = await mailTo('reader@example.org');
    expect(confirmation?.subject).toBe('Confirm your subscription to The Broadsheet Gazette');
    const confirmUrl = /https:\/\/\S+\/confirm\?token=[\w.-]+/.exec(confirmation?.body.text ?? '')?.[0] ?? '';
    const confirmPage = await api(request('GET', confirmUrl));
    expect(confirmPage.body).toContain('Confirm your subscription');
    // Confirmed twice at once (a double click): one confirmation, one welcome.
    const [confirmed, again] = await Promise.all([
      api(request('POST', confirmUrl, 'delivery=instant')),
      api(request('POST', confirmUrl, 'delivery=instant')),
    ]);
    expect([confirmed.statusCode, again.statusCode]).toEqual([200, 200]);
    expect([confirmed.body, again.body].filter((b) => b?.includes('You are subscribed'))).toHaveLength(1);
    expect([confirmed.body, again.body].filter((b) => b?.includes('Already confirmed'))).toHaveLength(1);

    await publishArticle('second', 'For our first reader', '2026-02-01');
    const afterDigest = await mailTo('reader@example.org');
    expect(afterDigest.map((m) => m.subject)).toEqual([
      'Confirm your subscription to The Broadsheet Gazette',
      'Welcome to The Broadsheet Gazette',
      'For our first reader · The Broadsheet Gazette',
    ]);
    expect(afterDigest[1]?.body.text).toContain('Each time a new article is published');

    const unsubscribeUrl = /Unsubscribe: (https:\/\/\S+)/.exec(afterDigest[2]?.body.text ?? '')?.[1] ?? '';
    const oneClick = await api(request('POST', unsubscribeUrl, 'List-Unsubscribe=One-Click'));
    expect(oneClick.statusCode).toBe(200);

    await publishArticle('third', 'Nobody should get this', '2026-03-01');
    expect(await mailTo('reader@example.org')).toHaveLength(3);
  });

  it('gives a weekly subscriber one digest for the week, at the configured time, with working links', async () => {
    await api(request('POST', '/api/subscribe', 'email=weekly.reader%40example.org'));
    const [confirmation] = await mailTo('weekly.reader@example.org');
    const confirmUrl = /https:\/\/\S+\/confirm\?token=[\w.-]+/.exec(confirmation?.body.text ?? '')?.[0] ?? '';
    expect((await api(request('POST', confirmUrl, 'delivery=weekly'))).body).toContain('A weekly digest');
    const people = new DynamoSubscribers(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
    await people.put('instant.reader@example.org', 'confirmed', Date.now());

    await publishArticle('w1', 'Weekly one', '2026-05-01');
    await publishArticle('w2', 'Weekly two', '2026-05-02');
    await publishArticle('w3', 'Weekly three', '2026-05-03');
    expect(await mailTo('instant.reader@example.org')).toHaveLength(3);
    expect(await mailTo('weekly.reader@example.org')).toHaveLength(2); // the confirmation and the welcome

    // The scheduled check, before and after the site's send time (Mondays 09:00 Europe/Lisbon).
    const site = parseSiteConfig(parse(await readFile(join(repoRoot, 'content/site.yaml'), 'utf8')));
    const sendAt = nextWeeklySend(site, Date.now());
    // The first check ever closes the week that ended before these articles; then nothing until Monday.
    expect(await tick(sendAt - 60_000)).toBe('nothing-new');
    expect(await tick(sendAt - 30_000)).toBe('not-due');
    expect(await tick(sendAt + 60_000)).toBe('delivered');
    expect(await tick(sendAt + 16 * 60_000)).toBe('not-due');
    expect((await emu.queues.deliverMail({ digest, send })).failed).toEqual([]);

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

    const preferencesUrl = /Change how often: (https:\/\/\S+)/.exec(text)?.[1] ?? '';
    const preferences = await api(request('GET', preferencesUrl));
    expect(preferences.statusCode).toBe(200);
    expect(preferences.body).toContain('value="weekly" checked');
    const unsubscribeUrl = /Unsubscribe: (https:\/\/\S+)/.exec(text)?.[1] ?? '';
    expect((await api(request('POST', unsubscribeUrl, 'List-Unsubscribe=One-Click'))).statusCode).toBe(200);
    expect((await people.get('weekly.reader@example.org'))?.status).toBe('unsubscribed');
  });

  it('suppresses an address on a hard bounce or complaint, so the digest skips it', async () => {
    const people = new DynamoSubscribers(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
    for (const a of ['bouncy@example.org', 'angry@example.org', 'happy@example.org'])
      await people.put(a, 'confirmed', Date.now());
    const sns = (message: unknown): SNSEvent => ({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:mail:1',
          Sns: {
            Message: JSON.stringify(message),
            MessageId: 'm',
            Type: 'Notification',
          } as SNSEvent['Records'][0]['Sns'],
        },
      ],
    });
    await bounces(
      sns({
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'bouncy@example.org' }] },
      }),
    );
    await bounces(
      sns({
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'angry@example.org' }] },
      }),
    );
    expect((await people.get('bouncy@example.org'))?.status).toBe('suppressed');
    expect((await people.get('angry@example.org'))?.status).toBe('suppressed');

    await publishArticle('fourth', 'Only for the happy', '2026-04-01');
    expect(await mailTo('happy@example.org')).toHaveLength(1);
    expect(await mailTo('bouncy@example.org')).toHaveLength(0);
    expect(await mailTo('angry@example.org')).toHaveLength(0);
  });

  it('sends no welcome when site.yaml says welcome: false', async () => {
    const s3 = s3Client({ s3: emu.s3 });
    const yaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
    // As a deploy does: site.json beside site.yaml (the subscribe function reads the JSON).
    const quiet = `${yaml}welcome: false\n`;
    await s3.send(new PutObjectCommand({ Bucket: 'content', Key: 'site.yaml', Body: quiet }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'content',
        Key: SITE_JSON_KEY,
        Body: siteJsonOf(parseSiteYaml(quiet, 'content/site.yaml')),
      }),
    );
    try {
      await api(request('POST', '/api/subscribe', 'email=quiet%40example.org'));
      const [confirmation] = await mailTo('quiet@example.org');
      const confirmUrl =
        /https:\/\/\S+\/confirm\?token=[\w.-]+/.exec(confirmation?.body.text ?? '')?.[0] ?? '';
      expect((await api(request('POST', confirmUrl, 'delivery=instant'))).body).toContain(
        'You are subscribed',
      );
      expect((await mailTo('quiet@example.org')).map((m) => m.subject)).toEqual([
        'Confirm your subscription to The Broadsheet Gazette',
      ]);
    } finally {
      await s3.send(new PutObjectCommand({ Bucket: 'content', Key: 'site.yaml', Body: yaml }));
      await s3.send(
        new PutObjectCommand({
          Bucket: 'content',
          Key: SITE_JSON_KEY,
          Body: siteJsonOf(parseSiteYaml(yaml, 'content/site.yaml')),
        }),
      );
    }
  });
});
