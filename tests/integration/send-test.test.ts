// Issue 17, item 1: `broadsheet send-test` locally (a test folder in outbox/) and through SES with --table
// (dynalite and the SES emulator), leaving the announcement and send ledgers as they were.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { type Emulators, sesMailbox, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { broadsheet, scratchProject, snapshot } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';
const BASE = 'https://gazette.example.com';
const NEW_ARTICLE =
  '---\ntitle: A fresh note\ndate: 2026-11-24T10:00:00+00:00\nsummary: Just in.\n---\nHello.\n';

let emu: Emulators | undefined;
afterAll(async () => {
  await emu?.stop();
});

async function emlIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.eml'));
}

describe('broadsheet send-test', () => {
  it('writes the next digest for one address into a test folder, records nothing, and the build still sends it', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const [firstDigest] = await readdir(join(dir, 'outbox'));
    await writeFile(join(dir, 'content/posts/2026-11-24-fresh.md'), NEW_ARTICLE);
    const state = await snapshot(join(dir, '.broadsheet'));

    const sent = await broadsheet(dir, 'send-test', '--to', 'Me@Example.org', '--now', NOW);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(
      /^Test "\[Test\] A fresh note · The Broadsheet Gazette" \(1 article\) for me@example\.org written to outbox\/test-20261125T120000Z-[0-9a-f]{24}\/0001-me-example-org\.eml$/m,
    );
    expect(sent.stdout).toContain('Nothing was recorded as announced or sent');
    // The ledger (announced.json), the index and the secret are byte for byte as they were.
    expect(await snapshot(join(dir, '.broadsheet'))).toEqual(state);

    const folders = (await readdir(join(dir, 'outbox'))).sort();
    const test = folders.find((f) => f.startsWith('test-')) ?? '';
    expect(folders).toEqual([firstDigest, test].sort());
    const [eml = ''] = await emlIn(join(dir, 'outbox', test));
    const mail = await simpleParser(await readFile(join(dir, 'outbox', test, eml)));
    expect(mail.subject).toBe('[Test] A fresh note · The Broadsheet Gazette');
    expect(mail.text).toContain(`${BASE}/posts/fresh/`);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(
      /^List-Unsubscribe: <https:\/\/gazette\.example\.com\/api\/unsubscribe\?token=/,
    );

    // The real build announces the same digest (its id is the test folder's suffix) and writes it.
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.stdout).toMatch(/Digest "A fresh note · The Broadsheet Gazette" for 1 recipient/);
    const realId = test.slice(test.lastIndexOf('-') + 1);
    expect((await readdir(join(dir, 'outbox'))).sort()).toEqual([firstDigest, realId, test].sort());
    const [real = ''] = await emlIn(join(dir, 'outbox', realId));
    const realMail = await simpleParser(await readFile(join(dir, 'outbox', realId, real)));
    expect(realMail.subject).toBe('A fresh note · The Broadsheet Gazette');
    expect(realMail.messageId).not.toBe(mail.messageId);

    // Nothing new now: no digest to test, and a clear way out.
    const none = await broadsheet(dir, 'send-test', '--to', 'me@example.org', '--now', NOW);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('The next build announces nothing');
  });

  it('sends one article with --article, even a draft, and refuses an unknown slug or an opted-out address', async () => {
    const dir = await scratchProject();
    // A warning in an article the test does not carry, and one in the article it does.
    const append = async (name: string, text: string) => {
      const file = join(dir, 'content/posts', name);
      await writeFile(file, `${await readFile(file, 'utf8')}\n${text}\n`);
    };
    await append('2026-09-14-why-plain-text.md', 'Elsewhere[^7].');
    await append('2026-11-20-notes-on-feeds.md', 'Here[^8].');
    const one = await broadsheet(
      dir,
      'send-test',
      '--to',
      'me@example.org',
      '--article',
      'notes-on-feeds',
      '--now',
      NOW,
    );
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(
      '"[Test] Notes on feed formats (draft) · The Broadsheet Gazette" (1 article)',
    );
    expect(await readdir(join(dir, '.broadsheet'))).toEqual(['secret']);
    expect(one.stderr).toMatch(/notes-on-feeds\.md:\d+: warning in body: footnote reference \[\^8\]/);
    expect(one.stderr).not.toContain('[^7]');

    const unknown = await broadsheet(dir, 'send-test', '--to', 'me@example.org', '--article', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toContain('warning');
    expect(unknown.stderr).toBe(
      'send-test --article is invalid:\n  - no article has the slug or file "nope"; the newest: summer-schedule, notes-on-feeds, cafe-typography, one-email-per-batch, why-plain-text\n',
    );
    const near = await broadsheet(dir, 'send-test', '--to', 'me@example.org', '--article', 'plain');
    expect(near.stderr).toContain('(did you mean why-plain-text?)');
    // The file, as an author would type it.
    const byFile = await broadsheet(
      dir,
      'send-test',
      '--to',
      'me@example.org',
      '--article',
      'content/posts/2026-11-20-notes-on-feeds.md',
    );
    expect(byFile.code).toBe(0);
    expect(byFile.stdout).toContain('Notes on feed formats');

    await broadsheet(dir, 'subscribers', 'add', 'gone@example.org');
    await broadsheet(dir, 'subscribers', 'remove', 'gone@example.org');
    const refused = await broadsheet(
      dir,
      'send-test',
      '--to',
      'gone@example.org',
      '--article',
      'why-plain-text',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('gone@example.org is unsubscribed: no test sent (use --force');
  });

  it('with --table, sends through SES and leaves the announcement and send ledgers as they were', async () => {
    emu = await startEmulators();
    const dir = await scratchProject();
    const db = dynamoClient({ dynamodb: emu.dynamodb });
    // The stack announced everything but the café article.
    await new DynamoAnnouncementLedger(db, TABLE).markAnnounced(
      [`${BASE}/posts/one-email-per-batch/`, `${BASE}/posts/why-plain-text/`],
      'earlier',
    );
    const scan = async () => (await db.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
    const before = await scan();

    process.env.TOKEN_SECRET = emu.env.TOKEN_SECRET;
    const sent = await broadsheet(
      dir,
      'send-test',
      '--to',
      'me@example.org',
      '--table',
      TABLE,
      '--endpoint',
      emu.dynamodb,
      '--ses-endpoint',
      emu.ses,
      // Two days after the café article: within announce_window, so it is what the next digest carries.
      '--now',
      '2026-11-05T12:00:00Z',
    );
    delete process.env.TOKEN_SECRET;
    expect(sent.stderr).not.toMatch(/error/i);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/sent to me@example\.org through SES \(message id .+\)/);

    const mailbox = await sesMailbox(emu.ses);
    expect(mailbox.map((m) => [m.destination.to, m.subject])).toEqual([
      [['me@example.org'], '[Test] Café typography: “quotes”, naïve accents and 🎉 · The Broadsheet Gazette'],
    ]);
    // No digest record, no announced article, no send-ledger entry: the table is as it was.
    expect(await scan()).toEqual(before);
  });
});
