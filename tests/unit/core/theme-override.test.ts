// A site's theme files replace the default's by relative path, and a change re-renders exactly the pages
// that use the file: the layout every page, the article template only article pages.
import { describe, expect, it } from 'vitest';
import { composeDigest, previewLinks } from '../../../src/core/digest.js';
import type { SiteFile } from '../../../src/core/site-build.js';
import { DEFAULT_THEME, ThemeLoadError, themeFor } from '../../../src/core/theme.js';
import { article, planOf, testSite } from '../../helpers/site.js';

const articles = [
  article({ title: 'First', date: '2026-10-02T09:30:00Z', tags: '[email]', slug: 'first' }),
  article({ title: 'Second', date: '2026-10-03T09:30:00Z', slug: 'second' }),
];
const pages = (plan: SiteFile[]) => plan.filter((f) => f.kind === 'page' && f.path.endsWith('.html'));
const isArticle = (f: SiteFile) => f.path.startsWith('posts/');
const rendered = async (plan: SiteFile[]) =>
  new Map(await Promise.all(pages(plan).map(async (f) => [f.path, String(await f.render())] as const)));

describe('theme overrides', () => {
  const before = planOf(articles);
  const keysBefore = new Map(before.map((f) => [f.path, f.key]));
  const changedKeys = (plan: SiteFile[]) =>
    plan.filter((f) => keysBefore.get(f.path) !== f.key).map((f) => f.path);

  it('shows a layout change on every page and re-keys every page, but no feed', async () => {
    const layout = `${DEFAULT_THEME['layouts/base.liquid']}`.replace(
      '<main id="main">',
      '<main id="main">\n<p class="banner">Framed</p>',
    );
    const plan = planOf(articles, testSite, [], themeFor(testSite, { 'layouts/base.liquid': layout }));
    for (const [path, html] of await rendered(plan))
      expect(html, path).toContain('<p class="banner">Framed</p>');
    const changed = changedKeys(plan);
    expect(changed.sort()).toEqual(
      pages(plan)
        .map((f) => f.path)
        .sort(),
    );
    expect(changed.some((p) => p.endsWith('.xml') || p.endsWith('.json'))).toBe(false);
  });

  it('shows an article-template change on article pages only, and re-keys only them', async () => {
    const template = `<p class="mine">Mine</p>\n${DEFAULT_THEME['article.liquid']}`;
    const plan = planOf(articles, testSite, [], themeFor(testSite, { 'article.liquid': template }));
    for (const [path, html] of await rendered(plan)) {
      expect(html.includes('<p class="mine">Mine</p>'), path).toBe(path.startsWith('posts/'));
    }
    expect(changedKeys(plan).sort()).toEqual(
      pages(plan)
        .filter(isArticle)
        .map((f) => f.path)
        .sort(),
    );
  });

  it('serves an overridden stylesheet under its own fingerprint and links it from every page', async () => {
    const plan = planOf(articles, testSite, [], themeFor(testSite, { 'style.css': 'body{color:#123456}\n' }));
    const css = plan.find((f) => f.path.startsWith('style.') && f.path.endsWith('.css'));
    expect(String(await css?.render())).toBe('body{color:#123456}\n');
    for (const [path, html] of await rendered(plan)) expect(html, path).toContain(`href="/${css?.path}"`);
    // The subscription API's pages link it by a fixed name: the function serving them cannot know the hash.
    const stable = plan.find((f) => f.path === 'style.css');
    expect(String(await stable?.render())).toBe('body{color:#123456}\n');
  });

  it('gives the email the colours of the site’s stylesheet, light inline and dark in its one style block', () => {
    const css =
      ':root{--fg:#101010;--muted:#202020;--bg:#fafafa;--accent:#123456;--rule:#cccccc}\n@media (prefers-color-scheme: dark){:root{--fg:#efefef;--bg:#000000;--accent:#abcdef}}\n';
    const theme = themeFor(testSite, { 'style.css': css });
    const html = composeDigest({ id: 'd1', articles }, testSite, 'instant', theme).html(
      previewLinks(testSite),
    );
    expect(html).toContain('style="color:#123456;text-decoration:none;"');
    expect(html).toContain('background:#fafafa;');
    expect(html).toMatch(
      /@media \(prefers-color-scheme:dark\)\{body,\.bs-bg\{background:#000000!important\}\.bs-fg\{color:#efefef!important\}\.bs-muted\{color:#202020!important\}\.bs-accent\{color:#abcdef!important\}/,
    );
  });
});

describe("a site's locale file", () => {
  const withLocale = (strings: Record<string, unknown>) => {
    const en = { ...JSON.parse(DEFAULT_THEME['locales/en.json'] ?? '{}'), ...strings };
    return () => themeFor(testSite, { 'locales/en.json': JSON.stringify(en) });
  };

  it('refuses a string that is not text, naming the file and the key', () => {
    let error: unknown;
    try {
      withLocale({ 'nav.archive': 5, 'archive.count': { one: '1', several: '2', other: '3' } })();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ThemeLoadError);
    expect((error as ThemeLoadError).problems.map((p) => `${p.file} ${p.field}: ${p.reason}`)).toEqual([
      'theme/locales/en.json nav.archive: is 5: it must be text, or plural forms of text ({"one": "…", "other": "…"})',
      'theme/locales/en.json archive.count: is {"one":"1","several":"2","other":"3"}: it must be text, or plural forms of text ({"one": "…", "other": "…"})',
    ]);
  });
});
