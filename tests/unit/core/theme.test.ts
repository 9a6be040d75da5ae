import { describe, expect, it } from 'vitest';
import { bundledThemeFiles } from '../../../scripts/bundle-theme.js';
import { trusted } from '../../../src/core/html.js';
import { pageContext } from '../../../src/core/layout.js';
import { RENDER_LIMITS, type RenderLimits } from '../../../src/core/liquid-sync.js';
import { articlePage, contentPage } from '../../../src/core/pages.js';
import {
  colorsOf,
  DEFAULT_THEME,
  PAGE_TEMPLATES,
  Theme,
  ThemeLoadError,
  themeFilesOf,
  themeFor,
} from '../../../src/core/theme.js';
import { BUNDLED_THEMES } from '../../../src/core/theme-default.generated.js';
import { article, testSite } from '../../helpers/site.js';

const layer = (files: Record<string, string>) => ({ origin: 'theme/', files });
const problemsOf = (build: () => unknown) => {
  try {
    build();
  } catch (error) {
    if (error instanceof ThemeLoadError) return error.problems;
    throw error;
  }
  throw new Error('expected the theme to be refused');
};

describe('the default theme', () => {
  it('is bundled exactly as themes/ holds it (run `npm run theme` after editing it)', () => {
    expect(BUNDLED_THEMES).toEqual(bundledThemeFiles());
  });

  it('has a template for every kind of page, a base layout and a stylesheet', () => {
    for (const name of PAGE_TEMPLATES) expect(DEFAULT_THEME[`${name}.liquid`], name).toBeDefined();
    expect(DEFAULT_THEME['layouts/base.liquid']).toContain('{{ content | sanitized }}');
    expect(DEFAULT_THEME['style.css']).toContain('--accent');
  });

  it('takes its email colours from the stylesheet, light and dark', () => {
    const colors = colorsOf(DEFAULT_THEME['style.css'] ?? '');
    expect(colors.light.fg).toBe('#1d1d1f');
    expect(colors.dark.fg).toBe('#e8e8ea');
    expect(colors.dark.accent).toBe('#8ab4f8');
  });
});

describe('templates', () => {
  const theme = (files: Record<string, string>) => new Theme([layer(files)], 'en');

  it('escapes every output unless it goes through `sanitized`, which passes only sanitized markup', () => {
    const t = theme({ 'x.liquid': '{{ s }}|{{ s | sanitized }}|{{ body | sanitized }}|{{ s | raw }}' });
    expect(t.render('x.liquid', { s: '<b>&', body: trusted('<p>ok</p>') })).toBe(
      '&lt;b&gt;&amp;|&lt;b&gt;&amp;|<p>ok</p>|&lt;b&gt;&amp;',
    );
  });

  it('renders an include_cached partial once per build (per `site`) and argument values', () => {
    const t = theme({ 'x.liquid': "{% include_cached 'p.liquid', a: a %}", 'p.liquid': '{{ a }}/{{ b }}' });
    const build = { title: 'one build' };
    expect(t.render('x.liquid', { site: build, a: 1, b: 'first' })).toBe('1/first');
    // b is not an argument: the same build and arguments give the first rendering again.
    expect(t.render('x.liquid', { site: build, a: 1, b: 'second' })).toBe('1/first');
    expect(t.render('x.liquid', { site: build, a: 2, b: 'second' })).toBe('2/second');
    expect(t.render('x.liquid', { site: { title: 'next build' }, a: 1, b: 'third' })).toBe('1/third');
  });

  it('keeps include_cached arguments apart whatever characters their strings hold', () => {
    const t = theme({
      'x.liquid': "{% include_cached 'p.liquid', a: a, b: b %}",
      'p.liquid': '[{{ a }}|{{ b }}]',
    });
    const build = { title: 'one build' };
    // Spelled with the characters that once separated arguments in the key: both renders had one key.
    const a = 'x\u0003b\u0002string:p';
    const b = 'p\u0003b\u0002string:q';
    expect(t.render('x.liquid', { site: build, a, b: 'q' })).toBe(`[${a}|q]`);
    expect(t.render('x.liquid', { site: build, a: 'x', b })).toBe(`[x|${b}]`);
  });

  // A generator in the data sends a render to liquidjs's own renderer (liquid-sync leaves it to liquidjs).
  const slow = () =>
    (function* () {
      yield 0;
      return '';
    })();

  it('renders include_cached with a forloop argument as include does, on both paths', () => {
    const files = {
      'c.liquid': "{{ g }}{% for i in list %}{% include_cached 'q.liquid', f: forloop %}{% endfor %}",
      'i.liquid': "{{ g }}{% for i in list %}{% include 'q.liquid', f: forloop %}{% endfor %}",
      'q.liquid': '{{ f.index }}',
    };
    const t = theme(files);
    const site = {};
    expect(t.render('i.liquid', { site, list: [1, 2, 3] })).toBe('123');
    // The forloop drop is one object that changes each time round: its first rendering is no answer for later ones.
    expect(t.render('c.liquid', { site, list: [1, 2, 3] })).toBe('123');
    expect(t.render('c.liquid', { site: {}, list: [1, 2, 3], g: slow() })).toBe('123');
    expect(t.slowRenders).toBe(1);
  });

  it("writes an include_cached partial as include does on liquidjs's path too (nil is empty, lists joined)", () => {
    const t = theme({
      'x.txt.liquid': "{{ g }}{% include_cached 'p.liquid', a: 1 %}",
      'p.liquid': '[{{ missing }}|{{ list }}]',
    });
    expect(t.render('x.txt.liquid', { site: {}, list: [1, 2] })).toBe('[|12]');
    expect(t.render('x.txt.liquid', { site: {}, list: [1, 2], g: slow() })).toBe('[|12]');
    expect(t.slowRenders).toBe(1);
  });

  it("keys include_cached by the arguments themselves on liquidjs's path too, not by their JSON", () => {
    const t = theme({
      'x.liquid': "{{ g }}{% include_cached 'p.liquid', a: a %}",
      'p.liquid': '{{ a.title }}',
    });
    const site = {};
    // Two different objects with the same JSON ({}): a property that is a function is called by liquidjs.
    expect(t.render('x.liquid', { site, a: { title: () => 'A' }, g: slow() })).toBe('A');
    expect(t.render('x.liquid', { site, a: { title: () => 'B' }, g: slow() })).toBe('B');
    expect(t.slowRenders).toBe(2);
  });

  it("renders on liquidjs's path from the scope as given when the fast path gave up part way", () => {
    // `increment` writes into the scope; the fast path gives up only at the generator, after it counted.
    const t = theme({ 'x.liquid': '{% increment k %}{{ g }}{% increment k %}' });
    expect(t.render('x.liquid', { g: slow() })).toBe('01');
    expect(t.slowRenders).toBe(1);
  });

  it('reports a syntax error with the file, line and reason', () => {
    const [problem] = problemsOf(() => theme({ 'article.liquid': 'fine\n{% iff x %}\n' }));
    expect(problem).toMatchObject({ file: 'theme/article.liquid', line: 2, field: 'template' });
    expect(problem?.reason).toBe('tag "iff" not found');
  });

  it('reports an unknown filter and an include of a file the theme lacks', () => {
    const problems = problemsOf(() =>
      theme({ 'a.liquid': '{{ x | shout }}', 'b.liquid': 'x\n\n{% include "partials/nope.liquid" %}' }),
    );
    expect(problems).toEqual([
      expect.objectContaining({ file: 'theme/a.liquid', line: 1, reason: 'undefined filter: shout' }),
      expect.objectContaining({
        file: 'theme/b.liquid',
        line: 3,
        reason: 'includes "partials/nope.liquid", which the theme does not have',
      }),
    ]);
  });

  it('lets a site replace a file of the default by its relative path, and keys only what changed', () => {
    const base = themeFor(testSite);
    const custom = themeFor(testSite, { 'article.liquid': '<p>mine</p>\n' });
    expect(custom.templateKey('article')).not.toBe(base.templateKey('article'));
    expect(custom.templateKey('home')).toBe(base.templateKey('home'));
    expect(custom.sharedKey).toBe(base.sharedKey);
    const layout = themeFor(testSite, { 'layouts/base.liquid': '{{ content | sanitized }}!' });
    expect(layout.sharedKey).not.toBe(base.sharedKey);
    expect(layout.templateKey('article')).toBe(base.templateKey('article'));
  });

  it('warns when the theme has no words in the site’s language, and not when it has', () => {
    expect(themeFor({ ...testSite, language: 'zh' }).warnings).toEqual([
      expect.objectContaining({ file: 'site.yaml', field: 'language', severity: 'warning' }),
    ]);
    expect(themeFor({ ...testSite, language: 'zh' }, { 'locales/zh.json': '{}' }).warnings).toEqual([]);
    for (const language of ['en', 'en-GB', 'de', 'pt-BR'])
      expect(themeFor({ ...testSite, language }).warnings).toEqual([]);
  });

  it('warns of a site.yaml string the theme has no key for, and notes keys templates ask for in vain', () => {
    const theme = themeFor({ ...testSite, strings: { 'nav.archiv': 'Posts', 'nav.archive': 'All' } });
    expect(theme.warnings.map((w) => w.field)).toEqual(['strings.nav.archiv']);
    expect(theme.t('nav.archive')).toBe('All');
    expect(theme.t('email.no_such_key')).toBe('email.no_such_key');
    expect([...theme.unknownKeys]).toContain('email.no_such_key');
  });

  it('refuses a theme site.yaml names that is not bundled, naming the ones there are', () => {
    const [problem] = problemsOf(() => themeFor({ ...testSite, theme: 'nope' }));
    expect(problem).toMatchObject({ file: 'site.yaml', field: 'theme' });
    expect(problem?.reason).toContain('there are: default');
  });

  it('fills in strings by plural category and lets site.yaml replace single strings', () => {
    const t = themeFor({ ...testSite, strings: { 'nav.archive': 'Posts' } });
    expect(t.t('nav.archive')).toBe('Posts');
    expect(t.t('archive.count', { count: 1 })).toBe('1 article');
    expect(t.t('archive.count', { count: 2 })).toBe('2 articles');
  });
});

describe('a template that does not end', () => {
  const page = { page: { canonical: 'https://news.example.com/posts/x/' } };
  // A generator in the data sends a render to liquidjs's own renderer (liquid-sync leaves it to liquidjs).
  const slow = () =>
    (function* () {
      yield 0;
      return '';
    })();
  const refused = (t: Theme, scope: Record<string, unknown>) => {
    const [problem, ...more] = problemsOf(() => t.render('article.liquid', { ...page, ...scope }));
    expect(more).toEqual([]);
    expect(problem).toMatchObject({ file: 'theme/article.liquid', field: 'template', severity: 'error' });
    return problem?.reason;
  };
  const theme = (text: string, limits?: RenderLimits) =>
    new Theme(
      [
        layer({
          'article.liquid': text,
          'partials/self.liquid': "x{% include 'partials/self.liquid' %}",
          'partials/twice.liquid':
            "{% include 'partials/twice.liquid' %}{% include 'partials/twice.liquid' %}",
        }),
      ],
      'en',
      {},
      limits,
    );

  it.each([
    ['the fast path', {}],
    ["liquidjs's path", { g: slow() }],
  ])('stops a loop writing a page of more than 8 MB at once, naming the page, on %s', (_, scope) => {
    const t = theme('{{ g }}{% for i in (1..1000000) %}0123456789{% endfor %}');
    expect(refused(t, scope)).toBe(
      'rendering /posts/x/ wrote more than 8 MB; no page needs that much, so a loop or include in it does not end',
    );
    // Rendered once: liquidjs does not get to render the same runaway loop again.
    expect(t.slowRenders).toBe('g' in scope ? 1 : 0);
  });

  it.each([
    ['the fast path', {}],
    ["liquidjs's path", { g: slow() }],
  ])('refuses a range of a hundred million before building it, on %s', (_, scope) => {
    const t = theme('{{ g }}{% for i in (1..100000000) %}x{% endfor %}');
    expect(refused(t, scope)).toMatch(
      /^rendering \/posts\/x\/ built ranges, lists or text of more than 20,000,000 items;/,
    );
  });

  it.each([
    ['the fast path', {}],
    ["liquidjs's path", { g: slow() }],
  ])('stops a render that takes longer than its time, on %s', (_, scope) => {
    const t = theme('{{ g }}{% for i in (1..5000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}', {
      ...RENDER_LIMITS,
      milliseconds: 100,
    });
    expect(refused(t, scope)).toMatch(/^rendering \/posts\/x\/ took more than 0.1 s;/);
  });

  it('stops a partial that includes itself, naming it, where the stack would otherwise run out', () => {
    expect(refused(theme("{% include 'partials/self.liquid' %}"), {})).toMatch(
      /^rendering \/posts\/x\/ nested includes more than 100 deep \(partials\/self\.liquid in the deepest\);/,
    );
    // Twice at each level: the first way down reaches the limit, not the 2^100 renders below it.
    expect(refused(theme("{% include 'partials/twice.liquid' %}"), {})).toMatch(/partials\/twice\.liquid/);
  });

  it('renders a page under the limits as before, and names no page for a render without one', () => {
    const t = theme('{% for i in (1..700000) %}0123456789{% endfor %}');
    expect(t.render('article.liquid', page)).toHaveLength(7_000_000);
    const email = theme('{% for i in (1..1000000) %}0123456789{% endfor %}');
    expect(problemsOf(() => email.render('article.liquid', {}))[0]?.reason).toMatch(
      /^rendering it wrote more/,
    );
  });
});

describe("a page's output limit", () => {
  // The limit bounds what the templates add; an accepted 1 MiB article may render to over 10 MB of HTML
  // (highlighted code), which its page writes once and the layout once more.
  const small = new Theme(
    [{ origin: 'themes/default/', files: DEFAULT_THEME }],
    'en',
    {},
    {
      ...RENDER_LIMITS,
      output: 40_000,
    },
  );
  const ctx = pageContext(testSite, small);
  const body = `<pre><code>${'<span class="hljs-string">&quot;x&quot;</span>,'.repeat(2_000)}</code></pre>`;

  it('writes an article or a page whose body alone is longer than the limit', () => {
    expect(body.length).toBeGreaterThan(80_000);
    const a = article({ title: 'Long', date: '2026-01-01', slug: 'long' });
    expect(articlePage(ctx, a, body)).toContain(body);
    const doc = { name: 'about', title: 'About', summary: 'About us.', html: body };
    expect(contentPage(ctx, doc)).toContain(body);
  });

  it('still stops a template that writes the body over and over', () => {
    const looping = new Theme(
      [
        { origin: 'themes/default/', files: DEFAULT_THEME },
        layer({ 'article.liquid': '{% for i in (1..100) %}{{ article.body | sanitized }}{% endfor %}' }),
      ],
      'en',
      {},
      { ...RENDER_LIMITS, output: 40_000 },
    );
    const a = article({ title: 'Long', date: '2026-01-01', slug: 'long' });
    expect(problemsOf(() => articlePage(pageContext(testSite, looping), a, body))[0]?.reason).toMatch(
      /^rendering \/posts\/long\/ wrote more than 0\.1 MB;/,
    );
  });
});

describe('a theme folder as read', () => {
  it("skips a system's own files (.DS_Store), and names a file that is not UTF-8", () => {
    const utf8 = new TextEncoder().encode('<p>{{ site.title }}</p>');
    expect(
      themeFilesOf([
        ['.DS_Store', new Uint8Array([0, 0xff, 0xfe])],
        ['partials/.keep', new Uint8Array([0xff])],
        ['home.liquid', utf8],
      ]),
    ).toEqual({
      'home.liquid': '<p>{{ site.title }}</p>',
    });
    expect(() => themeFilesOf([['home.liquid', new Uint8Array([0x43, 0x61, 0x66, 0xe9])]])).toThrow(
      /theme\/home\.liquid:1: error in file: is not valid UTF-8/,
    );
  });
});
