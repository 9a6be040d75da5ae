import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { broadsheet, repoRoot, scratchProject } from '../helpers/cli.js';

let emu: Emulators | undefined;
afterAll(async () => {
  await emu?.stop();
});

describe('broadsheet subscribers', () => {
  it('imports a CSV, skipping bad rows by line, and the digest goes to confirmed subscribers only', async () => {
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'list.csv'),
      'email,status,delivery\nana@example.org,confirmed\nnot an address\nbo@example.org,whatever\nCHEN@example.org,confirmed,weekly\ndee@example.org,pending\nfay@example.org,confirmed,hourly\n',
    );
    const imported = await broadsheet(dir, 'subscribers', 'import', 'list.csv');
    expect(imported.code).toBe(1); // rows were skipped
    expect(imported.stdout).toContain('Imported 3 subscribers; skipped 3.');
    expect(imported.stderr).toMatch(/list\.csv:3: skipped: "not an address"/);
    expect(imported.stderr).toMatch(/list\.csv:4: skipped: unknown status "whatever"/);
    expect(imported.stderr).toMatch(
      /list\.csv:7: skipped: unknown delivery "hourly" \(use instant or weekly\)/,
    );

    expect((await broadsheet(dir, 'subscribers', 'remove', 'ana@example.org')).code).toBe(0);
    expect((await broadsheet(dir, 'subscribers', 'add', 'eve@example.org', 'bad@@x')).code).toBe(1);
    const list = await broadsheet(dir, 'subscribers', 'list');
    expect(list.stdout.trim().split('\n')).toEqual([
      'ana@example.org\tunsubscribed\tinstant',
      'chen@example.org\tconfirmed\tweekly',
      'dee@example.org\tpending\tinstant',
      'eve@example.org\tconfirmed\tinstant',
    ]);
    expect((await broadsheet(dir, 'subscribers', 'export')).stdout).toMatch(
      /^address,status,updated,delivery,created,previous_delivery,delivery_changed,soft_bounces,confirm_expires,follow,topics\nana@example.org,unsubscribed,[^,]+,instant,.*\nchen@example.org,confirmed,[^,]+,weekly,/,
    );

    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:00:00Z')).code).toBe(0);
    const [digest] = await readdir(join(dir, 'outbox'));
    const files = await readdir(join(dir, 'outbox', digest ?? ''));
    // chen chose the weekly digest, so this instant one is eve's alone.
    expect(files.filter((f) => f.endsWith('.eml')).sort()).toEqual(['0001-eve-example-org.eml']);
    expect(await readFile(join(dir, '.broadsheet/subscribers.json'), 'utf8')).toContain(
      '"status": "unsubscribed"',
    );
  });

  it('says what is missing: no action, an unknown action, removing an address that is not on the list', async () => {
    const dir = await scratchProject();
    const bare = await broadsheet(dir, 'subscribers');
    expect(bare.code).toBe(64);
    expect(bare.stderr.trim()).toBe(
      'subscribers needs an action: list, export, add, remove or import (broadsheet subscribers list)',
    );
    expect((await broadsheet(dir, 'subscribers', 'delete', 'a@example.org')).stderr).toContain(
      'Unknown subscribers action "delete" (known: list, export, add, remove, import).',
    );

    expect((await broadsheet(dir, 'subscribers', 'add', 'alice@example.org')).code).toBe(0);
    const typo = await broadsheet(dir, 'subscribers', 'remove', 'alce@example.org');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(
      'alce@example.org: not a subscriber; nothing to remove (to bar it before it subscribes, import it with status unsubscribed)',
    );
    const list = await broadsheet(dir, 'subscribers', 'list');
    expect(list.stdout.trim()).toBe('alice@example.org\tconfirmed\tinstant');
  });

  // Issue 14, item 11.
  it('one long address stops no digest: over-long addresses are refused, the longest valid one is mailed', async () => {
    const dir = await scratchProject();
    const longest = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.org`;
    const tooLong = `${'a'.repeat(187)}@example.org`; // 199 characters, the local part over 64
    const added = await broadsheet(dir, 'subscribers', 'add', tooLong, longest);
    expect(added.code).toBe(1);
    expect(added.stderr).toContain(`${tooLong}: The part before the @ is too long (over 64 characters).`);
    expect(added.stdout).toContain(`${longest}\tconfirmed`);

    const built = await broadsheet(dir, 'build', '--now', '2026-11-25T12:00:00Z');
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const outbox = await readdir(join(dir, 'outbox'));
    expect(outbox.filter((name) => name.includes('.tmp'))).toEqual([]);
    const [digest = ''] = outbox;
    const emails = (await readdir(join(dir, 'outbox', digest))).filter((f) => f.endsWith('.eml'));
    expect(emails).toHaveLength(1);
    expect(Buffer.byteLength(emails[0] ?? '')).toBeLessThan(100);
    expect(await readFile(join(dir, 'outbox', digest, emails[0] ?? ''), 'utf8')).toMatch(
      new RegExp(`^To:\\s+${longest}$`, 'm'),
    );
  });

  // Issue 14, items 12 and 13.
  it('restores an export into an empty folder as it was, and an import reports every skipped row', async () => {
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'people.csv'),
      'address,status,delivery\nana@example.org,confirmed,weekly\nbo@example.org,unsubscribed\ncy@example.org,suppressed\ndee@example.org,pending\n',
    );
    expect((await broadsheet(dir, 'subscribers', 'import', 'people.csv')).code).toBe(0);
    const backup = await broadsheet(dir, 'subscribers', 'export');
    await writeFile(join(dir, 'backup.csv'), backup.stdout);

    const restored = await broadsheet(dir, 'subscribers', 'import', 'backup.csv', '--state', 'restored');
    expect(restored.stdout).toContain('Imported 4 subscribers; skipped 0.');
    expect(restored.code).toBe(0);
    expect((await broadsheet(dir, 'subscribers', 'export', '--state', 'restored')).stdout).toBe(
      backup.stdout,
    );

    // Columns by name in any order; a bad row fails the command and is named with its line and reason.
    await writeFile(
      join(dir, 'shuffled.csv'),
      'delivery,updated,address,status\nweekly,2026-01-02T00:00:00.000Z,eve@example.org,confirmed\ninstant,yesterday,fay@example.org,confirmed\n',
    );
    const shuffled = await broadsheet(dir, 'subscribers', 'import', 'shuffled.csv');
    expect(shuffled.code).toBe(1);
    expect(shuffled.stderr).toContain('shuffled.csv:3: skipped: updated "yesterday" is not a date and time');
    expect(shuffled.stdout).toContain('Imported 1 subscriber; skipped 1.');
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout).toContain(
      'eve@example.org\tconfirmed\tweekly',
    );
  });

  it('refuses to confirm an unsubscribed or suppressed address again unless --force, and says so', async () => {
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'out.csv'),
      'address,status\nbo@example.org,unsubscribed\ncy@example.org,suppressed\n',
    );
    expect((await broadsheet(dir, 'subscribers', 'import', 'out.csv')).code).toBe(0);

    const added = await broadsheet(dir, 'subscribers', 'add', 'bo@example.org', 'cy@example.org');
    expect(added.code).toBe(1);
    expect(added.stderr).toContain(
      'bo@example.org: is unsubscribed; not made confirmed (use --force to override their opt-out)',
    );
    expect(added.stderr).toContain(
      'cy@example.org: is suppressed after a bounce or complaint; not made confirmed',
    );
    await writeFile(
      join(dir, 'back.csv'),
      'address,status\nbo@example.org,confirmed\ncy@example.org,confirmed\n',
    );
    const imported = await broadsheet(dir, 'subscribers', 'import', 'back.csv');
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain(
      'back.csv:2: skipped: bo@example.org is unsubscribed; not made confirmed',
    );
    expect(imported.stderr).toContain('back.csv:3: skipped: cy@example.org is suppressed');
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout.trim().split('\n')).toEqual([
      'bo@example.org\tunsubscribed\tinstant',
      'cy@example.org\tsuppressed\tinstant',
    ]);

    const forced = await broadsheet(dir, 'subscribers', 'add', 'bo@example.org', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('bo@example.org: --force: was unsubscribed, now confirmed');
    const forcedImport = await broadsheet(dir, 'subscribers', 'import', 'back.csv', '--force');
    expect(forcedImport.code).toBe(0);
    expect(forcedImport.stdout).toContain(
      'back.csv:3: --force: cy@example.org was suppressed, now confirmed',
    );
  });

  // Issue 17, item 4.
  it('imports the Mailchimp sections in one command, each named with its format, and fails on skipped rows unless --allow-skips', async () => {
    const dir = await scratchProject();
    const files = ['subscribed', 'unsubscribed', 'cleaned'].map((section) =>
      join(repoRoot, 'tests/fixtures/imports', `mailchimp-${section}.csv`),
    );
    const imported = await broadsheet(dir, 'subscribers', 'import', ...files);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain(
      'mailchimp-subscribed.csv: read as a Mailchimp export (subscribed members',
    );
    expect(imported.stdout).toContain('(cleaned addresses: imported as suppressed)');
    expect(imported.stderr).toMatch(/mailchimp-subscribed\.csv:4: skipped: "not-an-address"/);
    expect(imported.stderr).toContain(
      '1 row was skipped (listed above): exit 1. The other rows are imported; fix the skipped ones and import them again',
    );
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout.trim().split('\n')).toEqual([
      'amara@example.org\tconfirmed\tinstant',
      'bruno@example.org\tunsubscribed\tinstant',
      'carmen@example.org\tunsubscribed\tinstant',
      'dmitri@example.org\tsuppressed\tinstant',
    ]);

    const allowed = await broadsheet(
      dir,
      'subscribers',
      'import',
      join(repoRoot, 'tests/fixtures/imports/substack.csv'),
      '--allow-skips',
    );
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/substack\.csv:4: skipped: .*deletion request/);
    expect(allowed.stdout).toContain('Imported 2 subscribers; skipped 1.');
  });

  it('manages the subscribers of a deployed stack in DynamoDB', async () => {
    emu = await startEmulators();
    const dir = await scratchProject();
    const dynamo = ['--table', TABLE, '--endpoint', emu.dynamodb];
    expect((await broadsheet(dir, 'subscribers', 'add', 'fay@example.org', ...dynamo)).code).toBe(0);
    expect((await broadsheet(dir, 'subscribers', 'list', ...dynamo)).stdout.trim()).toBe(
      'fay@example.org\tconfirmed\tinstant',
    );
    // A listmonk export into the table: its blocklisted address comes in suppressed, never confirmed.
    const listmonk = join(repoRoot, 'tests/fixtures/imports/listmonk.csv');
    const imported = await broadsheet(dir, 'subscribers', 'import', listmonk, ...dynamo);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('read as a listmonk export');
    expect((await broadsheet(dir, 'subscribers', 'list', ...dynamo)).stdout.trim().split('\n')).toEqual([
      'fay@example.org\tconfirmed\tinstant',
      'paula@example.org\tconfirmed\tinstant',
      'quinn@example.org\tunsubscribed\tinstant',
      'rosa@example.org\tsuppressed\tinstant',
    ]);
    // Adding a confirmed address and removing an unsubscribed one write nothing: updated stays as it was.
    const exported = await broadsheet(dir, 'subscribers', 'export', ...dynamo);
    const later = ['--now', '2031-01-01T00:00:00Z', ...dynamo];
    expect((await broadsheet(dir, 'subscribers', 'add', 'fay@example.org', ...later)).stdout).toBe(
      'fay@example.org\tconfirmed (already)\n',
    );
    expect((await broadsheet(dir, 'subscribers', 'remove', 'quinn@example.org', ...later)).stdout).toBe(
      'quinn@example.org\tunsubscribed (already)\n',
    );
    expect((await broadsheet(dir, 'subscribers', 'export', ...dynamo)).stdout).toBe(exported.stdout);
    // Export from DynamoDB, import into a local file: the same export.
    const backup = await broadsheet(dir, 'subscribers', 'export', ...dynamo);
    await writeFile(join(dir, 'backup.csv'), backup.stdout);
    expect((await broadsheet(dir, 'subscribers', 'import', 'backup.csv')).code).toBe(0);
    expect((await broadsheet(dir, 'subscribers', 'export')).stdout).toBe(backup.stdout);
  }, 90_000); // emulators and seven CLI processes, each loading the AWS SDK: past 30 s on a loaded machine
});

describe('broadsheet subscribers, given what it cannot use', () => {
  it('says which file it cannot read and why, and imports nothing from a file that is not CSV', async () => {
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'broken.csv'),
      'email,status\nana@example.org,confirmed\n"bo@example.org,confirmed\n',
    );
    for (const [file, why] of [
      ['missing.csv', 'missing.csv: cannot be read (no such file)'],
      ['content', 'content: cannot be read (is a folder)'],
      ['broken.csv', 'broken.csv: cannot be read as CSV: Quote Not Closed'],
    ]) {
      const run = await broadsheet(dir, 'subscribers', 'import', file as string);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(why);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout).not.toContain('ana@example.org');
    const add = await broadsheet(dir, 'subscribers', 'add');
    expect(add.code).toBe(64);
    expect(add.stderr).toBe(
      'subscribers add needs the address(es): broadsheet subscribers add reader@example.com\n',
    );
  });

  it('says an address was already confirmed, and a name with an address is to be given as the address alone', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'subscribers', 'add', 'ana@example.org')).stdout).toBe(
      'ana@example.org\tconfirmed\n',
    );
    const exported = await broadsheet(dir, 'subscribers', 'export');
    const again = await broadsheet(
      dir,
      'subscribers',
      'add',
      'ana@example.org',
      '--now',
      '2031-01-01T00:00:00Z',
    );
    expect(again.stdout).toBe('ana@example.org\tconfirmed (already)\n');
    // Already so: nothing written, so neither the time it last changed nor anything else moves.
    expect((await broadsheet(dir, 'subscribers', 'export')).stdout).toBe(exported.stdout);
    const named = await broadsheet(dir, 'subscribers', 'add', 'Bob <bob@example.org>', 'nope');
    expect(named.code).toBe(1);
    expect(named.stderr).toBe(
      'Bob <bob@example.org>: a name and an address: give the address alone (bob@example.org)\nnope: not an email address\n',
    );
  });

  it('refuses, once, a file whose header names no address column, and still reads a file without a header', async () => {
    const dir = await scratchProject();
    await writeFile(join(dir, 'h3.csv'), 'mail,name\nq3@example.com,Q\n');
    const run = await broadsheet(dir, 'subscribers', 'import', 'h3.csv');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'h3.csv:1: no address column: the first row ("mail", "name") reads as a header but names none of address, email, e-mail, email address, email_address. Rename the column of addresses to one of those, or remove the header (without one the columns are address[,status[,delivery]]); nothing was imported from this file.\n',
    );
    expect(run.stdout).toBe('');
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout).not.toContain('q3@example.com');

    await writeFile(join(dir, 'plain.csv'), 'q3@example.com,confirmed,weekly\nq4@example.com\n');
    const plain = await broadsheet(dir, 'subscribers', 'import', 'plain.csv');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('plain.csv: read as no header: address[,status[,delivery]]');
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout.trim().split('\n')).toEqual([
      'q3@example.com\tconfirmed\tweekly',
      'q4@example.com\tconfirmed\tinstant',
    ]);
  });

  it('imports a file whose fields a spreadsheet separated with semicolons, and says so', async () => {
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'semi.csv'),
      'address;status\nana@example.org;confirmed\nbo@example.org;unsubscribed\n',
    );
    const run = await broadsheet(dir, 'subscribers', 'import', 'semi.csv');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('semi.csv: read as Broadsheet columns (fields separated by ";")');
    expect((await broadsheet(dir, 'subscribers', 'list')).stdout.trim().split('\n')).toEqual([
      'ana@example.org\tconfirmed\tinstant',
      'bo@example.org\tunsubscribed\tinstant',
    ]);
  });
});

describe('broadsheet subscribers --table without AWS credentials', () => {
  it('says what is missing and how to give it, with no stack trace', async () => {
    const dir = await scratchProject();
    // No credentials anywhere the SDK looks, and no instance metadata (never a network beyond loopback).
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          join(repoRoot, 'bin/broadsheet.js'),
          'subscribers',
          'list',
          '--table',
          'T',
          '--endpoint',
          'http://127.0.0.1:1',
        ],
        {
          cwd: dir,
          env: {
            ...env,
            HOME: dir,
            AWS_REGION: 'eu-west-1',
            AWS_CONFIG_FILE: join(dir, 'none'),
            AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
            AWS_EC2_METADATA_DISABLED: 'true',
          },
        },
        (error, _stdout, stderr) =>
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
      ),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No AWS credentials: --table works on a deployed stack');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
