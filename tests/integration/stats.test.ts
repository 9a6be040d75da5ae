// Issue 17, item 7: `broadsheet stats` on a local project, and with --table on the emulators, where the
// bounces function records which message a bounce or complaint answered.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoClient, s3Client } from '../../src/adapters/aws/clients.js';
import { DynamoSendLedger } from '../../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { SITE_JSON_KEY, siteJsonOf } from '../../src/adapters/aws/site-json.js';
import { digestMessageId } from '../../src/core/email.js';
import { parseSiteYaml } from '../../src/core/site-yaml.js';
import { type Emulators, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { broadsheet, repoRoot, scratchProject } from '../helpers/cli.js';
import { drainQueue, s3Notification, sqsEvent } from '../helpers/events.js';

const NOW = '2026-11-25T12:00:00Z';
const LATER = '2026-11-27T12:00:00Z';

let emu: Emulators | undefined;
afterAll(async () => {
  await emu?.stop();
});

describe('broadsheet stats', () => {
  it('locally: subscribers by status and delivery, and the digest from outbox/, bounces marked unknown', async () => {
    const dir = await scratchProject();
    const owner = await broadsheet(dir, 'stats', '--now', NOW);
    expect(owner.code).toBe(0);
    expect(owner.stdout).toContain('Subscribers: 0 (confirmed 0, pending 0, unsubscribed 0, suppressed 0)');
    expect(owner.stdout).toContain(
      'No subscribers yet (.broadsheet/subscribers.json does not exist): the digest goes to the site owner, editors@gazette.example.com',
    );

    await writeFile(
      join(dir, 'people.csv'),
      'address,status,delivery\nana@example.org,confirmed\nbo@example.org,confirmed,weekly\ncy@example.org,pending\ndee@example.org,confirmed\n',
    );
    expect((await broadsheet(dir, 'subscribers', 'import', 'people.csv', '--now', NOW)).code).toBe(0);
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    expect((await broadsheet(dir, 'subscribers', 'remove', 'ana@example.org', '--now', LATER)).code).toBe(0);

    const stats = await broadsheet(dir, 'stats', '--now', LATER);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain('Subscribers: 4 (confirmed 2, pending 1, unsubscribed 1, suppressed 0)');
    expect(stats.stdout).toContain('confirmed, by delivery now: instant 1, weekly 1');
    // ana and dee got the instant digest; ana left two days later.
    expect(stats.stdout).toMatch(/[0-9a-f]{12} {2}2026-11-25 12:00 {2}instant {2}2 +2 +0 +n\/a +n\/a +1\n/);
    expect(stats.stdout).toMatch(
      /[0-9a-f]{12} {2}Café typography: “quotes”, naïve accents and 🎉 · The Broadsheet Gazette/,
    );
    expect(stats.stdout).not.toContain('No subscribers yet');
    expect(stats.stderr).not.toContain('no folder');

    // Read with another outbox than the build wrote: said, not silently counted as nothing sent.
    const elsewhere = await broadsheet(dir, 'stats', '--now', LATER, '--outbox', 'mail');
    expect(elsewhere.stdout).toMatch(/instant {2}0 +0 +0 /);
    expect(elsewhere.stderr).toContain(
      '1 digest has no folder in mail/, so its sent mail counts 0: if the build wrote elsewhere, pass that --outbox.',
    );
  });

  it('with --table: sent from the send ledger, bounces and complaints from the records the bounces function keeps', async () => {
    emu = await startEmulators();
    Object.assign(process.env, emu.env);
    const publish = (await import('../../functions/publish.js')).handler as (
      e: SQSEvent,
    ) => Promise<SQSBatchResponse>;
    const digest = (await import('../../functions/digest.js')).handler as (
      e: SQSEvent,
    ) => Promise<SQSBatchResponse>;
    const send = (await import('../../functions/send.js')).handler as (
      e: SQSEvent,
    ) => Promise<SQSBatchResponse>;
    const bounces = (await import('../../functions/bounces.js')).handler as (e: SNSEvent) => Promise<void>;
    const s3 = s3Client({ s3: emu.s3 });
    const siteYaml = await readFile(join(repoRoot, 'content/site.yaml'), 'utf8');
    const site = parseSiteYaml(siteYaml, 'content/site.yaml');
    // As a deploy does: site.json beside site.yaml, for the functions that read only the settings.
    for (const [Key, Body] of [
      ['site.yaml', siteYaml],
      [SITE_JSON_KEY, siteJsonOf(site)],
    ])
      await s3.send(new PutObjectCommand({ Bucket: 'content', Key, Body }));

    const db = dynamoClient({ dynamodb: emu.dynamodb });
    const people = new DynamoSubscribers(db, TABLE);
    const everyone = ['fine', 'bouncy', 'angry', 'leaver'].map((name) => `${name}@example.org`);
    for (const address of everyone) await people.put(address, 'confirmed', Date.now());
    const post = async (name: string, date: string) => {
      await s3.send(
        new PutObjectCommand({
          Bucket: 'content',
          Key: `posts/${name}.md`,
          Body: `---\ntitle: ${name}\ndate: ${date}\n---\nBody.\n`,
        }),
      );
      await publish(sqsEvent([s3Notification('content', [{ key: `posts/${name}.md` }])]));
      // The digest queue (continuations included), then the send queue, until both are empty.
      const queues = emu?.env ?? {};
      for (;;) {
        const handed =
          (await drainQueue(emu?.sqs ?? '', queues.DIGEST_QUEUE_URL ?? '', digest)) +
          (await drainQueue(emu?.sqs ?? '', queues.SEND_QUEUE_URL ?? '', send));
        if (handed === 0) break;
      }
    };
    await post('first', '2026-01-01'); // the first run: only announced, its digest to everyone
    const scan = await db.send(new ScanCommand({ TableName: TABLE }));
    const [created] = (scan.Items ?? []).filter((i) => i.sk === 'digest').map((i) => String(i.pk).slice(7));
    const ledger = await new DynamoSendLedger(db, TABLE).deliveries(created ?? '');
    expect([...ledger.keys()].sort()).toEqual([...everyone].sort());

    const sns = (message: unknown): SNSEvent => ({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:mail:1',
          Sns: {
            Message: JSON.stringify(message),
            MessageId: 'n',
            Type: 'Notification',
          } as SNSEvent['Records'][0]['Sns'],
        },
      ],
    });
    // A bounce without the original headers: matched by SES's message id, which the ledger recorded.
    const bouncy = ledger.get('bouncy@example.org');
    await bounces(
      sns({
        eventType: 'Bounce',
        mail: { messageId: bouncy?.state === 'sent' ? bouncy.messageId : 'missing' },
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'bouncy@example.org' }] },
      }),
    );
    // A complaint with them: matched by our Message-ID.
    await bounces(
      sns({
        eventType: 'Complaint',
        mail: {
          messageId: 'some-other-ses-id',
          commonHeaders: { messageId: digestMessageId(created ?? '', 'angry@example.org', site) },
        },
        complaint: { complainedRecipients: [{ emailAddress: 'angry@example.org' }] },
      }),
    );
    await people.update(
      'leaver@example.org',
      (s) => s && { ...s, status: 'unsubscribed', updatedAtMs: Date.now() },
    );

    const stats = await broadsheet(
      await scratchProject(),
      'stats',
      '--table',
      TABLE,
      '--endpoint',
      emu.dynamodb,
    );
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain('Subscribers: 4 (confirmed 1, pending 0, unsubscribed 1, suppressed 2)');
    expect(stats.stdout).toMatch(
      new RegExp(`${(created ?? '').slice(0, 12)} {2}\\S+ \\S+ {2}instant {2}4 +4 +0 +1 +1 +1\\n`),
    );
    expect(stats.stdout).not.toContain('n/a here');
  });
});
