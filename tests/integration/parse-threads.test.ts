// The bundled CLI parses a large build's sources on a worker thread as well as its own: the site, the digest
// and every message must be the same as a build that parses on one thread.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { articleFileName, syntheticArticle } from '../../bench/corpus.js';
import { repoRoot, snapshot } from '../helpers/cli.js';

const cli = join(repoRoot, 'bin/broadsheet.js');

async function build(dir: string, threads: 'off' | 'only') {
  const out = join(dir, threads);
  // One signing secret for both, so the digests' unsubscribe links are the same.
  await mkdir(join(out, 'state'), { recursive: true });
  await writeFile(join(out, 'state/secret'), 'a-fixed-secret-of-more-than-32-bytes-for-tests\n');
  return new Promise<{ code: number; stdout: string; stderr: string; out: string }>((resolve) => {
    execFile(
      process.execPath,
      [cli, 'build', '--content', join(dir, 'content'), '--out', join(out, 'dist')]
        .concat(['--outbox', join(out, 'outbox'), '--state', join(out, 'state')])
        .concat(['--now', '2030-01-01T00:00:00Z']),
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', BROADSHEET_PARSE_THREADS: threads } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        // Paths and the build's own timing differ between the two runs; nothing else may.
        // (printed relative to the working folder, the project's).
        const plain = (text: string) =>
          text
            .replaceAll(out, '<out>')
            .replaceAll(`${threads}/`, '<out>/')
            .replace(/ in [\d.]+ s$/m, '');
        resolve({ code, stdout: plain(stdout), stderr: plain(stderr), out });
      },
    );
  });
}

async function corpus(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parse-threads-'));
  await cp(join(repoRoot, 'content'), join(dir, 'content'), { recursive: true });
  for (let i = 0; i < 80; i++)
    await writeFile(join(dir, 'content/posts', articleFileName(i)), syntheticArticle(i));
  const features = await readFile(join(repoRoot, 'tests/fixtures/render/features.md'));
  await writeFile(
    join(dir, 'content/posts/features.md'),
    `---\ntitle: Every feature\ndate: 2026-01-01T10:00:00Z\nmath: true\n---\n${features}`,
  );
  return dir;
}

describe('parsing on a worker thread (bundled CLI)', () => {
  it('builds the same site, digest and report as parsing on one thread', async () => {
    const dir = await corpus();
    const one = await build(dir, 'off');
    const worker = await build(dir, 'only');
    expect(one.code, one.stderr).toBe(0);
    expect(worker).toMatchObject({ code: one.code, stdout: one.stdout, stderr: one.stderr });
    expect(Object.keys(await snapshot(join(one.out, 'dist'))).length).toBeGreaterThan(90);
    expect(await snapshot(join(worker.out, 'dist'))).toEqual(await snapshot(join(one.out, 'dist')));
    expect(await snapshot(join(worker.out, 'outbox'))).toEqual(await snapshot(join(one.out, 'outbox')));
  }, 60_000);

  it('stops a build with the same errors, whichever thread found them', async () => {
    const dir = await corpus();
    for (const name of ['date-feb30.md', 'dup-a.md', 'dup-b.md', 'binary.md'])
      await cp(join(repoRoot, 'tests/fixtures/hostile', name), join(dir, 'content/posts', name));
    const one = await build(dir, 'off');
    const worker = await build(dir, 'only');
    expect(one.code).not.toBe(0);
    expect(one.stderr).toContain('date-feb30.md');
    expect(worker).toMatchObject({ code: one.code, stdout: one.stdout, stderr: one.stderr });
  }, 60_000);
});
