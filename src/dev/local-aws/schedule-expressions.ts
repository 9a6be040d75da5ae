// EventBridge schedule expressions: rate(…), cron(…) (six fields, UTC) and Scheduler's one-shot at(…).

export type Schedule =
  | { readonly kind: 'rate'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly matches: (minute: Date) => boolean }
  | { readonly kind: 'at'; readonly atMs: number };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One cron field → the set test for a value (named months and days, lists, ranges, steps, * and ?). */
function field(
  text: string,
  min: number,
  max: number,
  names: string[] = [],
  nameBase = min,
): (v: number) => boolean {
  if (text === '*' || text === '?') return () => true;
  const value = (token: string) => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + nameBase : Number(token);
    if (!Number.isInteger(n)) throw new ScheduleExpressionError(`"${token}" is not a cron value`);
    return n;
  };
  const tests = text.split(',').map((part) => {
    const [range = '', stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(value)
          : [value(range), stepText ? max : value(range)];
    return (v: number) => v >= (from ?? min) && v <= (to ?? max) && (v - (from ?? min)) % step === 0;
  });
  return (v) => tests.some((t) => t(v));
}

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression.trim());
  if (rate) return { kind: 'rate', everyMs: Number(rate[1]) * (UNIT_MS[rate[2] ?? 'minute'] ?? 60_000) };
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (at) return { kind: 'at', atMs: Date.parse(`${at[1]}Z`) };
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron) {
    const parts = (cron[1] ?? '').trim().split(/\s+/);
    if (parts.length !== 6) throw new ScheduleExpressionError(`${expression}: cron needs six fields`);
    const [mi = '*', h = '*', dom = '*', mon = '*', dow = '*', year = '*'] = parts;
    const minute = field(mi, 0, 59);
    const hour = field(h, 0, 23);
    const day = field(dom, 1, 31);
    const month = field(mon, 1, 12, MONTHS, 1);
    const weekday = field(dow, 1, 7, DAYS, 1);
    const y = field(year, 1970, 2199);
    return {
      kind: 'cron',
      matches: (d) =>
        minute(d.getUTCMinutes()) &&
        hour(d.getUTCHours()) &&
        day(d.getUTCDate()) &&
        month(d.getUTCMonth() + 1) &&
        weekday(d.getUTCDay() + 1) &&
        y(d.getUTCFullYear()),
    };
  }
  throw new ScheduleExpressionError(`${expression}: not a rate(), cron() or at() expression`);
}

/** The times a schedule fires in (from, to], minute by minute; a rate counts from `origin`. */
export function firings(schedule: Schedule, fromMs: number, toMs: number, originMs: number): number[] {
  const out: number[] = [];
  if (schedule.kind === 'at') {
    if (schedule.atMs > fromMs && schedule.atMs <= toMs) out.push(schedule.atMs);
    return out;
  }
  if (schedule.kind === 'rate') {
    const first = originMs + Math.floor((fromMs - originMs) / schedule.everyMs + 1) * schedule.everyMs;
    for (let t = first; t <= toMs; t += schedule.everyMs) out.push(t);
    return out;
  }
  for (let t = Math.floor(fromMs / 60_000 + 1) * 60_000; t <= toMs; t += 60_000)
    if (schedule.matches(new Date(t))) out.push(t);
  return out;
}
