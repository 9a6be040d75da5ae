// `broadsheet stats`: counts from what Broadsheet keeps anyway (subscriber records, digests, the send
// ledger), never from tracking. Pure: records in, numbers out.
import { audienceOfDigest, type Delivery, deliveryDuring } from './delivery.js';
import type { DigestRecord } from './ports.js';
import type { Subscriber, SubscriberStatus } from './subscribers.js';

/** What the send ledger knows about one recipient of one digest. */
export interface LedgerEntry {
  readonly state: 'claimed' | 'sent' | 'failed';
  /** The provider's message id, once sent. */
  readonly messageId?: string;
}

/** Where `stats` reads digests and their send records: the state file and outbox/, or the table. */
export interface StatsSource {
  /** Digests created at or after `sinceMs`, any order. */
  recentDigests(sinceMs: number): Promise<DigestRecord[]>;
  /** Recipient address → what the send ledger holds for them. */
  ledger(digestId: string): Promise<ReadonlyMap<string, LedgerEntry>>;
  /** False where bounces and complaints never come back (the local outbox is not a mail server). */
  readonly feedbackReported: boolean;
}

export interface SubscriberCounts {
  readonly total: number;
  readonly byStatus: Readonly<Record<SubscriberStatus, number>>;
  /** Confirmed subscribers by the delivery in effect now. */
  readonly byDelivery: Readonly<Record<Delivery, number>>;
  /** Confirmed subscribers who follow every article, and how many follow each topic (tag slug). */
  readonly everything: number;
  readonly byTopic: Readonly<Record<string, number>>;
}

export function countSubscribers(subscribers: readonly Subscriber[], weekStartMs: number): SubscriberCounts {
  const byStatus: Record<SubscriberStatus, number> = {
    pending: 0,
    confirmed: 0,
    unsubscribed: 0,
    suppressed: 0,
  };
  const byDelivery: Record<Delivery, number> = { instant: 0, weekly: 0 };
  const byTopic: Record<string, number> = {};
  let everything = 0;
  for (const s of subscribers) {
    byStatus[s.status]++;
    if (s.status !== 'confirmed') continue;
    byDelivery[deliveryDuring(s, weekStartMs)]++;
    if (s.topics === undefined) everything++;
    else for (const topic of s.topics) byTopic[topic] = (byTopic[topic] ?? 0) + 1;
  }
  return { total: subscribers.length, byStatus, byDelivery, everything, byTopic };
}

/** How long after a digest an unsubscribe is counted against it. */
export const UNSUBSCRIBE_WINDOW_MS = 7 * 86_400_000;

export interface DigestCounts {
  readonly id: string;
  readonly createdAtMs: number;
  readonly delivery: Delivery;
  readonly articles: number;
  /** Recipients the send ledger holds an entry for. */
  readonly recipients: number;
  readonly sent: number;
  readonly failed: number;
  /** Claimed and not yet sent or failed: a send in progress, or one whose sender died. */
  readonly inProgress: number;
  /** Undefined where bounces and complaints never come back (the local outbox). */
  readonly bounced: number | undefined;
  readonly complained: number | undefined;
  /** Recipients whose record says they unsubscribed within 7 days of the digest. */
  readonly unsubscribed: number;
}

/**
 * One digest's numbers. A bounce or complaint counts against it when the subscriber's last feedback names
 * its digest id or the provider id of the message the ledger recorded for them; an unsubscribe when it
 * happened within UNSUBSCRIBE_WINDOW_MS of the digest (the unsubscribe link does not say which digest it came
 * from, so this is attribution by time).
 */
export function countDigest(
  digest: DigestRecord,
  ledger: ReadonlyMap<string, LedgerEntry>,
  subscribers: ReadonlyMap<string, Subscriber>,
  feedbackReported: boolean,
): DigestCounts {
  let sent = 0;
  let failed = 0;
  let inProgress = 0;
  let bounced = 0;
  let complained = 0;
  let unsubscribed = 0;
  for (const [address, entry] of ledger) {
    if (entry.state === 'sent') sent++;
    else if (entry.state === 'failed') failed++;
    else inProgress++;
    const subscriber = subscribers.get(address);
    const feedback = subscriber?.lastFeedback;
    const aboutThis =
      feedback !== undefined &&
      (feedback.digestId === digest.id ||
        (feedback.messageId !== undefined && feedback.messageId === entry.messageId));
    if (aboutThis && feedback.kind === 'complaint') complained++;
    else if (aboutThis) bounced++;
    if (
      subscriber?.status === 'unsubscribed' &&
      subscriber.updatedAtMs >= digest.createdAtMs &&
      subscriber.updatedAtMs < digest.createdAtMs + UNSUBSCRIBE_WINDOW_MS
    )
      unsubscribed++;
  }
  return {
    id: digest.id,
    createdAtMs: digest.createdAtMs,
    delivery: audienceOfDigest(digest).delivery,
    articles: digest.articles.length,
    recipients: ledger.size,
    sent,
    failed,
    inProgress,
    bounced: feedbackReported ? bounced : undefined,
    complained: feedbackReported ? complained : undefined,
    unsubscribed,
  };
}
