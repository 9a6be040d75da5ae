// The scenarios of `npm run scenarios` at reduced sizes as vitest tests. They are spread over two files
// (tests/reliability/scenarios*.test.ts) so that the two workers share them instead of one running all.
import { expect, it } from 'vitest';
import {
  line,
  passed,
  runScenario,
  SCENARIOS,
  type ScenarioResult,
} from '../../src/dev/scenarios/scenarios.js';

const scenario = (name: string) => {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
};

export async function runReduced(name: string): Promise<ScenarioResult> {
  const notes: string[] = [];
  const result = await runScenario(scenario(name), 'reduced', (note) => notes.push(note));
  console.log([line(result), ...notes].join('\n'));
  expect(line(result)).toMatch(
    /^scenario [a-z0-9-]+: sent \d+, duplicates \d+, missed \d+, dead-lettered -?\d+, denied \d+$/,
  );
  return result;
}

/** One test per scenario: every email once, nothing dead-lettered or denied. */
export function everyEmailOnce(names: readonly string[]): void {
  for (const name of names) {
    it(`${name}: every email once, nothing dead-lettered or denied`, async () => {
      const result = await runReduced(name);
      expect(result.problems).toEqual([]);
      expect(passed(result)).toBe(true);
    }, 300_000);
  }
}
