import { describe, expect, it } from 'vitest';
import { audienceOf, deliveryDuring } from '../../../src/core/delivery.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { nextWeeklySend, weekStartAt } from '../../../src/core/weekly-schedule.js';
import { testSite } from '../../helpers/site.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('weekly send times', () => {
  it('are the configured local day and time, across a daylight-saving change', () => {
    // Lisbon moves from UTC+0 to UTC+1 on Sunday 29 March 2026.
    expect(iso(weekStartAt(testSite, Date.parse('2026-03-25T12:00:00Z')))).toBe('2026-03-23T09:00:00.000Z');
    expect(iso(nextWeeklySend(testSite, Date.parse('2026-03-25T12:00:00Z')))).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    expect(iso(weekStartAt(testSite, Date.parse('2026-03-30T08:00:00Z')))).toBe('2026-03-30T08:00:00.000Z');
    expect(iso(weekStartAt(testSite, Date.parse('2026-03-30T07:59:59Z')))).toBe('2026-03-23T09:00:00.000Z');
  });

  it('refuses a day or time that is not one', () => {
    const site = (weekly_digest: unknown) => () =>
      parseSiteConfig({
        title: 'T',
        base_url: 'https://t.example',
        author: { name: 'A' },
        sender: { name: 'S', address: 's@t.example' },
        weekly_digest,
      });
    expect(site({ day: 'someday' })).toThrow(/weekly_digest\.day: must be a day of the week/);
    expect(site({ time: '25:00' })).toThrow(/weekly_digest\.time: must be a 24-hour time/);
    expect(site({ day: 'sunday', time: '18:45' })().weekly).toEqual({ weekday: 7, hour: 18, minute: 45 });
  });
});

describe('who a digest goes to', () => {
  const week = Date.parse('2026-05-04T08:00:00Z');
  const people = [
    { address: 'old@example.org' }, // from before the choice existed: instant
    {
      address: 'w@example.org',
      delivery: 'weekly' as const,
      previousDelivery: 'weekly' as const,
      deliveryChangedMs: 0,
    },
    // Switched to weekly during the week: still instant until the next send.
    {
      address: 'sw@example.org',
      delivery: 'weekly' as const,
      previousDelivery: 'instant' as const,
      deliveryChangedMs: week + 1,
    },
  ];

  it('uses the choice in effect for the week', () => {
    expect(audienceOf(people, { delivery: 'instant', weekStartMs: week })).toEqual([
      'old@example.org',
      'sw@example.org',
    ]);
    expect(audienceOf(people, { delivery: 'weekly', weekStartMs: week })).toEqual(['w@example.org']);
    const nextWeek = week + 7 * 86_400_000;
    expect(audienceOf(people, { delivery: 'weekly', weekStartMs: nextWeek })).toEqual([
      'sw@example.org',
      'w@example.org',
    ]);
    expect(deliveryDuring(people[2] ?? { address: '' }, nextWeek)).toBe('weekly');
  });
});
