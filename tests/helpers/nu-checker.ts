// The Nu HTML checker (vnu-jar, from npm, on Debian's Java runtime), as the tests that judge built HTML run it.
import { execFile } from 'node:child_process';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './cli.js';

const run = promisify(execFile);
const VNU = join(repoRoot, 'node_modules/vnu-jar/build/dist/vnu.jar');

/** The errors the checker finds in these HTML files, each as `path:line: message`, paths from `root`. */
export async function nuCheckerErrors(files: readonly string[], root: string): Promise<string[]> {
  const result = await run('java', ['-jar', VNU, '--errors-only', '--format', 'json', ...files], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stderr?: string; stdout?: string }) => error);
  // vnu writes its JSON report to stderr, and exits 1 when it found errors.
  const report = JSON.parse(result.stderr || '{"messages":[]}') as {
    messages: { url: string; lastLine?: number; message: string }[];
  };
  return report.messages.map(
    (m) => `${relative(root, new URL(m.url).pathname)}:${m.lastLine ?? ''}: ${m.message}`,
  );
}
