// The local record of the operator's digest holds: replaced whole, only on the version read, and an
// earlier Broadsheet's one-hold file is refused with the file named (never read as "nothing held").
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDigestHold } from '../../../src/adapters/fs/digest-hold.js';

describe('FileDigestHold', () => {
  it('writes the holds only on the version read', async () => {
    const store = new FileDigestHold(await mkdtemp(join(tmpdir(), 'holds-')));
    expect(await store.holds()).toEqual({ holds: [], version: 0 });
    const hold = { id: 'aaaa1111', sources: ['posts/a.md'], sinceMs: 1 };
    expect(await store.saveHolds([hold], 0)).toBe(true);
    expect(await store.saveHolds([], 0)).toBe(false);
    expect(await store.holds()).toEqual({ holds: [hold], version: 1 });
  });

  it('refuses the one-hold file of an earlier version, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holds-'));
    await writeFile(join(dir, 'digest-hold.json'), JSON.stringify({ held: true, sinceMs: 5 }));
    await expect(new FileDigestHold(dir).holds()).rejects.toThrow(
      /digest-hold\.json is from an earlier Broadsheet/,
    );
  });
});
