// `npm run scenarios [-- --size reduced] [--only <name>]`: every scenario on its own local AWS, one line
// each, then the verdict and the grants no scenario used.
import { parseArgs } from 'node:util';
import {
  line,
  passed,
  runScenario,
  SCENARIOS,
  type ScenarioResult,
  type Size,
  summary,
} from './scenarios.js';

const { values } = parseArgs({
  options: { size: { type: 'string', default: 'full' }, only: { type: 'string', multiple: true } },
});
const size: Size = values.size === 'reduced' ? 'reduced' : 'full';
const chosen = SCENARIOS.filter((s) => !values.only || values.only.includes(s.name));

// Ctrl-C or a kill: exit normally, so each running stack's folder is removed on the way out.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const results: ScenarioResult[] = [];
for (const scenario of chosen) {
  const result = await runScenario(scenario, size, (note) => console.log(note));
  results.push(result);
  console.log(line(result));
}
console.log(summary(results));
process.exit(results.every(passed) ? 0 : 1);
