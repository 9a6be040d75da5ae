// The scenarios of `npm run scenarios` at reduced sizes, each on its own local AWS (the synthesized stack,
// functions from their bundles, with their roles): nothing sent twice, nothing missed, nothing
// dead-lettered, nothing denied.
import { describe, expect, it } from 'vitest';
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

async function run(name: string): Promise<ScenarioResult> {
  const notes: string[] = [];
  const result = await runScenario(scenario(name), 'reduced', (note) => notes.push(note));
  console.log([line(result), ...notes].join('\n'));
  expect(line(result)).toMatch(
    /^scenario [a-z0-9-]+: sent \d+, duplicates \d+, missed \d+, dead-lettered -?\d+, denied \d+$/,
  );
  return result;
}

describe('scenarios on the local AWS (reduced sizes)', () => {
  for (const name of [
    'push-200-articles',
    'digest-10000-ses-throttling',
    'publish-past-its-timeout',
    'digest-fanout-outlives-timeout',
    's3-events-twice-out-of-order',
    'subscribe-confirm-unsubscribe-bounce',
    'scheduled-reconcile-weekly',
  ]) {
    it(`${name}: every email once, nothing dead-lettered or denied`, async () => {
      const result = await run(name);
      expect(result.problems).toEqual([]);
      expect(passed(result)).toBe(true);
    }, 300_000);
  }

  // Found a defect on the landed 6-minute visibility / 15-minute claim timing (44 of 50 never mailed); the
  // timing derived in src/core/send-timing.ts lets a killed sender's claims expire before its message
  // comes back, so the redelivery sends the rest.
  it('send-killed-mid-batch: every email once after the sender dies mid-batch', async () => {
    const result = await run('send-killed-mid-batch');
    expect(result.missed).toBe(0);
    expect(passed(result)).toBe(true);
  }, 300_000);
});
