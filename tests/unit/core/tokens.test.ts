import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../../src/core/tokens.js';

const secret = 'k'.repeat(32);
const now = Date.UTC(2026, 0, 1);
const claims = { address: 'a@example.org', purpose: 'unsubscribe' as const, expires: now / 1000 + 60 };

/** A token as signed before v2: base64url JSON claims (readable by anyone) and their HMAC-SHA256. */
function legacyToken(c: typeof claims, key: string): string {
  const payload = Buffer.from(JSON.stringify([c.address, c.purpose, c.expires])).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

/** Flips one bit of the byte at `index` of the token's sealed part. */
function tampered(token: string, index: number): string {
  const [version, sealed = ''] = token.split('.');
  const bytes = Buffer.from(sealed, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 1;
  return `${version}.${bytes.toString('base64url')}`;
}

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

  it('refuses a token signed with another secret, or with any byte changed', () => {
    const token = signToken(claims, secret);
    expect(verifyToken(token, 'unsubscribe', 'o'.repeat(32), now)).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    const length = Buffer.from(token.split('.')[1] ?? '', 'base64url').length;
    for (const index of [0, 11, 12, 40, length - 17, length - 1]) {
      expect(verifyToken(tampered(token, index), 'unsubscribe', secret, now)).toMatchObject({
        ok: false,
        reason: 'forged',
      });
    }
  });

  it.each(['', 'abc', 'a.b.c', '.', 'v2.', 'v2.AAAA', 'x'.repeat(3000)])(
    'refuses malformed token %j',
    (token) => {
      expect(verifyToken(token, 'unsubscribe', secret, now).ok).toBe(false);
    },
  );

  // Issue 14, item 15: the payload base64-decoded to the subscriber's address, and URLs with tokens reach
  // access logs.
  it('does not spell out the address: no part of a token decodes to it or to any of it', () => {
    const address = 'reader.name@example.org';
    const token = signToken({ ...claims, address }, secret);
    for (const part of token.split('.')) {
      for (const encoding of ['base64url', 'base64', 'hex'] as const) {
        const decoded = Buffer.from(part, encoding).toString('latin1');
        expect(decoded).not.toContain('reader');
        expect(decoded).not.toContain('example');
      }
    }
    expect(token).not.toMatch(/reader|example/i);
  });

  it('says little about the address through its length: one length for every address up to 90 characters', () => {
    const lengths = new Set(
      ['a@b.co', 'ana@example.org', `${'x'.repeat(78)}@example.org`].map(
        (address) => signToken({ ...claims, address }, secret).length,
      ),
    );
    expect(lengths.size).toBe(1);
  });

  it('gives the same token for the same claims, and another for any other', () => {
    expect(signToken(claims, secret)).toBe(signToken(claims, secret));
    expect(signToken(claims, secret)).not.toBe(signToken({ ...claims, expires: claims.expires + 1 }, secret));
    expect(signToken(claims, secret)).not.toBe(signToken(claims, 'o'.repeat(32)));
  });

  it('opens a token from before the last rotation with the previous secret', () => {
    const old = 'p'.repeat(32);
    expect(verifyToken(signToken(claims, old), 'unsubscribe', secret, now, old)).toEqual({
      ok: true,
      claims,
    });
  });

  it('keeps honouring links mailed before v2 until they expire, and only with their key', () => {
    const token = legacyToken(claims, secret);
    expect(verifyToken(token, 'unsubscribe', secret, now)).toEqual({ ok: true, claims });
    expect(verifyToken(token, 'unsubscribe', 'o'.repeat(32), now, secret)).toEqual({ ok: true, claims });
    expect(verifyToken(token, 'unsubscribe', 'o'.repeat(32), now)).toMatchObject({ reason: 'forged' });
    expect(verifyToken(token, 'unsubscribe', secret, now + 61_000)).toMatchObject({ reason: 'expired' });
    const [, signature] = token.split('.');
    const otherPayload = legacyToken({ ...claims, address: 'b@example.org' }, secret).split('.')[0];
    expect(verifyToken(`${otherPayload}.${signature}`, 'unsubscribe', secret, now)).toMatchObject({
      reason: 'forged',
    });
  });
});
