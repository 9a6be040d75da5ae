// Vitest global setup, before test files start in parallel:
// - synthesize the CDK app once (or find it cached), so the files that stand up the local AWS share one cloud
//   assembly;
// - bundle the CLI once, so the files that run `broadsheet` do not each bundle it;
// - give the run a temporary folder of its own (TMPDIR, which os.tmpdir() and the child processes read),
//   removed at the end: a run makes several hundred scratch projects, about 2 GB.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { synthesize } from '../../src/dev/local-aws/synth.js';

export default async function setup(): Promise<() => void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  await Promise.all([
    synthesize(root),
    promisify(execFile)(process.execPath, ['bin/broadsheet.js', '--version'], { cwd: root }),
  ]);
  const scratch = mkdtempSync(join(tmpdir(), 'broadsheet-tests-'));
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
