import { DateTime, Info } from 'luxon';

/** A front-matter date read in a time zone: ISO 8601 with its offset, and the same instant in epoch ms. */
export class ZonedDate {
  constructor(
    readonly iso: string,
    readonly ms: number,
  ) {}
}

export type ZonedDateResult =
  | { readonly ok: true; readonly date: ZonedDate }
  | { readonly ok: false; readonly reason: string };

/** Date and time with an optional offset, as the front matter's ISO_DATE pattern allows them, without fractions. */
const SIMPLE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/** The zone's fixed offset in minutes (UTC, UTC+3), or undefined for a zone with rules (Europe/Lisbon). */
const fixedOffsets = new Map<string, number | undefined>();
function fixedOffset(zone: string): number | undefined {
  if (!fixedOffsets.has(zone)) {
    const normalized = Info.normalizeZone(zone);
    fixedOffsets.set(zone, normalized?.isUniversal ? normalized.offset(0) : undefined);
  }
  return fixedOffsets.get(zone);
}

/**
 * Reads an ISO 8601 date or date-time (already matched against the front matter's pattern) in `zone`:
 * with an offset it keeps that offset, without one it is read in the zone. The answer is luxon's
 * (`DateTime.fromISO(value, { zone, setZone: true })`, written with `toISO({ suppressMilliseconds: true })`);
 * a date with an offset or in a fixed-offset zone, with whole seconds, is computed here without luxon,
 * since its instant and text follow from the numbers alone. A property test holds the two to one answer.
 */
export function readZonedDate(value: string, zone: string): ZonedDateResult {
  // luxon takes any two digits for the offset's hours (+25:00); no clock is that far from UTC.
  const offset = /[+-](\d{2}):?(\d{2})?$/.exec(value.slice(10));
  if (offset && (Number(offset[1]) > 23 || Number(offset[2] ?? 0) > 59))
    return { ok: false, reason: `${offset[0]} is not an offset from UTC (at most ±23:59)` };
  return simpleZonedDate(value, zone) ?? luxonZonedDate(value, zone);
}

export function luxonZonedDate(value: string, zone: string): ZonedDateResult {
  const parsed = DateTime.fromISO(value.replace(' ', 'T'), { zone, setZone: true });
  if (!parsed.isValid) return { ok: false, reason: parsed.invalidReason ?? 'invalid' };
  return {
    ok: true,
    date: new ZonedDate(
      parsed.toISO({ suppressMilliseconds: true }) ?? parsed.toUTC().toISO() ?? '',
      parsed.toMillis(),
    ),
  };
}

/** The date without luxon, or undefined when luxon must decide (rules of a zone, fractions, odd values). */
export function simpleZonedDate(value: string, zone: string): ZonedDateResult | undefined {
  const match = SIMPLE.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', z, sign, offH, offM = '00'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  let offset: number | undefined;
  if (z) offset = 0;
  else if (sign) {
    const hours = Number(offH);
    const minutes = Number(offM);
    // Offsets no zone has are luxon's to write as it does.
    if (hours > 23 || minutes > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  } else offset = fixedOffset(zone);
  if (offset === undefined) return undefined;
  // Two-digit years are not what Date.UTC takes them for; out-of-range parts (and 24:00) get luxon's reason.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${offsetText(offset)}`;
  return { ok: true, date: new ZonedDate(iso, ms) };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** As luxon writes a fixed offset: Z for zero, else ±HH:MM. */
function offsetText(offset: number): string {
  if (offset === 0) return 'Z';
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${offset < 0 ? '-' : '+'}${pad(Math.trunc(abs / 60))}:${pad(abs % 60)}`;
}
