// Vitest global setup: synthesize the CDK app once (or find it cached) before test files that stand up the
// local AWS start in parallel, so they share one cloud assembly instead of each synthesizing it.
import { fileURLToPath } from 'node:url';
import { synthesize } from '../../src/dev/local-aws/synth.js';

export default async function setup(): Promise<void> {
  await synthesize(fileURLToPath(new URL('../..', import.meta.url)));
}
