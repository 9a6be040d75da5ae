// The public archive of issues, planned by the one pipeline: each digest that went out gets a page with
// what it carried (no personal links), the index lists them newest first, with a feed; `archive: false`
// writes none of it.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from '../../../src/core/site.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { feedparser } from '../../helpers/clients.js';
import { MemoryIndex, MemoryLedger, MemorySite, MemorySource, MemoryStatic } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const siteWith = (extra: object) =>
  parseSiteConfig({
    title: testSite.title,
    base_url: testSite.baseUrl,
    author: { name: testSite.author.name },
    sender: testSite.sender,
    ...extra,
  });

async function twoIssues(site = siteWith({})) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const output = new MemorySite();
  const deps = {
    site,
    content,
    output,
    assets: new MemoryStatic(),
    index: new MemoryIndex(),
    mode: 'lenient' as const,
    announce: { ledger, digests: ledger },
  };
  const post = (slug: string, title: string, date: string) =>
    content.files.set(
      `posts/${slug}.md`,
      `---\ntitle: ${title}\ndate: ${date}\nsummary: About ${title}.\n---\nBody.\n`,
    );
  post('one', 'First & foremost', '2026-05-01');
  await publishChanges(deps, ['posts/one.md'], new Date('2026-05-01T12:00:00Z'));
  post('two', 'Second', '2026-05-02');
  post('three', 'Third', '2026-05-02T10:00:00Z');
  await publishChanges(deps, ['posts/two.md', 'posts/three.md'], new Date('2026-05-03T12:00:00Z'));
  return { output, ledger };
}

describe('the public archive of issues', () => {
  it('gives each digest sent a page, listed newest first, with a feed, and no personal link', async () => {
    const { output, ledger } = await twoIssues();
    const [first, second] = [...ledger.digests.keys()];
    const page = output.text(`newsletter/${second}/index.html`);
    expect(page).toContain('<h1>2 new articles on Test Gazette</h1>');
    expect(page).toContain('<a href="https://news.example.com/posts/three/">Third</a>');
    expect(page).toContain('About Second.');
    expect(output.text(`newsletter/${first}/index.html`)).toContain('First &amp; foremost');
    for (const [path] of output.files)
      if (path.startsWith('newsletter/')) expect(output.text(path)).not.toMatch(/token=|unsubscribe\?/);
    const index = output.text('newsletter/index.html');
    expect(index.indexOf(String(second))).toBeLessThan(index.indexOf(String(first)));

    const dir = await mkdtemp(join(tmpdir(), 'issues-'));
    await writeFile(join(dir, 'feed.xml'), output.text('newsletter/issues.xml'));
    const feed = await feedparser(join(dir, 'feed.xml'));
    expect(feed.bozo).toBe(false);
    expect(feed.entries.map((e) => e.title)).toEqual([
      '2 new articles on Test Gazette',
      'First & foremost · Test Gazette',
    ]);
    expect(feed.entries[0]?.link).toBe(`https://news.example.com/newsletter/${second}/`);
  });

  it('writes nothing under newsletter/ with archive: false', async () => {
    const { output } = await twoIssues(siteWith({ archive: false }));
    expect([...output.files.keys()].filter((p) => p.startsWith('newsletter/'))).toEqual([]);
  });
});
