import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../../src/core/tokens.js';

const secret = 'k'.repeat(32);
const now = Date.UTC(2026, 0, 1);
const claims = { address: 'a@example.org', purpose: 'unsubscribe' as const, expires: now / 1000 + 60 };

describe('tokens', () => {
  it('verifies a token it signed', () => {
    expect(verifyToken(signToken(claims, secret), 'unsubscribe', secret, now)).toEqual({ ok: true, claims });
  });

  it('refuses an expired token', () => {
    expect(verifyToken(signToken(claims, secret), 'unsubscribe', secret, now + 61_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a token for another purpose', () => {
    expect(verifyToken(signToken(claims, secret), 'confirm', secret, now)).toEqual({
      ok: false,
      reason: 'wrong-purpose',
    });
  });

  it('refuses a token signed with another secret, or with its payload changed', () => {
    const token = signToken(claims, secret);
    expect(verifyToken(token, 'unsubscribe', 'other', now)).toMatchObject({ ok: false, reason: 'forged' });
    const [, signature] = token.split('.');
    const otherPayload = signToken({ ...claims, address: 'b@example.org' }, secret).split('.')[0];
    expect(verifyToken(`${otherPayload}.${signature}`, 'unsubscribe', secret, now)).toMatchObject({
      ok: false,
      reason: 'forged',
    });
  });

  it.each(['', 'abc', 'a.b.c', '.', 'x'.repeat(3000)])('refuses malformed token %j', (token) => {
    expect(verifyToken(token, 'unsubscribe', secret, now).ok).toBe(false);
  });
});
