import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import SlowestFirst from '../../helpers/sequencer.js';

const root = '/repo';
const spec = (path: string) =>
  ({ moduleId: join(root, path), project: { name: '' } }) as unknown as TestSpecification;

/** The sequencer given a Vitest whose cache knows these durations (milliseconds, by `project:path`). */
const sequencer = (cached: Record<string, number>) =>
  new SlowestFirst({
    config: { root },
    cache: { getFileTestResults: (key: string) => (key in cached ? { duration: cached[key] } : undefined) },
  } as unknown as Vitest);

describe('the order test files start in', () => {
  it('puts the recorded slowest first, files Vitest has a duration for by it, and files never timed before all', async () => {
    const files = [
      'tests/unit/core/feeds.test.ts',
      'tests/reliability/scenarios.test.ts',
      'tests/unit/brand-new.test.ts',
      'tests/unit/timed-here.test.ts',
      'tests/reliability/scenarios-timeouts.test.ts',
    ];
    const order = await sequencer({ ':tests/unit/timed-here.test.ts': 30_000 }).sort(files.map(spec));
    expect(order.map((s) => s.moduleId.slice(root.length + 1))).toEqual([
      'tests/unit/brand-new.test.ts',
      'tests/reliability/scenarios-timeouts.test.ts',
      'tests/reliability/scenarios.test.ts',
      'tests/unit/timed-here.test.ts',
      'tests/unit/core/feeds.test.ts',
    ]);
  });

  it('prefers the recorded duration of a full run to a cached one, which may be of one test picked out', async () => {
    const files = ['tests/reliability/scenarios.test.ts', 'tests/integration/local-build.test.ts'];
    const order = await sequencer({ ':tests/reliability/scenarios.test.ts': 100 }).sort(files.map(spec));
    expect(order.map((s) => s.moduleId.slice(root.length + 1))).toEqual(files);
  });
});
