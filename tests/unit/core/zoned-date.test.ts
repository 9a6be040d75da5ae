// Front-matter dates computed without luxon against luxon's own reading: whenever the shortcut answers, it
// gives luxon's text and instant; out-of-range parts, fractions and zones with rules are left to luxon.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luxonZonedDate, readZonedDate, simpleZonedDate } from '../../../src/core/zoned-date.js';

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const date = fc
  .oneof(
    fc.tuple(
      fc.oneof(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
      two(13),
      two(32),
    ),
    // Month ends, in leap years and in century years that are and are not leap years.
    fc.tuple(
      fc.constantFrom(1900, 2000, 2023, 2024, 2100, 2400),
      fc.constantFrom('02', '04', '12'),
      fc.constantFrom('28', '29', '30', '31'),
    ),
  )
  .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${m}-${d}`);
const offset = fc.oneof(
  fc.constant(''),
  fc.constant('Z'),
  fc
    .tuple(fc.constantFrom('+', '-'), two(25), fc.constantFrom('', ':', 'colon-less'), two(61))
    .map(([sign, h, sep, m]) => (sep === '' ? `${sign}${h}` : `${sign}${h}${sep === ':' ? ':' : ''}${m}`)),
);
const time = fc
  .tuple(
    fc.constantFrom('T', ' '),
    two(25),
    two(60),
    fc.oneof(
      fc.constant(''),
      two(60).map((s) => `:${s}`),
    ),
    fc.oneof({ weight: 4, arbitrary: fc.constant('') }, fc.constantFrom('.5', '.120', '.000000001')),
    offset,
  )
  .map(([sep, h, m, s, fraction, off]) => `${sep}${h}:${m}${s}${s ? fraction : ''}${off}`);
const value = fc.tuple(date, fc.oneof(fc.constant(''), time)).map(([d, t]) => d + t);
const zone = fc.constantFrom(
  'UTC',
  'Etc/UTC',
  'Europe/Lisbon',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Etc/GMT+5',
);

describe('readZonedDate', () => {
  it.each([
    ['2021-09-24', 'UTC', '2021-09-24T00:00:00Z'],
    ['2026-03-01T09:30:00+01:00', 'Europe/Lisbon', '2026-03-01T09:30:00+01:00'],
    ['2026-03-01 09:30-0000', 'Asia/Kolkata', '2026-03-01T09:30:00Z'],
    ['2026-03-01T09:30-00:30', 'UTC', '2026-03-01T09:30:00-00:30'],
    ['2024-02-29T23:59:59+14', 'UTC', '2024-02-29T23:59:59+14:00'],
  ])('reads %s in %s as %s, as luxon does', (text, zoneName, iso) => {
    expect(simpleZonedDate(text, zoneName)).toEqual({ ok: true, date: expect.objectContaining({ iso }) });
    expect(readZonedDate(text, zoneName)).toEqual(luxonZonedDate(text, zoneName));
  });

  it.each([
    ['a date in a zone with rules', '2026-03-29', 'Europe/Lisbon'],
    ['a fraction of a second', '2026-03-01T09:30:00.5Z', 'UTC'],
    ['24:00', '2026-03-01T24:00:00Z', 'UTC'],
    ['a day past the month', '2023-02-29', 'UTC'],
  ])('leaves %s to luxon', (_name, text, zoneName) => {
    expect(simpleZonedDate(text, zoneName)).toBeUndefined();
  });

  it('answers as luxon does, whenever it answers without luxon', () => {
    let simple = 0;
    let runs = 0;
    fc.assert(
      fc.property(value, zone, (text, zoneName) => {
        runs++;
        const luxon = luxonZonedDate(text, zoneName);
        const shortcut = simpleZonedDate(text, zoneName);
        if (shortcut) {
          simple++;
          expect(shortcut).toEqual(luxon);
        }
        // An offset past ±23:59 (luxon takes any two digits) is refused; every other answer is luxon's.
        const offset = /[+-](\d{2}):?(\d{2})?$/.exec(text.slice(10));
        if (offset && (Number(offset[1]) > 23 || Number(offset[2] ?? 0) > 59))
          expect(readZonedDate(text, zoneName)).toMatchObject({ ok: false });
        else expect(readZonedDate(text, zoneName)).toEqual(luxon);
      }),
      { numRuns: 5000 },
    );
    expect(simple).toBeGreaterThan(runs / 5);
  });
});
