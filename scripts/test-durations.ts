// Writes tests/durations.json from the durations Vitest cached on its last run, so a fresh clone (which has
// no cache) still starts the slowest test files first (tests/helpers/sequencer.ts). Run after a full run.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const cacheRoot = 'node_modules/.vite/vitest';
const Results = z.object({
  results: z.array(z.tuple([z.string(), z.object({ duration: z.number().optional() })])),
});

const seconds = new Map<string, number>();
for (const project of readdirSync(cacheRoot)) {
  const { results } = Results.parse(
    JSON.parse(readFileSync(join(cacheRoot, project, 'results.json'), 'utf8')),
  );
  for (const [key, { duration }] of results) {
    // Keys are `project:path`; this repository has one unnamed project.
    const path = key.slice(key.indexOf(':') + 1);
    if (duration !== undefined) seconds.set(path, Math.round(duration / 100) / 10);
  }
}
const sorted = [...seconds].sort(([, a], [, b]) => b - a);
writeFileSync('tests/durations.json', `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`);
console.log(`tests/durations.json: ${sorted.length} files, slowest ${sorted[0]?.[0]} (${sorted[0]?.[1]} s)`);
