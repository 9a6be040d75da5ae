// Issue 14, item 15 (token side): docs/security.md says logs carry neither tokens nor addresses. The real
// handlers run in process against the emulators while everything the functions write to stdout and stderr
// (the powertools logger and metrics) is captured; no line may hold an address, a token or either's base64.
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
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoClient, s3Client } from '../../src/adapters/aws/clients.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { SITE_JSON_KEY, siteJsonOf } from '../../src/adapters/aws/site-json.js';
import { parseSiteYaml } from '../../src/core/site-yaml.js';
import { type Emulators, sesMailbox, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { repoRoot } from '../helpers/cli.js';
import { drainQueue, s3Notification, sqsEvent } from '../helpers/events.js';

let emu: Emulators;
let api: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let bounces: (event: SNSEvent) => Promise<void>;
let publish: (event: SQSEvent) => Promise<SQSBatchResponse>;
let digest: (event: SQSEvent) => Promise<SQSBatchResponse>;
let send: (event: SQSEvent) => Promise<SQSBatchResponse>;

/** Every line the functions write while `run` runs. */
async function captured(run: () => Promise<void>): Promise<string[]> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function request(method: string, url: string, body = '', sourceIp = '192.0.2.44'): APIGatewayProxyEventV2 {
  const parsed = new URL(url, 'https://gazette.example.com');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method, path: parsed.pathname, protocol: 'HTTP/1.1', sourceIp, userAgent: 'test' },
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

function feedback(message: unknown): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:mail:1',
        Sns: {
          Message: JSON.stringify(message),
          MessageId: 'm1',
          Type: 'Notification',
        } as SNSEvent['Records'][0]['Sns'],
      },
    ],
  };
}

async function publishArticle(name: string, date: string) {
  await s3Client({ s3: emu.s3 }).send(
    new PutObjectCommand({
      Bucket: 'content',
      Key: `posts/${name}.md`,
      Body: `---\ntitle: ${name}\ndate: ${date}\n---\nBody.\n`,
    }),
  );
  await publish(sqsEvent([s3Notification('content', [{ key: `posts/${name}.md` }])]));
  await drainQueue(emu.sqs, emu.env.DIGEST_QUEUE_URL as string, digest);
  await drainQueue(emu.sqs, emu.env.SEND_QUEUE_URL as string, send);
}

beforeAll(async () => {
  emu = await startEmulators();
  Object.assign(process.env, emu.env, { POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  api = (await import('../../functions/subscribe.js')).handler;
  bounces = (await import('../../functions/bounces.js')).handler;
  publish = (await import('../../functions/publish.js')).handler;
  digest = (await import('../../functions/digest.js')).handler;
  send = (await import('../../functions/send.js')).handler;
  // On the wall clock, articles dated early in 2026 are long past announce_window: widen it.
  const siteYaml = `${await readFile(join(repoRoot, 'content/site.yaml'), 'utf8')}announce_window: 36500\n`;
  // As a deploy does: the settings, validated, beside site.yaml for the functions that read no YAML.
  for (const [Key, Body] of [
    ['site.yaml', siteYaml],
    [SITE_JSON_KEY, siteJsonOf(parseSiteYaml(siteYaml, 'content/site.yaml'))],
  ])
    await s3Client({ s3: emu.s3 }).send(new PutObjectCommand({ Bucket: 'content', Key, Body }));
}, 60_000);

afterAll(async () => {
  await emu?.stop();
});

describe('function logs', () => {
  it('carry no address and no token through subscribe, confirm, digest, preferences, unsubscribe and bounces', async () => {
    const reader = 'log.reader@example.org';
    const bounced = 'log.bounced@example.org';
    const complained = 'log.complained@example.org';
    const people = new DynamoSubscribers(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
    const tokens: string[] = [];
    const tokenIn = (text: string, route: string) => {
      const url = new RegExp(`https://\\S+/${route}\\?token=([\\w.-]+)`).exec(text);
      if (!url?.[1]) throw new Error(`no ${route} link`);
      tokens.push(url[1]);
      return url[0];
    };

    const lines = await captured(async () => {
      await publishArticle('before', '2026-01-01');
      await api(request('POST', '/api/subscribe', `email=${encodeURIComponent(reader)}&website=`));
      const [confirmation] = (await sesMailbox(emu.ses)).filter((m) => m.destination.to.includes(reader));
      const confirmUrl = tokenIn(confirmation?.body.text ?? '', 'confirm');
      await api(request('GET', confirmUrl));
      expect((await api(request('POST', confirmUrl, 'delivery=instant'))).statusCode).toBe(200);

      for (const a of [bounced, complained]) await people.put(a, 'confirmed', Date.now());
      await publishArticle('after', '2026-02-01');
      const mail = (await sesMailbox(emu.ses)).filter((m) => m.destination.to.includes(reader));
      const text = mail[1]?.body.text ?? '';
      const preferences = tokenIn(text, 'preferences');
      const leave = tokenIn(text, 'unsubscribe');
      await api(request('GET', preferences));
      await api(request('POST', preferences, 'delivery=weekly'));
      await api(request('POST', `${leave}x`, 'List-Unsubscribe=One-Click')); // a broken link: refused
      expect((await api(request('POST', leave, 'List-Unsubscribe=One-Click'))).statusCode).toBe(200);

      await bounces(
        feedback({
          eventType: 'Bounce',
          bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: bounced }] },
        }),
      );
      await bounces(
        feedback({
          eventType: 'Complaint',
          complaint: { complainedRecipients: [{ emailAddress: complained }] },
        }),
      );
      await bounces(feedback({ eventType: 'Delivery', mail: { destination: [reader] } }));
    });

    expect(await people.get(reader)).toMatchObject({ status: 'unsubscribed' });
    expect(await people.get(bounced)).toMatchObject({ status: 'suppressed' });
    // The capture saw the functions' own lines, so an empty pass cannot hide a leak.
    const logged = lines.join('\n');
    for (const message of ['request', 'batch sent', 'digest fanned out', 'mail feedback'])
      expect(logged).toContain(`"${message}"`);
    expect(tokens).toHaveLength(3);

    const secrets = [reader, bounced, complained, ...tokens].flatMap((s) => [
      s,
      encodeURIComponent(s),
      Buffer.from(s).toString('base64url').slice(0, -2),
      Buffer.from(s).toString('base64').slice(0, -2),
    ]);
    const leaks = lines.filter((line) => secrets.some((s) => line.includes(s)) || line.includes('token='));
    expect(leaks).toEqual([]);
  });

  it('name the articles the announce window held back, which are recorded without a digest', async () => {
    // announce_window is 36,500 days here: an article dated 1901 went live long past it.
    const lines = await captured(() => publishArticle('ancient', '1901-01-01'));
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const held = entries.find(
      (e) => e.message === 'past the announce window; recorded as announced without mail',
    );
    expect(held?.late).toEqual([expect.stringMatching(/\/posts\/ancient\/$/)]);
    const published = entries.find((e) => e.message === 'published');
    expect(published).toMatchObject({ published: ['posts/ancient.md'] });
    expect(published?.digestId).toBeUndefined();
  });
});
