// The local record of the operator's digest holds: replaced whole, only on the version read, even by two
// writers at once (in one process or two); the previous release's one-hold file is read as the hold it
// was (never as "nothing held"), and anything else is refused with the file named.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDigestHold } from '../../../src/adapters/fs/digest-hold.js';
import { earlierHold } from '../../../src/core/grace.js';
import { repoRoot } from '../../helpers/cli.js';

/** The id of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', ''], (error) =>
      error ? reject(error) : resolve(child.pid ?? 0),
    );
  });
}

/** Runs tests/helpers/add-holds.ts in a process of its own. */
function addHolds(stateDir: string, prefix: string, count: number, startAtMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [join(repoRoot, 'tests/helpers/add-holds.ts'), stateDir, prefix, String(count), String(startAtMs)],
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

describe('FileDigestHold', () => {
  it('writes the holds only on the version read', async () => {
    const store = new FileDigestHold(await mkdtemp(join(tmpdir(), 'holds-')));
    expect(await store.holds()).toEqual({ holds: [], version: 0 });
    const hold = { id: 'aaaa1111', sources: ['posts/a.md'], sinceMs: 1 };
    expect(await store.saveHolds([hold], 0)).toBe(true);
    expect(await store.saveHolds([], 0)).toBe(false);
    expect(await store.holds()).toEqual({ holds: [hold], version: 1 });
  });

  it('lets only one of two writes on the same version through, when they run at once', async () => {
    const store = new FileDigestHold(await mkdtemp(join(tmpdir(), 'holds-')));
    const mine = { id: 'aaaa1111', sources: ['posts/a.md'], sinceMs: 1 };
    const theirs = { id: 'bbbb2222', sources: ['posts/b.md'], sinceMs: 2 };
    const written = await Promise.all([store.saveHolds([mine], 0), store.saveHolds([theirs], 0)]);
    expect(written.filter(Boolean)).toHaveLength(1);
    expect((await store.holds()).version).toBe(1);
  });

  it('loses no hold when two processes add holds at once, past a lock a crashed one left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holds-'));
    // Left by a process that is gone: both find it stale at once, and only one may break it.
    const crashed = {
      owner: 'crashed',
      pid: await deadPid(),
      host: hostname(),
      untilMs: Date.now() + 3_600_000,
    };
    await writeFile(join(dir, 'digest-hold.json.lock'), JSON.stringify(crashed));
    // Both start together, once both have loaded (a few seconds on a busy machine).
    const startAtMs = Date.now() + 5000;
    await Promise.all([addHolds(dir, 'left', 100, startAtMs), addHolds(dir, 'right', 100, startAtMs)]);
    const { holds, version } = await new FileDigestHold(dir).holds();
    const ids = (prefix: string) => Array.from({ length: 100 }, (_, n) => `${prefix}-${n}`);
    expect(holds.map((h) => h.id).sort()).toEqual([...ids('left'), ...ids('right')].sort());
    expect(version).toBe(200);
  }, 60_000);

  it("reads the previous release's one-hold file as that hold, at version 0, and replaces it on write", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holds-'));
    await writeFile(join(dir, 'digest-hold.json'), JSON.stringify({ held: true, sinceMs: 5 }));
    const store = new FileDigestHold(dir);
    expect(await store.holds()).toEqual({ holds: [earlierHold(5)], version: 0 });
    const hold = { id: 'aaaa1111', sources: ['posts/a.md'], sinceMs: 5 };
    expect(await store.saveHolds([hold], 1)).toBe(false);
    expect(await store.saveHolds([hold], 0)).toBe(true);
    expect(await store.holds()).toEqual({ holds: [hold], version: 1 });
  });

  it('refuses a file that is neither, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holds-'));
    await writeFile(join(dir, 'digest-hold.json'), JSON.stringify({ held: 'yes' }));
    await expect(new FileDigestHold(dir).holds()).rejects.toThrow(/digest-hold\.json is invalid/);
  });
});
