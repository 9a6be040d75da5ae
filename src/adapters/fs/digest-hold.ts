import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { StateFileError } from '../../core/errors.js';
import type { DigestHoldStore } from '../../core/ports.js';
import { readJsonFile, writeJsonFile } from './files.js';

const holdFile = z.object({ held: z.literal(true), sinceMs: z.number() });

const FIX =
  'It records that `broadsheet hold` stopped the pending digest. Delete it to release the digest (the next build sends it if its window has closed), or run `broadsheet hold` again.';

/** `.broadsheet/digest-hold.json`: present while the operator holds the pending digest. */
export class FileDigestHold implements DigestHoldStore {
  readonly path: string;
  constructor(stateDir: string) {
    this.path = join(stateDir, 'digest-hold.json');
  }

  async isHeld(): Promise<boolean> {
    const raw = await readJsonFile(this.path, FIX);
    if (raw === undefined) return false;
    if (!holdFile.safeParse(raw).success) throw new StateFileError(this.path, 'is invalid', FIX);
    return true;
  }

  async setHeld(held: boolean, nowMs: number): Promise<void> {
    if (held) await writeJsonFile(this.path, { held: true, sinceMs: nowMs });
    else await rm(this.path, { force: true });
  }
}
