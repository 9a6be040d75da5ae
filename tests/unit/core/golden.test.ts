// Golden files: one page of each kind, each feed format and the digest (HTML and text), rendered with the
// default theme from a fixed set of articles. `UPDATE_GOLDEN=1 npx vitest run tests/unit/core/golden.test.ts`
// rewrites them; review the diff like code.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeDigest, digestId, previewLinks } from '../../../src/core/digest.js';
import { pageContext } from '../../../src/core/layout.js';
import { contentPage } from '../../../src/core/pages.js';
import { prepareAllMarkdown } from '../../../src/core/render.js';
import { parsePage } from '../../../src/core/site-page.js';
import { themeFor } from '../../../src/core/theme.js';
import { repoRoot } from '../../helpers/cli.js';
import { article, bytes, planOf, testSite } from '../../helpers/site.js';

const GOLDEN = join(repoRoot, 'tests/fixtures/golden');
const update = process.env.UPDATE_GOLDEN === '1';

// Highlighting, math and emoji load lazily; the articles below are parsed synchronously.
await prepareAllMarkdown();

const articles = [
  article(
    {
      title: '"Café: “quotes” & <more>"',
      date: '2026-10-02T09:30:00+01:00',
      summary: 'How the digest decides what is new.',
      tags: '[email, reliability]',
      slug: 'cafe',
      image: '/images/cover.png',
    },
    'When new articles land, subscribers get **one** digest.\n\n```js\nconst a = 1 < 2;\n```',
  ),
  article(
    {
      title: 'Why plain text',
      date: '2026-09-14T08:00:00Z',
      updated: '2026-09-20T08:00:00Z',
      tags: '[email]',
      slug: 'plain',
      author: 'Zoë Almeida',
    },
    'Plain text travels well.',
  ),
  article({ title: 'Last year', date: '2025-12-31T23:00:00Z', slug: 'old' }, 'An older one.'),
];

/** The files of the built site this test pins, one of each kind. */
const SITE_FILES = [
  'index.html',
  'posts/cafe/index.html',
  'tags/email/index.html',
  'tags/index.html',
  'archive/2026/index.html',
  'archive/index.html',
  '404.html',
  'subscribe/index.html',
  'feed.xml',
  'atom.xml',
  'feed.json',
];

function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (update || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual, name).toBe(readFileSync(path, 'utf8'));
}

describe('golden files (default theme)', () => {
  const plan = planOf(articles);
  it.each(SITE_FILES)('%s', async (path) => {
    const file = plan.find((f) => f.path === path);
    if (!file) throw new Error(`the plan has no ${path}`);
    expectGolden(`site/${path}`, String(await file.render()));
  });

  it('a page of content/pages/, listed in the navigation', () => {
    const parsed = parsePage(
      {
        path: 'pages/about.md',
        bytes: bytes('---\ntitle: About “us”\nsummary: Who we are.\n---\nWe write **plain** text.\n'),
      },
      testSite,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const ctx = pageContext(testSite, themeFor(testSite), [{ name: 'about', title: parsed.page.title }]);
    expectGolden('site/about/index.html', contentPage(ctx, parsed.page));
  });

  it.each(['instant', 'weekly'] as const)('the %s digest, HTML and text', (delivery) => {
    const digest = composeDigest({ id: digestId(articles), articles }, testSite, delivery);
    const links = previewLinks(testSite);
    expectGolden(`digest/${delivery}.html`, digest.html(links));
    expectGolden(`digest/${delivery}.txt`, digest.text(links));
    expectGolden(`digest/${delivery}.subject.txt`, `${digest.subject}\n`);
  });

  // After every test above: pages and digests rendered on liquid-sync.ts's path, none on liquidjs's slower one.
  it('rendered every golden without falling back to liquidjs', () => {
    expect(themeFor(testSite).slowRenders).toBe(0);
  });
});
