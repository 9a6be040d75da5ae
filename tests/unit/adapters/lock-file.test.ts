// The lock file the local state takes between processes (src/adapters/fs/lock-file.ts): one holder at a
// time; a lock left by a process that is gone, or by another host past its time, or never written, is
// broken; a live holder's never is, however old.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockFile, withLockFile } from '../../../src/adapters/fs/lock-file.js';
import { FilePublishLease } from '../../../src/adapters/fs/publish-lease.js';
import { PublishBusyError } from '../../../src/core/errors.js';
import { underLease } from '../../../src/pipeline/lease.js';

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

  it('breaks a lock naming this process that this process does not hold (a restarted container)', async () => {
    // What a build killed in a container leaves: the next container's process gets the same id and host.
    const path = await lockPath();
    await writeFile(
      path,
      JSON.stringify({ owner: 'killed', pid: process.pid, host: hostname(), untilMs: 0 }),
    );
    const lock = new LockFile(path);
    expect(lock.tryAcquire('next', NOW, 60_000)).toBe(true);
    // The one it holds now is live: another taking in this process waits for it.
    expect(lock.tryAcquire('other', NOW, 60_000)).toBe(false);
    lock.release('next');
    expect(lock.tryAcquire('other', NOW, 60_000)).toBe(true);
  });

  it.runIf(existsSync('/proc/self/stat'))(
    'breaks a lock whose process id now belongs to a process started at another time, or in another boot',
    async () => {
      // The parent (the test runner) is running; it is not the process that took these locks.
      const live = { pid: process.ppid, host: hostname(), untilMs: NOW + 3_600_000 };
      const path = await lockPath();
      const lock = new LockFile(path);
      await writeFile(path, JSON.stringify({ ...live, owner: 'reused', startTicks: 1 }));
      expect(lock.tryAcquire('next', NOW, 60_000)).toBe(true);
      lock.release('next');
      await writeFile(path, JSON.stringify({ ...live, owner: 'rebooted', bootId: 'another-boot' }));
      expect(lock.tryAcquire('next', NOW, 60_000)).toBe(true);
      lock.release('next');
      // As recorded by that process itself: live.
      const stat = await readFile(`/proc/${process.ppid}/stat`, 'utf8');
      const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      await writeFile(path, JSON.stringify({ ...live, owner: 'parent', startTicks }));
      expect(lock.tryAcquire('next', NOW, 60_000)).toBe(false);
    },
  );

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

  it('says, when the publish lock stays taken, which file, who holds it since when, and how to clear it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-'));
    const lease = new FilePublishLease(dir);
    expect(await lease.acquire('build', Date.parse('2026-11-25T12:00:00Z'), 60_000)).toBe(true);
    const error = await underLease(lease, { leaseWaitMs: 100 }, 'busy', async () => 'ran').catch((e) => e);
    expect(error).toBeInstanceOf(PublishBusyError);
    const file = join(dir, 'publish.lock');
    expect(error.message).toContain(`busy: ${file} is held by process ${process.pid} on ${hostname()} (`);
    expect(error.message).toContain('since 2026-11-25T12:00:00.000Z');
    expect(error.message).toContain(`If that process is no longer running`);
    expect(error.message).toContain(`delete ${file}`);
    await lease.release('build');
    expect(await underLease(lease, { leaseWaitMs: 100 }, 'busy', async () => 'ran')).toBe('ran');
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
