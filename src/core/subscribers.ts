import { domainToASCII } from 'node:url';
import * as z from 'zod';
import type { DeliveryChoice } from './delivery.js';
import { OptOutError, SubscriberConflictError } from './errors.js';
import { utf8Length } from './text.js';

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'suppressed';

/** One subscriber. Tokens are not stored: they are HMACs checked on the way in. */
export interface Subscriber extends DeliveryChoice {
  readonly address: string;
  readonly status: SubscriberStatus;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** Expiry (epoch s) of the newest confirmation token sent; older tokens no longer confirm. */
  readonly confirmExpires?: number;
  /** Soft bounces since the last delivery; a hard bounce or complaint suppresses at once. */
  readonly softBounces?: number;
  /** The messages the soft bounces in `softBounces` were about: a notification SNS delivers again, even
   * after another came between, counts once. */
  readonly softBounceIds?: readonly string[];
  /** The last bounce or complaint, and the message it was about: what `stats` counts per digest. */
  readonly lastFeedback?: MailFeedbackRecord;
}

/** A bounce or complaint as kept on the subscriber: which kind, when, and the message it answered. */
export interface MailFeedbackRecord {
  readonly kind: 'hard-bounce' | 'soft-bounce' | 'complaint';
  readonly atMs: number;
  /** The provider's id of the message (SES), as the send ledger records it. */
  readonly messageId?: string;
  /** The digest, read from our Message-ID when the notification carries the original headers. */
  readonly digestId?: string;
}

/** RFC 5321 (4.5.3.1): a path holds at most 256 octets with its angle brackets, a local part at most 64. */
export const MAX_ADDRESS_LENGTH = 254;
export const MAX_LOCAL_PART_LENGTH = 64;
/** RFC 1035: a domain label holds at most 63 octets. */
const MAX_LABEL_LENGTH = 63;

/** The optional fields both stores keep (JSON file, DynamoDB item), checked where they are read. */
export const storedDeliveryFields = {
  delivery: z.enum(['instant', 'weekly']).optional(),
  previousDelivery: z.enum(['instant', 'weekly']).optional(),
  deliveryChangedMs: z.number().optional(),
  topics: z.array(z.string()).optional(),
  softBounceIds: z.array(z.string()).optional(),
  lastFeedback: z
    .object({
      kind: z.enum(['hard-bounce', 'soft-bounce', 'complaint']),
      atMs: z.number(),
      messageId: z.string().optional(),
      digestId: z.string().optional(),
    })
    .optional(),
};

/**
 * zod's address shape, with a domain's labels as DNS has them: no hyphen at either end, and a top-level
 * domain of letters or, for an international one (.рф is xn--p1ai), its punycode.
 */
const emailShape = z.email({
  pattern:
    /^(?!\.)(?!.*\.\.)[a-z0-9_'+\-.]*[a-z0-9_+-]@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]*[a-z0-9])$/,
});

/** Why an address that is none is refused (the operator's commands word it their own way). */
export const NOT_AN_ADDRESS = 'That does not look like an email address.';

export type AddressCheck =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The form in which addresses are stored and compared: trimmed and lowercased. Anything that could smuggle
 * a header (CR, LF, other controls), a second address (commas, angle brackets) or a display name is refused.
 */
export function normalizeAddress(input: string): AddressCheck {
  const written = input.trim().toLowerCase();
  if (written.length === 0) return { ok: false, reason: 'Enter an email address.' };
  // An international domain (exämple.com) is stored as the ASCII form mail travels by (xn--exmple-cua.com),
  // so the two spellings are one subscriber. domainToASCII gives '' for what is no domain.
  const domainAt = written.lastIndexOf('@');
  const domain = written.slice(domainAt + 1).normalize('NFC');
  // Only letters, marks, digits, dots and hyphens go to domainToASCII, which would also decode %2e and fold
  // or drop what the subscriber cannot see (a soft hyphen, full-width letters) into another domain.
  const international = domainAt > 0 && /\P{ASCII}/u.test(domain);
  if (
    international &&
    (!/^[\p{L}\p{M}\p{N}.-]+$/u.test(domain) ||
      domain !== domain.normalize('NFKC') ||
      domain.split('.').some((label) => label.startsWith('-') || label.endsWith('-')))
  )
    return { ok: false, reason: NOT_AN_ADDRESS };
  const asciiDomain = international ? domainToASCII(domain) : domain;
  if (asciiDomain === '') return { ok: false, reason: NOT_AN_ADDRESS };
  const address = `${written.slice(0, domainAt + 1)}${asciiDomain}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(address))
    return { ok: false, reason: 'An address cannot contain line breaks or control characters.' };
  if (utf8Length(address) > MAX_ADDRESS_LENGTH)
    return { ok: false, reason: `That address is too long (over ${MAX_ADDRESS_LENGTH} characters).` };
  const at = address.lastIndexOf('@');
  if (at > 0 && utf8Length(address.slice(0, at)) > MAX_LOCAL_PART_LENGTH)
    return {
      ok: false,
      reason: `The part before the @ is too long (over ${MAX_LOCAL_PART_LENGTH} characters).`,
    };
  const labels = address.slice(at + 1).split('.');
  if (labels.some((label) => utf8Length(label) > MAX_LABEL_LENGTH))
    return { ok: false, reason: `A part of the domain is too long (over ${MAX_LABEL_LENGTH} characters).` };
  if (/[\s,;<>()"\\[\]]/.test(address) || !emailShape.safeParse(address).success) {
    return { ok: false, reason: NOT_AN_ADDRESS };
  }
  return { ok: true, address };
}

// Records a store reads as there without having stored them: the site owner of a local site without
// subscribers.json, who receives the digest as if confirmed until the file exists.
const unstored = new WeakSet<Subscriber>();

/** Marks a record the store reads as there but has not stored (the owner without subscribers.json). */
export function notStored(subscriber: Subscriber): Subscriber {
  unstored.add(subscriber);
  return subscriber;
}

/**
 * False for a record read as there without being stored: a change that leaves it as it is still has to
 * write it, or `subscribers add` of the owner and someone else would create the file without the owner.
 */
export function isStored(subscriber: Subscriber): boolean {
  return !unstored.has(subscriber);
}

/** What a change makes of a subscriber as stored now: the new record, or undefined to leave it as it is. */
export type SubscriberChange = (current: Subscriber | undefined) => Subscriber | undefined;

export interface SubscriberUpdate {
  /** As stored when the change was applied, after any retries: what the change saw. */
  readonly before: Subscriber | undefined;
  /** As stored now: what the change made, or `before` when it made nothing. */
  readonly after: Subscriber | undefined;
}

export interface UpdateOptions {
  /** The operator's --force: a change may turn an opted-out address back into one that receives mail. */
  readonly overrideOptOut?: boolean;
}

/**
 * The opt-out that going from `before` to `after` would undo, if any. A suppressed address (hard bounce,
 * complaint) stays suppressed; an unsubscribed one is never confirmed again without the person asking anew
 * (subscribe, which only makes it pending until they confirm).
 */
export function optOutUndone(
  before: Subscriber | undefined,
  after: Subscriber,
): 'unsubscribed' | 'suppressed' | undefined {
  if (before?.status === 'suppressed' && after.status !== 'suppressed') return 'suppressed';
  if (before?.status === 'unsubscribed' && after.status === 'confirmed') return 'unsubscribed';
  return undefined;
}

/** A stored subscriber and the version its next conditional write must find: 0 while it has none. */
export interface VersionedSubscriber {
  readonly subscriber: Subscriber | undefined;
  readonly version: number;
}

/** The storage side of an update: each store implements these two with its own conditional write. */
export interface VersionedSubscriberStorage {
  readVersioned(addresses: readonly string[]): Promise<ReadonlyMap<string, VersionedSubscriber>>;
  /**
   * Stores each subscriber as version `version + 1`, but only where the stored version is still `version`
   * (0: no version yet). Returns the addresses where it was not, which were left as they are.
   */
  writeIfUnchanged(
    writes: readonly { readonly subscriber: Subscriber; readonly version: number }[],
  ): Promise<ReadonlySet<string>>;
}

const UPDATE_ATTEMPTS = 40;

/** One address through `updateSubscribers`: what every store's `update` is. */
export async function updateSubscriber(
  storage: VersionedSubscriberStorage,
  address: string,
  change: SubscriberChange,
  options?: UpdateOptions,
): Promise<SubscriberUpdate> {
  const result = (await updateSubscribers(storage, new Map([[address, change]]), options)).get(address);
  if (!result) throw new Error(`no result for ${address}`);
  return result;
}

/**
 * The one rule for changing subscribers, whatever stores them: read with versions, apply each change,
 * write where the version is unchanged; where it changed meanwhile, read again and apply the change again to
 * what is there now. A change never overwrites a concurrent one it did not see, so an unsubscribe, a bounce
 * or a complaint is never lost to a preferences save or a subscribe that read the record before it.
 */
export async function updateSubscribers(
  storage: VersionedSubscriberStorage,
  changes: ReadonlyMap<string, SubscriberChange>,
  options: UpdateOptions = {},
): Promise<Map<string, SubscriberUpdate>> {
  const results = new Map<string, SubscriberUpdate>();
  let pending = new Map(changes);
  for (let attempt = 1; pending.size > 0; attempt++) {
    if (attempt > UPDATE_ATTEMPTS) throw new SubscriberConflictError([...pending.keys()], UPDATE_ATTEMPTS);
    // Jittered backoff, so writers racing over one record stop colliding.
    if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** attempt)));
    const stored = await storage.readVersioned([...pending.keys()]);
    const writes: { subscriber: Subscriber; version: number }[] = [];
    for (const [address, change] of pending) {
      const { subscriber: before, version } = stored.get(address) ?? { subscriber: undefined, version: 0 };
      const after = change(before);
      if (after === undefined || after === before) {
        results.set(address, { before, after: before });
        continue;
      }
      if (after.address !== address)
        throw new Error(`a change to ${address} returned a subscriber for ${after.address}`);
      const undone = optOutUndone(before, after);
      if (undone && !options.overrideOptOut) throw new OptOutError(address, undone);
      writes.push({ subscriber: after, version });
      results.set(address, { before, after });
    }
    const conflicted = writes.length > 0 ? await storage.writeIfUnchanged(writes) : new Set<string>();
    pending = new Map([...pending].filter(([address]) => conflicted.has(address)));
  }
  return results;
}
