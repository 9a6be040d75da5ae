import { describe, expect, it } from 'vitest';
import { type ArticleMeta, parseArticle } from '../../../src/core/article.js';
import { parseCorpus, tagClashProblems } from '../../../src/core/corpus.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { isSlug, SLUG_PATTERN, sameTagName, slugify } from '../../../src/core/text.js';

const site = parseSiteConfig({
  title: 'T',
  base_url: 'https://news.example.com',
  author: { name: 'A' },
  sender: { name: 'A', address: 'a@example.com' },
});
const source = (path: string, tags: string) => ({
  path,
  bytes: new TextEncoder().encode(`---\ntitle: T\ndate: 2026-01-01T00:00:00Z\ntags: ${tags}\n---\nBody.\n`),
});

describe('slugify', () => {
  it.each([
    // Latin names keep the ASCII rule every published address was made with.
    ['Email', 'email'],
    ['Café Society', 'cafe-society'],
    ['Node.js', 'node-js'],
    ['C++', 'c'],
    ['Q&A', 'q-a'],
    // Other scripts keep their letters (github-slugger), percent-encoded only in URLs.
    ['日本語', '日本語'],
    ['Москва', 'москва'],
    ['Go 言語', 'go-言語'],
    ['हिन्दी', 'हिन्दी'],
    ['!!!', ''],
  ])('%s → %s', (name, slug) => {
    expect(slugify(name)).toBe(slug);
    if (slug) expect(slug).toMatch(SLUG_PATTERN);
  });

  it.each([
    // Latin letters that are no base letter plus accent are spelled out, not dropped; an accent is still
    // only dropped (ö → o, as ü → u always was), so Größe → grosse, not groesse.
    ['Straße', 'strasse'],
    ['Größe', 'grosse'],
    ['Øresund', 'oresund'],
    ['Ærø', 'aero'],
    ['Łódź', 'lodz'],
    ['Þór', 'thor'],
    ['Đak', 'dak'],
    ['Œuvre', 'oeuvre'],
    ['ı', 'i'],
    ['Ħ', 'h'],
    ['İstanbul', 'istanbul'],
    // Digits of any script are kept.
    ['١٢٣', '١٢٣'],
    ['Route ٦٦', 'route-٦٦'],
    ['Москва 2026', 'москва-2026'],
    // Names that slugged well keep the slug they were published under.
    ['Email', 'email'],
    ['Café Society', 'cafe-society'],
    ['Ünïcode', 'unicode'],
    ['naïve Zürich', 'naive-zurich'],
    ['Crème brûlée', 'creme-brulee'],
    ['Node.js 2026', 'node-js-2026'],
    ['x²', 'x2'],
  ])('%s → %s, a slug tags accept', (name, slug) => {
    expect(slugify(name)).toBe(slug);
    expect(isSlug(slug)).toBe(true);
    const result = parseArticle(source('posts/a.md', JSON.stringify([name])), site);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.article.tags).toEqual([{ name, slug }]);
  });

  it('derives the slug of a file name the same way', () => {
    const result = parseArticle(source('posts/2026-01-01-Straße-in-Łódź.md', '[]'), site);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.article.slug).toBe('strasse-in-lodz');
  });
});

describe('tags in any language', () => {
  it('accepts Japanese and Russian tags, with percent-encoded addresses in feeds', () => {
    const result = parseArticle(source('posts/a.md', '[日本語, Россия]'), site);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.article.tags).toEqual([
      { name: '日本語', slug: '日本語' },
      { name: 'Россия', slug: 'россия' },
    ]);
  });

  it('refuses a tag mixing scripts in one word, a lookalike of a Latin one', () => {
    const result = parseArticle(source('posts/a.md', '[pаypal]'), site);
    expect(!result.ok && result.problems.map((p) => p.reason)).toEqual([
      '"pаypal" mixes scripts in one word (a lookalike address); rename it',
    ]);
  });

  it('derives a Unicode slug from a file name in another script', () => {
    const result = parseArticle(source('posts/2026-01-01-привет-мир.md', '[]'), site);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.article.slug).toBe('привет-мир');
    expect(result.article.url).toBe(
      'https://news.example.com/posts/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82-%D0%BC%D0%B8%D1%80/',
    );
  });

  it('refuses names in one article that would share an address, naming both; case variants are one tag', () => {
    const clash = parseArticle(source('posts/a.md', '["C++", "C#"]'), site);
    expect(clash.ok).toBe(false);
    if (!clash.ok)
      expect(clash.problems.map((p) => p.reason)).toEqual([
        '"C++" and "C#" would share the address /tags/c/; rename one',
      ]);
    const same = parseArticle(source('posts/b.md', '[Email, email]'), site);
    expect(same.ok && same.article.tags).toEqual([{ name: 'Email', slug: 'email' }]);
  });

  it.each([
    ['Email', 'email', true],
    ['İstanbul', 'istanbul', true],
    ['İSTANBUL', 'istanbul', true],
    ['Istanbul', 'ISTANBUL', true],
    ['İstanbul', 'ISTANBUL', true],
    ['Işık', 'ışık', true],
    ['Straße', 'STRASSE', true],
    ['Ærø', 'ÆRØ', true],
    ['Email  list', 'email list', true],
    ['Café', 'Cafe', false],
    ['café', 'CAFE', false],
    ['Øresund', 'Oresund', false],
    ['sık', 'sik', false],
    ['C++', 'C#', false],
  ])('"%s" and "%s" are one tag: %s', (a, b, same) => {
    expect(sameTagName(a, b)).toBe(same);
    expect(sameTagName(b, a)).toBe(same);
  });

  it('takes names differing only in case for one tag, in one article and across articles', () => {
    const one = parseArticle(source('posts/a.md', '[İstanbul, istanbul, ISTANBUL]'), site);
    expect(one.ok && one.article.tags).toEqual([{ name: 'İstanbul', slug: 'istanbul' }]);
    const meta = (path: string, tags: string): ArticleMeta => {
      const result = parseArticle(source(path, tags), site);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return result.article;
    };
    expect(tagClashProblems([meta('posts/a.md', '[İstanbul]'), meta('posts/b.md', '[istanbul]')])).toEqual(
      [],
    );
    // An accent still makes another name.
    expect(
      tagClashProblems([meta('posts/a.md', '[Café]'), meta('posts/b.md', '[cafe]')]).map((p) => p.reason),
    ).toEqual(['"cafe" would share the address /tags/cafe/ with "Café" (posts/a.md); rename one']);
  });

  it('refuses names across articles that would share an address, naming both files', () => {
    const meta = (path: string, tags: string): ArticleMeta => {
      const result = parseArticle(source(path, tags), site);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return result.article;
    };
    const problems = tagClashProblems([
      meta('posts/b.md', '[c]'),
      meta('posts/a.md', '["C++"]'),
      meta('posts/c.md', '[C]'),
    ]);
    expect(problems).toEqual([
      {
        file: 'posts/b.md',
        field: 'tags',
        reason: '"c" would share the address /tags/c/ with "C++" (posts/a.md); rename one',
        severity: 'error',
      },
      {
        file: 'posts/c.md',
        field: 'tags',
        reason: '"C" would share the address /tags/c/ with "C++" (posts/a.md); rename one',
        severity: 'error',
      },
    ]);
    expect(tagClashProblems([meta('posts/a.md', '[Email]'), meta('posts/b.md', '[email]')])).toEqual([]);
  });

  it('gives names that differ only by a variant form one address, in every script', () => {
    // Half-width kana, an Arabic ligature, compatibility jamo and the tatweel draw what the plain letters draw.
    for (const [variant, plain] of [
      ['ｶﾀｶﾅ', 'カタカナ'],
      ['ﻻ', 'لا'],
      ['عـربي', 'عربي'],
    ])
      expect(slugify(variant as string)).toBe(slugify(plain as string));
    // Jamo as typed stay as typed: NFKC would make ㅋㅋ conjoining jamo, which draw as fragments.
    expect(slugify('ㅋㅋ')).toBe('ㅋㅋ');
    // Beside them, a syllable written as its jamo apart (NFD) is still the syllable.
    expect(slugify('ㅋ\u1100\u1161')).toBe('ㅋ가');
    expect(isSlug('ㅋㅋ')).toBe(true);
    // The collator takes them for one name, as it takes case variants: one tag, one page.
    const corpus = parseCorpus([source('posts/a.md', '[ｶﾀｶﾅ]'), source('posts/b.md', '[カタカナ]')], site);
    expect(corpus.problems).toEqual([]);
    expect(corpus.articles.map((a) => a.tags[0]?.slug)).toEqual(['カタカナ', 'カタカナ']);
  });

  it('reports clashes across articles with one that has a clash of its own, in the same run', () => {
    const corpus = parseCorpus(
      [
        source('posts/a.md', '[cafe, c, "C#"]'),
        source('posts/b.md', '[Café]'),
        source('posts/c.md', '["C++"]'),
      ],
      site,
    );
    expect(corpus.problems.map((p) => `${p.file}: ${p.reason}`)).toEqual([
      'posts/a.md: "c" and "C#" would share the address /tags/c/; rename one',
      'posts/b.md: "Café" would share the address /tags/cafe/ with "cafe" (posts/a.md); rename one',
      'posts/c.md: "C++" would share the address /tags/c/ with "c" (posts/a.md); rename one',
    ]);
  });
});

describe('letters that draw nothing (the Hangul filler U+3164 and other default-ignorables)', () => {
  it('are left out of a slug made from a name, and refuse a slug given with them', () => {
    expect(slugify('\u3164')).toBe('');
    expect(slugify('한국\u3164어')).toBe('한국어');
    expect(slugify('rust\uFE0F')).toBe('rust');
    expect(isSlug('\u3164')).toBe(false);
    expect(isSlug('post-\u3164')).toBe(false);
    expect(isSlug('한국어')).toBe(true);
  });

  it('refuse a slug that looks like another or like nothing, saying why', () => {
    const slugError = (slug: string) => {
      const text = `---\ntitle: T\ndate: 2026-01-01T00:00:00Z\nslug: "${slug}"\n---\nBody.\n`;
      const result = parseArticle({ path: 'posts/a.md', bytes: new TextEncoder().encode(text) }, site);
      return result.ok ? 'accepted' : result.problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
    };
    expect(slugError('a\u200Db')).toBe('slug: "a\u200db" holds U+200D, which draws nothing');
    expect(slugError('\u0301')).toBe('slug: "\u0301" has a word opening with the mark U+0301');
    expect(slugError('мои\u0306')).toBe(
      'slug: "мои\u0306" has letters written as letter and accent apart: write each as one character (NFC)',
    );
    expect(slugError('мой')).toBe('accepted');
    expect(slugError('ｶﾀｶﾅ')).toBe('slug: "ｶﾀｶﾅ" holds ｶ (U+FF76), a variant form of カ: write that instead');
    expect(slugError('عـربي')).toBe(
      'slug: "عـربي" holds the tatweel U+0640, which only stretches a word: leave it out',
    );
    expect(slugError('カタカナ')).toBe('accepted');
    expect(slugError('My Slug')).toBe(
      'slug: "My Slug" must be lowercase letters, digits and single hyphens, each word in one script (e.g. my-first-post)',
    );
  });

  it('leave a title of zero-width characters alone empty', () => {
    const title = parseArticle(
      {
        path: 'posts/z.md',
        bytes: new TextEncoder().encode(
          '---\ntitle: "\u200b\u2060\ufeff"\ndate: 2026-01-01T00:00:00Z\n---\nBody.\n',
        ),
      },
      site,
    );
    expect(!title.ok && title.problems.map((p) => `${p.field}: ${p.reason}`)).toEqual([
      'title: must not be empty',
    ]);
  });

  it('are left out of the name a tag shows, except joiners a script or an emoji needs', () => {
    const names = (tags: string[]) => {
      const result = parseArticle(source('posts/a.md', JSON.stringify(tags)), site);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return result.article.tags.map((t) => t.name);
    };
    expect(
      names([
        'E\u00ADmail',
        'Ru\u200Bst',
        '\u202EGo',
        'Node\u200D',
        'ab\u2060c',
        'Ру\u200Dст',
        'v1\u200C2',
        'a\u200D👩',
      ]),
    ).toEqual(['Email', 'Rust', 'Go', 'Node', 'abc', 'Руст', 'v12', 'a👩']);
    // Persian writes a ZWNJ inside a word; an emoji sequence is joined by ZWJ; a flag by tag characters.
    const kept = [
      'می\u200Cخواهم',
      // After a mark the script shares (a shadda, Script=Inherited), the ZWNJ is still inside the word.
      'مد\u0651\u200Cها',
      'dev 👩\u200D💻',
      'code 👩🏽\u200D💻',
      'pride 🏳️\u200D🌈',
      'क्\u200Dष',
      // A Malayalam chillu ends a word with a joiner; Mandaic joins as Arabic does.
      'അവന്\u200D',
      '\u0840\u200D\u0841',
      'scotland 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
    ];
    expect(names(kept)).toEqual(kept);
  });

  it('make no tag of their own: a tag of a filler alone is refused, and one beside a letter is that tag', () => {
    for (const filler of ['\u3164', '\u2800']) {
      const empty = parseArticle(source('posts/a.md', `["${filler}"]`), site);
      expect(empty.ok).toBe(false);
      expect(!empty.ok && empty.problems.map((p) => p.field)).toEqual(['tags']);
    }
    const title = parseArticle(
      {
        path: 'posts/b.md',
        bytes: new TextEncoder().encode('---\ntitle: "\u3164"\ndate: 2026-01-01T00:00:00Z\n---\nBody.\n'),
      },
      site,
    );
    expect(!title.ok && title.problems.map((p) => `${p.field}: ${p.reason}`)).toEqual([
      'title: must not be empty',
    ]);
    const beside = parseArticle(source('posts/c.md', '["rust\u3164"]'), site);
    expect(beside.ok && beside.article.tags).toEqual([{ name: 'rust', slug: 'rust' }]);
  });
});
