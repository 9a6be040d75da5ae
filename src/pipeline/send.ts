import { audienceOfDigest } from '../core/delivery.js';
import { composeDigest } from '../core/digest.js';
import { digestMessageFor } from '../core/email.js';
import { BroadsheetError, MailError } from '../core/errors.js';
import type { DigestSource, MailSender, SendBatch, SendLedger } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';

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
    private readonly clock: () => number = Date.now,
  ) {}

  async take(): Promise<void> {
    const now = this.clock();
    const slot = Math.max(now, this.next);
    this.next = slot + 1000 / this.perSecond;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

export interface SendDeps {
  readonly site: SiteConfig;
  readonly digests: DigestSource;
  readonly ledger: SendLedger;
  readonly mail: MailSender;
  readonly limiter: RateLimiter;
  readonly secret: string;
  readonly now: () => Date;
  /** Attempts per message for retryable errors, with exponential backoff and full jitter. */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** A claim this old that never became sent or failed belongs to a sender that died. */
  readonly staleClaimMs?: number;
}

export interface SendReport {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Recipients whose send should be tried again later (the queue message is redelivered). */
  readonly retry: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one batch of a digest. Each recipient is claimed in the ledger with a conditional write before the
 * message goes to SES and marked sent after, so a redelivered or concurrent batch never sends twice.
 */
export async function sendBatch(deps: SendDeps, batch: SendBatch): Promise<SendReport> {
  const record = await deps.digests.digest(batch.digestId);
  if (!record) throw new BroadsheetError(`digest ${batch.digestId} does not exist`);
  const digest = composeDigest(record, deps.site, audienceOfDigest(record).delivery);
  const attempts = deps.attempts ?? 6;
  const backoff = deps.backoffMs ?? 200;
  const staleMs = deps.staleClaimMs ?? 15 * 60_000;
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  const retry: string[] = [];

  await Promise.all(
    batch.recipients.map(async (address) => {
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
      );
      for (let attempt = 1; ; attempt++) {
        await deps.limiter.take();
        try {
          const id = await deps.mail.send(message);
          await deps.ledger.markSent(record.id, address, id);
          sent++;
          return;
        } catch (error) {
          if (!(error instanceof MailError)) throw error;
          if (!error.retryable) {
            await deps.ledger.markFailed(record.id, address, error.message);
            failed++;
            return;
          }
          if (attempt >= attempts) {
            await deps.ledger.release(record.id, address);
            retry.push(address);
            return;
          }
          await sleep(Math.random() * Math.min(10_000, backoff * 2 ** attempt));
        }
      }
    }),
  );
  return { sent, skipped, failed, retry };
}
