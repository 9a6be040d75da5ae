/** How often a subscriber hears from the site: each new article as it is published, or once a week. */
export type Delivery = 'instant' | 'weekly';

export const DELIVERIES: readonly Delivery[] = ['instant', 'weekly'];

/** What decides which digests a subscriber gets. */
export interface DeliveryChoice {
  readonly address: string;
  /** Absent: 'instant' (subscribers from before the choice existed). */
  readonly delivery?: Delivery;
  /** What was in effect when `delivery` was last changed; it stays in effect until the next weekly send. */
  readonly previousDelivery?: Delivery;
  readonly deliveryChangedMs?: number;
  /** Tag slugs of the topics followed (site.yaml `topics:`); absent: every article. */
  readonly topics?: readonly string[];
}

/**
 * The delivery in effect for the week that started at `weekStartMs`. Only the last change is kept, so for a
 * week before it that is exact, but for a week before an earlier change it is not: a digest fanned out more
 * than a week late, after two changes, could go by the newer choice.
 */
export function deliveryDuring(subscriber: DeliveryChoice, weekStartMs: number): Delivery {
  const chosen = subscriber.delivery ?? 'instant';
  if (subscriber.deliveryChangedMs === undefined || subscriber.deliveryChangedMs <= weekStartMs)
    return chosen;
  return subscriber.previousDelivery ?? 'instant';
}

/**
 * The subscriber after choosing `delivery` at `nowMs`, in the week that started at `weekStartMs`. A new
 * subscriber's choice applies at once (nothing was sent to them yet); a later change applies from the next
 * weekly send, so that week's articles still reach them once, the way they chose before.
 */
export function chooseDelivery<S extends DeliveryChoice>(
  subscriber: S,
  delivery: Delivery,
  weekStartMs: number,
  nowMs: number,
  isNew: boolean,
): S {
  const inEffect = isNew ? delivery : deliveryDuring(subscriber, weekStartMs);
  return { ...subscriber, delivery, previousDelivery: inEffect, deliveryChangedMs: nowMs };
}

/** Who a digest goes to: instant digests to this week's instant subscribers, weekly ones to last week's weekly. */
export interface Audience {
  readonly delivery: Delivery;
  /** Start of the week whose choices count. */
  readonly weekStartMs: number;
}

/** A digest's audience; digests from before weekly delivery went to everyone, as instant ones. */
export function audienceOfDigest(digest: {
  readonly createdAtMs: number;
  readonly audience?: Audience;
}): Audience {
  return digest.audience ?? { delivery: 'instant', weekStartMs: digest.createdAtMs };
}

/** The recipients (with their choices) a digest with this audience goes to, one per address. */
export function audienceChoices<R extends DeliveryChoice>(recipients: readonly R[], audience: Audience): R[] {
  const byAddress = new Map<string, R>();
  for (const r of recipients)
    if (deliveryDuring(r, audience.weekStartMs) === audience.delivery && !byAddress.has(r.address))
      byAddress.set(r.address, r);
  return [...byAddress.values()];
}

export function audienceOf(recipients: readonly DeliveryChoice[], audience: Audience): string[] {
  const chosen = recipients
    .filter((r) => deliveryDuring(r, audience.weekStartMs) === audience.delivery)
    .map((r) => r.address);
  return [...new Set(chosen)].sort();
}
