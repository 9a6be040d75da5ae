// Backdated articles are not news. An article first seen going live more than `announce_window` days after
// its date (35 old posts imported at once, a draft from last year published now) is recorded as announced
// without mail; `check` and `diff` say which. The same rule for both editions, applied where announce()
// plans the digest.

/** site.yaml `announce_window`, in days, when unset. */
export const DEFAULT_ANNOUNCE_WINDOW_DAYS = 7;

/** The digest id a late article is recorded under: no digest carries it, so none is sent. */
export const PAST_WINDOW_DIGEST_ID = 'past-announce-window';

/** Recorded beside an article announced before at another address (announce-keys.ts): no mail, no digest. */
export const MOVED_DIGEST_ID = 'moved';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether an article going live at `nowMs` is past the window: its date more than that before now. */
export function isPastAnnounceWindow(
  article: { readonly dateMs: number },
  nowMs: number,
  windowDays: number,
): boolean {
  return nowMs - article.dateMs > windowDays * DAY_MS;
}

/** What the window is measured against. */
export interface AnnounceWindow {
  /** When the articles go out. */
  readonly nowMs: number;
  readonly days: number;
  /**
   * When each article went live, by source, where that was earlier than now: the grace window keeps it
   * (`index.pending`). The window is measured from then, so a digest delayed or held past the window is
   * still mailed; what counts is how old the article was when readers first saw it.
   */
  readonly wentLiveMs?: Readonly<Record<string, number>>;
}

/**
 * Articles going live, split into those to mail and those past the window (each in the given order). On a
 * first run nothing is late: that run mails only the newest article anyway, whatever its age, so that
 * installing Broadsheet shows what a digest looks like and never mails the archive.
 */
export function splitByAnnounceWindow<T extends { readonly dateMs: number; readonly source: string }>(
  articles: readonly T[],
  window: AnnounceWindow,
  firstRun = false,
): { readonly timely: T[]; readonly late: T[] } {
  const timely: T[] = [];
  const late: T[] = [];
  for (const article of articles) {
    const seenMs = Math.min(window.wentLiveMs?.[article.source] ?? window.nowMs, window.nowMs);
    (!firstRun && isPastAnnounceWindow(article, seenMs, window.days) ? late : timely).push(article);
  }
  return { timely, late };
}

/** How `check`, `diff` and `build` name what the window held back. */
export function lateArticlesNote(
  late: readonly { readonly title: string }[],
  windowDays: number,
  { most = Number.POSITIVE_INFINITY }: { most?: number } = {},
): string {
  // A corpus imported at once is past the window as a whole: `most` titles, then how many more.
  const named = late.slice(0, most).map((a) => `"${a.title}"`);
  const titles = `${named.join(', ')}${late.length > named.length ? ` and ${late.length - named.length} more (broadsheet check lists them)` : ''}`;
  return `Past the announce window (dated more than ${windowDays} days ago), recorded as announced without mail: ${titles}`;
}
