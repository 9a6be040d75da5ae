import { appendFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalFile } from '../../../src/adapters/fs/journal-file.js';

const dir = () => mkdtemp(join(tmpdir(), 'journal-'));

describe('JournalFile', () => {
  it('appends only what changed, and reads back the snapshot with its journal applied', async () => {
    const path = join(await dir(), 'doc.v8');
    const writer = new JournalFile<{ n: number }, string>(path);
    const entries = new Map(Array.from({ length: 5000 }, (_, i) => [`k${i}`, `value ${i}`.repeat(10)]));
    writer.save({ meta: { n: 1 }, maps: { entries } });
    const first = writer.size();
    expect(first.journal).toBe(0);

    const reader = new JournalFile<{ n: number }, string>(path);
    const loaded = reader.load();
    const next = new Map(loaded?.maps.entries);
    next.set('k1', 'edited');
    next.delete('k2');
    reader.save({ meta: { n: 2 }, maps: { entries: next } });
    expect(reader.size().snapshot).toBe(first.snapshot);
    expect(reader.size().journal).toBeGreaterThan(0);
    expect(reader.size().journal).toBeLessThan(200);

    const again = new JournalFile<{ n: number }, string>(path).load();
    expect(again?.meta).toEqual({ n: 2 });
    expect(again?.maps.entries?.get('k1')).toBe('edited');
    expect(again?.maps.entries?.has('k2')).toBe(false);
    expect(again?.maps.entries?.size).toBe(4999);
  });

  it('ignores a journal record cut short by a crash, as if that save never happened', async () => {
    const path = join(await dir(), 'doc.v8');
    const file = new JournalFile<null, string>(path);
    file.save({ meta: null, maps: { m: new Map([['a', '1']]) } });
    file.save({ meta: null, maps: { m: new Map([['a', '2']]) } });
    appendFileSync(`${path}.journal`, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    expect(new JournalFile<null, string>(path).load()?.maps.m?.get('a')).toBe('2');
  });

  it('folds the journal into a new snapshot once it grows past a tenth of it', async () => {
    const path = join(await dir(), 'doc.v8');
    const file = new JournalFile<null, string>(path);
    file.save({ meta: null, maps: { m: new Map([['a', 'x']]) } });
    file.save({ meta: null, maps: { m: new Map([['a', 'y'.repeat(100_000)]]) } });
    expect(file.size().journal).toBe(0);
    expect(new JournalFile<null, string>(path).load()?.maps.m?.get('a')).toHaveLength(100_000);
  });
});
