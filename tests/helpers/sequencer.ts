// Starts the slowest test files first, so the two workers finish together instead of one waiting on the other.
// Vitest orders by the durations in its cache, but a fresh clone (CI) has none and falls back to file size,
// which put the two scenario files (the smallest, and ~160 s together) last. Durations come from
// tests/durations.json (seconds of a full run, written by `npm run test:durations`), else from the cache,
// whose figure may be of one test picked out with `-t`.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const recorded: Record<string, number> = JSON.parse(
  readFileSync(new URL('../durations.json', import.meta.url), 'utf8'),
);

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const millisOf = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      const seconds = recorded[path];
      if (seconds !== undefined) return seconds * 1000;
      // A file with no duration yet runs first, as Vitest does: it may be slow.
      return (
        this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`)?.duration ??
        Number.POSITIVE_INFINITY
      );
    };
    return [...files]
      .map((spec) => ({ spec, millis: millisOf(spec) }))
      .sort((a, b) => b.millis - a.millis)
      .map(({ spec }) => spec);
  }
}
