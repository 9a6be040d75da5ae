import { createHash } from 'node:crypto';
import { wentOut } from '../../src/core/announcement-marks.js';
import type { ArticleMeta, ArticleSource } from '../../src/core/article.js';
import { articlesAwaitingWeekly } from '../../src/core/awaiting-weekly.js';
import type { RawMessage } from '../../src/core/email.js';
import { NotFoundError } from '../../src/core/errors.js';
// In-memory implementations of the ports, for pipeline tests that need no emulator.
import type { DigestHold } from '../../src/core/grace.js';
import type {
  AnnouncementLedger,
  ArticleSourceStore,
  AttemptLimiter,
  DigestHoldStore,
  DigestQueue,
  DigestRecord,
  Fingerprints,
  MailSender,
  PublishedThemeStore,
  PublishLease,
  PublishScheduler,
  RecipientPages,
  SendLedger,
  SiteIndexStore,
  SiteStore,
  SourceEntry,
  StaticAssetStore,
  StoredFile,
  SubscriberStore,
  ThemeSourceStore,
  WeeklyLedger,
} from '../../src/core/ports.js';
import type { SiteIndex } from '../../src/core/site-index.js';
import {
  type Subscriber,
  type SubscriberChange,
  type SubscriberUpdate,
  type UpdateOptions,
  updateSubscriber,
  updateSubscribers,
  type VersionedSubscriber,
  type VersionedSubscriberStorage,
} from '../../src/core/subscribers.js';
import type { PublishedTheme } from '../../src/core/theme.js';

export class MemorySource implements ArticleSourceStore {
  files = new Map<string, string>();
  async list(): Promise<SourceEntry[]> {
    // Like an ETag: changes whenever the bytes do.
    return [...this.files].map(([path, text]) => ({
      path,
      version: createHash('md5').update(text).digest('hex'),
    }));
  }
  async read(path: string): Promise<ArticleSource> {
    const text = this.files.get(path);
    if (text === undefined) throw new NotFoundError(path);
    return { path, bytes: new TextEncoder().encode(text) };
  }
}

export class MemorySite implements SiteStore {
  files = new Map<string, StoredFile>();
  manifest = new Map<string, string>();
  async fingerprints(): Promise<Fingerprints> {
    return new Map(this.manifest);
  }
  async put(file: StoredFile): Promise<void> {
    this.files.set(file.path, file);
  }
  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }
  async saveFingerprints(fingerprints: Fingerprints): Promise<void> {
    this.manifest = new Map(fingerprints);
  }
  /** Every file as bytes, for comparing two sites. */
  bytes(): Map<string, string> {
    return new Map(
      [...this.files].map(([path, f]) => [
        path,
        typeof f.body === 'string' ? f.body : Buffer.from(f.body).toString('base64'),
      ]),
    );
  }
  text(path: string): string {
    const body = this.files.get(path)?.body;
    return typeof body === 'string' ? body : '';
  }
}

/** Static files by site path ('images/a.svg'). */
export class MemoryStatic implements StaticAssetStore {
  files = new Map<string, Uint8Array>();
  async list(): Promise<SourceEntry[]> {
    return [...this.files].map(([path, bytes]) => ({
      path,
      version: String(Buffer.from(bytes).toString('base64')),
    }));
  }
  async read(path: string): Promise<{ bytes: Uint8Array }> {
    const bytes = this.files.get(path);
    if (bytes === undefined) throw new NotFoundError(`static/${path}`);
    return { bytes };
  }
}

/** The site's theme files (content/theme/), by path relative to it. */
export class MemoryTheme implements ThemeSourceStore {
  byPath = new Map<string, string>();
  async files(): Promise<Record<string, string>> {
    return Object.fromEntries(this.byPath);
  }
}

/** The theme a publish hands on, as a stored document (a JSON round trip), counting the writes. */
export class MemoryPublishedTheme implements PublishedThemeStore {
  doc: string | undefined;
  saves = 0;
  async load(): Promise<PublishedTheme | undefined> {
    return this.doc === undefined ? undefined : (JSON.parse(this.doc) as PublishedTheme);
  }
  async save(theme: PublishedTheme): Promise<void> {
    this.doc = JSON.stringify(theme);
    this.saves++;
  }
}

/** The index as a stored document: a JSON round trip on every save, as S3 gives it back. */
export class MemoryIndex implements SiteIndexStore {
  doc: string | undefined;
  async load(): Promise<SiteIndex | undefined> {
    return this.doc === undefined ? undefined : (JSON.parse(this.doc) as SiteIndex);
  }
  async save(index: SiteIndex): Promise<void> {
    this.doc = JSON.stringify(index);
  }
}

/** A lease as DynamoDB keeps it: held until released or until its time to live runs out. */
export class MemoryLock implements PublishLease {
  holder: string | undefined;
  leaseUntil = 0;
  async acquire(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    if (this.holder && this.leaseUntil >= nowMs) return false;
    this.holder = owner;
    this.leaseUntil = nowMs + ttlMs;
    return true;
  }
  async release(owner: string): Promise<void> {
    if (this.holder === owner) this.holder = undefined;
  }
}

export class MemoryLedger implements AnnouncementLedger, WeeklyLedger, DigestQueue {
  announced = new Map<string, string>();
  /** The addresses announced, without the identities and handed-on marks recorded beside them. */
  announcedUrls(): string[] {
    return [...this.announced.keys()].filter(
      (key) => !key.startsWith('article:') && !key.startsWith('handed-on:') && !key.startsWith('dropped:'),
    );
  }
  digests = new Map<string, DigestRecord>();
  weekly = new Map<string, string>();
  cursor: number | undefined;
  queued: string[] = [];
  open: string | undefined;
  async openAnnouncement(): Promise<string | undefined> {
    return this.open;
  }
  async setOpenAnnouncement(id: string | undefined): Promise<void> {
    this.open = id;
  }
  async unannounced(urls: readonly string[]): Promise<string[]> {
    return urls.filter((u) => !this.announced.has(u));
  }
  async createDigest(digest: DigestRecord): Promise<boolean> {
    if (this.digests.has(digest.id)) return false;
    this.digests.set(digest.id, digest);
    return true;
  }
  async digest(id: string): Promise<DigestRecord | undefined> {
    return this.digests.get(id);
  }
  async markAnnounced(urls: readonly string[], digestId: string): Promise<void> {
    for (const url of urls) this.announced.set(url, digestId);
  }
  async enqueue(digestId: string): Promise<void> {
    this.queued.push(digestId);
  }
  async awaitingWeekly(sinceMs: number, beforeMs: number): Promise<ArticleMeta[]> {
    return articlesAwaitingWeekly(
      this.digests.values(),
      (url) => this.weekly.has(url),
      sinceMs,
      beforeMs,
      (id) => wentOut(id, this.open, (key) => this.announced.has(key)),
    );
  }
  async carriedWeekly(urls: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(urls.filter((url) => this.weekly.has(url)));
  }
  async markWeekly(urls: readonly string[], weeklyId: string): Promise<void> {
    for (const url of urls) if (!this.weekly.has(url)) this.weekly.set(url, weeklyId);
  }
  async weeklyCursor(): Promise<number | undefined> {
    return this.cursor;
  }
  async advanceWeeklyCursor(endMs: number): Promise<void> {
    this.cursor = Math.max(this.cursor ?? endMs, endMs);
  }
}

/** The send ledger's rules (claim once, then sent or failed) in a Map. */
export class MemorySendLedger implements SendLedger {
  records = new Map<string, { state: 'claimed' | 'sent' | 'failed'; atMs: number }>();
  async claim(digestId: string, address: string, nowMs: number, staleBeforeMs: number): Promise<boolean> {
    const key = `${digestId}|${address}`;
    const existing = this.records.get(key);
    if (existing && !(existing.state === 'claimed' && existing.atMs < staleBeforeMs)) return false;
    this.records.set(key, { state: 'claimed', atMs: nowMs });
    return true;
  }
  async release(digestId: string, address: string): Promise<void> {
    this.records.delete(`${digestId}|${address}`);
  }
  async markSent(digestId: string, address: string): Promise<void> {
    this.records.set(`${digestId}|${address}`, { state: 'sent', atMs: 0 });
  }
  async markFailed(digestId: string, address: string): Promise<void> {
    this.records.set(`${digestId}|${address}`, { state: 'failed', atMs: 0 });
  }
}

/** Subscribers in a Map, changed by the same versioned rule as the real stores (updateSubscribers). */
export class MemorySubscribers implements SubscriberStore, VersionedSubscriberStorage {
  records = new Map<string, Subscriber>();
  versions = new Map<string, number>();
  async recipients(): Promise<Subscriber[]> {
    return [...this.records.values()].filter((s) => s.status === 'confirmed');
  }
  async list(): Promise<Subscriber[]> {
    return [...this.records.values()];
  }
  async get(address: string): Promise<Subscriber | undefined> {
    return this.records.get(address);
  }
  /** Puts a record in place as a test's starting point; the code under test goes through update(). */
  async save(subscriber: Subscriber): Promise<void> {
    this.place(subscriber);
  }
  private place(subscriber: Subscriber): void {
    this.records.set(subscriber.address, subscriber);
    this.versions.set(subscriber.address, (this.versions.get(subscriber.address) ?? 0) + 1);
  }
  update(address: string, change: SubscriberChange, options?: UpdateOptions): Promise<SubscriberUpdate> {
    return updateSubscriber(this, address, change, options);
  }
  updateAll(
    changes: ReadonlyMap<string, SubscriberChange>,
    options?: UpdateOptions,
  ): Promise<Map<string, SubscriberUpdate>> {
    return updateSubscribers(this, changes, options);
  }
  async readVersioned(addresses: readonly string[]): Promise<Map<string, VersionedSubscriber>> {
    return new Map(
      addresses.map((a) => [a, { subscriber: this.records.get(a), version: this.versions.get(a) ?? 0 }]),
    );
  }
  async writeIfUnchanged(
    writes: readonly { subscriber: Subscriber; version: number }[],
  ): Promise<Set<string>> {
    const conflicted = new Set<string>();
    for (const { subscriber, version } of writes) {
      if ((this.versions.get(subscriber.address) ?? 0) !== version) conflicted.add(subscriber.address);
      else this.place(subscriber);
    }
    return conflicted;
  }
}

export class MemoryAttempts implements AttemptLimiter {
  counts = new Map<string, number>();
  async allow(key: string, limit: number, windowMs: number, nowMs: number): Promise<boolean> {
    const k = `${key}#${Math.floor(nowMs / windowMs)}`;
    const n = this.counts.get(k) ?? 0;
    if (n >= limit) return false;
    this.counts.set(k, n + 1);
    return true;
  }
}

export class MemoryMailer implements MailSender {
  sent: RawMessage[] = [];
  async send(message: RawMessage): Promise<string> {
    this.sent.push(message);
    return `m${this.sent.length}`;
  }
}

/** The operator's holds, versioned like the stores. */
export class MemoryHold implements DigestHoldStore {
  record: { holds: readonly DigestHold[]; version: number } = { holds: [], version: 0 };
  async holds(): Promise<{ holds: readonly DigestHold[]; version: number }> {
    return this.record;
  }
  async saveHolds(holds: readonly DigestHold[], version: number): Promise<boolean> {
    if (this.record.version !== version) return false;
    this.record = { holds, version: version + 1 };
    return true;
  }
}

/** Records each wake-up the publisher asks for (undefined: none). */
export class MemoryScheduler implements PublishScheduler {
  wakes: (number | undefined)[] = [];
  async scheduleNext(at: Date | undefined): Promise<void> {
    this.wakes.push(at?.getTime());
  }
}

/** One confirmed subscriber, instant, following everything: every instant digest reaches someone. */
export const anInstantReader: RecipientPages = {
  page: async () => ({ recipients: [{ address: 'reader@example.org' }] }),
};
