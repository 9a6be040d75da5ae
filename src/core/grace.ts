// The grace window (`digest.delay` in site.yaml): a digest waits that long after its articles went live,
// so an author who spots a typo can push a fix, or stop the email, before it goes. The digest is composed
// when the window closes, from the articles as they are then, so the fix is what subscribers read.
import { shortHash } from './short-hash.js';

/** Longest `digest.delay`: a window is for second thoughts, not for scheduling (use a future `date`). */
export const MAX_DELAY_MS = 24 * 3_600_000;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Reads a duration such as `10m`, `90s`, `1h30m` or `0` into milliseconds; a reason when it is not one.
 */
export function parseDuration(text: string): { ok: true; ms: number } | { ok: false; reason: string } {
  const trimmed = text.trim();
  if (trimmed === '0') return { ok: true, ms: 0 };
  const parts = [...trimmed.matchAll(/(\d+)([hms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed)
    return { ok: false, reason: `"${text}" is not a duration like 10m, 90s or 1h30m (or 0 for none)` };
  let ms = 0;
  for (const [, amount, unit] of parts) ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (ms > MAX_DELAY_MS) return { ok: false, reason: `"${text}" is longer than 24h` };
  return { ok: true, ms };
}

/** `600000` → `10m`; for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || `${ms}ms`;
}

/** Articles waiting out the window: source path → when it went live (epoch ms). Kept in the site index. */
export type PendingArticles = Readonly<Record<string, number>>;

/**
 * When the pending digest is due: `delayMs` after the last of its articles went live, so a burst of pushes
 * becomes one digest and each article gets the whole window. undefined when nothing is pending.
 */
export function pendingDueAtMs(pending: PendingArticles, delayMs: number): number | undefined {
  const times = Object.values(pending);
  return times.length === 0 ? undefined : Math.max(...times) + delayMs;
}

/**
 * A digest the operator stopped (`broadsheet hold`): the pending articles it had then. Later articles do
 * not join it; they wait out their own window beside it, so one digest can be held while others go.
 */
export interface DigestHold {
  /** pendingDigestId of its sources when it was held; what `release <id>` and `cancel <id>` name. */
  readonly id: string;
  /** Source paths ('posts/a.md'). */
  readonly sources: readonly string[];
  readonly sinceMs: number;
  /**
   * A hold the previous release wrote (one flag, no list: it held the one pending digest, and whatever
   * joined it). `sources` is empty: it holds every article waiting when a publish first reads it, and every
   * one going live in that publish, which holdsOver turns into an ordinary hold listing them, written back
   * with the next change to the holds.
   */
  readonly everyPending?: true;
}

/** Id of a hold in the previous release's format until it is read against what waits. */
export const EARLIER_HOLD_ID = 'earlier';

/** The previous release's one hold (`{ held: true, sinceMs }` locally, `{ sinceMs }` in DynamoDB), read now. */
export function earlierHold(sinceMs: number): DigestHold {
  return { id: EARLIER_HOLD_ID, sources: [], sinceMs, everyPending: true };
}

/** The id a pending digest is shown and held by: short, and the same for the same articles. */
export function pendingDigestId(sources: readonly string[]): string {
  return shortHash([...sources].sort().join('\n'), 8);
}

/**
 * The holds as they apply to `waiting` (sources pending and not announced): each keeps only its sources
 * that still wait, and one with none left is dropped. A source leaves its hold for good once it stops
 * waiting (mailed, cancelled, taken off the site), so an article put back on the site later waits out a
 * window of its own, instead of being held, silently, by a hold made for its earlier life.
 * A hold from the previous release (`everyPending`) held the pending digest and whatever joined it: it
 * becomes one listing every source in `waiting` or `joining` (what goes live in the publish reading it)
 * that no other hold lists, under the id that digest is shown by. While it would list none it stays as
 * it is, to hold what goes live next.
 */
export function holdsOver(
  holds: readonly DigestHold[],
  waiting: ReadonlySet<string>,
  joining: ReadonlySet<string> = new Set(),
): DigestHold[] {
  const listed = new Set(holds.flatMap((h) => (h.everyPending ? [] : h.sources)));
  return holds.flatMap((hold) => {
    if (hold.everyPending) {
      const sources = [...new Set([...waiting, ...joining])].filter((s) => !listed.has(s)).sort();
      for (const s of sources) listed.add(s);
      return sources.length === 0
        ? [hold]
        : [{ id: pendingDigestId(sources), sources, sinceMs: hold.sinceMs }];
    }
    const sources = hold.sources.filter((s) => waiting.has(s));
    if (sources.length === 0) return [];
    return [sources.length === hold.sources.length ? hold : { ...hold, sources }];
  });
}

export interface GraceStep {
  /** Sources whose articles are announced now (the window closed and nothing holds them). */
  readonly announce: readonly string[];
  /** What still waits after this publish, held or not (empty once announced). */
  readonly pending: PendingArticles;
  /** When what waits unheld is due; undefined when nothing waits but what is held. */
  readonly dueAtMs?: number;
}

/**
 * One publish's step through the window. `wentLive`: sources that went live in this publish; `live`:
 * sources live now (one taken off the site in the window leaves the digest, so it is never mailed);
 * `announced`: sources already announced (a cancelled digest's, or one another publish sent). `held`:
 * sources of digests the operator stopped (`broadsheet hold`): they keep waiting, however late, until
 * released, and the rest goes when its own window closes.
 */
export function graceStep(input: {
  readonly pending: PendingArticles;
  readonly wentLive: readonly string[];
  readonly live: ReadonlySet<string>;
  readonly announced: ReadonlySet<string>;
  readonly held: ReadonlySet<string>;
  readonly delayMs: number;
  readonly nowMs: number;
}): GraceStep {
  const pending: Record<string, number> = {};
  for (const [source, atMs] of Object.entries(input.pending)) pending[source] = atMs;
  for (const source of input.wentLive) pending[source] ??= input.nowMs;
  for (const source of Object.keys(pending)) {
    if (!input.live.has(source) || input.announced.has(source)) delete pending[source];
  }
  const open = Object.fromEntries(Object.entries(pending).filter(([source]) => !input.held.has(source)));
  const dueAtMs = pendingDueAtMs(open, input.delayMs);
  if (dueAtMs !== undefined && dueAtMs <= input.nowMs) {
    for (const source of Object.keys(open)) delete pending[source];
    return { announce: Object.keys(open).sort(), pending };
  }
  return { announce: [], pending, ...(dueAtMs === undefined ? {} : { dueAtMs }) };
}

/**
 * The digests waiting now: each hold with its sources still pending, then the open one (what waits
 * unheld), each with when its window closes. A hold none of whose sources still waits is left out.
 */
export function pendingDigests(
  pending: PendingArticles,
  holds: readonly DigestHold[],
  delayMs: number,
): { id: string; sources: string[]; dueAtMs: number; held: boolean }[] {
  const digests: { id: string; sources: string[]; dueAtMs: number; held: boolean }[] = [];
  const held = new Set<string>();
  for (const hold of holds) {
    const sources = hold.sources.filter((s) => pending[s] !== undefined && !held.has(s));
    for (const s of sources) held.add(s);
    const dueAtMs = pendingDueAtMs(Object.fromEntries(sources.map((s) => [s, pending[s] ?? 0])), delayMs);
    if (dueAtMs !== undefined) digests.push({ id: hold.id, sources, dueAtMs, held: true });
  }
  const open = Object.keys(pending).filter((s) => !held.has(s));
  const dueAtMs = pendingDueAtMs(Object.fromEntries(open.map((s) => [s, pending[s] ?? 0])), delayMs);
  if (dueAtMs !== undefined)
    digests.push({ id: openDigestId(open, holds), sources: open.sort(), dueAtMs, held: false });
  return digests;
}

/**
 * The open digest's id: its sources' hash, unless a hold already has it (a hold keeps the id it was made
 * with, and a new file at a path it listed hashes the same); then the hash of the two.
 */
export function openDigestId(sources: readonly string[], holds: readonly Pick<DigestHold, 'id'>[]): string {
  const id = pendingDigestId(sources);
  return holds.some((h) => h.id === id) ? shortHash(`${id}\nopen`, 8) : id;
}
