// `npm run bench:hostile`: how long one article takes to accept or reject, for the input shapes that stopped
// or slowed publishing (issue 14) and for the worst ones found by fuzzing marked, at 64 KiB, 256 KiB and
// 1 MiB. The floor is real prose of the same size (the README and docs/, repeated). Prints a Markdown table
// and the worst case per KiB, also as a ratio to the floor.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ArticleSource, MAX_ARTICLE_BYTES, parseArticle, prepareToParse } from '../src/core/article.js';
import { parseSiteConfig } from '../src/core/site.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const site = parseSiteConfig({
  title: 'Bench Site',
  base_url: 'https://bench.example.com',
  author: { name: 'Bench' },
  sender: { name: 'Bench', address: 'bench@example.com' },
});
const sizes = (process.env.BENCH_HOSTILE_SIZES ?? '65536,262144,1048000').split(',').map(Number);
const header = '---\ntitle: Hostile\ndate: 2026-05-01\n---\n';

const prose = ['README.md', ...readdirSync(`${root}docs`).map((name) => `docs/${name}`)]
  .map((path) => readFileSync(`${root}${path}`, 'utf8'))
  .join('\n\n');

/** Each shape makes an article of about `size` bytes. */
const shapes: Record<string, (size: number) => string> = {
  'prose (floor)': (size) => header + fill(prose, size),
  '`_a` repeated': (size) => header + fill('_a', size),
  '`*a` repeated': (size) => header + fill('*a', size),
  '`!` repeated': (size) => header + fill('!', size),
  '`a`, `-` lines, no blank line': (size) => header + fill('a\n-\n', size),
  'quote with lazy lines': (size) => header + fill('> a\nb\n', size),
  'quoted list and `|` lines': (size) => header + fill('> - a\n|\n', size),
  '`>` nesting': (size) => header + fill('>', size),
  '`- ` nesting': (size) => `${header + fill('- ', size)}a`,
  '`*` nesting': (size) => `${header + fill('*', size / 2)}a${fill('*', size / 2)}`,
  'list, lazy lines (accepted)': (size) => header + fill('a\n- a\n', size),
  'raw HTML (accepted)': (size) => header + fill('<b>a</b> <i>b</i>\n\n', size),
  'front-matter keys': (size) =>
    `---\ntitle: Keys\ndate: 2026-05-01\n${fill('key: 1\n', size).replace(/key/g, () => `k${n++}`)}---\nBody.\n`,
};
let n = 0;

function fill(unit: string, size: number): string {
  return unit.repeat(Math.max(1, Math.floor((size - header.length) / unit.length)));
}

interface Result {
  outcome: string;
  ms: number;
}

async function time(text: string): Promise<Result> {
  const source: ArticleSource = { path: 'posts/bench.md', bytes: new TextEncoder().encode(text) };
  await prepareToParse([source]);
  let best = Number.POSITIVE_INFINITY;
  let outcome = '';
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    const result = parseArticle(source, site);
    best = Math.min(best, performance.now() - start);
    outcome = result.ok ? 'accepted' : `rejected: ${result.problems[0]?.field ?? '?'}`;
  }
  return { outcome, ms: best };
}

const rows: string[] = [];
let worst = { perKb: 0, name: '', size: 0 };
const floorPerKb = new Map<number, number>();
for (const [name, make] of Object.entries(shapes)) {
  for (const size of sizes) {
    const text = make(size).slice(0, MAX_ARTICLE_BYTES);
    const kb = new TextEncoder().encode(text).byteLength / 1024;
    const { outcome, ms } = await time(text);
    const perKb = ms / kb;
    if (name === 'prose (floor)') floorPerKb.set(size, perKb);
    else if (perKb > worst.perKb) worst = { perKb, name, size };
    const ratio = perKb / (floorPerKb.get(size) ?? perKb);
    rows.push(
      `| ${name} | ${kb.toFixed(0)} | ${outcome} | ${ms.toFixed(0)} | ${perKb.toFixed(3)} | ${ratio.toFixed(1)} |`,
    );
  }
}

console.log('| input | KiB | outcome | ms | ms/KiB | × floor |');
console.log('| ----- | --: | ------- | -: | -----: | ------: |');
for (const row of rows) console.log(row);
const floor = floorPerKb.get(worst.size) ?? Number.NaN;
console.log(
  `\nWorst case: ${worst.perKb.toFixed(3)} ms/KiB (${worst.name}, ${(worst.size / 1024).toFixed(0)} KiB), ` +
    `${(worst.perKb / floor).toFixed(1)}× the floor's ${floor.toFixed(3)} ms/KiB.`,
);
