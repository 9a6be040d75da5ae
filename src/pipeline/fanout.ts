import type { RecipientStore } from '../core/ports.js';

/** Up to 50 recipients of one digest: one message on the send queue. */
export interface SendBatch {
  readonly digestId: string;
  readonly recipients: readonly string[];
}

export interface SendQueue {
  enqueue(batches: readonly SendBatch[]): Promise<void>;
}

export const RECIPIENTS_PER_BATCH = 50;

/**
 * Splits a digest's recipients (confirmed, not suppressed) into batches for the sender. Safe to repeat:
 * the send ledger turns a second fan-out into no mail.
 */
export async function fanOutDigest(
  digestId: string,
  recipients: RecipientStore,
  queue: SendQueue,
): Promise<{ recipients: number; batches: number }> {
  const addresses = [...new Set(await recipients.recipients())].sort();
  const batches: SendBatch[] = [];
  for (let i = 0; i < addresses.length; i += RECIPIENTS_PER_BATCH) {
    batches.push({ digestId, recipients: addresses.slice(i, i + RECIPIENTS_PER_BATCH) });
  }
  await queue.enqueue(batches);
  return { recipients: addresses.length, batches: batches.length };
}
