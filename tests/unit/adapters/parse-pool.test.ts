import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadedParser } from '../../../src/adapters/threads/parse-pool.js';
import { type ArticleSource, contentHash, parseArticleSafely } from '../../../src/core/article.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { repoRoot } from '../../helpers/cli.js';
import { bundledParseWorker } from '../../helpers/parse-worker.js';
import { bytes, testSite } from '../../helpers/site.js';

/** The sample articles, the hostile fixtures and the render fixtures: valid, invalid, warned, raw HTML. */
async function fixtureSources(): Promise<ArticleSource[]> {
  const sources: ArticleSource[] = [];
  for (const dir of ['content/posts', 'tests/fixtures/hostile', 'tests/fixtures/render']) {
    for (const name of (await readdir(join(repoRoot, dir))).filter((n) => n.endsWith('.md')).sort())
      sources.push({ path: `posts/${name}`, bytes: await readFile(join(repoRoot, dir, name)) });
  }
  return sources;
}

const parseAll = (parser: ThreadedParser, sources: readonly ArticleSource[]) =>
  Promise.all(sources.map((s) => parser.parse(s, testSite, contentHash(s.bytes))));
const parseHere = (sources: readonly ArticleSource[]) =>
  Promise.all(sources.map((s) => parseArticleSafely(s, testSite, contentHash(s.bytes))));

let worker: URL;
const parsers: ThreadedParser[] = [];
const warnings: string[] = [];
const parserOf = (file: URL, mode: 'auto' | 'only') => {
  const parser = new ThreadedParser(file, mode, (message) => warnings.push(message));
  parsers.push(parser);
  return parser;
};
beforeAll(async () => {
  worker = await bundledParseWorker();
}, 60_000);
afterAll(async () => {
  await Promise.all(parsers.map((p) => p.close()));
});

describe('ThreadedParser (sources parsed on a worker thread as well)', () => {
  it('gives every source, parsed on the worker alone, the result this thread gives it', async () => {
    const sources = await fixtureSources();
    expect(sources.length).toBeGreaterThan(30);
    const parser = parserOf(worker, 'only');
    expect(await parseAll(parser, sources)).toStrictEqual(await parseHere(sources));
    expect(parser.counts).toEqual({ worker: sources.length, here: 0 });
  });

  it('parses generated articles alike on both threads, with both taking sources (auto)', async () => {
    const parser = parserOf(worker, 'auto');
    // Told a large build follows: the worker starts.
    parser.expect(10_000);
    const block = fc.constantFrom(
      '## A heading',
      '```ts\nconst a: number = 1;\n```',
      '```nosuchlanguage\nx\n```',
      'Text with a footnote[^1].\n\n[^1]: The note.',
      '> [!NOTE]\n> An alert.',
      '<div onclick="x()">raw <b>HTML</b></div>',
      '| a | b |\n| - | - |\n| 1 | 2 |',
      ':tada: and $E = mc^2$',
      '- one\n- two',
    );
    const article = fc.record({
      title: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('')),
      date: fc.constantFrom('2026-01-02', '2026-01-02T10:00:00Z', 'not a date', '2026-02-30'),
      tags: fc.array(fc.constantFrom('C++', 'c', 'Кириллица', '日本語', 'news'), { maxLength: 3 }),
      body: fc.array(block, { maxLength: 6 }),
    });
    const toSources = (
      articles: readonly { title: string; date: string; tags: string[]; body: string[] }[],
    ) =>
      articles.map((a, i) => ({
        path: `posts/a${i}.md`,
        bytes: bytes(
          `---\ntitle: ${JSON.stringify(a.title)}\ndate: ${a.date}\ntags: ${JSON.stringify(a.tags)}\n---\n${a.body.join('\n\n')}\n`,
        ),
      }));
    await fc.assert(
      fc.asyncProperty(fc.array(article, { minLength: 70, maxLength: 120 }), async (articles) => {
        const sources = toSources(articles);
        expect(await parseAll(parser, sources)).toStrictEqual(await parseHere(sources));
      }),
      { numRuns: 8 },
    );
    // Each run above is over before a loaded machine has started the worker; one large batch outlasts that.
    const many = toSources(fc.sample(article, { numRuns: 3000, seed: 16 }));
    expect(await parseAll(parser, many)).toStrictEqual(await parseHere(many));
    expect(parser.counts.worker).toBeGreaterThan(0);
    expect(parser.counts.here).toBeGreaterThan(0);
  }, 120_000);

  it('starts no worker for a small build', async () => {
    const parser = parserOf(worker, 'auto');
    const sources = await fixtureSources();
    parser.expect(sources.length);
    expect(await parseAll(parser, sources)).toStrictEqual(await parseHere(sources));
    expect(parser.counts).toEqual({ worker: 0, here: sources.length });
  });

  it('parses in this thread when the worker cannot start, dies, or gives up on a source', async () => {
    const sources = (await fixtureSources()).slice(0, 20);
    const expected = await parseHere(sources);
    const dies = join(tmpdir(), `dying-worker-${process.pid}.mjs`);
    await writeFile(
      dies,
      "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('ready');\nparentPort.on('message', () => process.exit(3));\n",
    );
    const refuses = join(tmpdir(), `refusing-worker-${process.pid}.mjs`);
    await writeFile(
      refuses,
      "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('ready');\nparentPort.on('message', (m) => parentPort.postMessage({ id: m.id, failed: 'no' }));\n",
    );
    const reasons = [/Cannot find module|ERR_MODULE_NOT_FOUND/, /exited \(code 3\)/, /\(no\)/];
    for (const [i, file] of [
      new URL('file:///nonexistent/parse-worker.mjs'),
      pathToFileURL(dies),
      pathToFileURL(refuses),
    ].entries()) {
      warnings.length = 0;
      const parser = parserOf(file, 'only');
      expect(await parseAll(parser, sources)).toStrictEqual(expected);
      expect(parser.counts).toEqual({ worker: 0, here: sources.length });
      // Said once, with why.
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(reasons[i] as RegExp);
    }
  });

  it('starts a worker again after closing the idle one', async () => {
    const parser = parserOf(worker, 'only');
    const sources = (await fixtureSources()).slice(0, 5);
    const expected = await parseHere(sources);
    expect(await parseAll(parser, sources)).toStrictEqual(expected);
    await parser.close();
    expect(await parseAll(parser, sources)).toStrictEqual(expected);
    expect(parser.counts).toEqual({ worker: 2 * sources.length, here: 0 });
  });

  it('parses here what a closed worker held or had not been sent, even when told to use the worker only', async () => {
    const silent = join(tmpdir(), `silent-worker-${process.pid}.mjs`);
    await writeFile(
      silent,
      "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('ready');\nparentPort.on('message', () => {});\n",
    );
    const parser = parserOf(pathToFileURL(silent), 'only');
    const sources = (await fixtureSources()).slice(0, 40);
    const results = parseAll(parser, sources);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await parser.close();
    expect(await results).toStrictEqual(await parseHere(sources));
    expect(parser.counts).toEqual({ worker: 0, here: sources.length });
  });

  it('never parses a source with another site than its own', async () => {
    const other = parseSiteConfig({
      title: 'Other',
      base_url: 'https://other.example.org',
      timezone: 'Asia/Tokyo',
      author: { name: 'Someone' },
      sender: { name: 'Other', address: 'news@other.example.org' },
    });
    const parser = parserOf(worker, 'auto');
    const fixtures = await fixtureSources();
    const many = Array.from({ length: 300 }, (_, i) => fixtures[i % fixtures.length] as ArticleSource);
    // A large build of the test site starts the worker, which is still there, idle, when the next build
    // (of another site) begins.
    parser.expect(10_000);
    expect(await parseAll(parser, many)).toStrictEqual(await parseHere(many));
    const workerBefore = parser.counts.worker;
    expect(workerBefore).toBeGreaterThan(0);
    const others = fixtures.slice(0, 20);
    parser.expect(others.length);
    const results = await Promise.all(others.map((s) => parser.parse(s, other, contentHash(s.bytes))));
    expect(results).toStrictEqual(
      await Promise.all(others.map((s) => parseArticleSafely(s, other, contentHash(s.bytes)))),
    );
    expect(parser.counts.worker).toBe(workerBefore);
  }, 30_000);
});
