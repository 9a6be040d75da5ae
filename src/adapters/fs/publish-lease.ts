import { join } from 'node:path';
import type { PublishLease } from '../../core/ports.js';
import { LockFile } from './lock-file.js';

/**
 * `.broadsheet/publish.lock`: the publish lease on a local site, which builds and the desk commands
 * (hold, release, cancel) take. A lock file (./lock-file.ts): a build that died leaves it behind, and the
 * next command breaks it, since its process is gone; a running build's is never broken, however long.
 */
export class FilePublishLease implements PublishLease {
  private readonly lock: LockFile;
  constructor(stateDir: string) {
    this.lock = new LockFile(join(stateDir, 'publish.lock'));
  }

  async acquire(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.lock.tryAcquire(owner, nowMs, ttlMs);
  }

  async release(owner: string): Promise<void> {
    this.lock.release(owner);
  }

  async describe(): Promise<string> {
    return `${this.lock.path} is held by ${this.lock.describeHolder()}. If that process is no longer running (a build or desk command that was killed), delete ${this.lock.path} and run again.`;
  }
}
