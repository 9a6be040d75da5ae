import { audienceOf, audienceOfDigest } from '../core/delivery.js';
import { BroadsheetError } from '../core/errors.js';
import type { DigestSource, RecipientPages, RecipientStore, SendBatch, SendQueue } from '../core/ports.js';

export const RECIPIENTS_PER_BATCH = 50;

/**
 * Splits a digest's audience (confirmed subscribers who chose its kind of delivery for that week) into
 * batches for the sender. Safe to repeat: the send ledger turns a second fan-out into no mail.
 */
export async function fanOutDigest(
  digestId: string,
  deps: { digests: DigestSource; recipients: RecipientStore; queue: SendQueue },
): Promise<{ recipients: number; batches: number }> {
  const digest = await deps.digests.digest(digestId);
  // Thrown, so the queue redelivers: the record is written before its id is ever enqueued.
  if (!digest) throw new BroadsheetError(`digest ${digestId} does not exist`);
  const { recipients, queue } = deps;
  const audience = audienceOfDigest(digest);
  const addresses = audienceOf(await recipients.recipients(), audience);
  const batches: SendBatch[] = [];
  for (let i = 0; i < addresses.length; i += RECIPIENTS_PER_BATCH) {
    batches.push({ digestId: digest.id, recipients: addresses.slice(i, i + RECIPIENTS_PER_BATCH) });
  }
  await queue.enqueue(batches);
  return { recipients: addresses.length, batches: batches.length };
}

export interface FanOutProgress {
  readonly recipients: number;
  readonly batches: number;
  /** Set when time ran short: the fan-out continues with the recipients after this address. */
  readonly resumeAfter?: string;
}

/**
 * The fan-out for any size of list: recipients are read a page at a time, and each page's batches are
 * enqueued before the next is read; when less than `reserveMs` of the invocation is left, it stops after
 * a page and says where to resume. A continuation (or a redelivery after a crash) may enqueue a page
 * twice; the send ledger turns that into no second email.
 */
export async function fanOutDigestFrom(
  digestId: string,
  deps: { digests: DigestSource; pages: RecipientPages; queue: SendQueue },
  options: { after?: string; timeLeftMs: () => number; reserveMs: number; pageSize?: number },
): Promise<FanOutProgress> {
  const digest = await deps.digests.digest(digestId);
  if (!digest) throw new BroadsheetError(`digest ${digestId} does not exist`);
  const audience = audienceOfDigest(digest);
  let after = options.after;
  let recipients = 0;
  let batches = 0;
  for (;;) {
    if (options.timeLeftMs() < options.reserveMs)
      return { recipients, batches, ...(after ? { resumeAfter: after } : {}) };
    const { recipients: page, next } = await deps.pages.page(after, options.pageSize ?? 1000);
    const addresses = audienceOf(page, audience);
    const pageBatches: SendBatch[] = [];
    for (let i = 0; i < addresses.length; i += RECIPIENTS_PER_BATCH) {
      pageBatches.push({ digestId: digest.id, recipients: addresses.slice(i, i + RECIPIENTS_PER_BATCH) });
    }
    await deps.queue.enqueue(pageBatches);
    recipients += addresses.length;
    batches += pageBatches.length;
    if (next === undefined) return { recipients, batches };
    after = next;
  }
}
