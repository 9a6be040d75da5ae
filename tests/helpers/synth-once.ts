// Vitest global setup, before test files start in parallel: synthesize the CDK app once (or find it cached),
// so the files that stand up the local AWS share one cloud assembly, and bundle the CLI once, so the files
// that run `broadsheet` do not each bundle it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { synthesize } from '../../src/dev/local-aws/synth.js';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  await Promise.all([
    synthesize(root),
    promisify(execFile)(process.execPath, ['bin/broadsheet.js', '--version'], { cwd: root }),
  ]);
}
