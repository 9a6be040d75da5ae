// What tells one article from another as files are renamed, retitled and rewritten: movesBetween (what a
// publish records as moved) and whereNow (what the weekly digest carries), which must agree.
import { describe, expect, it } from 'vitest';
import {
  classifyAnnouncements,
  movesBetween,
  recordedKeys,
  whereNow,
} from '../../../src/core/announce-keys.js';
import { article } from '../../helpers/site.js';

const body = 'A body long enough to be its own.';
const announced = article(
  { title: 'Teh news', date: '2026-05-05T10:00', slug: 'typo' },
  body,
  'posts/typo.md',
);

describe('one article through renames and rewrites', () => {
  it.each([
    [
      'its slug and title changed in its file',
      { title: 'The news', date: '2026-05-05T10:00', slug: 'the-news' },
      body,
      'posts/typo.md',
    ],
    [
      'its file renamed and its title changed',
      { title: 'The news', date: '2026-05-05T10:00', slug: 'the-news' },
      body,
      'posts/the-news.md',
    ],
    [
      'its body rewritten, its date kept',
      { title: 'Other', date: '2026-05-05T10:00', slug: 'other' },
      'New words.',
      'posts/typo.md',
    ],
  ])('is the same article with %s', (_case, fields, text, path) => {
    const now = article(fields, text, path);
    expect(movesBetween([announced], [now])).toEqual([
      { article: now, announcedAs: announced.url, from: announced.source },
    ]);
    expect(whereNow([announced], [now]).get(announced.url)).toBe(now);
  });

  it.each([
    ['another post written into its file', 'posts/typo.md', body.replace('own', 'other')],
    ['a renamed file with a new title and body', 'posts/other.md', 'New words.'],
  ])('is withdrawn, not moved, when %s', (_case, path, text) => {
    const other = article({ title: 'Other', date: '2026-05-09T10:00', slug: 'other' }, text, path);
    expect(movesBetween([announced], [other])).toEqual([]);
    expect(whereNow([announced], [other]).has(announced.url)).toBe(false);
  });

  it('pairs a renamed file by its body only when one file gone and one arriving share it', () => {
    const one = article({ title: 'One', date: '2026-05-05T10:00', slug: 'one' }, body, 'posts/one.md');
    const two = article({ title: 'Two', date: '2026-05-05T10:00', slug: 'two' }, body, 'posts/two.md');
    expect(movesBetween([announced], [one, two])).toEqual([]);
    expect(whereNow([announced], [one, two]).has(announced.url)).toBe(false);
  });

  it('does not pair posts with no body', () => {
    const empty = article({ title: 'Teh link', date: '2026-05-05T10:00', slug: 'a' }, '', 'posts/a.md');
    const other = article({ title: 'The link', date: '2026-05-05T10:00', slug: 'b' }, '', 'posts/b.md');
    expect(movesBetween([empty], [other])).toEqual([]);
  });
});

describe('a new post with the date and body of one announced before', () => {
  // Link posts: date-only dates and a boilerplate body. The first was mailed, then deleted.
  const first = article(
    { title: 'A great read', date: '2026-05-05', slug: 'great-read' },
    'via Hacker News',
    'posts/great-read.md',
  );
  const second = article(
    { title: 'Another link', date: '2026-05-05', slug: 'another-link' },
    'via Hacker News',
    'posts/another-link.md',
  );
  const recorded = new Set(recordedKeys(first));
  const unseen = async (keys: readonly string[]) => new Set(keys.filter((key) => !recorded.has(key)));

  // A publish pairs with files gone in it, or gone within the hour before (SiteIndex.departed): the two
  // events of one rename can land in publishes apart. A day later, it is a new post.
  it('is new, in a later publish: the ledger keeps no body to pair it with', async () => {
    expect(await classifyAnnouncements([second], [second], unseen)).toEqual({
      unannounced: [second],
      moved: [],
    });
    expect(movesBetween([], [second])).toEqual([]);
  });
});
