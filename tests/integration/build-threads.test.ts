// Work on worker threads must change nothing but the time: the same parse results, in the same order, and
// the same article pages as the main thread's; and a whole build through the bundled CLI (which uses the
// threads) must write the same site as the in-process build.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCorpus } from '../../bench/corpus.js';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { BuildThreads } from '../../src/adapters/threads/build-threads.js';
import { type Article, contentHash, parseArticlesSafely } from '../../src/core/article.js';
import { pageContext } from '../../src/core/layout.js';
import { articlePage } from '../../src/core/pages.js';
import type { HashedSource } from '../../src/core/ports.js';
import { themeFor } from '../../src/core/theme.js';
import { localBuild } from '../../src/local.js';
import { repoRoot, snapshot } from '../helpers/cli.js';
import { bytes, markdown, testSite } from '../helpers/site.js';

const run = promisify(execFile);
let workerScript: URL;

beforeAll(async () => {
  // The worker as bin/broadsheet.js bundles it: tests run from the TypeScript sources, which a worker
  // thread cannot load.
  const dir = await mkdtemp(join(tmpdir(), 'build-worker-'));
  await build({
    entryPoints: { 'build-worker': join(repoRoot, 'src/adapters/threads/build-worker.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  workerScript = pathToFileURL(join(dir, 'build-worker.mjs'));
}, 60_000);

async function sources(): Promise<HashedSource[]> {
  const hostile = join(repoRoot, 'tests/fixtures/hostile');
  const files: HashedSource[] = [];
  for (const name of (await readdir(hostile)).sort()) {
    const data = new Uint8Array(await readFile(join(hostile, name)));
    files.push({ path: `posts/${name}`, bytes: data, hash: contentHash(data) });
  }
  for (let i = 0; i < 40; i++) {
    const data = bytes(
      markdown(
        { title: `Article ${i}`, date: '2026-03-01T10:00:00Z', tags: '[notes]' },
        `Text with <em>HTML</em>, :tada:, $x^2$ and\n\n\`\`\`ts\nconst n = ${i};\n\`\`\`\n`,
      ),
    );
    files.push({ path: `posts/article-${i}.md`, bytes: data, hash: contentHash(data) });
  }
  return files;
}

describe('parsing on worker threads', () => {
  it('returns what the main thread returns, in order, for good and bad articles alike', async () => {
    const input = await sources();
    const threads = new BuildThreads(workerScript, 3, 1);
    const threaded = await threads.parseAll(input, testSite).finally(() => threads.close());
    const here = await parseArticlesSafely(input, testSite);
    expect(threaded).toHaveLength(input.length);
    expect(threaded.some((r) => !r.ok)).toBe(true);
    expect(threaded.some((r) => r.ok)).toBe(true);
    expect(threaded).toEqual(here);
  }, 60_000);

  it("renders article pages as articlePage does here, with the site's theme overrides and navigation", async () => {
    const input = (await sources()).slice(-6);
    const articles = (await parseArticlesSafely(input, testSite)).flatMap((r) => (r.ok ? [r.article] : []));
    expect(articles).toHaveLength(6);
    const article = await readFile(join(repoRoot, 'themes/default/article.liquid'), 'utf8');
    const overrides = { 'article.liquid': `<p class="marker">{{ article.title }}</p>\n${article}` };
    const nav = [{ name: 'about', title: 'About us' }];
    const threads = new BuildThreads(workerScript, 2, 1);
    try {
      const render = threads.forPages({ site: testSite, overrides, nav }, articles.length);
      expect(render).toBeDefined();
      const ctx = pageContext(testSite, themeFor(testSite, overrides), nav);
      const pages = await Promise.all(
        articles.map((a, i) => {
          const { html: _body, ...newer } = articles[i - 1] ?? ({} as Article);
          const neighbours = i > 0 ? { newer } : {};
          return render?.(a, neighbours).then((html) => ({ html, here: articlePage(ctx, a, neighbours) }));
        }),
      );
      for (const page of pages) {
        expect(page?.html).toContain('class="marker"');
        expect(page?.html).toContain('About us');
        expect(page?.html).toBe(page?.here);
      }
    } finally {
      await threads.close();
    }
  }, 60_000);

  it('stays on this thread below its minimum, or without a worker script', async () => {
    const input = (await sources()).slice(0, 3);
    // A script that does not exist would fail if a thread were started.
    const missing = new URL('file:///nonexistent/build-worker.mjs');
    const small = await new BuildThreads(missing, 2, 10).parseAll(input, testSite);
    expect(small).toEqual(await parseArticlesSafely(input, testSite));
    await expect(new BuildThreads(missing, 2, 1).parseAll(input, testSite)).rejects.toThrow();
  });

  it('the bundled CLI, parsing and rendering on threads, writes the same site as the build in this process', async () => {
    const project = await mkdtemp(join(tmpdir(), 'threaded-build-'));
    await writeCorpus(project, 260);
    const content = join(project, 'content');
    const now = '2030-01-01T00:00:00Z';
    const cli = join(repoRoot, 'bin/broadsheet.js');
    const threads = join(project, 'threads');
    await run(process.execPath, [
      cli,
      'build',
      '--content',
      content,
      '--out',
      join(threads, 'dist'),
      '--outbox',
      join(threads, 'outbox'),
      '--state',
      join(threads, 'state'),
      '--now',
      now,
    ]);
    const here = join(project, 'here');
    const paths = {
      content,
      out: join(here, 'dist'),
      outbox: join(here, 'outbox'),
      state: join(here, 'state'),
    };
    await localBuild(await loadSiteConfig(content), paths, new Date(now));
    const built = await snapshot(join(threads, 'dist'));
    expect(Object.keys(built).length).toBeGreaterThan(260);
    expect(built).toEqual(await snapshot(paths.out));
  }, 180_000);
});
