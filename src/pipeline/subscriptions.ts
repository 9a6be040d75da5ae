import { chooseDelivery, type Delivery, deliveryDuring } from '../core/delivery.js';
import { confirmToken, renderConfirmationMessage } from '../core/email.js';
import type { AttemptLimiter, MailSender, SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { normalizeAddress, type Subscriber } from '../core/subscribers.js';
import { verifyToken } from '../core/tokens.js';
import { nextWeeklySend, weekStartAt } from '../core/weekly-schedule.js';

export interface SubscriptionDeps {
  readonly site: SiteConfig;
  readonly subscribers: SubscriberStore;
  readonly limiter: AttemptLimiter;
  readonly mail: MailSender;
  /** Signs new links and checks old ones. */
  readonly secret: string;
  /** The secret before the last rotation: links signed with it are still honoured. */
  readonly previousSecret?: string;
}

export const LIMITS = {
  perAddress: { limit: 3, windowMs: 60 * 60_000 },
  perClient: { limit: 20, windowMs: 60 * 60_000 },
};

/** What the visitor is told. Deliberately the same whether or not the address is known. */
export type SubscribeOutcome =
  | { readonly kind: 'check-inbox' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Double opt-in, step one. Sends a confirmation link unless the request is a bot (honeypot filled), over a
 * rate limit, or for an address that is already confirmed or suppressed; the answer never says which.
 */
export async function subscribe(
  deps: SubscriptionDeps,
  request: { email: string; honeypot: string; client: string },
  now: Date,
): Promise<SubscribeOutcome> {
  const checked = normalizeAddress(request.email);
  if (!checked.ok) return { kind: 'invalid', reason: checked.reason };
  const { address } = checked;
  const nowMs = now.getTime();
  if (request.honeypot.trim() !== '') return { kind: 'check-inbox' };
  const { perAddress, perClient } = LIMITS;
  if (!(await deps.limiter.allow(`client#${request.client}`, perClient.limit, perClient.windowMs, nowMs))) {
    return { kind: 'check-inbox' };
  }
  if (!(await deps.limiter.allow(`address#${address}`, perAddress.limit, perAddress.windowMs, nowMs))) {
    return { kind: 'check-inbox' };
  }
  const existing = await deps.subscribers.get(address);
  if (existing?.status === 'confirmed' || existing?.status === 'suppressed') return { kind: 'check-inbox' };

  const { token, expires } = confirmToken(address, deps.secret, nowMs);
  await deps.subscribers.save({
    address,
    status: 'pending',
    createdAtMs: existing?.createdAtMs ?? nowMs,
    updatedAtMs: nowMs,
    confirmExpires: expires,
  });
  const url = `${deps.site.apiUrl}/confirm?token=${token}`;
  await deps.mail.send(await renderConfirmationMessage(deps.site, address, url, now));
  return { kind: 'check-inbox' };
}

export type ConfirmOutcome =
  | { readonly kind: 'confirmed'; readonly address: string; readonly delivery: Delivery }
  | { readonly kind: 'already-confirmed' }
  | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' | 'superseded' };

type ConfirmCheck =
  | { readonly kind: 'pending'; readonly subscriber: Subscriber }
  | Exclude<ConfirmOutcome, { kind: 'confirmed' }>;

async function checkConfirmation(deps: SubscriptionDeps, token: string, now: Date): Promise<ConfirmCheck> {
  const check = verifyToken(token, 'confirm', deps.secret, now.getTime(), deps.previousSecret);
  if (!check.ok) return { kind: 'refused', reason: check.reason === 'expired' ? 'expired' : 'invalid' };
  const subscriber = await deps.subscribers.get(check.claims.address);
  if (subscriber?.status === 'confirmed') return { kind: 'already-confirmed' };
  if (subscriber?.status !== 'pending' || subscriber.confirmExpires !== check.claims.expires) {
    return { kind: 'refused', reason: 'superseded' };
  }
  return { kind: 'pending', subscriber };
}

/** What the confirm page shows before anything changes: whether the link is good, and for whom. */
export async function previewConfirmation(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<
  { readonly kind: 'pending'; readonly address: string } | Exclude<ConfirmCheck, { kind: 'pending' }>
> {
  const check = await checkConfirmation(deps, token, now);
  return check.kind === 'pending' ? { kind: 'pending', address: check.subscriber.address } : check;
}

/**
 * Step two: the form on the page the emailed link opens, with the subscriber's choice of delivery.
 * Expired, forged and superseded links change nothing.
 */
export async function confirm(
  deps: SubscriptionDeps,
  token: string,
  delivery: Delivery,
  now: Date,
): Promise<ConfirmOutcome> {
  const check = await checkConfirmation(deps, token, now);
  if (check.kind !== 'pending') return check;
  const { confirmExpires: _used, ...rest } = check.subscriber;
  const nowMs = now.getTime();
  const confirmed = { ...rest, status: 'confirmed' as const, updatedAtMs: nowMs, softBounces: 0 };
  await deps.subscribers.save(
    chooseDelivery(confirmed, delivery, weekStartAt(deps.site, nowMs), nowMs, true),
  );
  return { kind: 'confirmed', address: rest.address, delivery };
}

export type PreferencesOutcome =
  | {
      readonly kind: 'subscribed';
      readonly address: string;
      /** What the subscriber chose (possibly not in effect until `fromMs`). */
      readonly delivery: Delivery;
      readonly fromMs: number;
    }
  | { readonly kind: 'not-subscribed'; readonly address: string }
  | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' };

function preferencesOf(site: SiteConfig, subscriber: Subscriber, nowMs: number): PreferencesOutcome {
  const chosen = subscriber.delivery ?? 'instant';
  const inEffect = deliveryDuring(subscriber, weekStartAt(site, nowMs));
  const fromMs = chosen === inEffect ? nowMs : nextWeeklySend(site, nowMs);
  return { kind: 'subscribed', address: subscriber.address, delivery: chosen, fromMs };
}

async function subscriberFor(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<{ subscriber: Subscriber } | Exclude<PreferencesOutcome, { kind: 'subscribed' }>> {
  const check = verifyToken(token, 'preferences', deps.secret, now.getTime(), deps.previousSecret);
  if (!check.ok) return { kind: 'refused', reason: check.reason === 'expired' ? 'expired' : 'invalid' };
  const subscriber = await deps.subscribers.get(check.claims.address);
  if (subscriber?.status !== 'confirmed') return { kind: 'not-subscribed', address: check.claims.address };
  return { subscriber };
}

/** The preferences link from an email: what the subscriber receives now. */
export async function readPreferences(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<PreferencesOutcome> {
  const found = await subscriberFor(deps, token, now);
  return 'subscriber' in found ? preferencesOf(deps.site, found.subscriber, now.getTime()) : found;
}

/**
 * A change of delivery, applied from the next weekly send (see core/delivery.ts): this week's articles
 * still come the way they did, so none arrives twice and none is missed.
 */
export async function savePreferences(
  deps: SubscriptionDeps,
  token: string,
  delivery: Delivery,
  now: Date,
): Promise<PreferencesOutcome> {
  const found = await subscriberFor(deps, token, now);
  if (!('subscriber' in found)) return found;
  const nowMs = now.getTime();
  const current = found.subscriber;
  if ((current.delivery ?? 'instant') === delivery) return preferencesOf(deps.site, current, nowMs);
  const changed = {
    ...chooseDelivery(current, delivery, weekStartAt(deps.site, nowMs), nowMs, false),
    updatedAtMs: nowMs,
  };
  await deps.subscribers.save(changed);
  return preferencesOf(deps.site, changed, nowMs);
}

export type UnsubscribeOutcome =
  | { readonly kind: 'unsubscribed'; readonly address: string }
  | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' };

/** One click, no login: the token is the proof. Repeating it is harmless. */
export async function unsubscribe(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<UnsubscribeOutcome> {
  const check = verifyToken(token, 'unsubscribe', deps.secret, now.getTime(), deps.previousSecret);
  if (!check.ok) return { kind: 'refused', reason: check.reason === 'expired' ? 'expired' : 'invalid' };
  const { address } = check.claims;
  const subscriber = await deps.subscribers.get(address);
  if (subscriber && subscriber.status !== 'suppressed' && subscriber.status !== 'unsubscribed') {
    await deps.subscribers.save({ ...subscriber, status: 'unsubscribed', updatedAtMs: now.getTime() });
  }
  return { kind: 'unsubscribed', address };
}

/** SES bounce and complaint notifications, reduced to what decides suppression. */
export interface MailFeedback {
  readonly kind: 'hard-bounce' | 'soft-bounce' | 'complaint';
  readonly addresses: readonly string[];
}

export const SOFT_BOUNCE_LIMIT = 3;

/** A hard bounce or a complaint suppresses an address for good; soft bounces do after a few in a row. */
export async function applyFeedback(
  subscribers: SubscriberStore,
  feedback: MailFeedback,
  now: Date,
): Promise<{ suppressed: string[] }> {
  const suppressed: string[] = [];
  for (const raw of feedback.addresses) {
    const checked = normalizeAddress(raw);
    if (!checked.ok) continue;
    const existing = await subscribers.get(checked.address);
    if (!existing || existing.status === 'suppressed') continue;
    const softBounces = (existing.softBounces ?? 0) + (feedback.kind === 'soft-bounce' ? 1 : 0);
    const suppress = feedback.kind !== 'soft-bounce' || softBounces >= SOFT_BOUNCE_LIMIT;
    const next: Subscriber = {
      ...existing,
      softBounces,
      updatedAtMs: now.getTime(),
      ...(suppress ? { status: 'suppressed' as const } : {}),
    };
    await subscribers.save(next);
    if (suppress) suppressed.push(checked.address);
  }
  return { suppressed };
}
