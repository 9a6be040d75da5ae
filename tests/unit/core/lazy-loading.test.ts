// Each article parses in a fresh process as the CLI and the functions run it: prepareToParse loads only what
// its sources need (the sanitizer, highlight.js, temml, the emoji table), and parseArticle must then never
// ask for more. Other tests load everything up front, which hides a gap here: math on for the whole site
// once crashed every article without a `$`. This file must not import tests/helpers/site.ts.
import { describe, expect, it, vi } from 'vitest';
import { parseSiteConfig } from '../../../src/core/site.js';

const FEATURES = {
  plain: 'Just words.',
  math: 'Energy is $E = mc^2$.',
  'display math': '$$\nx^2\n$$',
  'math fence': '```math\nx^2\n```',
  code: '```ts\nconst a = 1;\n```',
  'raw HTML': 'Hello <em>there</em>.',
  emoji: 'Done :tada:',
  footnote: 'A claim[^1].\n\n[^1]: The source.',
  alert: '> [!NOTE]\n> Read this.',
  'dollars, not math': 'It costs $5 and $6.',
} as const;

const siteWith = (math: boolean) =>
  parseSiteConfig({
    title: 'Lazy',
    base_url: 'https://lazy.example.com',
    timezone: 'UTC',
    author: { name: 'A', email: 'a@example.com' },
    sender: { name: 'Lazy', address: 'digest@example.com' },
    math,
  });

const cases = Object.entries(FEATURES).flatMap(([feature, body]) =>
  [false, true].flatMap((siteMath) =>
    [undefined, 'true', 'false'].map((articleMath) => ({ feature, body, siteMath, articleMath })),
  ),
);

describe('what an article needs is loaded for it, and only that', () => {
  it.each(cases)('$feature with site math $siteMath and article math $articleMath', async (c) => {
    vi.resetModules();
    const { parseArticle, prepareToParse } = await import('../../../src/core/article.js');
    const text = `---\ntitle: T\ndate: 2026-01-01T00:00:00Z\n${c.articleMath ? `math: ${c.articleMath}\n` : ''}---\n${c.body}\n`;
    const source = { path: 'posts/t.md', bytes: new TextEncoder().encode(text) };
    await prepareToParse([source]);
    const result = parseArticle(source, siteWith(c.siteMath));
    expect(result.ok ? [] : result.problems).toEqual([]);
    const math = c.articleMath === undefined ? c.siteMath : c.articleMath === 'true';
    if (result.ok)
      expect(result.article.html.includes('<math')).toBe(
        math && (c.feature === 'math' || c.feature === 'display math' || c.feature === 'math fence'),
      );
  });
});
