// The ids the default theme puts on a page are kept out of heading slugs (LAYOUT_IDS in render.ts). These
// tests hold that list to the templates, so a new id in a template cannot be missed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYOUT_IDS, prepareAllMarkdown, renderMarkdown } from '../../../src/core/render.js';
import { repoRoot } from '../../helpers/cli.js';
import { article, planOf } from '../../helpers/site.js';

await prepareAllMarkdown();

const themeDir = join(repoRoot, 'themes/default');
const templates = readdirSync(themeDir, { recursive: true, encoding: 'utf8' }).filter((p) =>
  p.endsWith('.liquid'),
);

/** Each `id="…"` in the templates, as a pattern: a Liquid output in it stands for any text. */
const templateIds = templates.flatMap((path) =>
  [...readFileSync(join(themeDir, path), 'utf8').matchAll(/\bid="([^"]*)"/g)].map((m) => {
    const literal = m[1] ?? '';
    const pattern = literal
      .split(/\{\{[^}]*\}\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^"]+');
    return { path, literal, pattern: new RegExp(`^${pattern}$`) };
  }),
);

const idsIn = (html: string) => [...html.matchAll(/\bid="([^"]*)"/g)].map((m) => m[1]);

describe('LAYOUT_IDS', () => {
  it('covers every id="…" the default theme’s templates write, and nothing else', () => {
    expect(templateIds.length).toBeGreaterThan(0);
    for (const { path, literal, pattern } of templateIds)
      expect(
        LAYOUT_IDS.some((id) => pattern.test(id)),
        `${path}: id="${literal}"`,
      ).toBe(true);
    for (const id of LAYOUT_IDS)
      expect(
        templateIds.some(({ pattern }) => pattern.test(id)),
        `${id} is in no template`,
      ).toBe(true);
  });

  it('holds every id on every page of a built site whose articles have no headings', async () => {
    const plan = planOf([
      article({ title: 'One', date: '2026-10-02T09:30:00Z', tags: '[email]', slug: 'one' }, 'Plain text.'),
      article({ title: 'Two', date: '2026-09-14T08:00:00Z', slug: 'two' }, 'More text.'),
    ]);
    const pages = plan.filter((f) => f.path.endsWith('.html'));
    expect(pages.map((f) => f.path)).toEqual(
      expect.arrayContaining(['posts/one/index.html', 'subscribe/index.html']),
    );
    const seen = new Set<string | undefined>();
    for (const file of pages) {
      const ids = idsIn(String(await file.render()));
      for (const id of ids) expect(LAYOUT_IDS, `${file.path}: id="${id}"`).toContain(id);
      for (const id of ids) seen.add(id);
    }
    // And every one of them is in use: the list is the pages' ids exactly.
    expect([...seen].sort()).toEqual([...LAYOUT_IDS].sort());
  });

  it('keeps heading ids off the layout’s own', () => {
    const base = { baseUrl: 'https://news.example.com', pageUrl: 'https://news.example.com/posts/p/' };
    const html = renderMarkdown(
      '## Main\n\n## Subscribe email\n\n## Subscribe note\n\n## Subscribe website\n\n## Feed 0\n\n## Main',
      base,
    );
    expect(idsIn(html)).toEqual([
      'main-1',
      'subscribe-email-1',
      'subscribe-note-1',
      'subscribe-website-1',
      'feed-0-1',
      'main-2',
    ]);
  });
});
