// The fast front-matter scanner against the `yaml` package: on generated front matter with tricky scalars,
// whenever the scanner reads a document it gives yaml's fields, in yaml's order, with each key's line; and
// readFrontMatter (scanner first, yaml otherwise) always says what the yaml path says.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFrontMatter, readFrontMatterWithYaml, scannedAsText } from '../../../src/core/article.js';
import { scanFrontMatter } from '../../../src/core/front-matter-scan.js';

type Report = { field: string; reason: string; line?: number };

function viaYaml(yaml: string) {
  const reports: Report[] = [];
  const result = readFrontMatterWithYaml(yaml, (field, reason, line) =>
    reports.push({ field, reason, line }),
  );
  return { result, reports };
}

function viaReadFrontMatter(yaml: string) {
  const reports: Report[] = [];
  const result = readFrontMatter(yaml, (field, reason, line) => reports.push({ field, reason, line }));
  return { result, reports };
}

/** Characters that mean something somewhere in YAML, and some that only look harmless. */
const tricky = [
  ...'aZé日😀 0123456789',
  ...':#-.,[]{}\'"\\!&*|>%@`?~+_/=',
  '\t',
  '\u00a0',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\u0007',
  '\r',
];
const word = fc.constantFrom(
  'Article',
  'notes',
  'b',
  'émile',
  '日本語',
  'C#',
  'a:b',
  'x-y',
  '😀',
  '42',
  'true',
  'yes',
  'Off',
  'null',
  '~',
  '2026-03-01',
  '2026-03-01T09:30:00+01:00',
);
const chunk = fc.oneof(
  { weight: 3, arbitrary: word },
  { weight: 2, arbitrary: fc.constantFrom(' ', '  ') },
  fc.constantFrom(...tricky),
  fc.constantFrom(
    'null',
    'Null',
    'NULL',
    'true',
    'False',
    'TRUE',
    'yes',
    'on',
    '~',
    '0o17',
    '0x1F',
    '.inf',
    '-.Inf',
    '.NaN',
    '1e3',
    '1.50',
    '007',
    '-0',
    '+12',
    '12345678901234567890',
    '2026-03-01',
    '2026-03-01T09:30:00+01:00',
    '2026-03-01 09:30',
    '2026-03-01T09:30:00Z',
    '09:30',
    ': ',
    ' #',
    '---',
    '...',
    "''",
    'Article 9832: tag',
    'C#',
    'a:b',
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const text = fc.array(chunk, { maxLength: 6 }).map((parts) => parts.join(''));
const plain = text;
const doubleQuoted = text.map((t) => `"${t}"`);
const singleQuoted = text.map((t) => `'${t.replace(/'/g, "''")}'`);
const scalar = fc.oneof(plain, doubleQuoted, singleQuoted, chunk);
const flowList = fc
  .tuple(
    fc.array(scalar, { maxLength: 4 }),
    fc.constantFrom(', ', ',', ' , '),
    fc.constantFrom('', ' ', ',', ', '),
  )
  .map(([items, separator, end]) => `[${items.join(separator)}${end}]`);
const value = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 1, arbitrary: flowList },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '|', '>-', '&a x', '*a', '!!str 5', '{a: 1}', '- x') },
);
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('title', 'date', 'updated', 'summary', 'tags', 'draft', 'author') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'image',
      'slug',
      'aliases',
      'math',
      'x-extra',
      'under_score',
      'true',
      'null',
      '__proto__',
      'constructor',
      'toString',
      '"title"',
      'a b',
      'ключ',
      '?',
      '<<',
      '1',
      '-',
    ),
  },
);
const comment = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  text.map((t) => ` #${t}`),
);
const colon = fc.oneof(
  { weight: 6, arbitrary: fc.constant(': ') },
  fc.constantFrom(':', ':  ', ' : ', ':\t'),
);
const fieldLine = fc
  .tuple(key, colon, value, comment, fc.constantFrom('', '', '', ' ', '  '))
  .map(([k, colon, v, c, trailing]) => `${k}${colon}${v}${c}${trailing}`);
const otherLine = fc.constantFrom(
  '',
  '   ',
  '# a comment',
  '  # indented comment',
  '  continued',
  '- item',
  '  - item',
  '  nested: value',
  '...',
  '%YAML 1.2',
  'just text',
);
const wild = fc
  .array(fc.oneof({ weight: 8, arbitrary: fieldLine }, { weight: 1, arbitrary: otherLine }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((lines) => lines.map((line) => `${line}\n`).join(''));
/** Front matter as authors write it, distinct keys and mostly ordinary values, with a little of the above. */
const tameText = fc
  .array(fc.oneof({ weight: 8, arbitrary: word }, { weight: 4, arbitrary: fc.constant(' ') }, chunk), {
    minLength: 1,
    maxLength: 5,
  })
  .map((parts) => parts.join(''));
const tameScalar = fc.oneof(
  { weight: 4, arbitrary: tameText },
  tameText.map((t) => `"${t}"`),
  tameText.map((t) => `'${t.replace(/'/g, "''")}'`),
);
const tameValue = fc.oneof(
  { weight: 4, arbitrary: tameScalar },
  fc.array(tameScalar, { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
);
const tame = fc
  .uniqueArray(
    fc.constantFrom('title', 'date', 'updated', 'summary', 'tags', 'draft', 'author', 'slug', 'x-extra'),
    { minLength: 1, maxLength: 7 },
  )
  .chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), tameValue, comment))))
  .map((pairs) => pairs.map(([k, v, c]) => `${k}: ${v}${c}\n`).join(''));
const frontMatter = fc.oneof(tame, wild);

/** Same own fields in the same order, same values; compared as entries, since a field may be `constructor`. */
function expectSameFields(actual: object | undefined, expected: object | undefined) {
  expect(actual === undefined).toBe(expected === undefined);
  if (actual === undefined || expected === undefined) return;
  expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected));
  expect(Object.entries(actual)).toStrictEqual(Object.entries(expected));
}

describe('scanFrontMatter', () => {
  it('reads the common front matter, with each key on its file line', () => {
    const yaml = [
      'title: "Article 9832: tag valid email cheap"',
      'date: 2021-09-24',
      '# a comment',
      "summary: 'It''s here' # and a comment",
      'tags: [notes, "a, b", 12, true]',
      'draft: false',
      '',
      'author:',
      '',
    ].join('\n');
    const scanned = scanFrontMatter(yaml);
    expect(scanned?.fields).toEqual({
      title: 'Article 9832: tag valid email cheap',
      date: '2021-09-24',
      summary: "It's here",
      tags: ['notes', 'a, b', 12, true],
      draft: false,
      author: null,
    });
    expect(Object.fromEntries(scanned?.lines ?? [])).toEqual({
      title: 2,
      date: 3,
      summary: 5,
      tags: 6,
      draft: 7,
      author: 9,
    });
    expect(scannedAsText(scanned?.fields ?? {})).toEqual(viaYaml(yaml).result?.fields);
  });

  it.each([
    ['a duplicate key', 'title: a\ntitle: b\n'],
    ['a nested block', 'title:\n  a\n'],
    ['a block list', 'tags:\n- a\n'],
    ['an escape', 'title: "a\\tb"\n'],
    ['a float', 'title: 1.5\n'],
    ['an anchor', 'title: &a x\n'],
    ['a mapping on one line', 'title: a: b\n'],
    ['a tab', 'title:\ta\n'],
    ['an empty document', '# only a comment\n'],
  ])('leaves %s to yaml', (_name, yaml) => {
    expect(scanFrontMatter(yaml)).toBeUndefined();
  });

  it('gives the fields and lines yaml gives, whenever it reads the front matter', () => {
    let read = 0;
    let runs = 0;
    fc.assert(
      fc.property(frontMatter, (yaml) => {
        runs++;
        const scanned = scanFrontMatter(yaml);
        const { result, reports } = viaYaml(yaml);
        if (scanned) {
          read++;
          expect(reports).toEqual([]);
          expect(result).toBeDefined();
          const fields = result?.fields ?? {};
          expectSameFields(scannedAsText(scanned.fields), fields);
          for (const field of Object.keys(fields)) {
            expect(scanned.lines.get(field)).toBe(result?.fieldLine(field));
          }
        }
        const combined = viaReadFrontMatter(yaml);
        expect(combined.reports).toEqual(reports);
        expectSameFields(combined.result?.fields, result?.fields);
        for (const field of Object.keys(result?.fields ?? {})) {
          expect(combined.result?.fieldLine(field)).toBe(result?.fieldLine(field));
        }
      }),
      { numRuns: 3000 },
    );
    // The comparison means something only if the scanner reads a good share of the documents.
    expect(read).toBeGreaterThan(runs / 10);
  });
});

describe('front matter the scanner must leave to yaml', () => {
  it('a key longer than yaml allows an implicit key to be (1024 characters) gets yaml error, not a field', () => {
    const yaml = `${'k'.repeat(1030)}: x\n`;
    const { result, reports } = viaYaml(yaml);
    expect(result).toBeUndefined();
    expect(reports[0]?.reason).toMatch(/at most 1024 chars/);
    expect(viaReadFrontMatter(yaml)).toEqual({ result: undefined, reports });
  });
});
