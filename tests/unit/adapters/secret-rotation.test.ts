import { describe, expect, it } from 'vitest';
import { rotateSigningSecret, type SecretVersions } from '../../../src/adapters/aws/secret-rotation.js';
import { parseSigningSecret } from '../../../src/adapters/aws/signing-secret.js';
import { signToken, verifyToken } from '../../../src/core/tokens.js';

/** Secrets Manager's version and staging-label rules, for one secret (no emulator of it runs here). */
class FakeSecret implements SecretVersions {
  versions = new Map<string, { value?: string; stages: string[] }>();
  constructor(initial: string) {
    this.versions.set('v0', { value: initial, stages: ['AWSCURRENT'] });
  }
  /** What RotateSecret does before calling the function: a new version id labelled AWSPENDING. */
  startRotation(token: string) {
    for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPENDING');
    this.versions.set(token, { stages: ['AWSPENDING'] });
  }
  async stages() {
    return Object.fromEntries([...this.versions].map(([id, v]) => [id, v.stages]));
  }
  async value(_id: string, at: { versionId?: string; stage: string }) {
    const found = at.versionId
      ? this.versions.get(at.versionId)
      : [...this.versions.values()].find((v) => v.stages.includes(at.stage));
    return found?.stages.includes(at.stage) ? found.value : undefined;
  }
  async putPending(_id: string, versionId: string, value: string) {
    const v = this.versions.get(versionId);
    if (v) v.value = value;
  }
  async makeCurrent(_id: string, versionId: string, previousVersionId: string | undefined) {
    const previous = previousVersionId ? this.versions.get(previousVersionId) : undefined;
    if (previous) previous.stages = ['AWSPREVIOUS'];
    const v = this.versions.get(versionId);
    if (v) v.stages = ['AWSCURRENT'];
  }
  current(): string {
    return [...this.versions.values()].find((v) => v.stages.includes('AWSCURRENT'))?.value ?? '';
  }
}

const KEY_A = 'a'.repeat(64);
let counter = 0;
const newKey = () => `${String(++counter).padStart(2, '0')}${'k'.repeat(62)}`;

async function rotate(secret: FakeSecret, token: string) {
  secret.startRotation(token);
  for (const step of [
    'createSecret',
    'createSecret',
    'setSecret',
    'testSecret',
    'finishSecret',
    'finishSecret',
  ] as const)
    await rotateSigningSecret(secret, { step, secretId: 'TokenSecret', token }, newKey);
}

describe('rotating the link-signing secret', () => {
  it('keeps the previous key, so links mailed before a rotation verify until the next one', async () => {
    const secret = new FakeSecret(KEY_A);
    const now = Date.parse('2027-01-01T00:00:00Z');
    const claims = {
      address: 'ana@example.org',
      purpose: 'unsubscribe' as const,
      expires: now / 1000 + 86_400,
    };
    const oldLink = signToken(claims, KEY_A);

    await rotate(secret, 'r1');
    const first = parseSigningSecret(secret.current(), 'test');
    expect(first.previous).toBe(KEY_A);
    expect(first.current).not.toBe(KEY_A);
    expect(verifyToken(oldLink, 'unsubscribe', first.current, now, first.previous).ok).toBe(true);
    expect(verifyToken(oldLink, 'unsubscribe', first.current, now)).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    const newLink = signToken(claims, first.current);

    await rotate(secret, 'r2');
    const second = parseSigningSecret(secret.current(), 'test');
    expect(second.previous).toBe(first.current);
    expect(verifyToken(newLink, 'unsubscribe', second.current, now, second.previous).ok).toBe(true);
    expect(verifyToken(oldLink, 'unsubscribe', second.current, now, second.previous)).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    // Repeated steps created one pending value per rotation, not one per call.
    expect(counter).toBe(2);
  });

  it('refuses a version that is not pending, and a stored value that is not a secret', async () => {
    const secret = new FakeSecret(KEY_A);
    await expect(
      rotateSigningSecret(secret, { step: 'createSecret', secretId: 'TokenSecret', token: 'nope' }),
    ).rejects.toThrow(/not part of this secret/);
    expect(() => parseSigningSecret('{"current": 1}', 'TokenSecret')).toThrow(/current/);
    expect(() => parseSigningSecret('{not json', 'TokenSecret')).toThrow(
      /neither a plain string nor valid JSON/,
    );
    expect(parseSigningSecret(KEY_A, 'TokenSecret')).toEqual({ current: KEY_A });
  });
});
