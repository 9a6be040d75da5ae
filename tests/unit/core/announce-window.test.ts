import { describe, expect, it } from 'vitest';
import { isPastAnnounceWindow, splitByAnnounceWindow } from '../../../src/core/announce-window.js';

const day = 24 * 60 * 60 * 1000;
const now = Date.UTC(2026, 1, 1);

describe('announce_window', () => {
  it('mails an article up to exactly the window after its date, and not a moment later', () => {
    expect(isPastAnnounceWindow({ dateMs: now - 7 * day }, now, 7)).toBe(false);
    expect(isPastAnnounceWindow({ dateMs: now - 7 * day - 1 }, now, 7)).toBe(true);
    expect(isPastAnnounceWindow({ dateMs: now - 1 }, now, 0)).toBe(true);
  });

  it('splits keeping order, and holds nothing back on a first run', () => {
    const articles = [{ dateMs: now - day }, { dateMs: now - 30 * day }, { dateMs: now - 2 * day }];
    expect(splitByAnnounceWindow(articles, now, 7)).toEqual({
      timely: [articles[0], articles[2]],
      late: [articles[1]],
    });
    expect(splitByAnnounceWindow(articles, now, 7, true)).toEqual({ timely: articles, late: [] });
  });
});
