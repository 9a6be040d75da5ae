import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// The command users run: bin/broadsheet.js and the bundle it builds from src/ (tests/helpers/global-setup.ts
// builds it before any test starts).
const bin = join(repoRoot, 'bin/broadsheet.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `broadsheet` command in `cwd`. */
export function broadsheet(cwd: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A scratch project holding a copy of the sample content/. */
export async function scratchProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'broadsheet-'));
  await cp(join(repoRoot, 'content'), join(dir, 'content'), { recursive: true });
  return dir;
}

/**
 * A copy of a project folder (one a build has run in), timestamps kept: the build's record of the sources it
 * read (size and mtime) still matches them, as it would in the folder itself.
 */
export async function copyProject(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'broadsheet-'));
  await cp(from, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

/**
 * The sample project as `build --now <now>` leaves it, built once for the test file that calls this at its top
 * level: each test that starts from there takes a copy of its own instead of building it again.
 */
export function builtSampleProject(now: string): () => Promise<string> {
  let built: string | undefined;
  beforeAll(async () => {
    built = await scratchProject();
    expect((await broadsheet(built, 'build', '--now', now)).code).toBe(0);
  }, 60_000);
  return () => {
    if (built === undefined)
      throw new Error('builtSampleProject: the project is built in beforeAll, before tests');
    return copyProject(built);
  };
}

/** The folders `npm start` uses inside a project, as localBuild takes them. */
export function projectPaths(dir: string) {
  return {
    content: join(dir, 'content'),
    out: join(dir, 'dist'),
    outbox: join(dir, 'outbox'),
    state: join(dir, '.broadsheet'),
  };
}

/** relative path → sha256 of every file under `dir` (empty when it does not exist). */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const out: Record<string, string> = {};
  // The store's own record of keys (and its journal) is bookkeeping, not a file of the site.
  for (const e of entries.filter((e) => e.isFile() && !e.name.startsWith('.broadsheet-manifest'))) {
    const path = join(e.parentPath, e.name);
    out[relative(dir, path)] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return out;
}

/** Makes `dir` a git repository with everything in it committed as "base"; returns a git runner for it. */
export function committedRepo(dir: string): (...args: string[]) => Buffer {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return git;
}
