import { audienceChoices, audienceOfDigest, type DeliveryChoice } from '../core/delivery.js';
import { BroadsheetError } from '../core/errors.js';
import type {
  DigestRecord,
  DigestSource,
  RecipientPages,
  RecipientStore,
  SendBatch,
  SendQueue,
} from '../core/ports.js';
import { groupByFollowed } from '../core/topics.js';

export const RECIPIENTS_PER_BATCH = 50;
/** Recipients read from the store at a time. */
export const FAN_OUT_PAGE = 1000;

/**
 * The page for a fan-out message received `receives` times: halved each time it comes back after a timeout,
 * down to one batch, so even a page that cannot finish in one invocation makes progress before the queue's
 * maxReceiveCount dead-letters it.
 */
export const fanOutPageSize = (receives: number): number =>
  Math.max(Math.floor(FAN_OUT_PAGE / 2 ** Math.min(Math.max(receives, 1) - 1, 4)), RECIPIENTS_PER_BATCH);

/**
 * The send batches for some of a digest's recipients: its audience (instant or weekly, that week), grouped
 * by the articles each follows (topics), up to 50 to a batch; who follows none of them gets nothing.
 */
export function batchesFor(
  digest: DigestRecord,
  recipients: readonly DeliveryChoice[],
): { batches: SendBatch[]; recipients: number } {
  const chosen = audienceChoices(recipients, audienceOfDigest(digest));
  const batches: SendBatch[] = [];
  let count = 0;
  for (const group of groupByFollowed(digest.articles, chosen)) {
    count += group.addresses.length;
    for (let i = 0; i < group.addresses.length; i += RECIPIENTS_PER_BATCH) {
      batches.push({
        digestId: digest.id,
        recipients: group.addresses.slice(i, i + RECIPIENTS_PER_BATCH),
        ...(group.articles ? { articles: group.articles } : {}),
      });
    }
  }
  return { batches, recipients: count };
}

/**
 * Whether a digest goes to anyone: someone in its audience (as the fan-out picks it) who follows at least
 * one of its articles. Reads the list a page at a time and stops at the first such recipient.
 */
export async function reachesAnyone(
  digest: DigestRecord,
  pages: RecipientPages,
  pageSize = FAN_OUT_PAGE,
): Promise<boolean> {
  for (let after: string | undefined; ; ) {
    const { recipients, next } = await pages.page(after, pageSize);
    if (batchesFor(digest, recipients).recipients > 0) return true;
    if (next === undefined) return false;
    after = next;
  }
}

/** A whole list read at once (the local state file, the memory store) as one page. */
export const onePage = (store: RecipientStore): RecipientPages => ({
  page: async () => ({ recipients: await store.recipients() }),
});

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
  const { batches, recipients } = batchesFor(digest, await deps.recipients.recipients());
  await deps.queue.enqueue(batches);
  return { recipients, batches: batches.length };
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
  let after = options.after;
  let recipients = 0;
  let batches = 0;
  // The longest a page has taken here: another is begun only with that much time left beyond the reserve,
  // so a slow store or queue makes the fan-out hand on sooner rather than time out holding its progress.
  let longestPageMs = 0;
  for (;;) {
    const leftMs = options.timeLeftMs();
    if (leftMs < options.reserveMs + longestPageMs)
      return { recipients, batches, ...(after ? { resumeAfter: after } : {}) };
    const { recipients: page, next } = await deps.pages.page(after, options.pageSize ?? FAN_OUT_PAGE);
    const { batches: pageBatches, recipients: count } = batchesFor(digest, page);
    await deps.queue.enqueue(pageBatches);
    longestPageMs = Math.max(longestPageMs, leftMs - options.timeLeftMs());
    recipients += count;
    batches += pageBatches.length;
    if (next === undefined) return { recipients, batches };
    after = next;
  }
}
