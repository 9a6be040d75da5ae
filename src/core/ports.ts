// The edges the pipeline talks to. Adapters (filesystem, S3, SES, DynamoDB) implement these and turn
// their own errors into ours; the core never learns which one it was given.

import type { ArticleMeta, ArticleSource, ParseResult } from './article.js';
import type { Audience, DeliveryChoice } from './delivery.js';
import type { Digest } from './digest.js';
import type { RawMessage } from './email.js';
import type { DigestHold } from './grace.js';
import type { PublishedIds } from './published-ids.js';
import type { SiteConfig } from './site.js';
import type { FileKind } from './site-build.js';
import type { SiteIndex } from './site-index.js';
import type { Subscriber, SubscriberChange, SubscriberUpdate, UpdateOptions } from './subscribers.js';
import type { PublishedTheme } from './theme.js';

/** A source file as listed: where it is and a cheap token that changes whenever its content may have. */
export interface SourceEntry {
  /** Relative to the content root ('posts/2026-03-01-hello.md') or, for static files, to static/ ('images/a.svg'). */
  readonly path: string;
  /** Size and modification time locally, the ETag in S3: equal versions mean equal bytes. */
  readonly version: string;
}

/** Where articles are read from (content/ locally, the content bucket in AWS). */
export interface ArticleSourceStore {
  list(): Promise<SourceEntry[]>;
  /** Throws NotFoundError when the file does not exist (any more). */
  read(path: string): Promise<ArticleSource>;
  /** A hint: these are read next, in this order (a store may start reading them early). */
  prefetch?(paths: readonly string[]): void;
}

/**
 * Where a publish parses the sources it read: in its own thread, or spread over the machine's cores (a
 * large local build). The result of a source is the same either way.
 */
export interface ArticleParser {
  /** A hint: about this many sources follow (a parser may start helpers only for many). */
  expect?(count: number): void;
  /** `hash` is the source's content hash, already computed by the caller. */
  parse(source: ArticleSource, site: SiteConfig, hash: string): Promise<ParseResult>;
}

/** Files copied as they are into the site (content/static/ locally, static/ in the content bucket). */
export interface StaticAssetStore {
  list(): Promise<SourceEntry[]>;
  /** Throws NotFoundError when the file does not exist (any more). */
  read(path: string): Promise<{ readonly bytes: Uint8Array; readonly version?: string }>;
}

/** The site's own theme files (content/theme/ locally, theme/ in the content bucket). */
export interface ThemeSourceStore {
  /** Every file by its path relative to the theme folder ('article.liquid'); empty when there is none. */
  files(): Promise<Readonly<Record<string, string>>>;
}

/**
 * The site's theme files as the last publish loaded them (state/theme.json in the content bucket), for the
 * functions that render mail and the subscription pages without reading content/theme/.
 */
export interface PublishedThemeStore {
  /** undefined before a publish has written one. */
  load(): Promise<PublishedTheme | undefined>;
  save(theme: PublishedTheme): Promise<void>;
}

/** Where the index of sources lives between publishes (a state file locally, an object in S3). */
export interface SiteIndexStore {
  /** undefined before the first publish. */
  load(): Promise<SiteIndex | undefined>;
  save(index: SiteIndex): Promise<void>;
}

/** Describes the stored version of a file so unchanged files are not written again. */
export type Fingerprints = ReadonlyMap<string, string>;

export interface StoredFile {
  readonly path: string;
  readonly body: string | Uint8Array;
  readonly contentType: string;
  readonly immutable: boolean;
  readonly kind: FileKind;
  /** Stable identity of the content (a key or a hash) recorded beside the file. */
  readonly fingerprint: string;
}

/** Where the built site goes (dist/ locally, the site bucket in AWS). */
export interface SiteStore {
  /** How many files to render and put at once to keep the store busy (16 when not said). */
  readonly writesInFlight?: number;
  fingerprints(): Promise<Fingerprints>;
  /** Replaces one file whole: readers see the old or the new version, never a mix. */
  put(file: StoredFile): Promise<void>;
  delete(path: string): Promise<void>;
  /** Records what is stored now; called last, after every put and delete succeeded. */
  saveFingerprints(fingerprints: Fingerprints): Promise<void>;
}

/** Confirmed subscribers a page at a time, in address order, after a given address (the digest fan-out). */
export interface RecipientPages {
  page(after: string | undefined, limit: number): Promise<{ recipients: DeliveryChoice[]; next?: string }>;
}

export interface RecipientStore {
  /** Confirmed, unsuppressed subscribers (normalized addresses) and how often each wants mail. */
  recipients(): Promise<DeliveryChoice[]>;
}

/** Where composed digests go: the outbox folder locally, SES in AWS. */
export interface DigestMailer {
  /** Delivering the same digest twice writes it once (the outbox is keyed by digest id). */
  deliver(digest: Digest, messages: readonly RawMessage[]): Promise<{ location: string }>;
}

/**
 * Serializes publishes: S3 events arrive concurrently, and the index must not lose an update. A lease, not
 * a lock: it lapses after `ttlMs`, so a publish that dies holding it blocks the next one only that long.
 */
export interface PublishLease {
  acquire(owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  release(owner: string): Promise<void>;
  /** Who holds it and how to clear it if that holder is gone, for the message when it stays taken. */
  describe?(): Promise<string>;
}

/** A digest as planned: created once, then fanned out to recipients. */
export interface DigestRecord {
  readonly id: string;
  readonly createdAtMs: number;
  readonly articles: readonly ArticleMeta[];
  /** Absent on digests from before weekly delivery: every confirmed subscriber, as instant. */
  readonly audience?: Audience;
  /** Full-text digests: article URL → mail-ready body, for the articles that go in full. */
  readonly bodies?: Readonly<Record<string, string>>;
  /** Full-text digests: URLs shortened to summary and link to stay under Gmail's clip. */
  readonly shortened?: readonly string[];
  /**
   * Set when, as it was planned, nobody in its audience followed any of its articles (everyone chose
   * weekly, no topic matched, no confirmed subscriber): the public archive gives it no page. Decided once,
   * in the record's conditional write, so a replayed publish archives as the first one decided. Weekly
   * digests never carry it: one that would reach nobody is not created at all.
   */
  readonly unreached?: true;
}

/** Which articles were announced, and the digests that announced them (a state file locally, DynamoDB in AWS). */
export interface AnnouncementLedger {
  /** Of these article URLs, those that no digest has announced. */
  unannounced(urls: readonly string[]): Promise<string[]>;
  /** Records the digest with one conditional write: false when a digest with this id already exists. */
  createDigest(digest: DigestRecord): Promise<boolean>;
  markAnnounced(urls: readonly string[], digestId: string): Promise<void>;
  digest(id: string): Promise<DigestRecord | undefined>;
  /**
   * The digest an announce step began and did not finish (handed on, its articles marked) before it
   * stopped: a crash, a timeout. The next announce step finishes it before it plans another, so the
   * articles it carries are never planned into a second digest. Undefined when none is open.
   */
  openAnnouncement(): Promise<string | undefined>;
  /** Opens (an id) or closes (undefined) the announcement in progress; the publish lease is held. */
  setOpenAnnouncement(id: string | undefined): Promise<void>;
}

/** What the weekly digest needs to know: instant digests by time, and which articles a weekly one carried. */
export interface WeeklyLedger {
  digest(id: string): Promise<DigestRecord | undefined>;
  /** Conditional write, as in AnnouncementLedger: false when a digest with this id exists. */
  createDigest(digest: DigestRecord): Promise<boolean>;
  /**
   * Articles of instant digests created in [sinceMs, beforeMs) that no weekly digest carried yet, oldest
   * announcement first. Silenced articles (first run) were never in a digest, so they are not here.
   */
  awaitingWeekly(sinceMs: number, beforeMs: number): Promise<ArticleMeta[]>;
  /** Records that these articles went out in a weekly digest, so no later one carries them again. */
  markWeekly(urls: readonly string[], weeklyId: string): Promise<void>;
  /** Of these article addresses, those a weekly digest carried. */
  carriedWeekly(urls: readonly string[]): Promise<ReadonlySet<string>>;
  /** End of the last week whose digest was handed on; undefined before the first. */
  weeklyCursor(): Promise<number | undefined>;
  /** Moves the cursor forward only (a late or repeated run never moves it back). */
  advanceWeeklyCursor(endMs: number): Promise<void>;
}

/**
 * What the public archive reads of the digests that went out: a digest by id, and how far the weekly
 * digests have gone (the end of the last week whose digest was handed on). A WeeklyLedger is one.
 */
export type IssueSource = Pick<WeeklyLedger, 'digest' | 'weeklyCursor'>;

/** Planned digests by id (the fan-out and the sender read them). */
export interface DigestSource {
  digest(id: string): Promise<DigestRecord | undefined>;
}

/** One record per (digest, recipient): claimed before the message is sent, then sent or failed. */
export interface SendLedger {
  claim(digestId: string, address: string, nowMs: number, staleBeforeMs: number): Promise<boolean>;
  release(digestId: string, address: string): Promise<void>;
  markSent(digestId: string, address: string, messageId: string): Promise<void>;
  markFailed(digestId: string, address: string, reason: string): Promise<void>;
}

/** Up to 50 recipients of one digest: one message on the send queue. */
export interface SendBatch {
  readonly digestId: string;
  readonly recipients: readonly string[];
  /** Topics: the URLs of the digest's articles these recipients follow; absent: all of them. */
  readonly articles?: readonly string[];
}

export interface SendQueue {
  enqueue(batches: readonly SendBatch[]): Promise<void>;
}

/** Hands a planned digest to whatever sends it (an SQS queue in AWS, the outbox locally). */
export interface DigestQueue {
  enqueue(digestId: string): Promise<void>;
}

/** Subscribers by address (the subscribe flow, bounces, the operator CLI). */
export interface SubscriberStore extends RecipientStore {
  /** Everyone, whatever their status (operator listing and export). */
  list(): Promise<Subscriber[]>;
  get(address: string): Promise<Subscriber | undefined>;
  /**
   * The only way a subscriber changes: `change` is applied to what is stored now and written with a
   * conditional write on a version, re-read and re-applied when someone else wrote first (see
   * updateSubscribers in core/subscribers.ts). Throws OptOutError for a change that undoes an opt-out
   * unless `overrideOptOut` is set.
   */
  update(address: string, change: SubscriberChange, options?: UpdateOptions): Promise<SubscriberUpdate>;
  /** The same for many addresses at once (imports, bounce batches): one read and one write where the store can. */
  updateAll(
    changes: ReadonlyMap<string, SubscriberChange>,
    options?: UpdateOptions,
  ): Promise<ReadonlyMap<string, SubscriberUpdate>>;
}

/** Counts attempts per key in a time window; false once a key is over its limit. */
export interface AttemptLimiter {
  allow(key: string, limit: number, windowMs: number, nowMs: number): Promise<boolean>;
}

/** Sends one message; returns the provider's message id. Throws MailError. */
export interface MailSender {
  send(message: RawMessage): Promise<string>;
}

/** Tells a WebSub hub that feeds changed, so subscribers' readers fetch them now instead of polling. */
export interface HubNotifier {
  /** Absolute feed URLs; must not throw (a hub being down never blocks publishing). */
  notify(feedUrls: readonly string[]): Promise<{ notified: number; failed: number }>;
}

/** content/published-ids.json: what has been published, committed beside the articles. */
export interface PublishedIdsStore {
  load(): Promise<PublishedIds | undefined>;
  save(lock: PublishedIds): Promise<void>;
}

/** Wakes the publisher when the next scheduled article is due (EventBridge Scheduler in AWS). */
export interface PublishScheduler {
  /** `undefined`: nothing is scheduled any more. */
  scheduleNext(at: Date | undefined): Promise<void>;
}

/**
 * The operator's stops on pending digests (`broadsheet hold` / `release`): while held, a digest whose
 * grace window closed keeps waiting. One record of every hold, written conditionally on its version: a
 * file locally, one item in DynamoDB.
 */
export interface DigestHoldStore {
  /** The digests the operator holds, and the version of that record (0 before the first hold). */
  holds(): Promise<{ readonly holds: readonly DigestHold[]; readonly version: number }>;
  /**
   * Replaces the holds with one conditional write, as version `version + 1`: false (nothing written) when
   * the record is no longer at `version` (another desk command wrote it first; read again and retry).
   */
  saveHolds(holds: readonly DigestHold[], version: number): Promise<boolean>;
}
