// Pages (issue 15): content/pages/<name>.md is served at /<name>/, named in the navigation in the order of
// site.yaml's nav, and never in a feed or a digest; both editions apply it through the same index.
import { describe, expect, it } from 'vitest';
import { parsePage } from '../../../src/core/site-page.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemoryLock,
  MemorySite,
  MemorySource,
  MemoryStatic,
} from '../../helpers/memory.js';
import { bytes, testSite } from '../../helpers/site.js';

const NOW = new Date('2026-02-01T00:00:00Z');

function setup(nav: string[]) {
  const content = new MemorySource();
  const pages = new MemorySource();
  const output = new MemorySite();
  const ledger = new MemoryLedger();
  const index = new MemoryIndex();
  const deps = (mode: 'strict' | 'lenient') => ({
    site: { ...testSite, nav },
    content,
    pages,
    assets: new MemoryStatic(),
    output,
    index,
    mode,
    lease: new MemoryLock(),
    announce: { ledger, digests: ledger, recipients: anInstantReader },
  });
  content.files.set('posts/a.md', '---\ntitle: An article\ndate: 2026-01-01T10:00:00Z\n---\nBody.\n');
  pages.files.set('pages/about.md', '---\ntitle: About us\n---\nWho **we** are.\n');
  pages.files.set('pages/colophon.md', '---\ntitle: Colophon\n---\nHow it is made.\n');
  return { deps, output, ledger, pages };
}

describe('pages', () => {
  it('serves each page at /<name>/, lists the nav ones in nav order, and keeps them out of feeds and digests', async () => {
    const { deps, output, ledger } = setup(['colophon', 'about']);
    const outcome = await publishChanges(deps('strict'), 'all', NOW);
    const files = output.bytes();
    expect(files.get('about/index.html')).toContain('<p>Who <strong>we</strong> are.</p>');
    const home = String(files.get('index.html'));
    const nav = home.slice(home.indexOf('<nav'), home.indexOf('</nav>'));
    expect(nav.indexOf('>Colophon<')).toBeGreaterThan(0);
    expect(nav.indexOf('>Colophon<')).toBeLessThan(nav.indexOf('>About us<'));
    for (const feed of ['feed.xml', 'atom.xml', 'feed.json'])
      expect(String(files.get(feed)), feed).not.toContain('About us');
    expect(outcome.digest?.articles).toEqual(['https://news.example.com/posts/a/']);
    expect(ledger.announcedUrls()).toEqual(['https://news.example.com/posts/a/']);
    expect(String(files.get('sitemap.xml'))).toContain('<loc>https://news.example.com/about/</loc>');
  });

  it('re-renders every page when a page in the navigation is retitled, and only that page otherwise', async () => {
    const { deps, pages } = setup(['about']);
    await publishChanges(deps('lenient'), 'all', NOW);
    pages.files.set('pages/colophon.md', '---\ntitle: Colophon\n---\nHow it is made, again.\n');
    const edited = await publishChanges(deps('lenient'), ['pages/colophon.md'], NOW);
    expect(edited.site.written).toEqual(['colophon/index.html']);
    pages.files.set('pages/about.md', '---\ntitle: About\n---\nWho we are.\n');
    const retitled = await publishChanges(deps('lenient'), ['pages/about.md'], NOW);
    expect(retitled.site.written).toContain('index.html');
    expect(retitled.site.written).toContain('posts/a/index.html');
    expect(retitled.site.written.some((p) => p.endsWith('.xml'))).toBe(false);
  });

  it('stops the build when nav names a page that does not exist', async () => {
    const { deps } = setup(['missing']);
    await expect(publishChanges(deps('strict'), 'all', NOW)).rejects.toThrow(
      /site\.yaml: error in nav: names "missing"/,
    );
  });
});

describe('parsePage', () => {
  const page = (path: string, text: string) => parsePage({ path, bytes: bytes(text) }, testSite);

  it('needs no date, and reports problems on the lines of the file as written', () => {
    const ok = page('pages/about.md', '---\ntitle: About\n---\nText.\n');
    expect(ok.ok && ok.page).toMatchObject({ name: 'about', title: 'About', draft: false });
    const bad = page('pages/about.md', '---\ntitle: About\ndraft: maybe\n---\nText.\n');
    expect(bad.ok ? [] : bad.problems).toEqual([
      expect.objectContaining({ file: 'pages/about.md', field: 'draft', line: 3 }),
    ]);
  });

  it("points the page's own links (heading anchors, footnotes, #fragments) at the page, not at /posts/", () => {
    const text =
      '---\ntitle: About\n---\nA note[^1]\n\n[^1]: The note.\n\n## A heading\n\n[up](#a-heading)\n';
    const result = page('pages/about.md', text);
    const html = result.ok ? result.page.html : '';
    const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const link of links) expect(link).toMatch(/^https:\/\/news\.example\.com\/about\/#/);
  });

  it.each([
    ['pages/posts.md', /address the site generates/],
    ['pages/About Us.md', /lowercase letters, digits and hyphens/],
  ])('refuses %s', (path, reason) => {
    const result = page(path, '---\ntitle: X\n---\nText.\n');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems[0]?.reason).toMatch(reason);
  });
});
