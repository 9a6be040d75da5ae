import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from './cli.js';

/**
 * The parse worker bundled as the CLI bundles it (bin/broadsheet.js), so tests run the same worker code from
 * the sources they test: a worker thread cannot load TypeScript.
 */
export async function bundledParseWorker(): Promise<URL> {
  const dir = await mkdtemp(join(tmpdir(), 'parse-worker-'));
  await build({
    entryPoints: { 'parse-worker': join(repoRoot, 'src/adapters/threads/parse-worker.ts') },
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
  return pathToFileURL(join(dir, 'parse-worker.mjs'));
}
