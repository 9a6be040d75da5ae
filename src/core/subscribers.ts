import * as z from 'zod';
import type { DeliveryChoice } from './delivery.js';

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
}

export const MAX_ADDRESS_LENGTH = 254;

/** The delivery fields as stored (JSON file, DynamoDB item), checked where they are read. */
export const storedDeliveryFields = {
  delivery: z.enum(['instant', 'weekly']).optional(),
  previousDelivery: z.enum(['instant', 'weekly']).optional(),
  deliveryChangedMs: z.number().optional(),
};

const emailShape = z.email();

export type AddressCheck =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The form in which addresses are stored and compared: trimmed and lowercased. Anything that could smuggle
 * a header (CR, LF, other controls), a second address (commas, angle brackets) or a display name is refused.
 */
export function normalizeAddress(input: string): AddressCheck {
  const address = input.trim().toLowerCase();
  if (address.length === 0) return { ok: false, reason: 'Enter an email address.' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(address))
    return { ok: false, reason: 'An address cannot contain line breaks or control characters.' };
  if (address.length > MAX_ADDRESS_LENGTH) return { ok: false, reason: 'That address is too long.' };
  if (/[\s,;<>()"\\[\]]/.test(address) || !emailShape.safeParse(address).success) {
    return { ok: false, reason: 'That does not look like an email address.' };
  }
  return { ok: true, address };
}
