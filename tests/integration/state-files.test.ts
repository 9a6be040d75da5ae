// The local state folder (.broadsheet/) as an unlucky operator finds it: each bad file stops the build with
// exit status 2, the file named and what to do, no stack trace, and nothing written to dist/ or outbox/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadsheet, scratchProject, snapshot } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';

describe('a bad file in .broadsheet/', () => {
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
