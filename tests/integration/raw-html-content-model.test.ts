// Raw HTML an author nests wrongly still makes a page, a feed entry and a digest body that pass the Nu HTML
// checker (vnu-jar, on Debian's Java runtime), with every word the author wrote.
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { emailBody } from '../../src/core/full-text.js';
import { previewBuild } from '../../src/local.js';
import { repoRoot } from '../helpers/cli.js';
import { nuCheckerErrors } from '../helpers/nu-checker.js';

/** Each nests as the HTML content model does not allow; each word (w1…) must reach the reader. */
const BODY = [
  'A <em><p>w1</p></em> w2',
  '<a href="/x">w3 <a href="/y">w4</a> w5</a>',
  '<li>w6</li>',
  '## w7 <p>w8</p>',
  '<h2><p>w9</p></h2>',
  '<details><summary><p>w10</p></summary>w11</details>',
  '<table><p>w12</p><tr><td>w13</td></tr></table>',
  '<table><td>w14</td></table>',
  // The general rules behind them: flow content where only phrasing may stand, links and controls inside a
  // link, list items and terms outside their lists, table parts out of place.
  'Press <kbd><ul><li>w15</li></ul></kbd> <strong>w16 <blockquote>w17</blockquote></strong>',
  '<a href="/card"><h3>w18</h3><p>w19 <a href="/in">w20</a></p></a>',
  '<p><a href="/box">w21 <input type="checkbox" checked> w22</a></p>',
  '<ul><p>w23</p><li>w24</li><ul><li>w25</li></ul></ul>',
  '<dl><dd>w26</dd><p>w27</p></dl>',
  '<dt>w28</dt><dd>w29</dd>',
  '<table><thead><tr><th><h4>w30</h4></th></tr></thead><tr>w31<td>w32</td></tr><tr></tr></table>',
  '<td>w33</td>',
  '<details><p>w34</p><summary>w35</summary></details>',
  '<figure><figcaption>w36</figcaption><img src="/w.png" alt="w37"><figcaption>w38</figcaption></figure>',
  '<details><p>w39</p></details>',
].join('\n\n');
const WORDS = Array.from({ length: 39 }, (_, i) => `w${i + 1}`);

const document = (body: string) =>
  `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Body</title></head><body>\n${body}\n</body></html>\n`;

describe('raw HTML that nests wrongly', () => {
  it('builds a page, a feed entry and a full-text digest body the Nu HTML checker finds no error in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'content-model-'));
    const content = join(dir, 'content');
    await mkdir(join(content, 'posts'), { recursive: true });
    await cp(join(repoRoot, 'content/site.yaml'), join(content, 'site.yaml'));
    await cp(join(repoRoot, 'content/pages'), join(content, 'pages'), { recursive: true });
    await writeFile(
      join(content, 'posts/2026-11-01-nested.md'),
      `---\ntitle: Nested wrongly\ndate: 2026-11-01\nsummary: Raw HTML nested wrongly.\n---\n${BODY}\n`,
    );
    const dist = join(dir, 'dist');
    const site = await loadSiteConfig(content);
    await previewBuild(site, content, dist, new Date('2026-11-25T12:00:00Z'));

    const page = join(dist, 'posts/nested/index.html');
    const feed = JSON.parse(await readFile(join(dist, 'feed.json'), 'utf8')) as {
      items: { content_html: string }[];
    };
    const entry = feed.items[0]?.content_html ?? '';
    await writeFile(join(dir, 'feed-entry.html'), document(entry));
    await writeFile(join(dir, 'digest-body.html'), document(emailBody(entry)));

    const pageHtml = await readFile(page, 'utf8');
    for (const word of WORDS) {
      expect(pageHtml, word).toMatch(new RegExp(`\\b${word}\\b`));
      expect(entry, word).toMatch(new RegExp(`\\b${word}\\b`));
    }
    expect(
      await nuCheckerErrors([page, join(dir, 'feed-entry.html'), join(dir, 'digest-body.html')], dir),
    ).toEqual([]);
  }, 120_000);
});
