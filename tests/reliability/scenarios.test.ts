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
  ]) {
    it(`${name}: every email once, nothing dead-lettered or denied`, async () => {
      const result = await run(name);
      expect(result.problems).toEqual([]);
      expect(passed(result)).toBe(true);
    }, 300_000);
  }

  // Known defect, found by this scenario: sendBatch claims all 50 recipients before sending, and a
  // redelivered batch skips fresh claims as if they were sent, so the recipients after the crash are
  // never mailed (src/pipeline/send.ts and the send ledger's claim). This flips to failing once fixed:
  // then make it a plain `it`.
  it.fails('send-killed-mid-batch: every email once after the sender dies mid-batch', async () => {
    const result = await run('send-killed-mid-batch');
    expect(result.missed).toBe(0);
    expect(passed(result)).toBe(true);
  }, 300_000);
});
