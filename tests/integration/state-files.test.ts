// The local state folder (.broadsheet/) as an unlucky operator finds it: each bad file stops the build with
// exit status 2, the file named and what to do, no stack trace, and nothing written to dist/ or outbox/.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadsheet, scratchProject, snapshot } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';

describe('a bad file in .broadsheet/', () => {
  // Issue 14, item 17 and issue 12, item 4: a truncated announced.json gave a bare SyntaxError.
  it.each([
    [
      'a truncated announced.json',
      'announced.json',
      '{"version": 2, "announced": {"https://gazette.example.com/posts/a/": "d1"',
      /announced\.json is not valid JSON \(.+\)\.\nIt records which articles were announced/,
    ],
    [
      'an empty announced.json',
      'announced.json',
      '',
      /announced\.json is empty\.\nIt records which articles/,
    ],
    [
      'an announced.json of the wrong shape',
      'announced.json',
      '{"version": 2, "announced": {}, "digests": [{"id": 7}], "weekly": {}}',
      /announced\.json is invalid \(digests\.0\.id: .*\)\.\nIt records/,
    ],
    [
      'a truncated subscribers.json',
      'subscribers.json',
      '{"subscribers": [{"address": "ana@example.org", "sta',
      /subscribers\.json is not valid JSON .*\nIt lists your subscribers\. Restore it from a backup/,
    ],
    [
      'a subscribers.json with a bad address',
      'subscribers.json',
      '{"subscribers": [{"address": "ana@example.org", "status": "confirmed"}, {"address": "nope", "status": "confirmed"}]}',
      /subscribers\.json is invalid \(subscribers\.1\.address: .*\)\./,
    ],
  ])(
    '%s stops the build with exit 2, the file named and what to do',
    async (_what, file, content, message) => {
      const dir = await scratchProject();
      await mkdir(join(dir, '.broadsheet'));
      await writeFile(join(dir, '.broadsheet', file), content);
      const run = await broadsheet(dir, 'build', '--now', NOW);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at |SyntaxError|ZodError/);
      expect(run.code).toBe(2);
      expect(await snapshot(join(dir, 'outbox'))).toEqual({});
      // Read before anything is written: the site does not go live without its email.
      expect(await snapshot(join(dir, 'dist'))).toEqual({});
    },
  );

  it('does what its advice says when announced.json is deleted: only what goes live afterwards is mailed', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const first = Object.keys(await snapshot(join(dir, 'outbox')));
    await rm(join(dir, '.broadsheet', 'announced.json'));
    await writeFile(
      join(dir, 'content', 'posts', 'fresh.md'),
      '---\ntitle: Fresh one\ndate: 2026-11-26T10:00:00Z\n---\nNew.\n',
    );
    const run = await broadsheet(dir, 'build', '--now', '2026-11-26T12:00:00Z');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Digest "Fresh one');
    const added = Object.keys(await snapshot(join(dir, 'outbox'))).filter((f) => !first.includes(f));
    expect(added.filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });

  it('an unreadable subscribers.json (a folder) stops `subscribers list` with exit 2, naming it', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, '.broadsheet/subscribers.json'), { recursive: true });
    const run = await broadsheet(dir, 'subscribers', 'list');
    expect(run.stderr).toMatch(
      /subscribers\.json cannot be read \(it is a folder\)\.\nIt lists your subscribers/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(2);
  });

  it('a truncated published-ids.json stops `check` with exit 2 and says to restore it from git', async () => {
    const dir = await scratchProject();
    await writeFile(join(dir, 'content/published-ids.json'), '{"version": 1, "articles": [');
    const run = await broadsheet(dir, 'check');
    expect(run.stderr).toMatch(
      /published-ids\.json is not valid JSON .*\nIt records the published ids .*git checkout/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(2);
  });

  // Issue 14, item 16.
  it('an empty signing secret stops the build before any email is written', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, '.broadsheet'));
    await writeFile(join(dir, '.broadsheet/secret'), '');
    const run = await broadsheet(dir, 'build', '--now', NOW);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.broadsheet/secret is invalid');
    expect(run.stderr).toContain('the signing secret is empty; it must be at least 32 bytes');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshot(join(dir, 'outbox'))).toEqual({});
  });
});
