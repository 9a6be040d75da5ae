// The lock file the local state takes between processes (src/adapters/fs/lock-file.ts): one holder at a
// time; a lock left by a process that is gone, or by another host past its time, or never written, is
// broken; a live holder's never is, however old.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockFile, withLockFile } from '../../../src/adapters/fs/lock-file.js';

const NOW = Date.now();

async function lockPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'lock-')), 'state.lock');
}

/** The id of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', ''], (error) => {
      if (error) reject(error);
      else resolve(child.pid ?? 0);
    });
  });
}

describe('LockFile', () => {
  it('has one holder at a time, and only the holder releases it', async () => {
    const lock = new LockFile(await lockPath());
    expect(lock.tryAcquire('a', NOW, 60_000)).toBe(true);
    expect(lock.tryAcquire('b', NOW, 60_000)).toBe(false);
    lock.release('b');
    expect(lock.tryAcquire('b', NOW, 60_000)).toBe(false);
    lock.release('a');
    expect(lock.tryAcquire('b', NOW, 60_000)).toBe(true);
  });

  it('never breaks a live holder on this host, even long past its time', async () => {
    const lock = new LockFile(await lockPath());
    expect(lock.tryAcquire('a', NOW, 1)).toBe(true);
    expect(lock.tryAcquire('b', NOW + 3_600_000, 1)).toBe(false);
  });

  it('breaks a lock whose process is gone', async () => {
    const path = await lockPath();
    await writeFile(
      path,
      JSON.stringify({ owner: 'crashed', pid: await deadPid(), host: hostname(), untilMs: NOW + 3_600_000 }),
    );
    const lock = new LockFile(path);
    expect(lock.tryAcquire('next', NOW, 60_000)).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ owner: 'next', pid: process.pid });
  });

  it("breaks another host's lock only once its time ran out", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ owner: 'far', pid: 1, host: 'elsewhere', untilMs: NOW + 1000 }));
    const lock = new LockFile(path);
    expect(lock.tryAcquire('next', NOW, 60_000)).toBe(false);
    expect(lock.tryAcquire('next', NOW + 1001, 60_000)).toBe(true);
  });

  it('breaks a lock that records no holder once it is old, not while it may still be written', async () => {
    const path = await lockPath();
    await writeFile(path, '');
    const lock = new LockFile(path);
    expect(lock.tryAcquire('next', Date.now(), 60_000)).toBe(false);
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    expect(lock.tryAcquire('next', Date.now(), 60_000)).toBe(true);
  });

  it('waits for the holder, then runs; one at a time', async () => {
    const path = await lockPath();
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
    };
    await Promise.all(Array.from({ length: 5 }, () => withLockFile(path, work)));
    expect(most).toBe(1);
  });

  it('names the file and its holder when it stays taken', async () => {
    const path = await lockPath();
    const lock = new LockFile(path);
    lock.tryAcquire('a', NOW, 60_000);
    await expect(withLockFile(path, async () => 1, { waitMs: 50 })).rejects.toThrow(
      new RegExp(`state\\.lock is held by process ${process.pid}`),
    );
  });

  it('makes the folder it goes in, and names itself when it cannot be created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lock-'));
    expect(new LockFile(join(dir, 'state', 'a.lock')).tryAcquire('a', NOW, 60_000)).toBe(true);
    await writeFile(join(dir, 'file'), '');
    expect(() => new LockFile(join(dir, 'file', 'a.lock')).tryAcquire('a', NOW, 60_000)).toThrow(
      /a\.lock cannot be created \(.*\)\.\nBroadsheet takes this lock file/,
    );
  });
});
