import { describe, expect, it } from 'vitest';
import {
  isPastAnnounceWindow,
  lateArticlesNote,
  splitByAnnounceWindow,
} from '../../../src/core/announce-window.js';

const day = 24 * 60 * 60 * 1000;
const now = Date.UTC(2026, 1, 1);

describe('announce_window', () => {
  it('mails an article up to exactly the window after its date, and not a moment later', () => {
    expect(isPastAnnounceWindow({ dateMs: now - 7 * day }, now, 7)).toBe(false);
    expect(isPastAnnounceWindow({ dateMs: now - 7 * day - 1 }, now, 7)).toBe(true);
    expect(isPastAnnounceWindow({ dateMs: now - 1 }, now, 0)).toBe(true);
  });

  it('splits keeping order, and holds nothing back on a first run', () => {
    const articles = [
      { source: 'a', dateMs: now - day },
      { source: 'b', dateMs: now - 30 * day },
      { source: 'c', dateMs: now - 2 * day },
    ];
    expect(splitByAnnounceWindow(articles, { nowMs: now, days: 7 })).toEqual({
      timely: [articles[0], articles[2]],
      late: [articles[1]],
    });
    expect(splitByAnnounceWindow(articles, { nowMs: now, days: 7 }, true)).toEqual({
      timely: articles,
      late: [],
    });
  });

  it('measures from when an article went live, so a digest held past the window still goes', () => {
    const held = { source: 'held', dateMs: now - 20 * day };
    const backdated = { source: 'old', dateMs: now - 40 * day };
    // Live 19 days ago (a day after its date), held since; the other was 30 days old when it went live.
    const wentLiveMs = { held: now - 19 * day, old: now - 10 * day };
    expect(splitByAnnounceWindow([held, backdated], { nowMs: now, days: 7, wentLiveMs })).toEqual({
      timely: [held],
      late: [backdated],
    });
  });
});

describe('lateArticlesNote', () => {
  const late = Array.from({ length: 35 }, (_, i) => ({ title: `Imported ${i + 1}` }));
  it('names every title, or the first few and how many more', () => {
    expect(lateArticlesNote(late.slice(0, 2), 7)).toBe(
      'Past the announce window (dated more than 7 days ago), recorded as announced without mail: "Imported 1", "Imported 2"',
    );
    expect(lateArticlesNote(late, 7, { most: 3 })).toBe(
      'Past the announce window (dated more than 7 days ago), recorded as announced without mail: "Imported 1", "Imported 2", "Imported 3" and 32 more (broadsheet check lists them)',
    );
  });
});
