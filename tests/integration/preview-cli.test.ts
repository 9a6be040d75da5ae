// `broadsheet preview` as authors run it: how it starts, and how it stops when it cannot.
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, repoRoot, scratchProject } from '../helpers/cli.js';

const bin = join(repoRoot, 'bin/broadsheet.js');

/** Runs `broadsheet` in `cwd` like the shared helper, but kills a run that does not end in `ms`. */
function broadsheetWithin(
  ms: number,
  cwd: string,
  ...args: string[]
): Promise<CliResult & { killed: boolean }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: ms },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, killed: error?.killed === true });
      },
    );
  });
}

/** A loopback port something else is listening on. */
async function portInUse(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

let holder: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => holder?.close(resolve) ?? resolve(undefined));
  holder = undefined;
});

/** A project whose one article has a date that does not exist. */
async function invalidProject(): Promise<string> {
  const dir = await scratchProject();
  const file = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
  const source = await readFile(file, 'utf8');
  await writeFile(file, source.replace('date: 2026-09-14T09:00:00+01:00', 'date: 2026-02-30'));
  return dir;
}

describe('broadsheet preview', () => {
  it('exits with status 1 and frees its port when the first build fails', async () => {
    const dir = await invalidProject();
    const free = await portInUse();
    await new Promise((resolve) => free.server.close(resolve));
    const result = await broadsheetWithin(20_000, dir, 'preview', '--port', String(free.port));
    expect(result.killed).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('2026-09-14-why-plain-text.md');
    expect(result.stderr).toContain('run again');
    // The port is free again: something else can listen on it.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(free.port, '127.0.0.1', resolve);
    });
    holder = again;
  });

  it('says a port in use is in use, in one line, and exits', async () => {
    const dir = await scratchProject();
    const taken = await portInUse();
    holder = taken.server;
    const result = await broadsheetWithin(20_000, dir, 'preview', '--port', String(taken.port));
    expect(result.killed).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(`port ${taken.port} is in use; pass --port to use another`);
  });

  it.each(['99999', 'abc', '80.5'])(
    'refuses --port %s with the flag named, before building',
    async (port) => {
      const dir = await scratchProject();
      const result = await broadsheetWithin(20_000, dir, 'preview', '--port', port);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--port is invalid`);
      expect(result.stderr).toContain(`"${port}" is not a port`);
      expect(result.stderr).not.toMatch(/at .*\.mjs:\d+/);
    },
  );

  it('--watch says each good rebuild, and of a bad edit only its problems and that the last good build stays', async () => {
    const dir = await scratchProject();
    const child = spawn(process.execPath, [bin, 'preview', '--watch', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    const said = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`never said ${text}: ${stdout}`)), 20_000);
        const look = () => {
          if (!stdout.includes(text)) return;
          clearTimeout(timer);
          child.stdout.off('data', look);
          resolve();
        };
        child.stdout.on('data', look);
        look();
      });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await said('Previewing');
      const file = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
      const text = await readFile(file, 'utf8');
      // A warning the good build says once.
      await writeFile(file, `${text}\nOne more line[^9].\n`);
      await said('Rebuilt: previewing');
      await new Promise((r) => setTimeout(r, 300));
      expect(stderr.match(/footnote reference \[\^9\]/g)).toHaveLength(1);
      // A bad edit elsewhere: its error, not the warning again, and where the preview stands.
      const other = join(dir, 'content/posts/2026-11-03-cafe-typography.md');
      await writeFile(other, (await readFile(other, 'utf8')).replace(/^date: .*$/m, 'date: soon'));
      const deadline = Date.now() + 20_000;
      while (!stderr.includes('Not rebuilt') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/2026-11-03-cafe-typography\.md:\d+: error in date/);
      expect(stderr).toContain(
        'Not rebuilt: the preview still shows the last good build; fix the above and save.',
      );
      expect(stderr.match(/footnote reference \[\^9\]/g)).toHaveLength(1);
    } finally {
      child.kill();
    }
  }, 40_000);
});
