import { DateTime } from 'luxon';
import type { SiteConfig } from './site.js';

/** How often a subscriber hears from the site: each new article as it is published, or once a week. */
export type Delivery = 'instant' | 'weekly';

export const DELIVERIES: readonly Delivery[] = ['instant', 'weekly'];

/** When the weekly digest goes out, in the site's time zone. `weekday` is ISO: 1 = Monday … 7 = Sunday. */
export interface WeeklySchedule {
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
}

/** What decides which digests a subscriber gets. */
export interface DeliveryChoice {
  readonly address: string;
  /** Absent: 'instant' (subscribers from before the choice existed). */
  readonly delivery?: Delivery;
  /** What was in effect when `delivery` was last changed; it stays in effect until the next weekly send. */
  readonly previousDelivery?: Delivery;
  readonly deliveryChangedMs?: number;
}

/**
 * The latest weekly send time at or before `atMs`. Weeks run from one send to the next, and a change of
 * delivery applies from the next send: that is what makes "every article exactly once" hold across a
 * change, since an article announced mid-week reaches each subscriber either at once or in that week's
 * digest, never both and never neither.
 */
export function weekStartAt(site: SiteConfig, atMs: number): number {
  const at = DateTime.fromMillis(atMs, { zone: site.timezone });
  const { weekday, hour, minute } = site.weekly;
  let start = at.set({ weekday: weekday as 1, hour, minute, second: 0, millisecond: 0 });
  if (start.toMillis() > atMs) start = start.minus({ weeks: 1 });
  return start.toMillis();
}

/** The weekly send after `atMs` (strictly later). */
export function nextWeeklySend(site: SiteConfig, atMs: number): number {
  return DateTime.fromMillis(weekStartAt(site, atMs), { zone: site.timezone }).plus({ weeks: 1 }).toMillis();
}

/** The delivery in effect for the week that started at `weekStartMs`. */
export function deliveryDuring(subscriber: DeliveryChoice, weekStartMs: number): Delivery {
  const chosen = subscriber.delivery ?? 'instant';
  if (subscriber.deliveryChangedMs === undefined || subscriber.deliveryChangedMs <= weekStartMs)
    return chosen;
  return subscriber.previousDelivery ?? 'instant';
}

/**
 * The subscriber after choosing `delivery` at `nowMs`. A new subscriber's choice applies at once (nothing
 * was sent to them yet); a later change applies from the next weekly send.
 */
export function chooseDelivery<S extends DeliveryChoice>(
  subscriber: S,
  delivery: Delivery,
  site: SiteConfig,
  nowMs: number,
  isNew: boolean,
): S {
  const inEffect = isNew ? delivery : deliveryDuring(subscriber, weekStartAt(site, nowMs));
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

export function audienceOf(recipients: readonly DeliveryChoice[], audience: Audience): string[] {
  const chosen = recipients
    .filter((r) => deliveryDuring(r, audience.weekStartMs) === audience.delivery)
    .map((r) => r.address);
  return [...new Set(chosen)].sort();
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type WeekdayName = (typeof WEEKDAYS)[number];
export const weekdayNames = WEEKDAYS;

export function weekdayName(weekday: number): string {
  const name = WEEKDAYS[weekday - 1] ?? 'monday';
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** "Mondays at 09:00 (Europe/Lisbon)", for pages and emails. */
export function describeWeekly(site: SiteConfig): string {
  const { weekday, hour, minute } = site.weekly;
  const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  return `${weekdayName(weekday)}s at ${time} (${site.timezone})`;
}

/** "Monday, November 30, 2026 at 09:00" in the site's language and time zone. */
export function describeMoment(site: SiteConfig, atMs: number): string {
  return new Intl.DateTimeFormat(site.language, {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: site.timezone,
    hourCycle: 'h23',
  }).format(atMs);
}

/** One line on what a choice means, for the confirm and preferences pages. */
export function describeDelivery(site: SiteConfig, delivery: Delivery): string {
  return delivery === 'weekly'
    ? `A weekly digest, ${describeWeekly(site)}`
    : 'Every new article, as it is published';
}
