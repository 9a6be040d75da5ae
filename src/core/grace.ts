// The grace window (`digest.delay` in site.yaml): a digest waits that long after its articles went live,
// so an author who spots a typo can push a fix, or stop the email, before it goes. The digest is composed
// when the window closes, from the articles as they are then, so the fix is what subscribers read.

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

export interface GraceStep {
  /** Sources whose articles are announced now (the window closed and nothing holds it). */
  readonly announce: readonly string[];
  /** What still waits after this publish (empty once announced). */
  readonly pending: PendingArticles;
  /** When what still waits is due; undefined when nothing waits. */
  readonly dueAtMs?: number;
}

/**
 * One publish's step through the window. `wentLive`: sources that went live in this publish; `live`:
 * sources live now (one taken off the site in the window leaves the digest, so it is never mailed);
 * `announced`: sources already announced (a cancelled digest's, or one another publish sent). `held`:
 * the operator stopped the digest (`broadsheet hold`); it keeps waiting, however late, until released.
 */
export function graceStep(input: {
  readonly pending: PendingArticles;
  readonly wentLive: readonly string[];
  readonly live: ReadonlySet<string>;
  readonly announced: ReadonlySet<string>;
  readonly held: boolean;
  readonly delayMs: number;
  readonly nowMs: number;
}): GraceStep {
  const pending: Record<string, number> = {};
  for (const [source, atMs] of Object.entries(input.pending)) pending[source] = atMs;
  for (const source of input.wentLive) pending[source] ??= input.nowMs;
  for (const source of Object.keys(pending)) {
    if (!input.live.has(source) || input.announced.has(source)) delete pending[source];
  }
  const dueAtMs = pendingDueAtMs(pending, input.delayMs);
  if (dueAtMs === undefined) return { announce: [], pending: {} };
  if (!input.held && dueAtMs <= input.nowMs) return { announce: Object.keys(pending).sort(), pending: {} };
  return { announce: [], pending, dueAtMs };
}
