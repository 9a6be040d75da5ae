import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomicSync } from './files.js';

/** A document of a few small fields and some large keyed maps, as it is saved and loaded. */
export interface JournalDocument<M, V> {
  readonly meta: M;
  readonly maps: Record<string, ReadonlyMap<string, V>>;
}

interface Delta<M, V> {
  readonly meta: M;
  readonly set: Record<string, [string, V][]>;
  readonly removed: Record<string, string[]>;
}

/**
 * A document saved as a snapshot (`<path>`) plus a journal of changes (`<path>.journal`), both in V8's
 * structured-clone format. A save appends what changed since the last load or save — an edit of one article
 * of ten thousand writes one entry, not ten thousand — and folds the journal into a new snapshot once it
 * passes a tenth of the snapshot's size. Values are compared by identity: the caller replaces an entry to
 * change it. A journal record cut short by a crash is ignored, which is the same as that save not having
 * happened: the caller writes its state last, so it only redoes work.
 */
export class JournalFile<M, V> {
  private last: { meta: M; maps: Record<string, Map<string, V>> } | undefined;
  private snapshotBytes = 0;
  private journalBytes = 0;

  constructor(readonly path: string) {}

  private get journalPath(): string {
    return `${this.path}.journal`;
  }

  /** undefined when there is no snapshot; throws when the snapshot cannot be read back. */
  load(): JournalDocument<M, V> | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const snapshot = deserialize(bytes) as { meta: M; maps: Record<string, Map<string, V>> };
    this.snapshotBytes = bytes.length;
    const journal = readOptional(this.journalPath);
    this.journalBytes = 0;
    for (let at = 0; journal && at + 4 <= journal.length; ) {
      const length = journal.readUInt32LE(at);
      if (at + 4 + length > journal.length) break; // cut short by a crash: never saved
      const delta = deserialize(journal.subarray(at + 4, at + 4 + length)) as Delta<M, V>;
      apply(snapshot, delta);
      at += 4 + length;
      this.journalBytes = at;
    }
    this.last = { meta: snapshot.meta, maps: copyMaps(snapshot.maps) };
    return snapshot;
  }

  save(doc: JournalDocument<M, V>): void {
    const last = this.last;
    const delta = last ? diff(last, doc) : undefined;
    const record = delta ? serialize(delta) : undefined;
    if (record && this.journalBytes + record.length < Math.max(this.snapshotBytes / 10, 64 * 1024)) {
      const fd = openSync(this.journalPath, 'a');
      try {
        const length = Buffer.alloc(4);
        length.writeUInt32LE(record.length);
        writeSync(fd, Buffer.concat([length, record]));
      } finally {
        closeSync(fd);
      }
      this.journalBytes += 4 + record.length;
    } else {
      const snapshot = serialize({ meta: doc.meta, maps: copyMaps(doc.maps) });
      writeFileAtomicSync(this.path, snapshot);
      rmSync(this.journalPath, { force: true });
      this.snapshotBytes = snapshot.length;
      this.journalBytes = 0;
    }
    this.last = { meta: doc.meta, maps: copyMaps(doc.maps) };
  }

  /** Bytes on disk (snapshot and journal), for tests and benchmarks. */
  size(): { snapshot: number; journal: number } {
    const of = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return { snapshot: of(this.path), journal: of(this.journalPath) };
  }
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function copyMaps<V>(maps: Record<string, ReadonlyMap<string, V>>): Record<string, Map<string, V>> {
  return Object.fromEntries(Object.entries(maps).map(([name, map]) => [name, new Map(map)]));
}

function diff<M, V>(last: { maps: Record<string, Map<string, V>> }, doc: JournalDocument<M, V>): Delta<M, V> {
  const set: Record<string, [string, V][]> = {};
  const removed: Record<string, string[]> = {};
  for (const [name, map] of Object.entries(doc.maps)) {
    const before = last.maps[name] ?? new Map<string, V>();
    set[name] = [...map].filter(([key, value]) => before.get(key) !== value);
    removed[name] = [...before.keys()].filter((key) => !map.has(key));
  }
  return { meta: doc.meta, set, removed };
}

function apply<M, V>(doc: { meta: M; maps: Record<string, Map<string, V>> }, delta: Delta<M, V>): void {
  doc.meta = delta.meta;
  for (const [name, entries] of Object.entries(delta.set)) {
    const map = doc.maps[name] ?? new Map<string, V>();
    doc.maps[name] = map;
    for (const [key, value] of entries) map.set(key, value);
  }
  for (const [name, keys] of Object.entries(delta.removed)) {
    for (const key of keys) doc.maps[name]?.delete(key);
  }
}
