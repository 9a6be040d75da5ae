// `npm run bench`: Broadsheet against a floor measured in the same run, and against Eleventy 3 (+ RSS
// plugin) and Hugo (when installed) building the same synthetic corpora. Prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { articleFileName, syntheticArticle, writeCorpus } from './corpus.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so the Eleventy project resolves @11ty packages from our node_modules.
const work = join(root, 'bench/.work');
const cli = join(root, 'bin/broadsheet.js');
const sizes = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
// Rounds of every measurement; the table shows each figure's median. One round on a VM whose disk and
// neighbours vary is one sample of the noise.
const asked = Math.max(1, Number(process.env.BENCH_RUNS ?? '1'));
// Hugo runs last in even rounds and first in odd ones (measureSize): more than one round is made an even
// number, so each order counts as often in the medians.
const rounds = asked > 1 ? asked + (asked % 2) : asked;

interface Run {
  code: number;
  wall: number;
  peakMb: number;
  stdout: string;
  stderr: string;
}

/** Wall clock and peak RSS of a whole process tree, via bench/measure.py (getrusage of children). */
function measure(command: string, args: string[], cwd = root): Run {
  // Flush what earlier steps wrote (the corpus, the previous tool's output), so no run pays for another's
  // writeback.
  execFileSync('sync');
  const out = execFileSync('/usr/bin/python3', [join(root, 'bench/measure.py'), command, ...args], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  const run = JSON.parse(out.toString()) as Run;
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stderr}`);
  return run;
}

const floorSeconds = (run: Run) => (JSON.parse(run.stdout.trim()) as { ms: number }).ms / 1000;
/** The CLI reports its own build time: "Built … in 6.97 s". */
const buildSeconds = (run: Run) => Number(/ in ([\d.]+) s$/m.exec(run.stdout)?.[1] ?? Number.NaN);

interface Row {
  articles: number;
  name: string;
  wall: number;
  inProcess?: number;
  peakMb: number;
  note?: string;
  /** The round a sample was measured in; rows of medians have none. */
  round?: number;
  /** The fastest and slowest of a row's rounds. */
  wallRange?: readonly [number, number];
}

function eleventyProject(dir: string, corpus: string): void {
  mkdirSync(join(dir, 'src/_includes'), { recursive: true });
  cpSync(join(corpus, 'content/posts'), join(dir, 'src/posts'), { recursive: true });
  writeFileSync(
    join(dir, 'src/posts/posts.11tydata.mjs'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is Eleventy's own template, not ours.
    "export default { layout: 'post.njk', tags: ['posts'], permalink: (data) => `posts/${data.page.fileSlug}/` };\n",
  );
  writeFileSync(
    join(dir, 'src/_includes/post.njk'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>' +
      '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>' +
      '<body><article><h1>{{ title }}</h1><time>{{ page.date.toISOString() }}</time>{{ content | safe }}</article></body></html>',
  );
  writeFileSync(
    join(dir, 'src/index.njk'),
    '---\npermalink: /index.html\n---\n<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bench</title></head><body><ul>' +
      '{% for post in collections.posts | reverse %}<li><a href="{{ post.url }}">{{ post.data.title }}</a></li>{% endfor %}' +
      '</ul></body></html>\n',
  );
  writeFileSync(
    join(dir, 'eleventy.config.mjs'),
    `import { feedPlugin } from '@11ty/eleventy-plugin-rss';
export default function (config) {
  config.addPlugin(feedPlugin, {
    type: 'rss',
    outputPath: '/feed.xml',
    collection: { name: 'posts', limit: 20 },
    metadata: { language: 'en', title: 'Bench Site', subtitle: '', base: 'https://bench.example.com/', author: { name: 'Bench' } },
  });
}
export const config = { dir: { input: 'src', output: '_site' }, markdownTemplateEngine: false };
`,
  );
}

function hugoProject(dir: string, corpus: string): void {
  mkdirSync(join(dir, 'layouts/_default'), { recursive: true });
  mkdirSync(join(dir, 'content'), { recursive: true });
  cpSync(join(corpus, 'content/posts'), join(dir, 'content/posts'), { recursive: true });
  writeFileSync(
    join(dir, 'hugo.toml'),
    "baseURL = 'https://bench.example.com/'\ntitle = 'Bench Site'\nlanguageCode = 'en'\n[services.rss]\nlimit = 20\n",
  );
  const head =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>';
  writeFileSync(
    join(dir, 'layouts/_default/single.html'),
    `${head}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>{{ .Content }}</article></body></html>`,
  );
  writeFileSync(
    join(dir, 'layouts/_default/list.html'),
    `${head}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>`,
  );
}

function hasHugo(): boolean {
  try {
    execFileSync('hugo', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const FLOOR = 'floor: read + gray-matter + marked';
const WRITTEN_FLOOR = 'written floor: + footnotes, alerts, highlight.js, a page written per article';
const samples: Row[] = [];
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

for (let round = 0; round < rounds; round++) {
  const first = samples.length;
  for (const n of sizes) await measureSize(n, round, samples);
  for (const sample of samples.slice(first)) sample.round = round;
  // Outputs of a finished round are not needed again; the disk holds one round at a time.
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
}

async function measureSize(n: number, round: number, rows: Row[]): Promise<void> {
  const corpus = join(work, `corpus-${n}`);
  await writeCorpus(corpus, n);
  const content = join(corpus, 'content');
  // Each measured run writes into a fresh folder, so none pays for deleting a previous one.
  const runDir = (name: string) => join(work, `${name}-${n}`);

  const measureHugo = () => {
    if (!hasHugo()) return;
    const hugo = runDir('hugo');
    hugoProject(hugo, corpus);
    const h = measure('hugo', ['--quiet', '--destination', 'public'], hugo);
    rows.push({ articles: n, name: 'Hugo (Debian), Chroma highlighting', wall: h.wall, peakMb: h.peakMb });
  };
  // Creating files on this VM's disk is several times slower for a while after a large tree was deleted
  // (each round starts by deleting the last one's), so whichever tool runs first pays for it. Hugo goes
  // last in even rounds and first in odd ones.
  if (round % 2 === 1) measureHugo();

  const floor = measure(process.execPath, [join(root, 'bench/floor.mjs'), content]);
  rows.push({
    articles: n,
    name: FLOOR,
    wall: floor.wall,
    inProcess: floorSeconds(floor),
    peakMb: floor.peakMb,
  });
  // The least any build of issue 16's Markdown can do (bench/floor-written.mjs): if it is not faster than
  // Hugo, no build with templates, feeds and an index on the same libraries can be.
  const written = measure(process.execPath, [
    join(root, 'bench/floor-written.mjs'),
    content,
    runDir('floor-written'),
  ]);
  rows.push({
    articles: n,
    name: WRITTEN_FLOOR,
    wall: written.wall,
    inProcess: floorSeconds(written),
    peakMb: written.peakMb,
  });

  const out = runDir('broadsheet');
  // Run the CLI once first, so building its bundle is never measured.
  if (n === sizes[0] && round === 0) measure(process.execPath, [cli, 'help']);
  const args = [
    cli,
    'build',
    '--content',
    content,
    '--out',
    join(out, 'dist'),
    '--outbox',
    join(out, 'outbox'),
  ];
  args.push('--state', join(out, 'state'), '--now', '2030-01-01T00:00:00Z');
  const full = measure(process.execPath, args);
  rows.push({
    articles: n,
    name: 'Broadsheet: full build',
    wall: full.wall,
    inProcess: buildSeconds(full),
    peakMb: full.peakMb,
  });

  // The same corpus with its code fences naming no language: the build without highlighting (issue 16 asks
  // that highlighting cost at most 1.5× of it).
  const plainCorpus = join(work, `corpus-plain-${n}`);
  cpSync(corpus, plainCorpus, { recursive: true });
  for (let i = 0; i < n; i++) {
    const file = join(plainCorpus, 'content/posts', articleFileName(i));
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^```ts$/m, '```'));
  }
  const plainOut = runDir('broadsheet-plain');
  const plainArgs = [
    cli,
    'build',
    '--content',
    join(plainCorpus, 'content'),
    '--out',
    join(plainOut, 'dist'),
  ];
  plainArgs.push('--outbox', join(plainOut, 'outbox'), '--state', join(plainOut, 'state'));
  const plain = measure(process.execPath, [...plainArgs, '--now', '2030-01-01T00:00:00Z']);
  rows.push({
    articles: n,
    name: 'Broadsheet: full build, no highlighting',
    wall: plain.wall,
    inProcess: buildSeconds(plain),
    peakMb: plain.peakMb,
  });

  // Change one article and build again with the cache and manifest of the full build.
  appendFileSync(join(content, 'posts', articleFileName(n >> 1)), '\nOne more paragraph, edited.\n');
  const again = measure(process.execPath, args);
  rows.push({
    articles: n,
    name: 'Broadsheet: rebuild after editing 1 article',
    wall: again.wall,
    inProcess: buildSeconds(again),
    peakMb: again.peakMb,
  });
  writeFileSync(join(content, 'posts', articleFileName(n >> 1)), syntheticArticle(n >> 1));

  const eleventy = runDir('eleventy');
  eleventyProject(eleventy, corpus);
  const e = measure(
    process.execPath,
    [join(root, 'node_modules/@11ty/eleventy/cmd.cjs'), '--quiet', '--config=eleventy.config.mjs'],
    eleventy,
  );
  rows.push({ articles: n, name: 'Eleventy 3 + RSS plugin', wall: e.wall, peakMb: e.peakMb });

  if (round % 2 === 0) measureHugo();
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
/** One row per build and size, each figure the median of its rounds. */
const rows: Row[] = [];
for (const sample of samples) {
  if (rows.some((r) => r.articles === sample.articles && r.name === sample.name)) continue;
  const same = samples.filter((r) => r.articles === sample.articles && r.name === sample.name);
  const inProcess = same.flatMap((r) => (r.inProcess === undefined ? [] : [r.inProcess]));
  rows.push({
    articles: sample.articles,
    name: sample.name,
    wall: median(same.map((r) => r.wall)),
    wallRange: [Math.min(...same.map((r) => r.wall)), Math.max(...same.map((r) => r.wall))],
    ...(inProcess.length > 0 ? { inProcess: median(inProcess) } : {}),
    peakMb: median(same.map((r) => r.peakMb)),
  });
}
if (rounds > 1) console.log(`Medians of ${rounds} rounds.\n`);

/** a's wall time over b's in each round, both measured minutes apart on the same disk. */
const perRound = (n: number, a: string, b: string) =>
  Array.from({ length: rounds }, (_, round) => {
    const wall = (name: string) =>
      samples.find((r) => r.articles === n && r.name === name && r.round === round)?.wall;
    const [x, y] = [wall(a), wall(b)];
    return x && y ? `${(x / y).toFixed(2)}×` : '–';
  }).join(', ');
const floorOf = (n: number) => rows.find((r) => r.articles === n && r.name === FLOOR);
const fullOf = (n: number) => rows.find((r) => r.articles === n && r.name === 'Broadsheet: full build');
const lines = [
  '| articles | build | wall s | wall range s | in-process s | articles/s | peak RSS MB | × floor (wall) | × floor (in-process) |',
  '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => {
    const floor = floorOf(r.articles);
    const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '');
    const range = r.wallRange ? `${r.wallRange[0].toFixed(2)}–${r.wallRange[1].toFixed(2)}` : '';
    return `| ${r.articles} | ${r.name} | ${r.wall.toFixed(2)} | ${range} | ${r.inProcess?.toFixed(2) ?? ''} | ${Math.round(r.articles / r.wall)} | ${Math.round(r.peakMb)} | ${ratio(r.wall, floor?.wall)} | ${ratio(r.inProcess, floor?.inProcess)} |`;
  }),
];
console.log(lines.join('\n'));

for (const n of sizes) {
  const full = fullOf(n);
  const rebuild = rows.find((r) => r.articles === n && r.name.startsWith('Broadsheet: rebuild'));
  const eleventy = rows.find((r) => r.articles === n && r.name.startsWith('Eleventy'));
  const hugo = rows.find((r) => r.articles === n && r.name.startsWith('Hugo'));
  const plainBuild = rows.find((r) => r.articles === n && r.name.endsWith('no highlighting'));
  const floor = floorOf(n);
  const writtenFloor = rows.find((r) => r.articles === n && r.name === WRITTEN_FLOOR);
  if (!full || !rebuild || !floor) continue;
  console.log(
    [
      `\n${n} articles:`,
      `  full build / floor: ${(full.wall / floor.wall).toFixed(2)}× wall, ${((full.inProcess ?? 0) / (floor.inProcess ?? 1)).toFixed(2)}× in-process (target ≤ 1.5×)`,
      `  rebuild / full build: 1/${(full.wall / rebuild.wall).toFixed(1)} wall, 1/${((full.inProcess ?? 0) / (rebuild.inProcess ?? 1)).toFixed(1)} in-process (target ≤ 1/20)`,
      eleventy ? `  Eleventy / Broadsheet: ${(eleventy.wall / full.wall).toFixed(2)}× (target ≥ 2×)` : '',
      plainBuild
        ? `  no highlighting / floor: ${((plainBuild.inProcess ?? 0) / (floor.inProcess ?? 1)).toFixed(2)}× in-process (target ≤ 3.55×: 1.2× the 2.96× measured before themes)`
        : '',
      plainBuild
        ? `  highlighting / none: ${(full.wall / plainBuild.wall).toFixed(2)}× wall, ${((full.inProcess ?? 0) / (plainBuild.inProcess ?? 1)).toFixed(2)}× in-process (target ≤ 1.5×)`
        : '',
      hugo
        ? `  Hugo / Broadsheet: ${(hugo.wall / full.wall).toFixed(2)}× (target > 1×); in each round: ${perRound(n, 'Hugo (Debian), Chroma highlighting', 'Broadsheet: full build')}`
        : '  Hugo: not installed',
      hugo && writtenFloor
        ? `  Hugo / written floor: ${(hugo.wall / writtenFloor.wall).toFixed(2)}×; in each round: ${perRound(n, 'Hugo (Debian), Chroma highlighting', WRITTEN_FLOOR)}`
        : '',
      `  peak RSS: ${Math.round(full.peakMb)} MB (target < 512 MB)`,
    ]
      .filter(Boolean)
      .join('\n'),
  );
}
await import('./hostile.js');
