// In-memory implementations of the ports, for pipeline tests that need no emulator.
import type { ArticleSource } from '../../src/core/article.js';
import { NotFoundError } from '../../src/core/errors.js';
import type {
  AnnouncementLedger,
  ArticleSourceStore,
  DigestQueue,
  DigestRecord,
  Fingerprints,
  PublishLock,
  SiteStore,
  SourceEntry,
  StateStore,
  StoredFile,
} from '../../src/core/ports.js';

export class MemorySource implements ArticleSourceStore {
  files = new Map<string, string>();
  async list(): Promise<SourceEntry[]> {
    return [...this.files].map(([path, text]) => ({ path, version: String(text.length) }));
  }
  async read(path: string): Promise<ArticleSource> {
    const text = this.files.get(path);
    if (text === undefined) throw new NotFoundError(path);
    return { path, bytes: new TextEncoder().encode(text) };
  }
}

export class MemorySite implements SiteStore {
  files = new Map<string, StoredFile>();
  async fingerprints(): Promise<Fingerprints> {
    return new Map();
  }
  async put(file: StoredFile): Promise<void> {
    this.files.set(file.path, file);
  }
  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }
  async saveFingerprints(): Promise<void> {}
  text(path: string): string {
    const body = this.files.get(path)?.body;
    return typeof body === 'string' ? body : '';
  }
}

export class MemoryState implements StateStore {
  docs = new Map<string, string>();
  async list(prefix: string): Promise<string[]> {
    return [...this.docs.keys()].filter((k) => k.startsWith(prefix));
  }
  async get(key: string): Promise<unknown> {
    const doc = this.docs.get(key);
    return doc === undefined ? undefined : JSON.parse(doc);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.docs.set(key, JSON.stringify(value));
  }
  async delete(key: string): Promise<void> {
    this.docs.delete(key);
  }
}

export class MemoryLock implements PublishLock {
  holder: string | undefined;
  async acquire(owner: string): Promise<boolean> {
    if (this.holder) return false;
    this.holder = owner;
    return true;
  }
  async release(owner: string): Promise<void> {
    if (this.holder === owner) this.holder = undefined;
  }
}

export class MemoryLedger implements AnnouncementLedger, DigestQueue {
  announced = new Map<string, string>();
  digests = new Map<string, DigestRecord>();
  queued: string[] = [];
  async unannounced(urls: readonly string[]): Promise<string[]> {
    return urls.filter((u) => !this.announced.has(u));
  }
  async createDigest(digest: DigestRecord): Promise<boolean> {
    if (this.digests.has(digest.id)) return false;
    this.digests.set(digest.id, digest);
    return true;
  }
  async markAnnounced(urls: readonly string[], digestId: string): Promise<void> {
    for (const url of urls) this.announced.set(url, digestId);
  }
  async enqueue(digestId: string): Promise<void> {
    this.queued.push(digestId);
  }
}
