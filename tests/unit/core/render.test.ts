import { readFile, writeFile } from 'node:fs/promises';
import { gemoji } from 'gemoji';
import { Parser } from 'htmlparser2';
import { Marked } from 'marked';
import { markedEmoji } from 'marked-emoji';
import { beforeAll, describe, expect, it } from 'vitest';
import { shortcodeLines } from '../../../scripts/emoji-table.js';
import { conformHtml, MAX_CONFORM_DEPTH } from '../../../src/core/content-model.js';
import { EMOJI_SHORTCODES } from '../../../src/core/emoji-shortcodes.generated.js';
import {
  absoluteUrl,
  coverImageUrl,
  emojiExtension,
  emojiTableOf,
  MAX_FOOTNOTES,
  normalizedUrlInput,
  prepareAllMarkdown,
  renderArticleMarkdown,
  renderMarkdown,
  safeUrl,
  sanitizeArticleHtml,
  unknownShortcodes,
} from '../../../src/core/render.js';

beforeAll(() => prepareAllMarkdown());

const base = { baseUrl: 'https://news.example.com', pageUrl: 'https://news.example.com/posts/p/' };
const fixture = (name: string) => new URL(`../../fixtures/render/${name}`, import.meta.url);

describe('renderMarkdown', () => {
  it('renders the feature fixture exactly as the golden file', async () => {
    const html = renderMarkdown(await readFile(fixture('features.md'), 'utf8'), base, { math: true });
    const golden = fixture('features.html');
    if (process.env.UPDATE_GOLDEN) await writeFile(golden, `${html}\n`);
    expect(`${html}\n`).toBe(await readFile(golden, 'utf8'));
  });

  it('turns the C1 controls HTML forbids into the Windows-1252 characters browsers read &#x80;–&#x9F; as, and drops DEL', () => {
    const html = renderMarkdown(
      'Euro &#x80; &#128; dash &#x96; gone &#x81;&#127; raw \u0085\u007f\u009b end',
      base,
    );
    expect(html).toBe('<p>Euro € € dash – gone  raw …› end</p>');
    const raw = renderMarkdown('<p>raw \u0081 and &#x9C;</p>', base);
    expect(raw).toBe('<p>raw  and œ</p>');
  });

  it('leaves no block inside a paragraph where a removed element held one; keeps a noscript fallback, drops noembed', () => {
    const { html } = renderArticleMarkdown(
      'A <noscript><p>x</p></noscript> b\n\nC <font><p>y</p></font> d\n\nE <font><font><h2>z</h2></font></font> f\n\nG <noembed><b>w</b></noembed> h',
      base,
    );
    expect(html).toBe(
      '<p>A </p><p>x</p> b<p></p>\n<p>C </p><p>y</p> d<p></p>\n<p>E </p><h2>z</h2> f<p></p>\n<p>G  h</p>',
    );
  });

  it('gives headings unique ids', () => {
    expect(renderMarkdown('# Intro\n\n## Intro\n\n### Ça va?', base)).toBe(
      '<h1 id="intro"><a href="https://news.example.com/posts/p/#intro">Intro</a></h1>\n' +
        '<h2 id="intro-1"><a href="https://news.example.com/posts/p/#intro-1">Intro</a></h2>\n' +
        '<h3 id="ça-va"><a href="https://news.example.com/posts/p/#%C3%A7a-va">Ça va?</a></h3>',
    );
  });

  it('gives no heading the id of a footnote, and a heading of emoji alone an id all the same', () => {
    const html = renderMarkdown(
      'A claim[^1].\n\n## Footnote 1\n\n## Footnote label\n\n## 🎉\n\n## 🎉\n\n[^1]: The source.',
      base,
    );
    const ids = [...html.matchAll(/\bid="([^"]*)"/g)].map((m) => m[1]);
    expect(ids).toEqual(
      expect.arrayContaining(['footnote-1', 'footnote-ref-1', 'footnote-label', 'section', 'section-1']),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('');
  });

  it("leaves a footnote's number out of its heading's id, so a note added above does not move it", () => {
    const html = renderMarkdown(
      'A[^a].\n\n## Heading with note[^h]\n\n## **Bold[^b]**\n\n[^a]: One.\n[^h]: Two.\n[^b]: Three.',
      base,
    );
    expect(html).toContain('<h2 id="heading-with-note">');
    expect(html).toContain('<h2 id="bold">');
    expect(html).toContain('#footnote-h');
  });

  it('starts heading ids afresh for every article', () => {
    renderMarkdown('# Intro', base);
    expect(renderMarkdown('# Intro', base)).toBe(
      '<h1 id="intro"><a href="https://news.example.com/posts/p/#intro">Intro</a></h1>',
    );
  });

  it('keeps UTF-8 text as it is, escaping only markup characters once', () => {
    expect(renderMarkdown('“Quotes” — café 🎉 & <em>it</em> &amp;', base)).toBe(
      '<p>“Quotes” — café 🎉 &amp; <em>it</em> &amp;</p>',
    );
  });

  it('reads character references in link and image targets, titles and alt text once, as CommonMark does', () => {
    const source = [
      '[x](https://e.example/?a=1&amp;b=2 "T&amp;C") ![a &amp; b](/i&amp;j.png "Q&amp;A") [r] [z](caf&eacute;/)',
      '',
      '[r]: https://e.example/?q=1&amp;p=2',
    ].join('\n');
    expect(renderMarkdown(source, base)).toBe(
      '<p><a href="https://e.example/?a=1&amp;b=2" title="T&amp;C">x</a> ' +
        '<img src="https://news.example.com/i&amp;j.png" alt="a &amp; b" title="Q&amp;A"> ' +
        '<a href="https://e.example/?q=1&amp;p=2">r</a> <a href="https://news.example.com/caf%C3%A9/">z</a></p>',
    );
    // A scheme spelt with references is still the scheme it names: refused, the text kept.
    expect(renderMarkdown('[x](java&#115;cript:alert(1))', base)).toBe('<p>x</p>');
  });

  it('names a task list checkbox by its item’s text, keeps it disabled, and ticks what the author ticked', () => {
    expect(renderMarkdown('- [ ] Buy *milk* & `eggs`\n- [x] Done\n  - [ ] Nested', base)).toBe(
      '<ul>\n' +
        '<li><input disabled="" type="checkbox" aria-label="Buy milk &amp; eggs"> Buy <em>milk</em> &amp; <code>eggs</code></li>\n' +
        '<li><input checked="" disabled="" type="checkbox" aria-label="Done"> Done<ul>\n' +
        '<li><input disabled="" type="checkbox" aria-label="Nested"> Nested</li>\n' +
        '</ul>\n</li>\n</ul>',
    );
    // A loose item: the box sits in its first paragraph, named by that paragraph only.
    expect(renderMarkdown('1. [x] First\n\n   More about it.\n2. [ ] Second', base)).toContain(
      '<li><p><input checked="" disabled="" type="checkbox" aria-label="First"> First</p>\n<p>More about it.</p>',
    );
    // Through the sanitizer (the article holds raw HTML), the name stays and quotes stay escaped.
    expect(renderMarkdown('- [ ] A "quoted" <em>word</em>', base)).toBe(
      '<ul>\n<li><input disabled type="checkbox" aria-label="A &quot;quoted&quot; word" /> A "quoted" <em>word</em></li>\n</ul>',
    );
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>hello', /<script|alert/],
    ['an event handler', '<img src="/x.png" onerror="alert(1)">', /onerror|alert/],
    ['a javascript: link', '[x](javascript:alert(1))', /javascript|alert/],
    ['an obfuscated javascript: link', '<a href="jav&#x09;ascript:alert(1)">x</a>', /ascript|alert/],
    ['a data: image', '<img src="data:image/svg+xml;base64,PHN2Zz4=">', /data:|<img/],
    ['an iframe', '<iframe src="https://evil.example"></iframe>', /iframe|evil/],
    ['a style element', '<style>body{display:none}</style>text', /style|display/],
    ['a style attribute', '<p style="position:fixed">x</p>', /style|fixed/],
    ['svg with script', '<svg><script>alert(1)</script></svg>', /svg|script|alert/],
    ['a form', '<form action="https://evil.example"><input name="q"></form>', /form|input|evil/],
    ['an object', '<object data="x.swf"></object>', /object|swf/],
  ])('removes %s', (_name, source, forbidden) => {
    expect(renderMarkdown(source, base)).not.toMatch(forbidden);
  });

  it('gives a raw <img> without alt an empty one, and keeps an alt the author wrote', () => {
    expect(renderMarkdown('<img src="/x.png">', base)).toBe(
      '<img src="https://news.example.com/x.png" alt="" />',
    );
    expect(renderMarkdown('<p><img src="/x.png" alt="A crab" width="10"></p>', base)).toBe(
      '<p><img alt="A crab" width="10" src="https://news.example.com/x.png" /></p>',
    );
    expect(renderMarkdown('<img alt src="/x.png">', base)).toBe(
      '<img alt="" src="https://news.example.com/x.png" />',
    );
  });
});

describe('absoluteUrl', () => {
  it('pins a protocol-relative URL to https', () => {
    expect(renderMarkdown('<img src="//cdn.example/x.png">', base)).toBe(
      '<img src="https://cdn.example/x.png" alt="" />',
    );
  });

  it.each([
    ['other/page', 'https://news.example.com/other/page'],
    ['/posts/x/', 'https://news.example.com/posts/x/'],
    ['#frag', 'https://news.example.com/posts/p/#frag'],
    ['https://example.org/', 'https://example.org/'],
    ['mailto:a@example.org', 'mailto:a@example.org'],
    // Relative to a browser on the https page, so relative here too, not the host `evil`.
    ['https:evil', 'https://news.example.com/evil'],
    ['HTTPS:/x/', 'https://news.example.com/x/'],
    ['https:\\\\evil.example/x', 'https:\\\\evil.example/x'],
    ['http:other', 'http:other'],
    // What follows the scheme is a path, however it reads.
    ['https:https://evil.example/', 'https://news.example.com/https://evil.example/'],
    ['https: //evil.example/', 'https://news.example.com/%20//evil.example/'],
    ['https:mailto:x', 'https://news.example.com/mailto:x'],
    ['https:#f', 'https://news.example.com/posts/p/#f'],
    ['https:', 'https://news.example.com/posts/p/'],
  ])('%s → %s', (target, expected) => {
    expect(absoluteUrl(target, base)).toBe(expected);
  });

  it('resolves root-relative links under a site that lives in a folder', () => {
    expect(absoluteUrl('/images/a.png', { baseUrl: 'https://example.com/blog', pageUrl: '' })).toBe(
      'https://example.com/blog/images/a.png',
    );
  });

  it.each([
    ['../other/', 'https://example.com/blog/other/'],
    ['../../../images/a.svg?v=2#top', 'https://example.com/blog/images/a.svg?v=2#top'],
    ['/../posts/a/', 'https://example.com/blog/posts/a/'],
    ['./a/../b', 'https://example.com/blog/b'],
    ['?page=2', 'https://example.com/blog/?page=2'],
    ['\\\\evil.example/x', 'https://evil.example/x'],
  ])('keeps %s inside a site that lives in a folder: %s', (target, expected) => {
    const folder = { baseUrl: 'https://example.com/blog', pageUrl: 'https://example.com/blog/posts/p/' };
    expect(absoluteUrl(target, folder)).toBe(expected);
  });
});

describe('the URL policy reads a URL as the WHATWG parser does (issue 14, item 7)', () => {
  it.each([
    ['a tab inside the scheme', 'java\tscript:alert(1)'],
    ['a newline inside the scheme', 'java\nscript:alert(1)'],
    ['a carriage return inside the scheme', 'java\rscript:alert(1)'],
    ['a leading control character', '\u0001javascript:alert(1)'],
    ['a NUL', 'https://example.org/\u0000x'],
    ['a tab inside an https URL', 'https://exa\tmple.org/'],
    ['DEL', 'https://example.org/\u007F'],
    ['a C1 control', 'https://example.org/\u0085'],
  ])('refuses %s', (_name, target) => {
    expect(normalizedUrlInput(target)).toBeUndefined();
    expect(safeUrl(target, base, ['https:', 'http:', 'mailto:'])).toBeUndefined();
    expect(coverImageUrl(target, base.baseUrl)).toBeUndefined();
  });

  it('trims leading and trailing whitespace only', () => {
    expect(normalizedUrlInput(' \n\thttps://example.org/a \r\n')).toBe('https://example.org/a');
    expect(safeUrl(' /images/a.png\n', base, ['https:'])).toBe('https://news.example.com/images/a.png');
  });

  it('refuses a tab-split javascript: URL in Markdown links, images and raw HTML', () => {
    const html = renderMarkdown(
      '[x](<java\tscript:alert(1)>) ![y](<java\nscript:alert(1)>) <a href="java&#9;script:alert(1)">z</a> <img src="&#1;javascript:alert(1)">',
      base,
    );
    expect(html).not.toMatch(/<a |<img |javascript:/i);
  });

  it('keeps a cover image on the site or on an http(s) host, absolute', () => {
    expect(coverImageUrl('/images/a.png', base.baseUrl)).toBe('https://news.example.com/images/a.png');
    expect(coverImageUrl('images/a.png', base.baseUrl)).toBe('https://news.example.com/images/a.png');
    expect(coverImageUrl('https://cdn.example/a.png', base.baseUrl)).toBe('https://cdn.example/a.png');
    for (const bad of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      '//cdn.example/a.png',
      'mailto:a@b.c',
    ])
      expect(coverImageUrl(bad, base.baseUrl), bad).toBeUndefined();
  });
});

describe('renderMarkdown keeps feeds well-formed', () => {
  it('drops the XML-invalid characters that character references decode to', () => {
    const html = renderMarkdown('a &#1; b &#xFFFF; c &#11;\n\n<p>raw &#2; &#xFFFE;</p>', base);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none survive.
    expect(html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(html).toContain('raw');
  });
});

/** Every element with its attributes, and the text, in document order: what a sanitizer could remove. */
function structure(html: string): string[] {
  const out: string[] = [];
  let text = '';
  const flush = () => {
    if (text.trim()) out.push(text.trim());
    text = '';
  };
  const parser = new Parser({
    onopentag(name, attribs) {
      flush();
      const attrs = Object.entries(attribs).map(([k, v]) => `${k}=${v}`);
      out.push(`<${name} ${attrs.sort().join(' ')}>`);
    },
    onclosetag: flush,
    ontext(chunk) {
      text += chunk;
    },
  });
  parser.write(html);
  parser.end();
  flush();
  return out;
}

describe('renderMarkdown without raw HTML skips the sanitizer', () => {
  it.each([
    ['the feature fixture', 'features.md'],
    ['hostile Markdown links and images', 'hostile-links.md'],
  ])('and still produces nothing the sanitizer would remove: %s', async (_name, file) => {
    const html = renderMarkdown(await readFile(fixture(file), 'utf8'), base, { math: true });
    expect(structure(sanitizeArticleHtml(html, base))).toEqual(structure(html));
  });

  it('drops unsafe Markdown link and image targets, keeping their text', async () => {
    const html = renderMarkdown(await readFile(fixture('hostile-links.md'), 'utf8'), base);
    for (const [, url] of html.matchAll(/(?:href|src)="([^"]*)"/g))
      expect(url).toMatch(/^https:\/\/news\.example\.com\//);
    expect(html).toContain('click me');
    expect(html).toContain('<a href="https://news.example.com/fine">fine</a>');
  });
});

describe('renderArticleMarkdown notes what renders as literal text', () => {
  const notesOf = (source: string, math = false) =>
    renderArticleMarkdown(source, base, { math }).notes.map((n) => n.text);

  it('a footnote reference without a definition', () => {
    expect(notesOf('Said[^1] and done[^2].\n\n[^1]: Here.')).toEqual([
      'footnote reference [^2] has no definition ([^2]: …) and shows as text',
    ]);
  });

  it('a footnote never referenced, and one defined twice: their text is not shown', () => {
    const result = renderArticleMarkdown(
      'Said[^d].\n\n[^d]: First.\n[^d]: Second.\n[^spare]: Never cited.\n',
      base,
      {},
    );
    expect(result.notes).toEqual([
      { text: 'footnote [^d] is defined twice; only the first definition is shown', at: '[^d]: Second.' },
      {
        text: 'footnote [^spare] is never referenced ([^spare] in the text), so it is not shown',
        at: '[^spare]: Never cited.',
      },
    ]);
    expect(result.html).not.toContain('Never cited');
    expect(notesOf('Said[^1].\n\n[^1]: Here.')).toEqual([]);
  });

  it('math while math is off, inline or as a block, and nothing when it is on', () => {
    const note = 'math ($…$) shows as text: math is off (set math: true in the front matter or site.yaml)';
    expect(notesOf('So $x^2$ it is.')).toEqual([note]);
    expect(notesOf('$$\nx^2\n$$')).toEqual([note]);
    expect(notesOf('So $$x^2$$ it is.')).toEqual([note]);
    expect(notesOf('So $x^2$ it is.', true)).toEqual([]);
    expect(notesOf('Costs $5 or $6.')).toEqual([]);
    expect(notesOf('Costs $$5 or $$6, and echo $$ prints a PID.')).toEqual([]);
  });

  it('a ```math fence: display math as GitHub draws it when math is on, else code and a note', () => {
    const fence = 'Before.\n\n```math\n\\sum_{i=1}^n i\n```\n';
    const on = renderArticleMarkdown(fence, base, { math: true });
    expect(on.notes).toEqual([]);
    expect(on.html).toMatch(/^<p>Before\.<\/p>\n<math alttext="\\sum_\{i=1\}\^n i" display="block"[ >]/);
    expect(on.html).not.toContain('<pre');
    const off = renderArticleMarkdown(fence, base, { math: false });
    expect(off.html).toContain('<pre><code>\\sum_{i=1}^n i\n</code></pre>');
    expect(off.notes).toEqual([
      {
        text: 'a ```math block shows as code because math is off; set math: true (site.yaml or front matter) to render it',
        at: '```math',
      },
    ]);
  });

  it('math that cannot be read, shown as the author wrote it instead of an error message in red', () => {
    const { html, notes } = renderArticleMarkdown(
      'I $\\frac{1}{$ and $\\macro$, then $x$.\n\n$$\n\\sqrt{\n$$',
      base,
      { math: true },
    );
    expect(notes).toEqual([
      {
        text: "math $\\frac{1}{$ cannot be read (Unexpected end of input in a macro argument, expected '}') and shows as text",
        at: '\\frac{1}{',
      },
      {
        text: 'math $\\macro$ cannot be read (Unsupported function name: \\macro) and shows as text',
        at: '\\macro',
      },
      { text: "math $$\\sqrt{$$ cannot be read (Expected '}', got 'EOF') and shows as text", at: '\\sqrt{' },
    ]);
    expect(html).toBe(
      '<p>I $\\frac{1}{$ and $\\macro$, then <math alttext="x"><mi>x</mi></math>.</p>\n<p>$$\\sqrt{$$</p>',
    );
  });

  it('an alert GitHub does not know, and a known one in any case rendered as the alert', () => {
    expect(renderArticleMarkdown('> [!DANGER]\n> Hot.', base, { math: false }).notes).toEqual([
      {
        text: 'alert [!DANGER] is not one GitHub knows (NOTE, TIP, IMPORTANT, WARNING, CAUTION) and shows as text in a quote',
        at: '[!DANGER]',
      },
    ]);
    const lower = renderArticleMarkdown('> [!warning]\n> Hot.\n\n> [!Tip]\n> Cool.', base, { math: false });
    expect(lower.notes).toEqual([]);
    expect(lower.html).toBe(
      '<blockquote data-alert="warning">\n<p><strong>Warning</strong></p>\n<p>Hot.</p>\n</blockquote>\n' +
        '<blockquote data-alert="tip">\n<p><strong>Tip</strong></p>\n<p>Cool.</p>\n</blockquote>',
    );
    expect(notesOf('> [!NOTE]\n> Fine.\n\n> [link](/x) and [!not] a marker mid-quote')).toEqual([]);
  });

  it('a shortcode that names no emoji, with a near name, and not times, scopes or known names', () => {
    expect(
      renderArticleMarkdown('Done :tada: :thumbsupp: :notanemoji: :notanemoji:', base, { math: false }).notes,
    ).toEqual([
      {
        text: ':thumbsupp: is not an emoji shortcode and shows as text (did you mean :thumbsup:?)',
        at: ':thumbsupp:',
      },
      { text: ':notanemoji: is not an emoji shortcode and shows as text', at: ':notanemoji:' },
    ]);
    expect(notesOf('At 10:30:00, std::vector, a:b:c, :100: and :+1: and `:nope:` in code.')).toEqual([]);
  });

  it('says at most 20 warnings about a body, then how many more, so 50,000 made-up shortcodes cost no search each', () => {
    const source = Array.from({ length: 50_000 }, (_, i) => `:made-up-${i}:`).join(' ');
    const { notes } = renderArticleMarkdown(source, base, { math: false });
    expect(notes).toHaveLength(21);
    expect(notes[0]).toEqual({
      text: ':made-up-0: is not an emoji shortcode and shows as text',
      at: ':made-up-0:',
    });
    expect(notes[20]).toEqual({
      text: 'and 49980 more warnings about the body (fix these and check again)',
    });
    // One edit from :v: and :x:, yet nothing a reader meant: no suggestion for a name this short.
    expect(notesOf(':D:')).toEqual([':D: is not an emoji shortcode and shows as text']);
  });

  it('no shortcode in a link’s path, and an alert marker opening no text is no alert, said, not a failure', () => {
    expect(notesOf('See https://example.com/:user:/x and <https://example.com/:repo:/>.')).toEqual([]);
    for (const marker of ['[!note]', '[!NOTE]', '[!danger]']) {
      const { html, notes } = renderArticleMarkdown(`> ${marker}: https://x.example\n\nAfter.`, base, {
        math: false,
      });
      expect(html).toBe('<blockquote>\n</blockquote>\n<p>After.</p>');
      expect(notes.map((n) => n.text)).toEqual([
        `${marker} opens no text, so the quote is no alert (write its text on the lines below)`,
      ]);
    }
  });

  it('reads a colon before a long run of letters in one pass (a pattern that backtracked took minutes)', () => {
    expect(unknownShortcodes(`:${'a'.repeat(300_000)}`, { tada: '🎉' })).toEqual([]);
    expect(unknownShortcodes(`:${'a'.repeat(300_000)}: :tada:`, { tada: '🎉' })).toEqual([
      'a'.repeat(300_000),
    ]);
  });

  it('a code language we cannot highlight, and not a known one or a block without a language', () => {
    expect(notesOf('```klingon\nx\n```\n\n```TypeScript\nlet a = 1;\n```\n\n```\nplain\n```')).toEqual([
      'code block in unknown language "klingon" is shown without highlighting',
    ]);
  });

  it('raw HTML the sanitizer removed, once, naming a few elements and attributes', () => {
    const embed =
      '<iframe src="https://www.youtube.com/embed/x"></iframe>\n\n<script>alert(1)</script>\n\n' +
      '<p style="color:red" onclick="go()">Hi <b>there</b>, <span style="position:fixed">fixed</span>.</p>\n\n' +
      '<p onclick="again()"><a href="javascript:alert(1)">link</a> <img src="data:image/png,x"></p>';
    expect(notesOf(embed)).toEqual([
      'raw HTML removed, as articles may not hold it: <iframe>, <script>, <b>, style on <span> and 4 more',
    ]);
    expect(notesOf('<div onclick="x()">One</div>\n\nTwo <kbd style="color:red">K</kbd>.')).toEqual([
      'raw HTML removed, as articles may not hold it: <div>, style on <kbd>',
    ]);
  });

  it('no removal for raw HTML the sanitizer keeps, or for the markup the pipeline writes around it', () => {
    const kept =
      '<details><summary>More</summary>\n\n```js\nconst x = 1; // why\n```\n\n- [x] done\n\n</details>\n\n' +
      'Press <kbd>Ctrl</kbd>, see <span style="color:#f00">red</span> and <img src="https://example.org/a.png">[^a].\n\n' +
      '<!-- a comment is no content -->\n\n> [!NOTE]\n> $x^2$ :tada:\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n[^a]: Note.';
    expect(notesOf(kept, true)).toEqual([]);
  });

  it('a diagram, map or model GitHub would draw, as code shown plain, not as an unknown language', () => {
    const source =
      '```mermaid\ngraph TD; A-->B\n```\n\n```Mermaid\nflowchart LR; C-->D\n```\n\n' +
      '```geojson\n{"type": "Point", "coordinates": [0, 0]}\n```\n\n```topojson\n{}\n```\n\n```stl\nsolid x\n```';
    const { html, notes } = renderArticleMarkdown(source, base);
    expect(notes.map((n) => n.at)).toEqual([
      '```mermaid',
      '```Mermaid',
      '```geojson',
      '```topojson',
      '```stl',
    ]);
    expect(notes.map((n) => n.text)).toEqual([
      'code block in "mermaid" is shown as its source, not drawn as a diagram as on GitHub (add an image to show the diagram)',
      'code block in "Mermaid" is shown as its source, not drawn as a diagram as on GitHub (add an image to show the diagram)',
      'code block in "geojson" is shown as its source, not drawn as a map as on GitHub (add an image to show the map)',
      'code block in "topojson" is shown as its source, not drawn as a map as on GitHub (add an image to show the map)',
      'code block in "stl" is shown as its source, not drawn as a 3D model as on GitHub (add an image to show the 3D model)',
    ]);
    expect(notes.map((n) => n.text).join('\n')).not.toContain('unknown language');
    expect(html).toContain('<pre><code>graph TD; A--&gt;B\n</code></pre>');
    expect(html).toContain(
      '<pre><code>{&quot;type&quot;: &quot;Point&quot;, &quot;coordinates&quot;: [0, 0]}\n</code></pre>',
    );
    expect(html).not.toContain('<span');
  });

  it('nothing for an article that uses every extension correctly', () => {
    expect(
      notesOf('A[^a] :tada: $x$\n\n> [!TIP]\n> Yes.\n\n```go\nfunc f() {}\n```\n\n[^a]: Note.', true),
    ).toEqual([]);
  });
});

describe('highlighted code', () => {
  it('carries inline colours and no class names, so it reads the same in feeds and email', () => {
    const html = renderMarkdown('```python\ndef f(): return "x"  # why\n```', base);
    expect(html).toMatch(
      /^<pre style="background-color:#f6f8fa;color:#1f2328"><code><span style="color:#cf222e">def<\/span>/,
    );
    expect(html).not.toContain('class=');
  });

  it('leaves no class name on code embedded in other code (the CSS and script of an HTML block)', () => {
    const html = renderMarkdown(
      '```html\n<style>p { color: red; }</style>\n<script>const x = 1;</script>\n```',
      base,
    );
    expect(html).not.toContain('class=');
    // The embedded code is still highlighted: `const` in the script is a keyword.
    expect(html).toContain('<span style="color:#cf222e">const</span>');
  });

  it('refuses more footnote definitions than MAX_FOOTNOTES, naming the line of the first one too many', () => {
    const notes = (n: number) => Array.from({ length: n }, (_, i) => `x[^${i}]\n\n[^${i}]: y`).join('\n\n');
    expect(() => renderMarkdown(notes(MAX_FOOTNOTES), base)).not.toThrow();
    expect(() => renderMarkdown(notes(MAX_FOOTNOTES + 1), base)).toThrow(
      expect.objectContaining({ name: 'RenderLimitError', line: 4 * MAX_FOOTNOTES + 3 }),
    );
  });

  it('keeps only colours and italics of a raw span style, and no style elsewhere', () => {
    const html = renderMarkdown(
      '<span style="color:#f00;position:fixed;background-image:url(https://evil.example/x)">a</span> <span style="color:expression(alert(1))">b</span> <p style="color:red">c</p>',
      base,
    );
    expect(html).toContain('<span style="color:#f00">a</span> <span>b</span>');
    expect(html).toContain('<p>c</p>');
    expect(html).not.toMatch(/position|url\(|expression|evil/);
  });

  it('keeps a footnote label inside its attributes, whatever it holds', () => {
    const label = 'q"/onerror=alert(1)//"><img src=x onerror=alert(2)><b title="$\'';
    const html = renderMarkdown(`Ref[^${label}] and again[^${label}].\n\n[^${label}]: note`, base);
    const elements: { name: string; attributes: Record<string, string> }[] = [];
    const parser = new Parser({ onopentag: (name, attributes) => elements.push({ name, attributes }) });
    parser.write(html);
    parser.end();
    expect(elements.map((e) => e.name)).not.toContain('img');
    expect(elements.flatMap((e) => Object.keys(e.attributes)).filter((a) => a.startsWith('on'))).toEqual([]);
    const backLinks = elements.filter((e) => 'data-footnote-backref' in e.attributes);
    expect(backLinks.map((e) => e.attributes['aria-label'])).toEqual([
      'Back to reference 1',
      'Back to reference 1-2',
    ]);
    // The links still reach each other.
    const id = encodeURIComponent(label);
    expect(backLinks.map((e) => e.attributes.href)).toEqual([
      `${base.pageUrl}#footnote-ref-${id}`,
      `${base.pageUrl}#footnote-ref-${id}-2`,
    ]);
    expect(elements.filter((e) => e.attributes.id === `footnote-ref-${id}`)).toHaveLength(1);
    expect(elements.filter((e) => e.attributes.id === `footnote-${id}`)).toHaveLength(1);
  });

  it('names each back-link by the number its reference shows, for named and numbered notes alike', () => {
    const html = renderMarkdown('A[^note], B[^1] and A again[^note].\n\n[^1]: One.\n[^note]: Named.', base);
    const refs = [...html.matchAll(/<a id="footnote-ref-([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(refs).toEqual([
      ['note', '1'],
      ['1', '2'],
      ['note-2', '1'],
    ]);
    const backLinks = [
      ...html.matchAll(/href="[^"]*#footnote-ref-([^"]*)" data-footnote-backref aria-label="([^"]*)"/g),
    ];
    expect(backLinks.map((m) => [m[1], m[2]])).toEqual([
      ['note', 'Back to reference 1'],
      ['note-2', 'Back to reference 1-2'],
      // `[^1]` is the second note the text refers to: its reference shows 2, and so does its back-link.
      ['1', 'Back to reference 2'],
    ]);
  });

  it('starts a fresh footnote list after an article that failed to render', () => {
    expect(() => renderMarkdown(`${'>'.repeat(40)} deep[^a]\n\n[^a]: x`, base)).toThrow();
    expect(renderMarkdown('One[^b].\n\n[^b]: Two.', base)).toContain('<li id="footnote-b">');
  });
});

describe('emoji shortcodes', () => {
  it('become emoji wherever a name from the table sits between colons, and nothing else changes', () => {
    expect(renderMarkdown(':tada: :+1: :-1: :T-Rex:', base)).toBe('<p>🎉 👍 👎 🦖</p>');
    // A non-name before a name must not hide it, nor a colon just before it.
    expect(renderMarkdown('a:foo:smile: and ::smile:', base)).toBe('<p>a:foo😄 and :😄</p>');
    // Names an object has of its own (its prototype's) are not shortcodes.
    expect(renderMarkdown(':constructor: :toString: :hasOwnProperty:', base)).toBe(
      '<p>:constructor: :toString: :hasOwnProperty:</p>',
    );
    expect(renderMarkdown('Time 10:30:45, see https://example.org/a:b:c', base)).toBe(
      '<p>Time 10:30:45, see <a href="https://example.org/a:b:c">https://example.org/a:b:c</a></p>',
    );
  });

  it("has gemoji's every name and emoji in its generated table (run `npm run emoji` when this fails)", () => {
    expect(EMOJI_SHORTCODES).toBe(shortcodeLines());
    const table = emojiTableOf(EMOJI_SHORTCODES);
    const names = gemoji.flatMap(({ emoji, names }) => names.map((name) => [name, emoji] as const));
    expect(Object.keys(table)).toHaveLength(names.length);
    for (const [name, emoji] of names) expect(table[name], name).toBe(emoji);
  });

  it("finds the same shortcodes as marked-emoji's own pattern, over generated text", () => {
    const table = emojiTableOf(EMOJI_SHORTCODES);
    const renderer = (token: { emoji: string }) => token.emoji;
    const theirs = new Marked(markedEmoji({ emojis: table, renderer }));
    const ours = new Marked(emojiExtension(table));
    const pieces = [
      ':',
      '::',
      'smile',
      'SMILE',
      '+1',
      '-1',
      't-rex',
      'foo',
      ' ',
      '10',
      '_',
      'a',
      '\\:',
      '`',
      'constructor',
      '__proto__',
      'toString',
    ];
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + (next() % 12) }, () => pieces[next() % pieces.length]).join('');
      expect(ours.parse(text), text).toBe(theirs.parse(text));
    }
  });
});

describe('raw HTML where the HTML content model does not let it stand', () => {
  const P = 'https://news.example.com';
  const rendered = (source: string) => {
    const { html, notes } = renderArticleMarkdown(source, base);
    return { html, notes: notes.map((n) => `${n.text} @ ${n.at}`) };
  };

  it('moves a block out of the inline element around it, carrying the formatting into the block', () => {
    expect(rendered('A <em><p>x</p></em> b')).toEqual({
      html: '<p>A </p><p><em>x</em></p><p> b</p>',
      notes: ['raw HTML <p> inside <em> moved out: <em> holds only text and inline elements @ <p'],
    });
    expect(rendered('<p>A <a href="/l">b <strong>c <h3>x</h3> d</strong></a> e</p>').html).toBe(
      `<p>A <a href="${P}/l">b <strong>c </strong></a></p><h3><a href="${P}/l"><strong>x</strong></a></h3>` +
        `<p><a href="${P}/l"><strong> d</strong></a> e</p>`,
    );
    // A list or quote takes no formatting; a paragraph Markdown wrote around the line is named as one.
    expect(
      rendered('Press <kbd><ul><li>x</li></ul></kbd> <strong>y <blockquote>z</blockquote></strong>'),
    ).toEqual({
      html: '<p>Press </p><ul><li>x</li></ul><p> <strong>y </strong></p><blockquote>z</blockquote>',
      notes: [
        'raw HTML <ul> inside <kbd> moved out: <kbd> holds only text and inline elements @ <ul',
        'raw HTML <blockquote> inside <strong> moved out: <strong> holds only text and inline elements @ <blockquote',
      ],
    });
    expect(rendered('A <a href="/l"><p>x</p><hr></a>')).toEqual({
      html: `<p>A </p><p><a href="${P}/l">x</a></p><hr />`,
      notes: [
        'raw HTML <p> inside a paragraph moved out: a paragraph holds only text and inline elements @ <p',
        'raw HTML <hr> inside a paragraph moved out: a paragraph holds only text and inline elements @ <hr',
      ],
    });
  });

  it('unwraps a block inside a heading, a summary or code where it stands, on a line of its own', () => {
    expect(rendered('## Title <p>sub</p>')).toEqual({
      html: `<h2 id="title-sub"><a href="${P}/posts/p/#title-sub">Title <br>sub</a></h2>`,
      notes: [
        'raw HTML <p> inside <h2> unwrapped, its text kept: <h2> holds only text and inline elements @ <p',
      ],
    });
    expect(rendered('<h3><p>a</p><p>b</p></h3>').html).toBe('<h3>a<br>b</h3>');
    expect(rendered('<details><summary><p>s</p></summary>x</details>')).toEqual({
      html: '<details><summary>s</summary>x</details>',
      notes: [
        'raw HTML <p> inside <summary> unwrapped, its text kept: <summary> holds only text and inline elements @ <p',
      ],
    });
    // A summary may hold a heading; code sets its lines apart with line breaks of its own.
    expect(rendered('<details><summary><h3>s</h3></summary>x</details>').notes).toEqual([]);
    expect(rendered('<pre><p>a</p><p>b</p></pre>').html).toBe('<pre>a\nb</pre>');
    // A table's header cell and a term may hold no heading: its words stay, as a paragraph.
    expect(rendered('<table><tr><th><h4>Head</h4></th></tr></table>').html).toBe(
      '<table><tr><th><p>Head</p></th></tr></table>',
    );
  });

  it('closes a link before a link or control it holds and opens it again after, formatting kept around both', () => {
    expect(rendered('<a href="/x">a <a href="/y">b</a> c</a>')).toEqual({
      html: `<p><a href="${P}/x">a </a><a href="${P}/y">b</a><a href="${P}/x"> c</a></p>`,
      notes: ['raw HTML <a> inside <a> moved out: a link may not hold links or form controls @ <a'],
    });
    // The id stays on one piece; the formatting is reopened outside the inner link, as browsers do.
    expect(rendered('<a id="top" href="/x">a <em>b <a href="/y">c</a> d</em></a>').html).toBe(
      `<p><a id="top" href="${P}/x">a <em>b </em></a><em><a href="${P}/y">c</a></em><a href="${P}/x"><em> d</em></a></p>`,
    );
    expect(rendered('<a href="/x">a <input type="checkbox" checked> b</a>')).toEqual({
      html: `<p><a href="${P}/x">a </a><input type="checkbox" checked /><a href="${P}/x"> b</a></p>`,
      notes: ['raw HTML <input> inside <a> moved out: a link may not hold links or form controls @ <input'],
    });
    // A footnote reference in a link keeps its shape (<sup><a>), beside the link.
    expect(rendered('<a href="/x">claim[^1]</a>\n\n[^1]: Note.').html).toMatch(
      /^<p><a href="https:\/\/news\.example\.com\/x">claim<\/a><sup><a id="footnote-ref-1" data-footnote-ref /,
    );
  });

  it('spreads a link around blocks into them, where it closes around the link they hold', () => {
    expect(rendered('<a href="/card"><h3>Title</h3><p>Text <a href="/in">in</a>.</p></a>').html).toBe(
      `<h3><a href="${P}/card">Title</a></h3><p><a href="${P}/card">Text </a><a href="${P}/in">in</a><a href="${P}/card">.</a></p>`,
    );
    expect(
      rendered(
        '<a href="/x">\n<ul>\n<li>a</li>\n<li>b <a href="/y">c</a></li>\n</ul>\n<details><summary>s</summary>d</details>\n</a>',
      ).html,
    ).toBe(
      `\n<ul>\n<li><a href="${P}/x">a</a></li>\n<li><a href="${P}/x">b </a><a href="${P}/y">c</a></li>\n</ul>\n` +
        '<details><summary>s</summary>d</details>\n',
    );
  });

  it('puts list items outside a list in a <ul>, and what stands in a list in its items', () => {
    expect(rendered('<li>one</li>')).toEqual({
      html: '<ul><li>one</li></ul>',
      notes: ['raw HTML <li> outside a list put in a <ul>: a list item belongs in <ul> or <ol> @ <li'],
    });
    expect(rendered('<blockquote><li>a</li>\n<li>b</li></blockquote>').html).toBe(
      '<blockquote><ul><li>a</li>\n<li>b</li></ul></blockquote>',
    );
    // A nested list written straight inside its list joins the item before it.
    expect(rendered('<ul><p>lead</p><li>a</li><ul><li>b</li></ul></ul>')).toEqual({
      html: '<ul><li><p>lead</p></li><li>a<ul><li>b</li></ul></li></ul>',
      notes: [
        'raw HTML <p> inside <ul> put in a list item: <ul> holds only <li> @ <p',
        'raw HTML <ul> inside <ul> put in a list item: <ul> holds only <li> @ <ul',
      ],
    });
    expect(rendered('<dt>t</dt><dd>d</dd>\n\n<dl><dd>x</dd><p>y</p><dt>z</dt></dl>').html).toBe(
      '<dl><dt>t</dt><dd>d</dd></dl><dl><dt></dt><dd>x<p>y</p></dd><dt>z</dt><dd></dd></dl>',
    );
  });

  it("puts what a table cannot hold before it, cells in rows, and the table's head first", () => {
    expect(rendered('<table><p>x</p><tr><td>1</td></tr></table>')).toEqual({
      html: '<p>x</p><table><tr><td>1</td></tr></table>',
      notes: ['raw HTML <p> inside <table> moved before it: a table holds only rows and cells @ <p'],
    });
    expect(rendered('<table><td>1</td></table>')).toEqual({
      html: '<table><tr><td>1</td></tr></table>',
      notes: ['raw HTML <td> directly in a table put in a row: cells belong in <tr> @ <td'],
    });
    expect(
      rendered(
        '<table><tbody><tr>text<td>1</td></tr><tr></tr></tbody><thead><tr><th>h</th></tr></thead></table>',
      ).html,
    ).toBe('text<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>');
    // A table moving out of inline elements takes what goes before it along, as flow content.
    expect(
      rendered('A <em>b <table>x <a href="/l"><p>y</p></a><tr><td>1</td></tr></table> c</em>').html,
    ).toBe(
      `<p>A <em>b </em></p><p><em>x </em></p><a href="${P}/l"><p>y</p></a><table><tr><td>1</td></tr></table><p><em> c</em></p>`,
    );
    // Cells and rows with no table are read as browsers read them: their words alone.
    expect(rendered('<tr><td>1</td><td>2</td></tr>').html).toBe('<p>1</p><p>2</p>');
  });

  it('puts the summary first in its details and keeps one caption in a figure, first or last', () => {
    expect(rendered('<details><p>body</p><summary>More</summary></details>').html).toBe(
      '<details><summary>More</summary><p>body</p></details>',
    );
    expect(
      rendered('<figure><figcaption>a</figcaption><p>x</p><figcaption>b</figcaption></figure>').html,
    ).toBe('<figure><figcaption>a</figcaption><p>x</p><p>b</p></figure>');
    expect(rendered('<p>A <summary>s</summary></p>').html).toBe('<p>A <br>s</p>');
  });

  it("gives a details without a summary one, in the site's language, as a browser shows its own", () => {
    expect(rendered('<details><p>body</p></details>')).toEqual({
      html: '<details><summary>Details</summary><p>body</p></details>',
      notes: [
        'raw HTML <details> given a <summary> ("Details"): a <details> begins with its summary @ <details',
      ],
    });
    // A summary that holds a heading has one, and keeps it when something else in the body is moved.
    expect(rendered('<details><summary><h3>S</h3></summary>x</details>\n\nA <em><p>y</p></em>').html).toMatch(
      /^<details><summary><h3>S<\/h3><\/summary>x<\/details>/,
    );
    const inFrench = renderArticleMarkdown('<details>corps</details>', base, { language: 'fr-CA' });
    expect(inFrench.html).toBe('<details><summary>Détails</summary>corps</details>');
  });

  it('leaves raw HTML that stands where it may as the sanitizer wrote it, and says nothing', () => {
    const valid =
      '<table>\n<thead><tr><th>a</th></tr></thead>\n<tbody><tr><td><a href="/x">x</a></td></tr></tbody>\n</table>\n\n' +
      '<figure><img src="/a.png" alt=""><figcaption>Cap</figcaption></figure>\n\n<a href="/c">\n<p>A card</p>\n</a>\n\n' +
      '<details><summary><h3>S</h3></summary>\n\n- a\n- b\n\n</details>';
    expect(rendered(valid)).toEqual({
      html:
        `<table>\n<thead><tr><th>a</th></tr></thead>\n<tbody><tr><td><a href="${P}/x">x</a></td></tr></tbody>\n</table>` +
        `<figure><img alt="" src="${P}/a.png" /><figcaption>Cap</figcaption></figure><a href="${P}/c">\n<p>A card</p>\n</a>` +
        '<details><summary><h3>S</h3></summary><ul>\n<li>a</li>\n<li>b</li>\n</ul>\n</details>',
      notes: [],
    });
  });
});

describe('the content-model pass (content-model.ts)', () => {
  /** Sanitized HTML of random nesting, mostly as HTML allows, from a fixed seed. */
  function* bodies(count: number): Generator<string> {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
    const inline = ['em', 'strong', 'a', 'span', 'code', 'br', 'input', 'del', 'sup'];
    const anywhere = [...inline, 'p', 'h2', 'pre', 'blockquote', 'ul', 'li', 'dl', 'dt', 'dd', 'table', 'tr'];
    const within: Record<string, readonly string[]> = {
      ul: ['li'],
      dl: ['dt', 'dd'],
      table: ['tbody', 'tr'],
      tbody: ['tr'],
      tr: ['td', 'th'],
      p: inline,
      em: inline,
      h2: inline,
    };
    const fill = (depth: number, parent: string): string =>
      Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        if (depth === 0 || random() < 0.25) return ' w ';
        const name = pick(random() < 0.1 ? anywhere : (within[parent] ?? [...anywhere, 'figure', 'details']));
        if (name === 'br') return '<br>';
        if (name === 'input') return '<input type="checkbox" disabled>';
        if (name === 'details') return `<details><summary>s</summary>${fill(depth - 1, 'details')}</details>`;
        if (name === 'figure')
          return `<figure>${fill(depth - 1, 'figure')}<figcaption>c</figcaption></figure>`;
        return `<${name}${name === 'a' ? ' href="/x"' : ''}>${fill(depth - 1, name)}</${name}>`;
      }).join('');
    for (let i = 0; i < count; i++) yield sanitizeArticleHtml(fill(4, ''), base);
  }

  it('reads a body as nothing to move only when its passes would move nothing', () => {
    let moved = 0;
    for (const html of bodies(400)) {
      const all = conformHtml(html, () => {}, { always: true });
      expect(
        conformHtml(html, () => {}),
        html,
      ).toBe(all);
      if (all !== html) moved++;
      // Moved once, it stands where it may: a second pass moves nothing.
      expect(
        conformHtml(all, () => {}, { always: true }),
        html,
      ).toBe(all);
    }
    expect(moved).toBeGreaterThan(100);
  });

  it('leaves raw HTML that would need a copy of every element around it for every move as written, and says so', () => {
    const said: string[] = [];
    const costly = `<a href="/x">${'<em>'.repeat(200)}${'<a href="/y">z</a>'.repeat(50)}${'</em>'.repeat(200)}</a>`;
    expect(conformHtml(costly, (text) => said.push(text))).toBe(costly);
    expect(said).toEqual([
      'needs too many elements moved to put right, so it is left as written (the page may not be valid HTML)',
    ]);
  });

  it('leaves raw HTML nested past its depth as the sanitizer wrote it, and says so', () => {
    const said: string[] = [];
    const deep = `${'<em>'.repeat(MAX_CONFORM_DEPTH + 1)}<p>x</p>${'</em>'.repeat(MAX_CONFORM_DEPTH + 1)}`;
    expect(conformHtml(deep, (text) => said.push(text))).toBe(deep);
    expect(said).toEqual([
      `nests elements more than ${MAX_CONFORM_DEPTH} deep, so where they stand was not put right (the page may not be valid HTML)`,
    ]);
  });
});

describe('ids in raw HTML', () => {
  it("drops an id the page's layout or the footnotes use, and says so, keeping the element", () => {
    const { html, notes } = renderArticleMarkdown(
      'Claim[^1].\n\n<h2 id="main">Raw</h2>\n\n<p><a id=subscribe-email href="/x">a</a> <a id="mine" href="/y">b</a></p>\n\n<ol><li id=\'footnote-1\'>fake</li></ol>\n\n[^1]: Real.',
      base,
    );
    expect(html).toContain('<h2>Raw</h2>');
    expect(html).toContain('<a href="https://news.example.com/x">a</a>');
    expect(html).toContain('<a id="mine"');
    expect(html).toContain('<li>fake</li>');
    expect(html.match(/id="footnote-1"/g)).toHaveLength(1);
    expect(notes.map((n) => n.text)).toEqual([
      'raw HTML id "main" removed: the page or its footnotes use it',
      'raw HTML id "subscribe-email" removed: the page or its footnotes use it',
      'raw HTML id "footnote-1" removed: the page or its footnotes use it',
    ]);
  });
});

describe('math in an article with raw HTML', () => {
  const R = String.raw;
  // Broad on purpose: every construct temml gives CSS, classes, lengths or ids to, and some it refuses.
  const formulas = [
    R`\boxed{z}`,
    R`\cancel{x}`,
    R`\bcancel{x}`,
    R`\xcancel{x}`,
    R`\sout{abc}`,
    R`\colorbox{red}{x}`,
    R`\fcolorbox{red}{blue}{x}`,
    R`\rule{1em}{2em}`,
    // Lengths only the sanitizer's rules cap: the same on both paths, so capped on both.
    R`\rule{999em}{999em}`,
    R`\kern{-999em}x`,
    R`\raisebox{-999em}{y}`,
    R`\hspace{999em}x`,
    R`\rule[-1em]{1em}{2em}`,
    R`\kern-1em x`,
    R`\hspace{2em}x`,
    R`\raisebox{0.5em}{x}`,
    R`\raisebox{-0.5em}{x}`,
    R`\smash{x}`,
    R`\mathllap{x}`,
    R`\mathrlap{x}`,
    R`\mathclap{x}`,
    R`\llap{x}`,
    R`\rlap{x}`,
    R`\phantom{x}`,
    R`\hphantom{x}`,
    R`\vphantom{x}`,
    R`\underbrace{x}_a`,
    R`\overbrace{x}^a`,
    R`\xrightarrow[a]{b}`,
    R`\substack{a\\b}`,
    R`\begin{cases}a&b\\c&d\end{cases}`,
    R`\begin{align}a&=b\tag{1}\end{align}`,
    R`\begin{CD}A @>a>> B\end{CD}`,
    R`\textcolor{#ff0000}{x}`,
    R`\Huge x`,
    R`\tiny x`,
    R`\mathbb{R}\mathfrak{g}\mathscr{L}\mathcal{L}`,
    R`\operatorname{sin}x`,
    R`\not\in`,
    R`\angl{n}`,
    R`\longdiv{123}`,
    R`\phase{x}`,
    R`\vcenter{x}`,
    R`\mathstrut`,
    R`\begin{array}{|c:c|}\hline a&b\\\hdashline c&d\end{array}`,
    R`\begin{equation}x\label{e}\end{equation}`,
    R`\begin{gather}a\\b\end{gather}`,
    R`\textsf{x}\textbf{y}\textit{z}\texttt{w}`,
    R`\hskip 1em x`,
    R`\mskip 3mu x`,
    R`\hbox{x}`,
    R`\overset{a}{b}`,
    R`\stackrel{a}{b}`,
    R`\xleftrightarrow{abc}`,
    R`\bigl( x \bigr)`,
    R`\left(\frac{a}{b}\right)`,
    R`\sqrt[3]{x}`,
    R`\cfrac{1}{1+\cfrac{1}{x}}`,
    R`\genfrac{[}{]}{2pt}{0}{a}{b}`,
    R`\pmb{x}\boldsymbol{y}`,
    R`\fbox{x}`,
    R`\underline{x}\overline{y}`,
    R`\widehat{xy}\overrightarrow{AB}\utilde{x}`,
    R`\begin{smallmatrix}a&b\end{smallmatrix}`,
    R`\begin{Bmatrix}a\end{Bmatrix}`,
    R`\begin{darray}{cc}a&b\end{darray}`,
    R`\begin{rcases}a\end{rcases}`,
    R`\begin{alignat}{2}a&=b&c&=d\end{alignat}`,
    R`\begin{multline}a\\b\\c\end{multline}`,
    R`\begin{split}a&=b\\&=c\end{split}`,
    R`\begin{subarray}{l}a\\b\end{subarray}`,
    R`\color{#abc}x`,
    R`\mathrel{\mathop{=}\limits^{\text{def}}}`,
    R`\frac{a}{b}\dfrac{a}{b}\tfrac{a}{b}`,
    R`\binom{n}{k}`,
    R`\tag*{A}x`,
    R`\begin{matrix}a\\b\end{matrix}\quad\qquad\,\;\!`,
    R`\enclose{circle}{x}`,
    R`\ce{H2O}`,
    R`\pu{1 m}`,
    R`\href{https://a}{x}`,
    R`\url{https://a}`,
    R`\mathbin{x}\mathpunct{,}`,
    R`\lim\limits_{x}\sum_{i=0}^n\int_a^b`,
    R`\emph{x}\textup{x}\textnormal{x}`,
    R`\underset{a}{b}\underleftarrow{x}`,
    R`\mathsf{x}\mathtt{y}\mathit{z}\mathbf{w}\mathrm{v}`,
    R`\Bbb{R}\bold{x}\bm{x}`,
    R`\char"41`,
    R`\verb|x|`,
    R`\textasciitilde`,
    R`\ldots\cdots\ddots`,
    R`\hdots`,
    R`\begin{aligned}a\\[2em]b\end{aligned}`,
    R`\begin{array}{r@{}l}a&b\end{array}`,
    R`\begin{array}{p{2em}}a\end{array}`,
    R`\arraystretch`,
    R`\def\a{x}\a`,
    R`\newcommand\b{y}\b`,
    R`\middle|`,
    R`\vert\Vert\|`,
    R`\oint\iint\iiint`,
    R`\sideset{_a}{^b}\sum`,
    R`\prescript{a}{b}{c}`,
    R`\tilde{x}\dot{x}\ddot{x}`,
    R`\circledS\checkmark`,
    R`\textcolor{red}{\boxed{x}}`,
    R`\boxed{\cancel{x}}`,
    R`\begin{bmatrix}1&2\\3&4\end{bmatrix}`,
    R`\begin{vmatrix}1\end{vmatrix}`,
    R`\ \text{a}\ \mathrm{b}`,
    R`\mathop{\rm x}`,
    R`\rm x \it y \bf z \sf w \tt v`,
    R`\displaystyle\int`,
    R`\scriptstyle x`,
    R`\textstyle x`,
    R`\nonumber`,
    R`\notag`,
    R`\mathchoice{a}{b}{c}{d}`,
    R`\TeX\LaTeX`,
    R`\yen\euro`,
    R`\degree`,
    R`\Set{x}`,
    R`\set{x}`,
    R`\bra{x}\ket{y}\braket{x|y}`,
    R`\mod{3}\pmod{3}\bmod`,
    R`\xtofrom{x}`,
    R`\lparen\rparen`,
    R`\mathring{A}`,
  ];

  it('comes out byte for byte as without raw HTML (layout, classes, lengths, text)', () => {
    for (const tex of formulas)
      for (const [open, close] of [
        ['$', '$'],
        ['$$\n', '\n$$\n'],
        ['Inline $$', '$$ display.'],
      ]) {
        const plain = renderMarkdown(`${open}${tex}${close}`, base, { math: true });
        const withHtml = renderMarkdown(`${open}${tex}${close}\n\n<span>raw</span>\n`, base, { math: true });
        expect(withHtml, `${open}${tex}`).toBe(`${plain}\n<p><span>raw</span></p>`);
      }
  });

  it('caps what TeX asks of the page in an article without raw HTML too', () => {
    const html = renderMarkdown(
      R`A $\rule{999em}{999em}$, $\kern{-999em}x$ and $\raisebox{-999em}{y}$.`,
      base,
      {
        math: true,
      },
    );
    expect(html).toContain('<math');
    // Only the TeX as written (alttext) still says 999em.
    expect(html.replace(/alttext="[^"]*"/g, '')).not.toMatch(/999em/);
  });

  it('$$…$$ on one line, alone or within a paragraph, is display math; text with dollars stays as written', () => {
    const three = renderMarkdown('$$\nE = mc^2\n$$', base, { math: true });
    expect(three).toMatch(/^<math alttext="E = mc\^2" display="block"/);
    expect(renderMarkdown('$$E = mc^2$$', base, { math: true })).toBe(three);
    expect(renderMarkdown('Before\n\n$$ E = mc^2 $$\n\nAfter', base, { math: true })).toBe(
      `<p>Before</p>\n${three}\n<p>After</p>`,
    );
    expect(renderMarkdown('So $$x$$ holds.', base, { math: true })).toBe(
      '<p>So <math alttext="x" display="block" class="tml-display"><mi>x</mi></math> holds.</p>',
    );
    // An escaped dollar inside math, at its end: it was cut into `$`, a line break and `$$`.
    expect(renderMarkdown('$\\$$', base, { math: true })).toBe(
      '<p><math alttext="\\$"><mi>$</mi></math></p>',
    );
    for (const text of [
      '$$$$',
      '$$ $$',
      'a$$b',
      'x $$ $$ y',
      'Costs $5 and $$6.',
      'text\n$$ not closed\nmore',
      // Dollars that are not math keep the guards of `$…$`: no space just inside, no digit after.
      'Price $$5 and $$10 today.',
      'echo $$ and echo $$ again',
      'PID is $$, parent $$.',
      '$$$ money $$$',
    ])
      expect(renderMarkdown(text, base, { math: true }), text).toBe(`<p>${text}</p>`);
    // A wrapped line of `$$…$$` does not interrupt its paragraph (it may sit inside a code span or a link),
    // while `$$` alone on a line does, as a code fence would.
    expect(renderMarkdown('a `code\n$$x$$\nb` c', base, { math: true })).toBe(
      '<p>a <code>code $$x$$ b</code> c</p>',
    );
    expect(renderMarkdown('Text\n$$\nx\n$$\nMore', base, { math: true })).toMatch(
      /^<p>Text<\/p>\n<math alttext="x" display="block"[^>]*><mi>x<\/mi><\/math>\n<p>More<\/p>$/,
    );
    // Indented up to three spaces, as any block, also in a quote.
    expect(renderMarkdown('Intro\n\n $$\n x\n $$', base, { math: true })).toMatch(
      /^<p>Intro<\/p>\n<math alttext="x" display="block"/,
    );
    expect(renderMarkdown('>  $$\n>  x\n>  $$', base, { math: true })).toMatch(
      /^<blockquote>\n<math alttext="x" display="block"/,
    );
  });

  it('keeps no CSS or length on raw MathML that would lay it over the page or load a URL', () => {
    const html = renderMarkdown(
      [
        '<math><mi style="position:fixed;top:0;left:-999px;border:1px solid red;background:url(https://evil.example/x)">x</mi></math>',
        '<math><mrow style="display:block;position:relative;width:100%;height:0;border:300px solid white;margin-left:-99999px"></mrow></math>',
        '<math><mpadded height="0" depth="0" width="0" voffset="80px"><mspace width="600px" height="200px" mathbackground="white"></mspace></mpadded></math>',
      ].join('\n\n'),
      base,
    );
    expect(html).toContain('border:1px solid red');
    expect(html).not.toMatch(/position:fixed|top|left:|url\(|300px|99999|80px|600px|200px/);
  });

  it("gives math no id of its own, so \\label cannot repeat a heading's", () => {
    const html = renderMarkdown(
      '## Intro\n\n$$\n\\begin{equation}x\\label{intro}\\end{equation}\n$$\n',
      base,
      { math: true },
    );
    expect(html.match(/\bid="intro"/g)).toHaveLength(1);
  });
});

describe('math and footnotes together', () => {
  it('renders a document that opens with a $$ block and holds footnotes, math in a note included', () => {
    const html = renderMarkdown('$$\nx^2\n$$\n\nText[^n] and $y$.\n\n[^n]: A note with $z$.', base, {
      math: true,
    });
    expect(html).toContain('<math alttext="x^2" display="block"');
    expect(html).toContain('href="https://news.example.com/posts/p/#footnote-n"');
    expect(html.match(/<math/g)).toHaveLength(3);
    expect(html).toMatch(/<li id="footnote-n">[\s\S]*<math[\s\S]*<\/li>/);
  });
});
