import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { broadsheet, scratchProject } from '../helpers/cli.js';

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
    expect(imported.code).toBe(0);
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
      /^address,status,updated,delivery\nana@example.org,unsubscribed,.*,instant\nchen@example.org,confirmed,.*,weekly\n/,
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

  it('manages the subscribers of a deployed stack in DynamoDB', async () => {
    emu = await startEmulators();
    const dir = await scratchProject();
    const dynamo = ['--table', TABLE, '--endpoint', emu.dynamodb];
    expect((await broadsheet(dir, 'subscribers', 'add', 'fay@example.org', ...dynamo)).code).toBe(0);
    expect((await broadsheet(dir, 'subscribers', 'list', ...dynamo)).stdout.trim()).toBe(
      'fay@example.org\tconfirmed\tinstant',
    );
  });
});
