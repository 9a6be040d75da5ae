import { describe, expect, it } from 'vitest';
import { composeDigest, previewLinks } from '../../../src/core/digest.js';
import {
  bodyText,
  emailBody,
  fullTextHtml,
  GMAIL_CLIP_BYTES,
  shortenedNote,
} from '../../../src/core/full-text.js';
import { planFullText } from '../../../src/core/full-text-plan.js';
import { prepareAllMarkdown, renderMarkdown } from '../../../src/core/render.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { article, testSite } from '../../helpers/site.js';

const site = parseSiteConfig({
  title: testSite.title,
  base_url: testSite.baseUrl,
  author: { name: testSite.author.name },
  sender: testSite.sender,
  digest: { content: 'full' },
});

// Highlighting loads lazily; the helper parses articles synchronously.
await prepareAllMarkdown();

describe('full-text digests', () => {
  it('puts the sanitized body in the email, images absolute and fitted, code wrapped and monospaced', () => {
    const a = article(
      { title: 'Code', date: '2026-05-01', slug: 'code' },
      'Look: ![chart](/images/chart.png) and `x = 1`.\n\n```js\nconst veryLongLine = 1;\n```\n\n<script>alert(1)</script>',
      'posts/code.md',
      site,
    );
    const { bodies, shortened } = planFullText('d1', [a], new Map([[a.url, a.html]]), site);
    expect(shortened).toEqual([]);
    const digest = composeDigest({ id: 'd1', articles: [a], bodies }, site);
    const mail = digest.html(previewLinks(site));
    expect(mail).toContain('src="https://news.example.com/images/chart.png"');
    expect(mail).toMatch(/<img style="max-width:100%;height:auto;border:0;" alt="chart" src=/);
    expect(mail).toMatch(/<pre style="[^"]*white-space:pre-wrap;[^"]*"><code style="font-family:Menlo/);
    expect(mail).not.toContain('<script');
    // The body turns light where the digest goes dark, as the summaries do.
    expect(mail).toMatch(/<div class="bs-fg" style="[^"]*color:#1d1d1f;">/);
    const text = digest.text(previewLinks(site));
    expect(text).toContain('const veryLongLine = 1;');
    expect(text).toContain('[chart]');
  });

  it('shows math as HTML every mail client draws, and as its TeX in the text part', () => {
    const a = article(
      { title: 'Energy', date: '2026-05-01', slug: 'energy', math: 'true' },
      'Einstein wrote $E = mc^2$; a matrix: $\\begin{pmatrix}1&2\\end{pmatrix}$.',
      'posts/energy.md',
      site,
    );
    const { bodies } = planFullText('d1', [a], new Map([[a.url, a.html]]), site);
    const digest = composeDigest({ id: 'd1', articles: [a], bodies }, site);
    const mail = digest.html(previewLinks(site));
    // Gmail and Outlook drop MathML's elements and would show "E=mc2".
    expect(mail).not.toMatch(/<\/?m(?:ath|i|o|n|sup|row)\b/);
    expect(mail).toContain('<i>E</i> = <i>m</i><i>c</i><sup>2</sup>');
    expect(mail).toMatch(
      /<code style="font-family:Menlo[^"]*">\$\\begin\{pmatrix\}1&amp;2\\end\{pmatrix\}\$<\/code>/,
    );
    const text = digest.text(previewLinks(site));
    expect(text).toContain('Einstein wrote $E = mc^2$; a matrix: $\\begin{pmatrix}1&2\\end{pmatrix}$.');
  });

  it('styles only the elements that need it, and reads back as text', () => {
    expect(emailBody('<p>a <code>b</code></p><table><tr><td>c</td></tr></table>')).toBe(
      '<p>a <code style="font-family:Menlo,Consolas,Liberation Mono,monospace;font-size:90%;background:#f6f8fa;color:#1d1d1f;">b</code></p><table style="border-collapse:collapse;"><tr><td style="border:1px solid #d9d9de;padding:4px 8px;">c</td></tr></table>',
    );
    expect(bodyText('<p>One &amp; two</p><ul><li>x</li><li>y</li></ul>')).toBe('One & two\n\n- x\n- y');
  });

  it("reads a table a row a line, and a link with its address (not a heading's link to itself)", async () => {
    await prepareAllMarkdown();
    const html = renderMarkdown(
      '## Lines\n\n## [Release notes](https://other.example/notes)\n\nWrite to [the desk](mailto:desk@news.example).\n\n| Line | Delay |\n|:--|--:|\n| 28 | **3 min** |\n| 15 | 1 min |\n\n' +
        'See [the other one](/posts/other/), <https://x.example/a?b=1&c=2> and [![a map](/map.png)](https://maps.example/28).',
      { baseUrl: 'https://x.example', pageUrl: 'https://x.example/p/' },
    );
    expect(bodyText(html)).toBe(
      'Lines\n\nRelease notes (https://other.example/notes)\n\nWrite to the desk (desk@news.example).\n\nLine | Delay\n28 | 3 min\n15 | 1 min\n\n' +
        'See the other one (https://x.example/posts/other/), https://x.example/a?b=1&c=2 and [a map] (https://maps.example/28).',
    );
  });

  it("keeps a column's alignment and lets a quote's grey turn light in dark mode", () => {
    expect(emailBody('<th align="right">n</th><td align="center">1</td>')).toBe(
      '<th style="border:1px solid #d9d9de;padding:4px 8px;text-align:left;text-align:right;" align="right">n</th><td style="border:1px solid #d9d9de;padding:4px 8px;text-align:center;" align="center">1</td>',
    );
    expect(emailBody('<blockquote>\n<p>q</p></blockquote>')).toMatch(
      /^<blockquote style="[^"]*" class="bs-muted">/,
    );
  });

  it('reads math as the TeX its author wrote and footnotes as numbered notes', async () => {
    await prepareAllMarkdown();
    const html = renderMarkdown(
      'Einstein wrote $E = mc^2$ in 1905[^1].\n\n$$\n\\int_0^1 x\\,dx\n$$\n\n[^1]: The paper.\n',
      { baseUrl: 'https://x.example', pageUrl: 'https://x.example/p/' },
      { math: true },
    );
    expect(bodyText(html)).toBe(
      'Einstein wrote $E = mc^2$ in 1905[1].\n\n$$\\int_0^1 x\\,dx$$\n\nFootnotes\n\n[1] The paper.',
    );
  });

  it('keeps display math within a line in its line, and a block of it on lines of its own', async () => {
    await prepareAllMarkdown();
    const html = renderMarkdown(
      'So $$x$$ holds.\n\n- item $$y$$\n- next\n\n# Head $$z$$\n\n$$w$$\n',
      { baseUrl: 'https://x.example', pageUrl: 'https://x.example/p/' },
      { math: true },
    );
    expect(bodyText(html)).toBe('So $$x$$ holds.\n\n- item $$y$$\n- next\n\nHead $$z$$\n\n$$w$$');
  });

  it('keeps whether a task is done, in both parts: mail clients drop the checkbox', async () => {
    await prepareAllMarkdown();
    const html = renderMarkdown('- [x] shipped\n- [ ] not yet\n', {
      baseUrl: 'https://x.example',
      pageUrl: 'https://x.example/p/',
    });
    expect(bodyText(html)).toBe('- [x] shipped\n- [ ] not yet');
    const mail = emailBody(html);
    expect(mail).not.toContain('<input');
    expect(mail).toMatch(/☑ shipped[\s\S]*☐ not yet/);
  });

  it('numbers only the notes, not the lists inside them', async () => {
    await prepareAllMarkdown();
    const html = renderMarkdown('A[^1] B[^2]\n\n[^1]: First:\n\n    - a\n    - b\n\n[^2]: Second.\n', {
      baseUrl: 'https://x.example',
      pageUrl: 'https://x.example/p/',
    });
    const text = bodyText(html);
    expect(text).toMatch(/\[1\] First:[\s\S]*- a\n- b[\s\S]*\[2\] Second\./);
    expect(text).not.toContain('[3]');
  });

  it('keeps the structure of lists, code within them, and raw HTML blocks in the text part', async () => {
    await prepareAllMarkdown();
    const html = renderMarkdown(
      [
        '1. one',
        '   - nested *em*',
        '     ```python',
        '     print("hi <b>")',
        '',
        '       indented',
        '     ```',
        '2. two',
        '',
        '<details><summary>More</summary>Hidden text</details>',
        '',
        'Line with hard break  ',
        'next line.',
        '',
        '7. seven',
        '8. eight',
        '',
        '<figure><img src="/a.png" alt="A &amp; B"><figcaption>Caption</figcaption></figure>',
        '',
        '- item',
        '',
        '  | a | b |',
        '  |---|---|',
        '  | 1 | 2 |',
      ].join('\n'),
      { baseUrl: 'https://x.example', pageUrl: 'https://x.example/p/' },
    );
    // As the digest has it: the body made fit for mail (highlighted code, styled), then read as text.
    expect(bodyText(emailBody(html))).toBe(
      [
        '1. one',
        '   - nested em',
        '     print("hi <b>")',
        '',
        '       indented',
        '2. two',
        '',
        'More',
        'Hidden text',
        '',
        'Line with hard break',
        'next line.',
        '',
        '7. seven',
        '8. eight',
        '',
        '[A & B]',
        'Caption',
        '',
        '- item',
        '',
        '  a | b',
        '  1 | 2',
      ].join('\n'),
    );
  });

  it('reads long runs of spaces in one pass', () => {
    // Quadratic before: 100 KB of spaces took 12 s. Counted in steps, not timed: the output is the check,
    // and a regression makes this test time out.
    const spaces = ' '.repeat(200_000);
    expect(bodyText(`<p>x${spaces}y</p><p>z${spaces}\nw</p>`)).toBe(`x${spaces}y\n\nz\nw`);
  });

  it('reads a long body of many elements in one pass, and keeps deep lists from multiplying its size', () => {
    // 800 KB of short paragraphs took 44 s when the walk read back from one growing string; a regression
    // makes this test time out.
    const paragraphs = Array.from({ length: 40_000 }, (_, i) => `<p>p<em>${i}</em></p>`).join('\n');
    const text = bodyText(paragraphs);
    expect(text.startsWith('p0\n\np1\n\n')).toBe(true);
    expect(text.endsWith('p39999')).toBe(true);
    // 400 lists deep in a few KB of raw HTML: lines indent a few levels at most, not 400.
    const deep = `${'<ul><li>'.repeat(400)}${'a<br>'.repeat(2000)}${'</li></ul>'.repeat(400)}`;
    const lines = bodyText(deep).split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(16);
  });

  it('past Gmail’s clip, shortens articles to summary and link from the oldest until it fits', () => {
    const big = (slug: string, date: string) =>
      article(
        { title: slug, date, slug, summary: `Summary of ${slug}.` },
        `${'Lorem ipsum dolor sit amet. '.repeat(2000)}`,
        `posts/${slug}.md`,
        site,
      );
    const articles = [big('newest', '2026-05-03'), big('middle', '2026-05-02'), big('oldest', '2026-05-01')];
    const { bodies, shortened } = planFullText(
      'd2',
      articles,
      new Map(articles.map((a) => [a.url, a.html])),
      site,
    );
    expect(shortened).toEqual([articles[2]?.url, articles[1]?.url]);
    expect(Object.keys(bodies)).toEqual([articles[0]?.url]);
    const mail = composeDigest({ id: 'd2', articles, bodies }, site).html(previewLinks(site));
    expect(Buffer.byteLength(mail)).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(mail).toContain('Summary of oldest.');
    expect(mail).not.toContain('Summary of newest.');
    expect(shortenedNote(articles, shortened)).toBe(
      'Full text would pass Gmail\'s 102 KB clip: 2 articles shortened to summary and link, oldest first: "oldest", "middle"',
    );
  });
});

describe('fullTextHtml: ids', () => {
  it('drops ids and references to them, which several articles in one mail would repeat', () => {
    const html =
      '<h2 id="intro"><a href="https://e.example/p/#intro">Intro</a></h2>\n' +
      '<p>A<sup><a id="footnote-ref-1" href="https://e.example/p/#footnote-1" data-footnote-ref aria-describedby="footnote-label">1</a></sup> id="kept as text"</p>';
    expect(String(fullTextHtml(html))).toContain(
      '<h2><a href="https://e.example/p/#intro">Intro</a></h2>\n' +
        '<p>A<sup><a href="https://e.example/p/#footnote-1" data-footnote-ref>1</a></sup> id="kept as text"</p>',
    );
  });
});
