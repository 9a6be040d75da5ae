import { join } from 'node:path';
import { StateFileError } from '../../core/errors.js';
import type { SiteIndexStore } from '../../core/ports.js';
import type { IndexedSource, SiteIndex } from '../../core/site-index.js';
import { JournalFile } from './journal-file.js';

type Meta = Omit<SiteIndex, 'sources' | 'feedBodies'>;

/**
 * The index in `<state>/site-index.v8` and its journal: a rebuild that changes one article appends that
 * entry instead of rewriting ten thousand. Ours alone, written last.
 */
export class FsSiteIndexStore implements SiteIndexStore {
  private readonly file: JournalFile<Meta, IndexedSource | string>;
  constructor(stateDir: string) {
    this.file = new JournalFile(join(stateDir, 'site-index.v8'));
  }

  get path(): string {
    return this.file.path;
  }

  async load(): Promise<SiteIndex | undefined> {
    let doc: ReturnType<typeof this.file.load>;
    try {
      doc = this.file.load();
    } catch {
      doc = undefined;
      this.damaged();
    }
    if (!doc) return undefined;
    const { meta, maps } = doc;
    if (meta?.format !== 2 || !(maps.sources instanceof Map) || !(maps.feedBodies instanceof Map))
      this.damaged();
    return {
      ...meta,
      sources: Object.fromEntries(maps.sources as Map<string, IndexedSource>),
      feedBodies: Object.fromEntries(maps.feedBodies as Map<string, string>),
    };
  }

  async save(index: SiteIndex): Promise<void> {
    const { sources, feedBodies, ...meta } = index;
    this.file.save({
      meta,
      maps: { sources: new Map(Object.entries(sources)), feedBodies: new Map(Object.entries(feedBodies)) },
    });
  }

  // Treating it as absent would look like a first run; refuse instead and say how to recover.
  private damaged(): never {
    throw new StateFileError(
      this.file.path,
      'is damaged or from another version',
      'Delete it (and site-index.v8.journal beside it) and build again: the next build rewrites every page, and articles already announced are not mailed again.',
    );
  }
}
