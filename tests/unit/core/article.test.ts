import { describe, expect, it } from 'vitest';
import { MAX_ARTICLE_BYTES, MAX_FIELDS, MAX_TAGS, parseArticle } from '../../../src/core/article.js';
import { futureUpdateProblems, hasErrors, parseCorpus, publishedAt } from '../../../src/core/corpus.js';
import { prepareMath } from '../../../src/core/math.js';
import { prepareAllMarkdown } from '../../../src/core/render.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { MAX_FOLDER_NAME_BYTES } from '../../../src/core/text.js';
import { article, bytes, markdown, testSite } from '../../helpers/site.js';

function problemsOf(text: string | Uint8Array, path = 'posts/2026-01-05-sample.md') {
  const result = parseArticle({ path, bytes: typeof text === 'string' ? bytes(text) : text }, testSite);
  if (result.ok) throw new Error('expected the article to be rejected');
  return result.problems;
}

describe('parseArticle: valid articles', () => {
  it('derives the slug from the file name without a leading date', () => {
    const a = article({ title: 'Hello', date: '2026-01-05' }, 'x', 'posts/2026-01-05-Hello World.md');
    expect(a.slug).toBe('hello-world');
    expect(a.url).toBe('https://news.example.com/posts/hello-world/');
  });

  it('uses an explicit slug', () => {
    expect(article({ title: 'Hello', date: '2026-01-05', slug: 'custom-slug' }).slug).toBe('custom-slug');
  });

  it('reads a date without a zone in the site time zone, and keeps an explicit offset', () => {
    // Lisbon is UTC+1 in summer.
    expect(article({ title: 'A', date: '2026-07-01' }).date).toBe('2026-07-01T00:00:00+01:00');
    expect(article({ title: 'A', date: '2026-07-01' }).dateMs).toBe(Date.UTC(2026, 5, 30, 23));
    expect(article({ title: 'A', date: '2026-07-01T10:00:00Z' }).dateMs).toBe(Date.UTC(2026, 6, 1, 10));
    expect(article({ title: 'A', date: '2026-07-01T10:00:00-05:00' }).date).toBe('2026-07-01T10:00:00-05:00');
  });

  it('keeps every optional field', () => {
    const a = article({
      title: '"Zoë’s “notes”"',
      date: '2026-03-01',
      updated: '2026-03-02T12:00:00Z',
      summary: 'Short.',
      tags: '[Go, "Ünïcode", go]',
      author: 'Guest Writer',
      image: '/images/cover.png',
      draft: 'true',
    });
    expect(a).toMatchObject({
      title: 'Zoë’s “notes”',
      summary: 'Short.',
      tags: [
        { name: 'Go', slug: 'go' },
        { name: 'Ünïcode', slug: 'unicode' },
      ],
      author: 'Guest Writer',
      image: 'https://news.example.com/images/cover.png',
      draft: true,
      updated: '2026-03-02T12:00:00Z',
    });
  });

  it('reads tags written as one text, `tags: email, feeds`, as the tags between its commas', () => {
    const a = article({ title: 'A', date: '2026-03-01', tags: 'email, feeds,' });
    expect(a.tags.map((t) => t.name)).toEqual(['email', 'feeds']);
    // A field beyond the common ones takes the schema's path, which must read them alike.
    const viaSchema = article({ title: 'A', date: '2026-03-01', tags: 'email, feeds,', image: '/a.png' });
    expect(viaSchema.tags.map((t) => t.name)).toEqual(['email', 'feeds']);
    const listed = article({ title: 'A', date: '2026-03-01', tags: '["C, the language"]' });
    expect(listed.tags.map((t) => t.name)).toEqual(['C, the language']);
  });

  it('derives a summary from the first paragraph when none is given', () => {
    const a = article({ title: 'A', date: '2026-03-01' }, '# Heading\n\nFirst *paragraph* here.\n\nSecond.');
    expect(a.summary).toBe('First paragraph here.');
  });

  it('derives the summary from the first paragraph with text when the body opens with an image', () => {
    const a = article(
      { title: 'A', date: '2026-01-05' },
      '![The harbour at dawn](/images/harbour.jpg)\n\nThe ferry left at six.\n\nMore.',
    );
    expect(a.summary).toBe('The ferry left at six.');
  });

  it('reads an image within the first paragraph as its alt text', () => {
    const a = article(
      { title: 'A', date: '2026-01-05' },
      'The plan, as ![a diagram of the queues](/images/q.svg) and ![](/images/deco.png)a table.\n\nMore.',
    );
    expect(a.summary).toBe('The plan, as a diagram of the queues and a table.');
  });

  it("leaves an alert's title and footnote numbers out of the summary", () => {
    const alert = article(
      { title: 'A', date: '2026-03-01' },
      '> [!IMPORTANT]\n> The service moves on Friday.\n\nMore.',
    );
    expect(alert.summary).toBe('The service moves on Friday.');
    const notes = article(
      { title: 'A', date: '2026-03-01' },
      'A claim[^1] and another[^note].\n\n[^1]: One.\n[^note]: Two.',
    );
    expect(notes.summary).toBe('A claim and another.');
  });

  it('reads math in the summary as the TeX its author wrote, not as the letters of its MathML', async () => {
    await prepareMath();
    const a = article(
      { title: 'A', date: '2026-03-01', math: 'true' },
      'Energy is $E = mc^2$, and $$\\sum_{i=1}^n i < n^2$$ for n > 1.',
    );
    expect(a.summary).toBe('Energy is $E = mc^2$, and $$\\sum_{i=1}^n i < n^2$$ for n > 1.');
  });

  it('accepts a UTF-8 byte order mark and CRLF line endings', () => {
    const text = `\uFEFF---\r\ntitle: With BOM\r\ndate: 2026-01-01\r\n---\r\nBody\r\n`;
    const result = parseArticle({ path: 'posts/bom.md', bytes: bytes(text) }, testSite);
    expect(result.ok && result.article.title).toBe('With BOM');
  });

  it('collapses line breaks and drops control characters in titles', () => {
    expect(article({ title: '"Line\\nbreak\\u0007 here"', date: '2026-01-01' }).title).toBe(
      'Line break here',
    );
  });

  it('drops DEL and bidi overrides from titles, summaries and tags, reads C1 controls as Windows-1252; keeps the bidi marks', () => {
    const a = article({
      title: '"\\u0093Bidi\\u0094 \\u202Eevil\\u0081"',
      summary: '"a\\u007Fb\\u009Bc\\u200Fd"',
      tags: '["abc\\u202Eexe.txt", "x\\u2066y\\u2069"]',
      date: '2026-01-01',
    });
    expect(a.title).toBe('“Bidi” evil');
    expect(a.summary).toBe('ab›c\u200Fd');
    expect(a.tags.map((t) => t.name)).toEqual(['abcexe.txt', 'xy']);
  });

  it('warns, once, of raw HTML the sanitizer removed from the body, without rejecting the article', () => {
    const body =
      '<iframe src="https://example.org/embed"></iframe>\n\n<p onclick="x()">Hi</p> and <iframe></iframe>';
    const result = parseArticle(
      { path: 'posts/a.md', bytes: bytes(markdown({ title: 'A', date: '2026-01-01T00:00:00Z' }, body)) },
      testSite,
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings).toEqual([
      expect.objectContaining({
        file: 'posts/a.md',
        field: 'body',
        severity: 'warning',
        reason: 'raw HTML removed, as articles may not hold it: <iframe>, onclick on <p>',
      }),
    ]);
  });

  it('warns of raw HTML moved to where HTML lets it stand, at its line, without rejecting the article', () => {
    const body = [
      'Intro.',
      '',
      'A <em><p>x</p></em> b',
      '',
      '<table><td>1</td></table>',
      '',
      '<li>one</li>',
    ].join('\n');
    const result = parseArticle(
      { path: 'posts/a.md', bytes: bytes(markdown({ title: 'A', date: '2026-01-01T00:00:00Z' }, body)) },
      testSite,
    );
    expect(result.ok).toBe(true);
    expect(
      result.ok &&
        result.warnings.map(({ file, field, line, severity, reason }) => ({
          file,
          field,
          line,
          severity,
          reason,
        })),
    ).toEqual([
      {
        file: 'posts/a.md',
        field: 'body',
        line: 7,
        severity: 'warning',
        reason: 'raw HTML <p> inside <em> moved out: <em> holds only text and inline elements',
      },
      {
        file: 'posts/a.md',
        field: 'body',
        line: 9,
        severity: 'warning',
        reason: 'raw HTML <td> directly in a table put in a row: cells belong in <tr>',
      },
      {
        file: 'posts/a.md',
        field: 'body',
        line: 11,
        severity: 'warning',
        reason: 'raw HTML <li> outside a list put in a <ul>: a list item belongs in <ul> or <ol>',
      },
    ]);
  });

  it('gives each body warning the line it is about', async () => {
    const body = [
      'Intro.', // line 5
      '',
      'A claim[^1] and $x$.',
      '',
      '```klingon',
      'Qapla',
      '```',
      '',
      '<P ONCLICK="x()">Hi</P>',
    ].join('\n');
    const text = markdown({ title: 'A', date: '2026-01-01T00:00:00Z' }, body);
    expect(text.split('\n')[4]).toBe('Intro.');
    await prepareAllMarkdown();
    const result = parseArticle({ path: 'posts/a.md', bytes: bytes(text) }, testSite);
    expect(
      result.ok && result.warnings.map((w) => [w.line, w.reason.split(' ').slice(0, 3).join(' ')]),
    ).toEqual([
      [7, 'footnote reference [^1]'],
      [7, 'math ($…$) shows'],
      [9, 'code block in'],
      [13, 'raw HTML removed,'],
    ]);
  });

  it('says which known field an unknown one likely meant: another case, another generator, a typo', () => {
    const result = parseArticle(
      {
        path: 'posts/a.md',
        bytes: bytes(
          '---\ntitle: A\ndate: 2026-01-01T00:00:00Z\nDraft: true\nlastmod: 2026-01-02\npublished: false\nsumary: S\ntgas: [x]\ncolour: blue\n---\nText.\n',
        ),
      },
      testSite,
    );
    expect(result.ok && result.warnings.map((w) => [w.field, w.reason])).toEqual([
      ['Draft', 'unknown field, ignored: did you mean draft?'],
      ['lastmod', 'unknown field, ignored: did you mean updated?'],
      ['published', 'unknown field, ignored: did you mean draft (draft: true keeps it off the site)?'],
      ['sumary', 'unknown field, ignored: did you mean summary?'],
      ['tgas', 'unknown field, ignored: did you mean tags?'],
      ['colour', expect.stringMatching(/^unknown field, ignored \(known: title, date, /)],
    ]);
  });

  it.each([
    ['title: !!binary aGVsbG8=', 'title', '!!binary'],
    ['date: !!timestamp 2026-12-01', 'date', '!!timestamp'],
    ['tags: [a, !!binary aGVsbG8=]', 'tags', '!!binary'],
    ['summary: !mine text', 'summary', '!mine'],
  ])('refuses %s, naming the YAML tag rather than the value it made', (line, field, tag) => {
    const fields = ['title: A', 'date: 2026-01-01T00:00:00Z'].filter((f) => !f.startsWith(`${field}:`));
    const result = parseArticle(
      { path: 'posts/a.md', bytes: bytes(`---\n${[...fields, line].join('\n')}\n---\nText.\n`) },
      testSite,
    );
    expect(!result.ok && result.problems.map((p) => [p.field, p.line, p.reason])).toEqual([
      [
        field,
        fields.length + 2,
        `has the YAML tag ${tag}, which front matter does not support: write the value as text`,
      ],
    ]);
  });

  it.each([
    ['!!merge <<: {summary: Merged}', '<<', '!!merge'],
    ['!!merge x: {summary: Merged}', '<<', '!!merge'],
    ['x: {y: &a !!binary aGVsbG8=}\nsummary: *a', 'x', '!!binary'],
    ['x: [[&a !!timestamp 2001-01-01]]\ntags: [*a]', 'x', '!!timestamp'],
  ])('refuses %s: a tag on a key, or nested and reached by an alias', (text, field, tag) => {
    const result = parseArticle(
      {
        path: 'posts/a.md',
        bytes: bytes(`---\ntitle: A\ndate: 2026-01-01T00:00:00Z\n${text}\n---\nText.\n`),
      },
      testSite,
    );
    expect(!result.ok && result.problems.map((p) => [p.field, p.line, p.reason])).toEqual([
      [field, 4, `has the YAML tag ${tag}, which front matter does not support: write the value as text`],
    ]);
  });

  it('takes a YAML tag that names what YAML reads anyway: !!str keeps 3.10 as written', () => {
    const a = article({ title: '!!str 3.10', date: '2026-01-01T00:00:00Z' });
    expect(a.title).toBe('3.10');
    // `!` alone is YAML's non-specific tag: a scalar so tagged is text.
    expect(article({ title: 'A', summary: '! 3.10', date: '2026-01-01T00:00:00Z' }).summary).toBe('3.10');
  });

  it('refuses a YAML merge key at its line, rather than ignoring the fields it was meant to bring in', () => {
    const result = parseArticle(
      {
        path: 'posts/a.md',
        bytes: bytes(
          '---\ntitle: A\ndate: 2026-01-01T00:00:00Z\nbase: &b\n  tags: [x]\n<<: *b\n---\nText.\n',
        ),
      },
      testSite,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.filter((p) => p.field === '<<')).toEqual([
      expect.objectContaining({
        line: 6,
        reason: expect.stringMatching(/^YAML merge keys are not supported/),
      }),
    ]);
  });

  it('warns about an updated time without a time zone, as about such a date, at its line', () => {
    const result = parseArticle(
      {
        path: 'posts/a.md',
        bytes: bytes(markdown({ title: 'A', date: '2026-07-01T10:00:00Z', updated: '2026-07-02T10:00:00' })),
      },
      testSite,
    );
    expect(result.ok && result.warnings.map((w) => [w.field, w.line, w.reason])).toEqual([
      [
        'updated',
        4,
        expect.stringMatching(/^has no time zone; read as Europe\/Lisbon \(2026-07-02T10:00:00\+01:00\)$/),
      ],
    ]);
  });

  it('keeps a title, summary, author or tag that YAML reads as a number as it was written', () => {
    const read = (frontMatter: string) => {
      const result = parseArticle(
        { path: 'posts/a.md', bytes: bytes(`---\n${frontMatter}\ndate: 2026-07-01T10:00:00Z\n---\nText.\n`) },
        testSite,
      );
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      const { title, summary, author, tags } = result.article;
      return { title, summary, author, tags: tags.map((t) => t.name) };
    };
    expect(
      read('title: 3.10\nsummary: 0x10\nauthor: 1e3\ntags: [python, 3.10, 0x1F, 1.50, 007, 12]'),
    ).toEqual({
      title: '3.10',
      summary: '0x10',
      author: '1e3',
      tags: ['python', '3.10', '0x1F', '1.50', '007', '12'],
    });
    // The same in a block list, and in the flat front matter the fast scanner reads.
    expect(read('title: 007\ntags:\n  - +1\n  - .5').tags).toEqual(['+1', '.5']);
    expect(read('title: 007').title).toBe('007');
    expect(read('title: 2026').title).toBe('2026');
    // Through an alias too.
    expect(read('title: &v 3.10\nsummary: *v\ntags: [*v]')).toMatchObject({
      summary: '3.10',
      tags: ['3.10'],
    });
  });

  it('puts a warning about a fence at the line written that way, not an earlier one in another case', () => {
    const body = '```mermaid\ngraph TD; A-->B\n```\n\n```Mermaid\nflowchart LR; C-->D\n```\n';
    const result = parseArticle(
      { path: 'posts/a.md', bytes: bytes(`---\ntitle: A\ndate: 2026-07-01T10:00:00Z\n---\n${body}`) },
      testSite,
    );
    expect(result.ok && result.warnings.map((w) => [w.line, w.reason.slice(0, 28)])).toEqual([
      [5, 'code block in "mermaid" is s'],
      [9, 'code block in "Mermaid" is s'],
    ]);
  });

  it('warns about a published article updated at a time that has not come, not about a scheduled one', () => {
    const nowMs = Date.parse('2026-12-06T12:00:00Z');
    const ahead = article({ title: 'A', date: '2026-12-01T10:00:00Z', updated: '2030-01-01T00:00:00Z' });
    const scheduled = article({ title: 'B', date: '2027-01-01T10:00:00Z', updated: '2027-01-02T00:00:00Z' });
    const past = article({ title: 'C', date: '2026-12-01T10:00:00Z', updated: '2026-12-05T00:00:00Z' });
    expect(futureUpdateProblems([ahead, scheduled, past], nowMs)).toEqual([
      {
        file: ahead.source,
        field: 'updated',
        reason:
          "is 2030-01-01T00:00:00Z, which has not come yet: the feeds would give that date as the article's last change (use the time it changed)",
        severity: 'warning',
      },
    ]);
    // Given the file's text, the warning points at the field (a title holding "updated:" is not it).
    const text =
      '---\ntitle: "Why it updated: a note"\ndate: 2026-12-01T10:00:00Z\nupdated: 2030-01-01T00:00:00Z\n---\n';
    expect(futureUpdateProblems([ahead], nowMs, () => text).map((p) => p.line)).toEqual([4]);
  });

  it('warns about a published article with no text, at the line after the front matter, but not a draft', () => {
    const parsed = (text: string) => parseArticle({ path: 'posts/a.md', bytes: bytes(text) }, testSite);
    const empty = parsed('---\ntitle: A\ndate: 2026-07-01T10:00:00Z\n---\n\n  \n');
    expect(empty.ok && empty.warnings.map((w) => [w.field, w.line, w.reason])).toEqual([
      [
        'body',
        5,
        'is empty: the article is published with its title only (write the text, or set draft: true)',
      ],
    ]);
    const draft = parsed('---\ntitle: A\ndate: 2026-07-01T10:00:00Z\ndraft: true\n---\n');
    expect(draft.ok && draft.warnings).toEqual([]);
    const written = parsed('---\ntitle: A\ndate: 2026-07-01T10:00:00Z\n---\nText.\n');
    expect(written.ok && written.warnings).toEqual([]);
  });

  it('warns about unknown fields without rejecting the article', () => {
    const result = parseArticle(
      {
        path: 'posts/a.md',
        bytes: bytes(markdown({ title: 'A', date: '2026-01-01T00:00:00Z', colour: 'blue' })),
      },
      testSite,
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings).toEqual([
      expect.objectContaining({ file: 'posts/a.md', field: 'colour', severity: 'warning', line: 4 }),
    ]);
  });
});

describe('parseArticle: a title too long for a subject', () => {
  it('warns at its line past 100 characters, and not at 100', () => {
    const warningsFor = (title: string) => {
      const text = `---\ntitle: ${title}\ndate: 2026-01-01T00:00:00Z\n---\nText.\n`;
      const result = parseArticle({ path: 'posts/a.md', bytes: bytes(text) }, testSite);
      return result.ok ? result.warnings.map((w) => [w.line, w.field, w.reason]) : result.problems;
    };
    expect(warningsFor('x'.repeat(100))).toEqual([]);
    expect(warningsFor('Wort '.repeat(80).trim())).toEqual([
      [
        2,
        'title',
        "is 399 characters long; the digest's subject cuts it at a word within 100 (keep the title short and the rest for summary)",
      ],
    ]);
  });
});

describe('parseArticle: images over plain http on an https site', () => {
  it('warns about an http cover image and body images, Markdown or raw HTML, at their lines, and not https or site paths', () => {
    const text =
      '---\ntitle: A\ndate: 2026-01-01T00:00:00Z\nimage: http://cdn.example.org/cover.png\n---\nText.\n\n' +
      '![old](http://cdn.example.org/old.png) ![new](https://cdn.example.org/new.png) ![here](/a.png)\n\n' +
      '<p><img src="http://cdn.example.org/raw.png" alt="raw"></p>\n';
    const result = parseArticle({ path: 'posts/a.md', bytes: bytes(text) }, testSite);
    expect(result.ok && result.warnings.map((w) => [w.line, w.field, w.reason])).toEqual([
      [
        4,
        'image',
        'the cover image is plain http: browsers load it over https on this https site or not at all (give its https address)',
      ],
      [
        8,
        'body',
        'image http://cdn.example.org/old.png is plain http: browsers load it over https on this https site or not at all (give its https address)',
      ],
      [
        10,
        'body',
        'image http://cdn.example.org/raw.png is plain http: browsers load it over https on this https site or not at all (give its https address)',
      ],
    ]);
  });
});

describe('parseArticle: optional fields left empty', () => {
  it('reads an empty optional field as absent, as Hugo and Jekyll do, and still warns of an unknown one', () => {
    const text =
      '---\ntitle: A\ndate: 2026-01-01T00:00:00Z\ntags:\nauthor:\nslug:\nupdated:\nimage:\nsummary:\ndraft:\nmath:\naliases:\ncolour:\n---\nBody text.\n';
    const result = parseArticle({ path: 'posts/2026-01-01-empty-fields.md', bytes: bytes(text) }, testSite);
    expect(result.ok && result.warnings.map((w) => w.field)).toEqual(['colour']);
    if (!result.ok) return;
    expect(result.article).toMatchObject({
      slug: 'empty-fields',
      tags: [],
      draft: false,
      summary: 'Body text.',
    });
    expect(result.article.author).toBe(testSite.author.name);
    expect(result.article.updated).toBeUndefined();
  });

  it('says a front matter opened but never closed is not closed, not missing', () => {
    expect(problemsOf('---\ntitle: A\ndate: 2026-01-01\nThe text began here.\n')).toEqual([
      expect.objectContaining({
        field: 'front matter',
        line: 1,
        reason: 'is not closed: add a line "---" after the last field, before the text',
      }),
    ]);
    expect(problemsOf('title: A\n')[0]?.reason).toMatch(/^missing: the file must start with a line "---"/);
  });

  it('still calls an empty title or date required, and lists problems in the order of the file', () => {
    const problems = problemsOf('---\ntitle:\ndraft: maybe\ndate:\n---\n');
    expect(problems.map((p) => [p.field, p.line])).toEqual([
      ['title', 2],
      ['draft', 3],
      ['date', 4],
    ]);
    expect(problems.filter((p) => p.field !== 'draft').every((p) => /is required/.test(p.reason))).toBe(true);
  });
});

describe('parseArticle: bad input names the file, the field and the reason', () => {
  it.each([
    ['broken YAML', '---\ntitle: [unclosed\ndate: 2026-01-01\n---\n', 'front matter', /invalid YAML/, 3],
    ['a missing title', markdown({ date: '2026-01-01' }), 'title', /is required/, undefined],
    ['an empty title', markdown({ title: '"  "', date: '2026-01-01' }), 'title', /must not be empty/, 2],
    ['a missing date', markdown({ title: 'A' }), 'date', /is required/, undefined],
    ['an impossible date', markdown({ title: 'A', date: '2026-02-30' }), 'date', /not a real date/, 3],
    ['a five-digit year', markdown({ title: 'A', date: '10000-01-01' }), 'date', /ISO 8601/, 3],
    ['a date that is not ISO', markdown({ title: 'A', date: 'March 3rd' }), 'date', /ISO 8601/, 3],
    [
      'updated before date',
      markdown({ title: 'A', date: '2026-03-03', updated: '2026-03-01' }),
      'updated',
      /before date/,
      4,
    ],
    [
      'a date that is not ISO, beside a good updated',
      markdown({ title: 'A', date: 'tomorrow', updated: '2026-03-01' }),
      'date',
      /ISO 8601/,
      3,
    ],
    [
      'an updated that is not ISO, beside a good date',
      markdown({ title: 'A', date: '2026-03-01', updated: 'soon' }),
      'updated',
      /ISO 8601/,
      4,
    ],
    [
      'an updated that is not a real date, beside a good date',
      markdown({ title: 'A', date: '2026-03-01', updated: '2026-02-30' }),
      'updated',
      /not a real date/,
      4,
    ],
    ['a bad slug', markdown({ title: 'A', date: '2026-01-01', slug: '../etc' }), 'slug', /lowercase/, 4],
    [
      'an offset no clock has',
      markdown({ title: 'A', date: '2026-01-01T10:00:00+25:00' }),
      'date',
      /\+25:00 is not an offset from UTC/,
      3,
    ],
    [
      'draft that is not a boolean',
      markdown({ title: 'A', date: '2026-01-01', draft: 'maybe' }),
      'draft',
      /true or false/,
      4,
    ],
    [
      'a title holding ": " unquoted, once and with the fix',
      '---\ntitle: Broken: YAML: here\ndate: 2026-01-01\n---\n',
      'front matter',
      /compact mappings \(a value holding ": " must be quoted: title: "Part one: the start"\)$/,
      2,
    ],
    [
      'an author given as a list',
      markdown({ title: 'A', date: '2026-01-01', author: '[a, b]' }),
      'author',
      /^must be text, not a list or a mapping$/,
      4,
    ],
    ['no front matter', 'Just text', 'front matter', /missing/, 1],
    ['an empty file', '', 'front matter', /missing/, 1],
    [
      'a javascript: image',
      markdown({ title: 'A', date: '2026-01-01', image: 'javascript:alert(1)' }),
      'image',
      /http/,
      4,
    ],
  ])('rejects %s', (_name, text, field, reason, line) => {
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: 'posts/2026-01-05-sample.md', field, severity: 'error' });
    expect(problem?.reason).toMatch(reason);
    expect(problem?.line).toBe(line);
  });

  it('reports every bad field of one file at once', () => {
    const fields = problemsOf(markdown({ title: '""', date: '2026-02-30', draft: '3' })).map((p) => p.field);
    expect(fields).toEqual(['title', 'date', 'draft']);
  });

  it('checks the fields that passed even when another failed: updated, tags, slug, aliases', () => {
    const problems = problemsOf(
      markdown({
        title: 'A',
        date: '2026-03-03',
        updated: '2026-03-01',
        tags: '[C++, c]',
        draft: 'maybe',
        aliases: '[/tags/]',
      }),
      'posts/p\u0430ypal.md', // a Cyrillic а inside Latin letters
    );
    expect(problems.map((p) => [p.field, p.reason])).toEqual([
      ['updated', 'is before date'],
      ['tags', '"C++" and "c" would share the address /tags/c/; rename one'],
      ['draft', 'must be true or false'],
      ['aliases', expect.stringMatching(/no page of the site uses/)],
      ['slug', expect.stringMatching(/mixes scripts/)],
    ]);
  });

  it('rejects bytes that are not UTF-8, with the line', () => {
    const text = bytes('---\ntitle: A\ndate: 2026-01-01\n---\nfine\n');
    const bad = new Uint8Array([...text, 0xc3, 0x28, 0x0a]);
    expect(problemsOf(bad)).toEqual([
      expect.objectContaining({ field: 'file', reason: expect.stringMatching(/not valid UTF-8/), line: 6 }),
    ]);
  });

  it('rejects a file over the size limit without parsing it', () => {
    const big = bytes(markdown({ title: 'A', date: '2026-01-01' }, 'x'.repeat(MAX_ARTICLE_BYTES)));
    expect(problemsOf(big)).toEqual([
      expect.objectContaining({ field: 'file', reason: expect.stringMatching(/limit is 1048576 bytes/) }),
    ]);
  });

  it('rejects a YAML alias bomb instead of expanding it', () => {
    const bomb = [
      '---',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'title: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'date: 2026-01-01',
      '---',
    ].join('\n');
    expect(problemsOf(bomb)[0]).toMatchObject({
      field: 'front matter',
      reason: expect.stringMatching(/alias/i),
    });
  });

  it('rejects a duplicated key', () => {
    expect(problemsOf('---\ntitle: A\ntitle: B\ndate: 2026-01-01\n---\n')[0]).toMatchObject({
      field: 'front matter',
      line: 3,
    });
  });
});

describe('parseArticle: limits that keep one article cheap (issue 14)', () => {
  const fm = (lines: string) => `---\ntitle: A\ndate: 2026-01-01\n${lines}\n---\nBody.\n`;

  it.each([
    [
      'front matter over 16 KiB',
      fm(`summary: "${'x'.repeat(17_000)}"`),
      'front matter',
      /limit is 16384 bytes/,
      2,
    ],
    [
      'more fields than the limit',
      fm(Array.from({ length: MAX_FIELDS }, (_, i) => `extra${i}: 1`).join('\n')),
      'front matter',
      new RegExp(`has ${MAX_FIELDS + 2} fields; the limit is ${MAX_FIELDS}`),
      2,
    ],
    [
      'a duplicated key, naming both lines',
      fm('draft: false\ndraft: true'),
      'front matter',
      /"draft" appears twice \(first on line 4\)/,
      5,
    ],
    ['a list used as a key', fm('? [a, b]\n: c'), 'front matter', /a key must be plain text/, 4],
    [
      'lists nested past the limit',
      fm(`extra: ${'['.repeat(9)}${']'.repeat(9)}`),
      'front matter',
      /nested more than 8 deep/,
      4,
    ],
    [
      'more than 50 aliases',
      fm(`a: &a x\nextra: [${Array.from({ length: 51 }, () => '*a').join(', ')}]`),
      'front matter',
      /more than 50 aliases/,
      5,
    ],
    [
      `more than ${MAX_TAGS} tags`,
      fm(`tags: [${Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`).join(', ')}]`),
      'tags',
      new RegExp(`has ${MAX_TAGS + 1} tags; the limit is ${MAX_TAGS}`),
      4,
    ],
    [
      'a tag over 100 characters',
      fm(`tags: [${'t'.repeat(101)}]`),
      'tags',
      /is 101 characters long; the limit is 100/,
      4,
    ],
    [
      'a tag whose address is too long',
      fm(`tags: ["${'ﬃ'.repeat(90)}"]`),
      'tags',
      /makes an address of 270 bytes in UTF-8; the limit is 255, as it names a folder/,
      4,
    ],
    [
      // 100 letters, the most a tag may have, but 300 bytes: more than a folder name may take.
      'a Thai tag of 300 bytes',
      fm(`tags: ["${'ภาษา'.repeat(25)}"]`),
      'tags',
      /makes an address of 300 bytes in UTF-8; the limit is 255/,
      4,
    ],
    [
      'a slug over 200 bytes',
      fm(`slug: ${'a'.repeat(MAX_FOLDER_NAME_BYTES + 1)}`),
      'slug',
      /is 256 bytes in UTF-8; the limit is 255/,
      4,
    ],
    [
      'a Chinese slug of 86 letters, 258 bytes',
      fm(`slug: ${'日'.repeat(86)}`),
      'slug',
      /is 258 bytes in UTF-8; the limit is 255/,
      4,
    ],
    [
      'an alias under /tags/',
      fm('aliases: [/tags/email/]'),
      'aliases',
      /\/tags\/email\/ is under \/tags\//,
      4,
    ],
    ['an alias under /archive/', fm('aliases: [/archive/2026/]'), 'aliases', /under \/archive\//, 4],
    ['an alias under /api/', fm('aliases: [/api/subscribe/]'), 'aliases', /under \/api\//, 4],
    [
      'an alias of its own address',
      fm('slug: mine\naliases: [/posts/mine/]'),
      'aliases',
      /this article's own address/,
      5,
    ],
    [
      'an alias climbing out of the site',
      fm('aliases: [/posts/../../etc/]'),
      'aliases.0',
      /has the segment "\.\.": a segment holds letters, digits/,
      4,
    ],
    ['an alias with a query', fm('aliases: ["/a?b=1/"]'), 'aliases.0', /has the segment "a\?b=1"/, 4],
    ['an alias with an encoded slash', fm('aliases: ["/a%2Fb/"]'), 'aliases.0', /has the segment "a\/b"/, 4],
    [
      'an alias with broken percent-encoding',
      fm('aliases: ["/a%E6/"]'),
      'aliases.0',
      /has "a%E6", which is not valid percent-encoding/,
      4,
    ],
    [
      'more than 20 aliases',
      fm(`aliases: [${Array.from({ length: 21 }, (_, i) => `/old/${i}/`).join(', ')}]`),
      'aliases',
      /at most 20/,
      4,
    ],
    [
      'a cover image with a tab in its scheme',
      fm('image: "java\\tscript:alert(1)"'),
      'image',
      /http\(s\) URL or a path/,
      4,
    ],
    [
      'a cover image with a newline in its scheme',
      fm('image: "java\\nscript:alert(1)"'),
      'image',
      /http\(s\) URL or a path/,
      4,
    ],
    [
      'a cover image led by a control character',
      fm('image: "\\u0001javascript:alert(1)"'),
      'image',
      /http\(s\) URL or a path/,
      4,
    ],
    [
      'a protocol-relative cover image',
      fm('image: //evil.example/x.png'),
      'image',
      /http\(s\) URL or a path/,
      4,
    ],
    [
      'a backslashed protocol-relative cover image',
      fm('image: "\\\\evil.example/x.png"'),
      'image',
      /http\(s\) URL or a path/,
      4,
    ],
  ])('rejects %s', (_name, text, field, reason, line) => {
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: 'posts/2026-01-05-sample.md', field, severity: 'error' });
    expect(problem?.reason).toMatch(reason);
    expect(problem?.line).toBe(line);
  });

  it('accepts exactly the limits', () => {
    const a = article({
      title: 'A',
      date: '2026-01-01',
      tags: `[${Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`).join(', ')}]`,
      slug: 'a'.repeat(MAX_FOLDER_NAME_BYTES),
      aliases: '[/posts/old/, /tagged/x/, /2019/01/old-post/]',
    });
    expect(a.tags).toHaveLength(MAX_TAGS);
    expect(a.aliases).toHaveLength(3);
  });

  it('takes the old address of the longest slug as an alias, and refuses a hidden segment', () => {
    const old = `/posts/${'a'.repeat(MAX_FOLDER_NAME_BYTES)}/`;
    expect(article({ title: 'A', date: '2026-01-01', aliases: `[${old}]` }).aliases).toEqual([
      `https://news.example.com${old}`,
    ]);
    const hidden = problemsOf(
      '---\ntitle: A\ndate: 2026-01-01\naliases: [/.broadsheet-manifest.v8/]\n---\nBody.\n',
    );
    expect(hidden.map((p) => `${p.field}: ${p.reason}`)).toEqual([
      expect.stringMatching(/^aliases.*a segment may not start with \.$/),
    ]);
  });

  it('takes an old address in any script, written plain or percent-encoded, as the one URL it is', () => {
    const a = article({
      title: 'A',
      date: '2026-01-01',
      aliases: '[/posts/日本語/, /posts/%E6%97%A5%E6%9C%AC%E8%AA%9E/, /2019/05/Old_Post/, /москва/]',
    });
    expect(a.aliases).toEqual([
      'https://news.example.com/posts/%E6%97%A5%E6%9C%AC%E8%AA%9E/',
      'https://news.example.com/2019/05/Old_Post/',
      'https://news.example.com/%D0%BC%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/',
    ]);
  });

  it('resolves a cover image through the URL policy', () => {
    expect(article({ title: 'A', date: '2026-01-01', image: 'images/a.png' }).image).toBe(
      'https://news.example.com/images/a.png',
    );
    expect(article({ title: 'A', date: '2026-01-01', image: '"  https://cdn.example/a.png "' }).image).toBe(
      'https://cdn.example/a.png',
    );
  });

  it('reports a body that cannot be rendered at its line in the file', () => {
    const text = `---\ntitle: A\ndate: 2026-01-01\n---\nIntro.\n\n${'>'.repeat(100)}\n`;
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({
        field: 'body',
        line: 7,
        reason: expect.stringMatching(/nested more than 32 deep/),
      }),
    ]);
  });
});

describe('parseCorpus', () => {
  it('reports every invalid file in one run, and a duplicate slug on the newer article, naming the older', () => {
    const corpus = parseCorpus(
      [
        {
          path: 'posts/a.md',
          bytes: bytes(markdown({ title: 'A', date: '2026-01-01T00:00Z', slug: 'same' })),
        },
        {
          path: 'posts/b.md',
          bytes: bytes(markdown({ title: 'B', date: '2026-01-02T00:00Z', slug: 'same' })),
        },
        { path: 'posts/c.md', bytes: bytes(markdown({ date: '2026-01-02' })) },
        { path: 'posts/d.md', bytes: bytes(markdown({ title: 'D', date: '2026-02-31' })) },
      ],
      testSite,
    );
    expect(hasErrors(corpus.problems)).toBe(true);
    expect(corpus.problems.map((p) => `${p.file} ${p.field}`).sort()).toEqual([
      'posts/b.md slug',
      'posts/c.md title',
      'posts/d.md date',
    ]);
    expect(corpus.problems.find((p) => p.file === 'posts/b.md')?.reason).toBe(
      '"same" is already used by posts/a.md; slugs must be unique',
    );
  });

  it('tells apart two file names that print alike, one with its accents composed and one decomposed', () => {
    const corpus = parseCorpus(
      [
        { path: 'posts/caf\u00e9.md', bytes: bytes(markdown({ title: 'A', date: '2026-01-01T00:00Z' })) },
        { path: 'posts/cafe\u0301.md', bytes: bytes(markdown({ title: 'B', date: '2026-01-02T00:00Z' })) },
      ],
      testSite,
    );
    expect(corpus.problems.map((p) => [p.file, p.reason])).toEqual([
      [
        'posts/cafe\u0301.md',
        '"cafe" is already used by posts/caf\u00e9.md (a file whose name differs only in how its accents are encoded, composed or decomposed: keep one); slugs must be unique',
      ],
    ]);
  });

  it('publishes neither drafts nor articles dated after now, newest first', () => {
    const articles = [
      article({ title: 'Old', date: '2026-01-01', slug: 'old' }),
      article({ title: 'Draft', date: '2026-01-02', slug: 'draft', draft: 'true' }),
      article({ title: 'New', date: '2026-01-03T10:00:00Z', slug: 'new' }),
      article({ title: 'Scheduled', date: '2026-01-03T10:00:01Z', slug: 'later' }),
    ];
    const now = Date.UTC(2026, 0, 3, 10);
    expect(publishedAt(articles, now).map((a) => a.slug)).toEqual(['new', 'old']);
    expect(publishedAt(articles, now + 1000).map((a) => a.slug)).toEqual(['later', 'new', 'old']);
  });
});

describe('parseSiteConfig', () => {
  it('names every bad field', () => {
    expect(() =>
      parseSiteConfig({
        title: '',
        base_url: 'http://example.com',
        timezone: 'Mars/Olympus',
        author: { name: 'A' },
        sender: { name: 'S', address: 'not-an-address' },
      }),
    ).toThrow(/title: must not be empty[\s\S]*base_url: must use https[\s\S]*timezone[\s\S]*sender\.address/);
  });

  const minimal = {
    title: 'T',
    base_url: 'https://example.com/blog/',
    author: { name: 'A' },
    sender: { name: 'S', address: 's@example.com' },
  };

  it('refuses a base_url or api_url too long for the unfoldable List-Unsubscribe line', () => {
    const long = `https://example.com/${'a'.repeat(230)}`;
    expect(parseSiteConfig({ ...minimal, base_url: long }).baseUrl).toBe(long);
    expect(() => parseSiteConfig({ ...minimal, base_url: `${long}b` })).toThrow(
      /base_url: must be at most 250/,
    );
    expect(() => parseSiteConfig({ ...minimal, api_url: `${long}b` })).toThrow(
      /api_url: must be at most 250/,
    );
  });

  it.each(['https://example.com/?', 'https://example.com#', 'https://example.com/blog?#'])(
    'refuses base_url: %s, an empty query or fragment every link would start with',
    (base_url) => {
      expect(() => parseSiteConfig({ ...minimal, base_url })).toThrow(
        /base_url: must not have a query or fragment/,
      );
      expect(() => parseSiteConfig({ ...minimal, api_url: base_url })).toThrow(
        /api_url: must not have a query or fragment/,
      );
    },
  );

  it.each([
    'https://user:secret@example.com',
    'https://user@example.com/blog',
    'https://:secret@example.com',
  ])(
    'refuses base_url: %s, whose user name or password every page, feed and email would publish',
    (base_url) => {
      expect(() => parseSiteConfig({ ...minimal, base_url })).toThrow(
        /base_url: must not hold a user name or password/,
      );
      expect(() => parseSiteConfig({ ...minimal, api_url: base_url })).toThrow(
        /api_url: must not hold a user name or password/,
      );
    },
  );

  it.each([
    [{ announce_window: -1 }, 'announce_window: must be 0 or more'],
    [{ feed_items: 501 }, 'feed_items: must be at most 500'],
    [{ home_items: 2.5 }, 'home_items: must be a whole number'],
  ])('words a number out of range as an author would: %o', (extra, reason) => {
    expect(() => parseSiteConfig({ ...minimal, ...extra })).toThrow(`  - ${reason}`);
  });

  it.each(['xx', 'zz-ZZ', 'english'])('refuses language: %s, which names no language', (language) => {
    expect(() => parseSiteConfig({ ...minimal, language })).toThrow(/language: /);
  });

  it('refuses a tag of the right shape that BCP 47 rejects (a repeated variant)', () => {
    expect(() => parseSiteConfig({ ...minimal, language: 'de-1996-1996' })).toThrow(
      /language: must be a language tag like en or pt-BR/,
    );
  });

  it.each(['en', 'pt-BR', 'sr-Latn', 'gsw', 'de-CH', 'qaa'])('takes language: %s', (language) => {
    expect(parseSiteConfig({ ...minimal, language }).language).toBe(language);
  });

  it.each([
    ['EN', 'en'],
    ['pt-br', 'pt-BR'],
    ['SR-LATN', 'sr-Latn'],
  ])('reads language: %s as %s (tags are case-insensitive)', (language, canonical) => {
    expect(parseSiteConfig({ ...minimal, language }).language).toBe(canonical);
  });

  it("keeps the author's URL as written (a trailing slash, a query), unlike base_url", () => {
    const site = parseSiteConfig({
      ...minimal,
      author: { name: 'A', url: 'https://example.com/blog/about/?ref=feed' },
    });
    expect(site.baseUrl).toBe('https://example.com/blog');
    expect(site.author.url).toBe('https://example.com/blog/about/?ref=feed');
    expect(() => parseSiteConfig({ ...minimal, author: { name: 'A', url: 'ftp://x.example/' } })).toThrow(
      /author\.url: must be an http or https URL/,
    );
  });
});

describe('a slug of digits', () => {
  it('is a slug in quotes; unquoted, YAML reads a number (007 as 7), which is refused with the fix', () => {
    const parse = (slug: string) =>
      parseArticle(
        {
          path: 'posts/issue.md',
          bytes: bytes(`---\ntitle: Issue\ndate: 2026-01-01\nslug: ${slug}\n---\nText.\n`),
        },
        testSite,
      );
    const quoted = parse('"007"');
    expect(quoted.ok && quoted.article.url).toBe(`${testSite.baseUrl}/posts/007/`);
    const bare = parse('007');
    expect(bare.ok ? [] : bare.problems.map((p) => p.reason)).toEqual([
      'must be text: write a slug of digits in quotes (slug: "2026")',
    ]);
  });
});

describe('empty tags', () => {
  it('are one problem, however many there are', () => {
    const result = parseArticle(
      {
        path: 'posts/t.md',
        bytes: bytes(markdown({ title: 'A', date: '2026-01-01', tags: '["", " ", ok]' })),
      },
      testSite,
    );
    expect(result.ok ? [] : result.problems.map((p) => `${p.field}: ${p.reason}`)).toEqual([
      'tags: holds an empty tag; remove it',
    ]);
  });
});
