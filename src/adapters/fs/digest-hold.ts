import { join } from 'node:path';
import * as z from 'zod';
import { StateFileError } from '../../core/errors.js';
import { type DigestHold, earlierHold } from '../../core/grace.js';
import type { DigestHoldStore } from '../../core/ports.js';
import { readJsonFile, writeJsonFile } from './files.js';
import { withLockFile } from './lock-file.js';

const holdFile = z.strictObject({
  version: z.number().int().positive(),
  holds: z.array(
    z.strictObject({
      id: z.string().min(1),
      sources: z.array(z.string()),
      sinceMs: z.number(),
      everyPending: z.literal(true).optional(),
    }),
  ),
});

/** The previous release's file: present while the one pending digest was held. */
const earlierFile = z.strictObject({ held: z.literal(true), sinceMs: z.number() });

const FIX =
  'It records the digests `broadsheet hold` stopped. Run `broadsheet pending` after fixing it, or delete it to release every held digest (the next build sends those whose window has closed).';

/**
 * `.broadsheet/digest-hold.json`: the digests the operator holds, with the version of the record. The
 * previous release's file (`{ held: true, sinceMs }`: every pending digest held) is read as that hold, at
 * version 0, and the first write replaces it.
 */
export class FileDigestHold implements DigestHoldStore {
  readonly path: string;
  constructor(stateDir: string) {
    this.path = join(stateDir, 'digest-hold.json');
  }

  async holds(): Promise<{ holds: DigestHold[]; version: number }> {
    const raw = await readJsonFile(this.path, FIX);
    if (raw === undefined) return { holds: [], version: 0 };
    const parsed = holdFile.safeParse(raw);
    if (parsed.success) return parsed.data;
    // Read as the hold it was, at version 0: the next change to the holds replaces it.
    const earlier = earlierFile.safeParse(raw);
    if (earlier.success) return { holds: [earlierHold(earlier.data.sinceMs)], version: 0 };
    throw new StateFileError(this.path, 'is invalid', FIX);
  }

  /**
   * The version is compared, then the file replaced whole, under a lock file (`digest-hold.json.lock`):
   * two commands at once, in this process or two, cannot both write on the same version.
   */
  saveHolds(holds: readonly DigestHold[], version: number): Promise<boolean> {
    return withLockFile(`${this.path}.lock`, async () => {
      if ((await this.holds()).version !== version) return false;
      await writeJsonFile(this.path, { version: version + 1, holds });
      return true;
    });
  }
}
