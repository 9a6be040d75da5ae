import { chooseDelivery, type Delivery, deliveryDuring } from '../core/delivery.js';
import {
  confirmExpiry,
  confirmToken,
  renderAlreadySubscribedMessage,
  renderConfirmationMessage,
  renderWelcomeMessage,
} from '../core/email.js';
import { MailError } from '../core/errors.js';
import type { NavPage } from '../core/pages.js';
import type { AttemptLimiter, MailSender, SubscriberStore } from '../core/ports.js';
import { clientKey, mailboxKey } from '../core/rate-keys.js';
import type { SiteConfig } from '../core/site.js';
import { normalizeAddress, type Subscriber } from '../core/subscribers.js';
import { type Theme, themeFor } from '../core/theme.js';
import { type TokenClaims, type TokenPurpose, verifyToken } from '../core/tokens.js';
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
  /** What the pages and emails render with (the published theme); the bundled one site.yaml names if absent. */
  readonly theme?: Theme;
  /** The pages site.yaml's `nav:` lists, as the last publish handed them on: the pages show them too. */
  readonly nav?: readonly NavPage[];
}

/** The theme a subscription request renders its page and email with. */
export const subscriptionTheme = (deps: Pick<SubscriptionDeps, 'site' | 'theme'>): Theme =>
  deps.theme ?? themeFor(deps.site);

/**
 * A confirmation or welcome that SES refused for a retryable reason (the account's send rate, most often,
 * when sign-ups arrive together) is tried again a few times with jittered backoff, well inside the
 * subscribe function's 10 s timeout. SES accepted nothing it refused, so a retry never sends twice.
 */
export const API_SEND_RETRY = { attempts: 4, backoffMs: 250 };

async function sendRetrying(
  mail: MailSender,
  message: Parameters<MailSender['send']>[0],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mail.send(message);
      return;
    } catch (error) {
      if (!(error instanceof MailError && error.retryable) || attempt >= API_SEND_RETRY.attempts) throw error;
      await sleep(API_SEND_RETRY.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }
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
 * Double opt-in, step one. Sends a confirmation link (to an address already confirmed, a note that it is)
 * unless the request is a bot (honeypot filled), over a rate limit, or for a suppressed address; the
 * answer never says which.
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
  // Counted per mailbox and per network, not per string: dot and +tag variants of one Gmail address, or
  // the addresses of one IPv6 /64, are one target and one client.
  const client = `client#${clientKey(request.client)}`;
  if (!(await deps.limiter.allow(client, perClient.limit, perClient.windowMs, nowMs))) {
    return { kind: 'check-inbox' };
  }
  const mailbox = `address#${mailboxKey(address)}`;
  if (!(await deps.limiter.allow(mailbox, perAddress.limit, perAddress.windowMs, nowMs))) {
    return { kind: 'check-inbox' };
  }
  // Only the newest link confirms, told apart by its expiry (in seconds): two requests within a second
  // still get two expiries, so the first link is refused once the second is sent.
  let expires = 0;
  const { before, after } = await deps.subscribers.update(address, (current) => {
    if (current?.status === 'confirmed' || current?.status === 'suppressed') return undefined;
    expires = confirmExpiry(nowMs, current?.status === 'pending' ? current.confirmExpires : 0);
    return {
      address,
      status: 'pending',
      createdAtMs: current?.createdAtMs ?? nowMs,
      updatedAtMs: nowMs,
      confirmExpires: expires,
      ...deliveryKeptOnReturn(current, weekStartAt(deps.site, nowMs)),
    };
  });
  if (after === before) {
    // Already confirmed: a note saying so, sent and limited as a confirmation is, so this request does the
    // work of one for a new address but its record write (timing tells nobody which it was) and the owner
    // learns someone asked. Suppressed (perhaps a moment ago, by a bounce this update re-read): never mailed.
    if (before?.status === 'confirmed') {
      await sendRetrying(
        deps.mail,
        await renderAlreadySubscribedMessage(
          deps.site,
          address,
          before.delivery ?? 'instant',
          deps.secret,
          now,
          subscriptionTheme(deps),
        ),
      );
    }
    return { kind: 'check-inbox' };
  }
  const url = `${deps.site.apiUrl}/confirm?token=${confirmToken(address, deps.secret, expires)}`;
  await sendRetrying(
    deps.mail,
    await renderConfirmationMessage(deps.site, address, url, now, subscriptionTheme(deps)),
  );
  return { kind: 'check-inbox' };
}

export type ConfirmOutcome =
  | {
      readonly kind: 'confirmed';
      readonly address: string;
      readonly delivery: Delivery;
      /** When the choice takes effect: later than now for someone back the week they left, who chose anew. */
      readonly fromMs: number;
    }
  | { readonly kind: 'already-confirmed' }
  | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' | 'superseded' | 'unsubscribed' };

type ConfirmCheck =
  | { readonly kind: 'pending'; readonly subscriber: Subscriber }
  | Exclude<ConfirmOutcome, { kind: 'confirmed' }>;

/** Whether a confirmation link for `claims` still confirms `subscriber`: only the newest one sent does. */
function confirmationOf(subscriber: Subscriber | undefined, claims: TokenClaims): ConfirmCheck {
  if (subscriber?.status === 'confirmed') return { kind: 'already-confirmed' };
  // A link is sent only while pending, so they left after it was sent. (A bounce's suppression is not
  // said: that reads as superseded.)
  if (subscriber?.status === 'unsubscribed') return { kind: 'refused', reason: 'unsubscribed' };
  if (subscriber?.status !== 'pending' || subscriber.confirmExpires !== claims.expires) {
    return { kind: 'refused', reason: 'superseded' };
  }
  return { kind: 'pending', subscriber };
}

/** What a link of `purpose` says, or why it is refused: one reading for every kind of subscriber link. */
function linkClaims(
  deps: SubscriptionDeps,
  token: string,
  purpose: TokenPurpose,
  now: Date,
): TokenClaims | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' } {
  const check = verifyToken(token, purpose, deps.secret, now.getTime(), deps.previousSecret);
  if (!check.ok) return { kind: 'refused', reason: check.reason === 'expired' ? 'expired' : 'invalid' };
  return check.claims;
}

/** What the confirm page shows before anything changes: whether the link is good, and for whom. */
export async function previewConfirmation(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<
  { readonly kind: 'pending'; readonly address: string } | Exclude<ConfirmCheck, { kind: 'pending' }>
> {
  const claims = linkClaims(deps, token, 'confirm', now);
  if ('kind' in claims) return claims;
  const check = confirmationOf(await deps.subscribers.get(claims.address), claims);
  return check.kind === 'pending' ? { kind: 'pending', address: check.subscriber.address } : check;
}

/**
 * What a subscribe keeps of the record it replaces: the delivery of someone who left this week (or who is
 * already pending with it kept), who may have had this week's articles the way they chose then. Someone who
 * left before the week began had nothing of it, and starts afresh.
 */
function deliveryKeptOnReturn(
  current: Subscriber | undefined,
  weekStartMs: number,
): Pick<Subscriber, 'delivery' | 'previousDelivery' | 'deliveryChangedMs'> {
  if (current?.deliveryChangedMs === undefined) return {};
  if (current.status === 'unsubscribed' && current.updatedAtMs < weekStartMs) return {};
  return {
    ...(current.delivery ? { delivery: current.delivery } : {}),
    ...(current.previousDelivery ? { previousDelivery: current.previousDelivery } : {}),
    deliveryChangedMs: current.deliveryChangedMs,
  };
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
  const claims = linkClaims(deps, token, 'confirm', now);
  if ('kind' in claims) return claims;
  const nowMs = now.getTime();
  const { before, after } = await deps.subscribers.update(claims.address, (current) => {
    const check = confirmationOf(current, claims);
    if (check.kind !== 'pending') return undefined;
    const { confirmExpires: _used, ...rest } = check.subscriber;
    const confirmed = { ...rest, status: 'confirmed' as const, updatedAtMs: nowMs, softBounces: 0 };
    // New unless they were here this week (deliveryKeptOnReturn): then it is a change of mind, which
    // applies from the next weekly send, so this week's articles reach them once.
    const isNew = confirmed.deliveryChangedMs === undefined;
    return chooseDelivery(confirmed, delivery, weekStartAt(deps.site, nowMs), nowMs, isNew);
  });
  if (after !== before && after) {
    // Only the update that made the subscriber confirmed gets here: it is a versioned write, so of two
    // confirmations racing, one changes the record and the other finds it confirmed. One welcome, then.
    const fromMs = choiceTakesEffectAt(deps.site, after, nowMs);
    if (deps.site.welcome) await sendWelcome(deps, claims.address, delivery, fromMs, now);
    return { kind: 'confirmed', address: claims.address, delivery, fromMs };
  }
  // Unchanged: what the update found was not pending for this link.
  const check = confirmationOf(before, claims);
  return check.kind === 'pending' ? { kind: 'refused', reason: 'superseded' } : check;
}

/**
 * At most once: a welcome SES still refuses after the retries above is dropped, and the confirmation
 * stands (the subscriber sees "You are subscribed"; a welcome twice would be worse than none). Anything
 * but a mail error is a bug.
 */
async function sendWelcome(
  deps: SubscriptionDeps,
  address: string,
  delivery: Delivery,
  fromMs: number,
  now: Date,
) {
  try {
    await sendRetrying(
      deps.mail,
      await renderWelcomeMessage(
        deps.site,
        address,
        delivery,
        deps.secret,
        now,
        subscriptionTheme(deps),
        fromMs,
      ),
    );
  } catch (error) {
    if (!(error instanceof MailError)) throw error;
  }
}

export type PreferencesOutcome =
  | {
      readonly kind: 'subscribed';
      readonly address: string;
      /** What the subscriber chose (possibly not in effect until `fromMs`). */
      readonly delivery: Delivery;
      readonly fromMs: number;
      /** Topics followed; absent: every article. */
      readonly topics?: readonly string[];
    }
  | { readonly kind: 'not-subscribed'; readonly address: string }
  | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' };

/** Now, or the next weekly send when this week's articles still go the way chosen before. */
function choiceTakesEffectAt(site: SiteConfig, subscriber: Subscriber, nowMs: number): number {
  const chosen = subscriber.delivery ?? 'instant';
  return chosen === deliveryDuring(subscriber, weekStartAt(site, nowMs))
    ? nowMs
    : nextWeeklySend(site, nowMs);
}

function preferencesOf(site: SiteConfig, subscriber: Subscriber, nowMs: number): PreferencesOutcome {
  return {
    kind: 'subscribed',
    address: subscriber.address,
    delivery: subscriber.delivery ?? 'instant',
    fromMs: choiceTakesEffectAt(site, subscriber, nowMs),
    ...(subscriber.topics ? { topics: subscriber.topics } : {}),
  };
}

function preferencesOfStored(
  site: SiteConfig,
  address: string,
  subscriber: Subscriber | undefined,
  nowMs: number,
): PreferencesOutcome {
  return subscriber?.status === 'confirmed'
    ? preferencesOf(site, subscriber, nowMs)
    : { kind: 'not-subscribed', address };
}

/** The preferences link from an email: what the subscriber receives now. */
export async function readPreferences(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<PreferencesOutcome> {
  const claims = linkClaims(deps, token, 'preferences', now);
  if ('kind' in claims) return claims;
  const subscriber = await deps.subscribers.get(claims.address);
  return preferencesOfStored(deps.site, claims.address, subscriber, now.getTime());
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
  /** Topics: `{}` follows every article, `{ topics }` only those; undefined leaves them as they are. */
  follow?: { readonly topics?: readonly string[] },
): Promise<PreferencesOutcome> {
  const claims = linkClaims(deps, token, 'preferences', now);
  if ('kind' in claims) return claims;
  const nowMs = now.getTime();
  // Only a subscriber who is confirmed as this update finds them: an unsubscribe or a complaint that
  // landed since the page was shown stays.
  const { after } = await deps.subscribers.update(claims.address, (current) => {
    if (current?.status !== 'confirmed') return undefined;
    const sameDelivery = (current.delivery ?? 'instant') === delivery;
    const sameTopics =
      follow === undefined || JSON.stringify(follow.topics) === JSON.stringify(current.topics);
    if (sameDelivery && sameTopics) return undefined;
    // A change of topics applies from the next digest planned: per article, a reader gets it or not, once.
    const { topics: _old, ...rest } = sameDelivery
      ? current
      : chooseDelivery(current, delivery, weekStartAt(deps.site, nowMs), nowMs, false);
    const topics = follow === undefined ? current.topics : follow.topics;
    return { ...rest, ...(topics ? { topics: [...topics] } : {}), updatedAtMs: nowMs };
  });
  return preferencesOfStored(deps.site, claims.address, after, nowMs);
}

export type UnsubscribeOutcome =
  | { readonly kind: 'unsubscribed'; readonly address: string }
  | { readonly kind: 'refused'; readonly reason: 'expired' | 'invalid' };

/** Why an unsubscribe link would be refused, read before anything changes (the page its GET shows). */
export function unsubscribeLinkProblem(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): 'expired' | 'invalid' | undefined {
  const claims = linkClaims(deps, token, 'unsubscribe', now);
  return 'kind' in claims ? claims.reason : undefined;
}

/** One click, no login: the token is the proof. Repeating it is harmless. */
export async function unsubscribe(
  deps: SubscriptionDeps,
  token: string,
  now: Date,
): Promise<UnsubscribeOutcome> {
  const claims = linkClaims(deps, token, 'unsubscribe', now);
  if ('kind' in claims) return claims;
  const { address } = claims;
  await deps.subscribers.update(address, (current) =>
    current && current.status !== 'suppressed' && current.status !== 'unsubscribed'
      ? { ...current, status: 'unsubscribed', updatedAtMs: now.getTime() }
      : undefined,
  );
  return { kind: 'unsubscribed', address };
}

/** SES bounce and complaint notifications, reduced to what decides suppression and what stats count. */
export interface MailFeedback {
  readonly kind: 'hard-bounce' | 'soft-bounce' | 'complaint';
  readonly addresses: readonly string[];
  /** SES's id of the message it is about (the send ledger records the same id). */
  readonly messageId?: string;
  /** The digest it is about, when the notification carries the message's own Message-ID. */
  readonly digestId?: string;
}

export const SOFT_BOUNCE_LIMIT = 3;
/**
 * Soft bounces count towards the limit while each comes within this long of the one before: a mailbox full
 * for a week in March and again in June is not an address that stopped working. (SES reports bounces, not
 * deliveries, so time stands in for "in a row".)
 */
export const SOFT_BOUNCE_WINDOW_MS = 30 * 86_400_000;

/**
 * A hard bounce or a complaint suppresses an address for good; soft bounces do after a few in a row. SNS
 * delivers at least once: a notification about the message the last one was about changes nothing.
 */
export async function applyFeedback(
  subscribers: SubscriberStore,
  feedback: MailFeedback,
  now: Date,
): Promise<{ suppressed: string[] }> {
  const change = (current: Subscriber | undefined): Subscriber | undefined => {
    if (!current || current.status === 'suppressed') return undefined;
    const last = current.lastFeedback;
    const recent = last?.kind === 'soft-bounce' && now.getTime() - last.atMs <= SOFT_BOUNCE_WINDOW_MS;
    // Kept before softBounceIds were: the last one's id alone.
    const counted = recent ? (current.softBounceIds ?? (last.messageId ? [last.messageId] : [])) : [];
    const { messageId } = feedback;
    if (
      messageId !== undefined &&
      ((last?.messageId === messageId && last.kind === feedback.kind) ||
        (feedback.kind === 'soft-bounce' && counted.includes(messageId)))
    )
      return undefined;
    const before = recent ? (current.softBounces ?? 0) : 0;
    const softBounces = before + (feedback.kind === 'soft-bounce' ? 1 : 0);
    const suppress = feedback.kind !== 'soft-bounce' || softBounces >= SOFT_BOUNCE_LIMIT;
    const softBounceIds =
      feedback.kind === 'soft-bounce' && messageId !== undefined ? [...counted, messageId] : counted;
    const { softBounceIds: _ids, ...rest } = current;
    return {
      ...rest,
      softBounces,
      ...(softBounceIds.length > 0 ? { softBounceIds: softBounceIds.slice(-SOFT_BOUNCE_LIMIT) } : {}),
      updatedAtMs: now.getTime(),
      lastFeedback: {
        kind: feedback.kind,
        atMs: now.getTime(),
        ...(messageId ? { messageId } : {}),
        ...(feedback.digestId ? { digestId: feedback.digestId } : {}),
      },
      ...(suppress ? { status: 'suppressed' as const } : {}),
    };
  };
  const addresses = feedback.addresses.flatMap((raw) => {
    const checked = normalizeAddress(raw);
    return checked.ok ? [checked.address] : [];
  });
  const updates = await subscribers.updateAll(new Map(addresses.map((address) => [address, change])));
  const suppressed = [...updates]
    .filter(([, { before, after }]) => after?.status === 'suppressed' && before?.status !== 'suppressed')
    .map(([address]) => address);
  return { suppressed };
}
