// Issue 14, item 16: an empty .broadsheet/secret was used as the signing key, so anyone could sign
// tokens for a local site. Keys shorter than 32 bytes are refused wherever they come from.
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionEnv, tokenSecret } from '../../../src/adapters/aws/env.js';
import { parseSigningSecret } from '../../../src/adapters/aws/signing-secret.js';
import { localSecret } from '../../../src/adapters/fs/state.js';
import { ConfigError } from '../../../src/core/errors.js';

const stateDir = () => mkdtemp(join(tmpdir(), 'secret-'));

describe('the local signing key', () => {
  it.each([
    ['empty', '', /signing secret is empty; it must be at least 32 bytes/],
    ['31 bytes', 'x'.repeat(31), /signing secret is 31 bytes long; it must be at least 32 bytes/],
    ['whitespace', ' \n\n', /signing secret is empty/],
  ])('refuses a secret file that is %s, naming the file and what to do', async (_what, content, message) => {
    const dir = await stateDir();
    await writeFile(join(dir, 'secret'), content);
    const refused = localSecret(dir);
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(message);
    await expect(localSecret(dir)).rejects.toThrow(`${join(dir, 'secret')} is invalid`);
    await expect(localSecret(dir)).rejects.toThrow(/Delete the file and run again/);
  });

  it('generates 32 random bytes when there is none, readable by its owner only, and keeps them', async () => {
    const dir = await stateDir();
    const secret = await localSecret(dir);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect((await stat(join(dir, 'secret'))).mode & 0o777).toBe(0o600);
    expect(await localSecret(dir)).toBe(secret);
    expect((await readFile(join(dir, 'secret'), 'utf8')).trim()).toBe(secret);
    expect(await localSecret(await stateDir())).not.toBe(secret);
  });

  it('accepts a 32-byte secret someone put there', async () => {
    const dir = await stateDir();
    await writeFile(join(dir, 'secret'), `${'s'.repeat(32)}\n`);
    expect(await localSecret(dir)).toBe('s'.repeat(32));
  });
});

describe('the signing key in AWS', () => {
  const base = { CONTENT_BUCKET: 'c', SITE_BUCKET: 's', TABLE_NAME: 't' };

  it('refuses a short TOKEN_SECRET in the environment', async () => {
    await expect(tokenSecret(functionEnv({ ...base, TOKEN_SECRET: 'short' }))).rejects.toThrow(
      /TOKEN_SECRET is invalid:\n {2}- the signing secret is 5 bytes long; it must be at least 32 bytes/,
    );
    expect(await tokenSecret(functionEnv({ ...base, TOKEN_SECRET: 'k'.repeat(32) }))).toEqual({
      current: 'k'.repeat(32),
    });
  });

  it('refuses a short key in Secrets Manager, current or previous', () => {
    expect(() => parseSigningSecret('k'.repeat(31), 'TOKEN_SECRET_ARN')).toThrow(/at least 32 bytes/);
    expect(() =>
      parseSigningSecret(JSON.stringify({ current: 'k'.repeat(40), previous: 'short' }), 'TOKEN_SECRET_ARN'),
    ).toThrow(/previous: must be at least 32 bytes/);
    expect(() => parseSigningSecret(JSON.stringify({ current: '' }), 'TOKEN_SECRET_ARN')).toThrow(
      /current: must be at least 32 bytes/,
    );
  });
});
