import { audienceOfDigest } from '../core/delivery.js';
import { composeDigest } from '../core/digest.js';
import { digestMessageFor } from '../core/email.js';
import { BroadsheetError, MailError } from '../core/errors.js';
import type { DigestRecord, DigestSource, MailSender, SendBatch, SendLedger } from '../core/ports.js';
import { SEND_TIMING } from '../core/send-timing.js';
import type { SiteConfig } from '../core/site.js';
import type { VersionedSubscriberStorage } from '../core/subscribers.js';
import type { Theme } from '../core/theme.js';

/**
 * One sender's share of the account's send rate when up to `concurrentSenders` run at once: each paces
 * itself at this, so all of them together never exceed the account's rate.
 */
export function perSenderRate(accountPerSecond: number, concurrentSenders: number): number {
  if (!(accountPerSecond > 0))
    throw new BroadsheetError(`send rate must be positive, not ${accountPerSecond}`);
  if (!(Number.isInteger(concurrentSenders) && concurrentSenders >= 1))
    throw new BroadsheetError(`concurrent senders must be a whole number ≥ 1, not ${concurrentSenders}`);
  return accountPerSecond / concurrentSenders;
}

/** Spaces sends so that all of them together stay under a rate, however many run at once in a process. */
export class RateLimiter {
  private next = 0;
  constructor(
    private readonly perSecond: number,
    readonly clock: () => number = Date.now,
  ) {}

  /**
   * Waits for the next free slot. With `latestStartMs`, a slot after it is not taken: false, at once (the
   * caller hands the work back instead of starting it too late).
   */
  async take(latestStartMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const now = this.clock();
    const slot = Math.max(now, this.next);
    if (slot > latestStartMs) return false;
    this.next = slot + 1000 / this.perSecond;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    return true;
  }
}

export interface SendDeps {
  readonly site: SiteConfig;
  readonly digests: DigestSource;
  readonly ledger: SendLedger;
  readonly mail: MailSender;
  readonly limiter: RateLimiter;
  readonly secret: string;
  /** What the digest renders with (the published theme); the bundled one site.yaml names if absent. */
  readonly theme?: Theme;
  readonly now: () => Date;
  /** Attempts per message for retryable errors, with exponential backoff and full jitter. */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** A claim this old that never became sent or failed belongs to a sender that died. */
  readonly staleClaimMs?: number;
  /**
   * On the limiter's clock: start no send after this (the invocation's end less SEND_TIMING.stopMarginMs).
   * Recipients not reached by then are released and returned in `retry`.
   */
  readonly stopAtMs?: number;
  /**
   * The subscribers as they are when the batch is sent: a batch planned before someone unsubscribed,
   * complained or bounced can be delivered after it, and they are not mailed.
   */
  readonly subscribers?: Pick<VersionedSubscriberStorage, 'readVersioned'>;
}

export interface SendReport {
  readonly sent: number;
  /** Recipients already claimed by another delivery of the batch (sent, or being sent). */
  readonly skipped: number;
  /** Recipients no longer confirmed when the batch was sent: not mailed. */
  readonly left: number;
  readonly failed: number;
  /** Recipients whose send should be tried again later (the queue message is redelivered). */
  readonly retry: readonly string[];
}

/** Runs tasks one after another, in the order they were handed in. */
class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => {});
    return result;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The part of a digest some recipients follow (topics): its articles named by URL, in its order. */
export function followedPart(record: DigestRecord, urls: readonly string[] | undefined): DigestRecord {
  if (urls === undefined) return record;
  const wanted = new Set(urls);
  return { ...record, articles: record.articles.filter((a) => wanted.has(a.url)) };
}

/**
 * Sends one batch of a digest. Each recipient is claimed in the ledger with a conditional write before the
 * message goes to SES and marked sent after, so a redelivered or concurrent batch never sends twice.
 */
export async function sendBatch(deps: SendDeps, batch: SendBatch): Promise<SendReport> {
  const record = await deps.digests.digest(batch.digestId);
  if (!record) throw new BroadsheetError(`digest ${batch.digestId} does not exist`);
  // Topics: the batch names the articles its recipients follow, when not all of them.
  const digest = composeDigest(
    followedPart(record, batch.articles),
    deps.site,
    audienceOfDigest(record).delivery,
    deps.theme,
  );
  const attempts = deps.attempts ?? 6;
  const backoff = deps.backoffMs ?? 200;
  const staleMs = deps.staleClaimMs ?? SEND_TIMING.claimExpiryMs;
  const stopAt = deps.stopAtMs ?? Number.POSITIVE_INFINITY;
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  const retry: string[] = [];
  /** Out of time (or of attempts): the claim goes, so the redelivered message can send it at once. */
  const handBack = async (address: string) => {
    await deps.ledger.release(record.id, address);
    retry.push(address);
  };

  const current = await deps.subscribers?.readVersioned(batch.recipients);
  const recipients = current
    ? batch.recipients.filter((address) => current.get(address)?.subscriber?.status === 'confirmed')
    : batch.recipients;

  // Claims and composing run side by side; the SES calls go one at a time, each marked sent before the
  // next starts. A sender that dies then leaves at most one message whose fate the ledger does not know
  // (the one in flight), instead of every call in flight at the moment it died.
  const ses = new OneAtATime();
  await Promise.all(
    recipients.map(async (address) => {
      const nowMs = deps.now().getTime();
      if (!(await deps.ledger.claim(record.id, address, nowMs, nowMs - staleMs))) {
        skipped++;
        return;
      }
      const message = await digestMessageFor(
        digest,
        record.createdAtMs,
        deps.site,
        address,
        deps.secret,
        nowMs,
        deps.theme,
      );
      for (let attempt = 1; ; attempt++) {
        const outcome = await ses.run(async () => {
          if (!(await deps.limiter.take(stopAt))) return 'out of time' as const;
          try {
            const id = await deps.mail.send(message);
            await deps.ledger.markSent(record.id, address, id);
            return 'sent' as const;
          } catch (error) {
            if (error instanceof MailError) return error;
            throw error;
          }
        });
        if (outcome === 'out of time') return handBack(address);
        if (outcome === 'sent') {
          sent++;
          return;
        }
        if (!outcome.retryable) {
          await deps.ledger.markFailed(record.id, address, outcome.message);
          failed++;
          return;
        }
        const wait = Math.random() * Math.min(10_000, backoff * 2 ** attempt);
        if (attempt >= attempts || deps.limiter.clock() + wait > stopAt) return handBack(address);
        await sleep(wait);
      }
    }),
  );
  return { sent, skipped, left: batch.recipients.length - recipients.length, failed, retry };
}
