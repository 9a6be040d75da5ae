// A lock between processes on one state folder: a file created exclusively (open with 'wx', O_CREAT |
// O_EXCL), which only one process can create, recording who holds it. Removed by its holder when done.
// A holder that died leaves it behind, so a lock is stale, and may be broken, when:
//   - its holder ran on this host and that process is gone (a live holder is never broken, however long
//     it runs: a long build keeps its lock). A process id says little after a restart: a container that
//     restarts gives its new process the dead one's id, often the same as ours. So a lock recording our
//     own id that this process does not hold (it keeps the locks it holds in memory) is stale, and so is
//     one recorded under another boot of the machine, or by a process that started at another moment than
//     the one running under that id now (both read from /proc where there is one);
//   - its holder ran on another host (a state folder on a shared disk) and its time (`untilMs`) ran out;
//   - it records no holder (a crash between creating and writing it) and is older than a few seconds.
// Breaking a stale lock is itself done under a second lock file (`<lock>.break`), re-checked there, so
// two processes that both find the same stale lock cannot remove a fresh one the other just made.
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import * as z from 'zod';
import { StateFileError } from '../../core/errors.js';

const holderRecord = z.object({
  owner: z.string(),
  pid: z.number().int(),
  host: z.string(),
  untilMs: z.number(),
  /** When it was taken; for messages. Absent in locks from before. */
  sinceMs: z.number().optional(),
  /** The holder's command line, shortened; for messages. */
  command: z.string().optional(),
  /** /proc/sys/kernel/random/boot_id when taken: the same id in another boot is another process. */
  bootId: z.string().optional(),
  /** When the holding process started, in clock ticks since boot (/proc/<pid>/stat). */
  startTicks: z.number().optional(),
});
type Holder = z.infer<typeof holderRecord>;

/** Owners of the locks this process holds, by lock file path. */
const heldHere = new Map<string, Set<string>>();

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // no /proc here (macOS, Windows), or no such process
  }
}

const bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;

/** When process `pid` started (field 22 of /proc/<pid>/stat, after the parenthesised name). */
function startTicksOf(pid: number | 'self'): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields?.[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

const myStartTicks = startTicksOf('self');
const myCommand = process.argv
  .slice(1)
  .map((a) => a.split('/').pop() ?? a)
  .join(' ')
  .slice(0, 200);

/** How old a lock file that records no holder must be before it counts as left by a crash. */
const UNWRITTEN_STALE_MS = 10_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder a lock file records: undefined when there is no such file, 'unwritten' when it has none. */
function readHolder(path: string): Holder | 'unwritten' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = holderRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unwritten';
  } catch {
    return 'unwritten';
  }
}

function isStale(path: string, holder: Holder | 'unwritten', nowMs: number): boolean {
  if (holder === 'unwritten') {
    try {
      return nowMs - statSync(path).mtimeMs > UNWRITTEN_STALE_MS;
    } catch {
      return true; // gone meanwhile
    }
  }
  if (holder.host !== hostname()) return holder.untilMs < nowMs;
  if (holder.pid === process.pid) return !heldHere.get(path)?.has(holder.owner);
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) return true;
  if (!isRunning(holder.pid)) return true;
  const ticks = holder.startTicks === undefined ? undefined : startTicksOf(holder.pid);
  return ticks !== undefined && ticks !== holder.startTicks;
}

/** Creates `path` only if it does not exist; true when this call created it. */
function createExclusive(path: string, holder: Holder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT' || existsSync(dirname(path)))
      throw new StateFileError(
        path,
        `cannot be created (${message})`,
        'Broadsheet takes this lock file while it changes the state folder: make the folder writable.',
        { cause: error },
      );
    mkdirSync(dirname(path), { recursive: true });
    return createExclusive(path, holder);
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Removes the lock file if `owner` still holds it. */
function removeOwn(path: string, owner: string): void {
  const holder = readHolder(path);
  if (holder !== undefined && holder !== 'unwritten' && holder.owner === owner) unlinkQuietly(path);
}

/** One lock file. Every call is synchronous: nothing else in this process runs between its steps. */
export class LockFile {
  constructor(readonly path: string) {}

  /**
   * Takes the lock for `owner` (any string unique to this taking) unless someone else holds it; breaks a
   * stale one first. `ttlMs` only matters to processes on other hosts (see the top of this file).
   */
  tryAcquire(owner: string, nowMs: number, ttlMs: number): boolean {
    if (this.take(owner, nowMs, ttlMs)) return true;
    const holder = readHolder(this.path);
    if (holder === undefined) return this.take(owner, nowMs, ttlMs); // released meanwhile
    if (!isStale(this.path, holder, nowMs)) return false;
    const breaker = `${this.path}.break`;
    const breakerHolder = holderNow(randomUUID(), nowMs, ttlMs);
    heldHere.set(breaker, new Set([...(heldHere.get(breaker) ?? []), breakerHolder.owner]));
    if (!createExclusive(breaker, breakerHolder)) {
      forget(breaker, breakerHolder.owner);
      // Another process is breaking it; a breaker left by a crash (it is held for a few system calls) is
      // removed for the next attempt.
      const other = readHolder(breaker);
      if (other !== undefined && isStale(breaker, other, nowMs)) {
        if (other === 'unwritten') unlinkQuietly(breaker);
        else removeOwn(breaker, other.owner);
      }
      return false;
    }
    try {
      // Read again under the breaker: only a lock still stale is removed, never one made meanwhile.
      const again = readHolder(this.path);
      if (again !== undefined && isStale(this.path, again, nowMs)) unlinkQuietly(this.path);
    } finally {
      removeOwn(breaker, breakerHolder.owner);
      forget(breaker, breakerHolder.owner);
    }
    return this.take(owner, nowMs, ttlMs);
  }

  /** Creates the lock for `owner`, remembering in this process that it holds it. */
  private take(owner: string, nowMs: number, ttlMs: number): boolean {
    // Remembered first: from its creation on, a lock naming this process and owner is live.
    heldHere.set(this.path, new Set([...(heldHere.get(this.path) ?? []), owner]));
    if (createExclusive(this.path, holderNow(owner, nowMs, ttlMs))) return true;
    forget(this.path, owner);
    return false;
  }

  /** Removes the lock if `owner` still holds it (a broken one is the new holder's to remove). */
  release(owner: string): void {
    removeOwn(this.path, owner);
    forget(this.path, owner);
  }

  /** Who holds it, for messages: process, host and command, and since when, as far as recorded. */
  describeHolder(): string {
    const holder = readHolder(this.path);
    if (holder === undefined) return 'nobody';
    if (holder === 'unwritten') return 'a process that recorded no id';
    const command = holder.command ? ` (${holder.command})` : '';
    const since = holder.sinceMs === undefined ? '' : ` since ${new Date(holder.sinceMs).toISOString()}`;
    return `process ${holder.pid} on ${holder.host}${command}${since}`;
  }
}

function holderNow(owner: string, nowMs: number, ttlMs: number): Holder {
  return {
    owner,
    pid: process.pid,
    host: hostname(),
    untilMs: nowMs + ttlMs,
    sinceMs: nowMs,
    command: myCommand,
    ...(bootId === undefined ? {} : { bootId }),
    ...(myStartTicks === undefined ? {} : { startTicks: myStartTicks }),
  };
}

function forget(path: string, owner: string): void {
  const owners = heldHere.get(path);
  owners?.delete(owner);
  if (owners?.size === 0) heldHere.delete(path);
}

/**
 * Runs `work` holding the lock at `path`, waiting up to `waitMs` for it; throws StateFileError naming the
 * file and its holder when it stays taken.
 */
export async function withLockFile<T>(
  path: string,
  work: () => Promise<T>,
  options: { readonly waitMs?: number; readonly ttlMs?: number } = {},
): Promise<T> {
  const lock = new LockFile(path);
  const owner = randomUUID();
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  while (!lock.tryAcquire(owner, Date.now(), options.ttlMs ?? 60_000)) {
    if (Date.now() > deadline)
      throw new StateFileError(
        path,
        `is held by ${lock.describeHolder()}`,
        'Another Broadsheet command is changing the same state. Run again once it is done; if none is running, delete the file.',
      );
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
  }
  try {
    return await work();
  } finally {
    lock.release(owner);
  }
}
