import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token lets its holder do; a token for one purpose never works for another. */
export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences';

export interface TokenClaims {
  readonly address: string;
  readonly purpose: TokenPurpose;
  /** Epoch seconds after which the token is refused. */
  readonly expires: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' | 'expired' | 'wrong-purpose' };

const PURPOSES: readonly TokenPurpose[] = ['confirm', 'unsubscribe', 'preferences'];

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** `<payload>.<signature>`, both base64url: the payload is the address, purpose and expiry, signed with HMAC-SHA256. */
export function signToken(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify([claims.address, claims.purpose, claims.expires])).toString(
    'base64url',
  );
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

/**
 * Checks a token against the current secret and, when given, the one before it: after a rotation, links
 * mailed earlier keep working until they expire.
 */
export function verifyToken(
  token: string,
  purpose: TokenPurpose,
  secret: string,
  nowMs: number,
  previousSecret?: string,
): TokenCheck {
  const check = verifyWith(token, purpose, secret, nowMs);
  if (check.ok || check.reason !== 'forged' || previousSecret === undefined) return check;
  return verifyWith(token, purpose, previousSecret, nowMs);
}

function verifyWith(token: string, purpose: TokenPurpose, secret: string, nowMs: number): TokenCheck {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 2048)
    return { ok: false, reason: 'malformed' };
  const expected = mac(payload, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) return { ok: false, reason: 'malformed' };
  const [address, claimedPurpose, expires] = decoded as unknown[];
  if (
    typeof address !== 'string' ||
    typeof expires !== 'number' ||
    !PURPOSES.includes(claimedPurpose as TokenPurpose)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (claimedPurpose !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (expires * 1000 < nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { address, purpose, expires } };
}
