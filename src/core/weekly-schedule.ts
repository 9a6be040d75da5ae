import { DateTime } from 'luxon';
import type { Delivery } from './delivery.js';
import type { SiteConfig } from './site.js';

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

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
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
