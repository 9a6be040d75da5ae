import { audienceOf, audienceOfDigest } from '../core/delivery.js';
import { BroadsheetError } from '../core/errors.js';
import type { DigestSource, RecipientStore, SendBatch, SendQueue } from '../core/ports.js';

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
