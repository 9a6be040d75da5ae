#!/usr/bin/env node
// Runs the `broadsheet` CLI. The TypeScript sources are bundled with esbuild on first use and again whenever
// a source file changes: starting that takes ~0.3 s, against ~1.2 s through tsx.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules/.cache/broadsheet');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const inputs = Math.max(
  newestSource(join(root, 'src')),
  statSync(join(root, 'package-lock.json')).mtimeMs,
  // The CLI bundles package.json's version (--version).
  statSync(join(root, 'package.json')).mtimeMs,
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);
// One folder per state of the sources, moved into place whole: CLIs started side by side (tests, a preview
// beside a build) never load a half-written bundle, and a running one keeps the chunks it may still import.
const outdir = join(cache, `v${Math.floor(inputs)}`);
const bundle = join(outdir, 'cli.mjs');
if (!existsSync(bundle)) {
  const { build } = await import('esbuild');
  const staging = `${outdir}.${process.pid}`;
  await build({
    // The parse worker is an entry of its own, beside cli.mjs, sharing its chunks (src/adapters/threads/).
    entryPoints: {
      cli: join(root, 'src/cli/main.ts'),
      'parse-worker': join(root, 'src/adapters/threads/parse-worker.ts'),
    },
    bundle: true,
    // What a command imports on demand (the AWS SDK for --stack, the preview server, highlight.js, temml,
    // the emoji table) becomes its own chunk, so `build` does not parse code it never runs.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    // Bundled CommonJS packages call require(); an ES module has to be given one.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  try {
    renameSync(staging, outdir);
  } catch (error) {
    // Another CLI got there first with the same sources: use its folder.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  // Bundles of older sources: the newest few stay, so a preview still running on one can load its chunks.
  mkdirSync(cache, { recursive: true });
  const older = readdirSync(cache)
    .filter((entry) => /^v\d+$/.test(entry))
    .sort((a, b) => Number(b.slice(1)) - Number(a.slice(1)))
    .slice(4);
  for (const entry of older) rmSync(join(cache, entry), { recursive: true, force: true });
}
// Node 22.1 and later keep V8's compiled code of the bundle between runs: ~60 ms less of a small build on
// Node 24 (docs/performance.md). Node 20 has no such cache and skips this. Kept beside the bundle, so it
// goes when the bundle does.
nodeModule.enableCompileCache?.(join(outdir, 'compile-cache'));
await import(pathToFileURL(bundle).href);
