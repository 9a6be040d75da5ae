import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frontMatterSchema, readCommonFrontMatter } from '../../../src/core/article.js';

const dates = fc.oneof(
  fc.constantFrom(
    '2026-01-02',
    '2026-01-02T10:00:00Z',
    ' 2026-03-29T01:30:00 ',
    '2026-03-29 02:30',
    '2026-10-25T01:30:00+01:00',
    '2026-02-30',
    '2026-13-01',
    '2026-01-02T24:00:00Z',
    '2026-01-02T10:00:00.123456789-0330',
    'yesterday',
    '',
  ),
  fc
    .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.integer(),
  fc.constant(null),
);
const texts = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '   ',
    'a\u0001b',
    'line\nbreak',
    'Café ☕',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    1e21,
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);
const tags = fc.oneof(
  fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)), { maxLength: 24 }),
  fc.string({ maxLength: 120 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.constant('x'.repeat(101)), { maxLength: 1 }),
);
const fields = fc.record(
  {
    title: texts,
    date: dates,
    updated: dates,
    summary: texts,
    tags,
    draft: fc.oneof(fc.boolean(), fc.constantFrom('yes', null, 0)),
    author: texts,
    math: fc.oneof(fc.boolean(), fc.constant('true')),
    slug: fc.constantFrom('a-slug', 'Bad Slug'),
    image: fc.constantFrom('/img.png', 'javascript:x'),
    aliases: fc.constant(['/posts/old/']),
    extra: fc.string(),
    undef: fc.constant(undefined),
  },
  { requiredKeys: [] },
);

/** Mostly what articles hold: a title and a date, some of the other common fields, now and then a bad value. */
const usual = fc.record(
  {
    title: fc.oneof({ weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) }, texts),
    date: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.constantFrom('2026-01-02', '2026-01-02T10:00:00Z', '2026-06-01T09:30:00+02:00'),
      },
      dates,
    ),
    updated: dates,
    summary: fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 40 }) }, texts),
    tags: fc.oneof({ weight: 3, arbitrary: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }) }, tags),
    draft: fc.oneof({ weight: 3, arbitrary: fc.boolean() }, fc.constantFrom('yes', null)),
    author: fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 20 }) }, texts),
    math: fc.boolean(),
  },
  { requiredKeys: ['title', 'date'] },
);

describe('readCommonFrontMatter (the common fields without zod)', () => {
  it('reads whatever it reads exactly as the zod schema does, and leaves the rest to it', () => {
    let read = 0;
    fc.assert(
      fc.property(
        fc.oneof(fields, usual),
        fc.constantFrom('UTC', 'Europe/Lisbon', 'America/St_Johns'),
        (input, zone) => {
          const common = readCommonFrontMatter(input, zone);
          if (common === undefined) return;
          read++;
          const zod = frontMatterSchema(zone).safeParse(input);
          expect(zod.success).toBe(true);
          expect(common).toStrictEqual(zod.data);
        },
      ),
      { numRuns: 20_000 },
    );
    // Not a test of nothing: valid common front matter is frequent enough among the generated.
    expect(read).toBeGreaterThan(200);
  });

  it('reads the usual article front matter itself', () => {
    const usual = { title: 'A title', date: '2026-01-02T10:00:00Z', tags: ['news', 'c++'], summary: 'S.' };
    expect(readCommonFrontMatter(usual, 'UTC')).toStrictEqual(frontMatterSchema('UTC').parse(usual));
    expect(readCommonFrontMatter({ ...usual, slug: 'x' }, 'UTC')).toBeUndefined();
  });
});
