import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './errors.js';

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

// Tokens travel in URLs (emails, List-Unsubscribe, and so access logs and browser history), so they must
// not spell out the address. A token is `v2.` and then, base64url: a 12-byte IV, the claims encrypted with
// AES-256-GCM, and GCM's 16-byte tag, which also authenticates them. Chosen over a random id kept in the
// table: nothing to store or look up per email sent, rotation works as it did (the previous secret still
// opens old links), and the local edition needs no store either.
//
// The IV is an HMAC of the claims (a synthetic IV, as in SIV modes) rather than random: the same claims
// give the same token, so the core stays a pure function of its inputs and a rebuilt digest is byte for
// byte the same. GCM only fails when one IV is used for two different plaintexts; with a 96-bit HMAC that
// takes about 2^48 tokens per secret, and the secret is rotated every 450 days.
const VERSION = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Claims are padded to a multiple of this, so a token's length says little about its address's. */
const PAD_TO = 128;
const MAX_TOKEN_LENGTH = 2048;

interface TokenKeys {
  readonly encryption: Buffer;
  readonly iv: Buffer;
}

/** The shortest signing secret accepted where one enters (a file, the environment, Secrets Manager). */
export const MIN_SECRET_BYTES = 32;

/**
 * Refuses a signing secret shorter than MIN_SECRET_BYTES: with an empty or short one, anyone could make
 * links that unsubscribe or confirm any address. `fix` says what to do about it where it came from.
 */
export function checkSigningSecret(secret: string, source: string, fix: string): string {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) {
    const what = bytes === 0 ? 'is empty' : `is ${bytes} byte${bytes === 1 ? '' : 's'} long`;
    throw new ConfigError(source, [
      `the signing secret ${what}; it must be at least ${MIN_SECRET_BYTES} bytes. ${fix}`,
    ]);
  }
  return secret;
}

const derived = new Map<string, TokenKeys>();

/** Two independent keys from the signing secret (HKDF-SHA256, RFC 5869), one per use. */
function keysFor(secret: string): TokenKeys {
  let keys = derived.get(secret);
  if (!keys) {
    const derive = (info: string) =>
      Buffer.from(hkdfSync('sha256', secret, 'broadsheet link tokens', info, 32));
    keys = { encryption: derive('aes-256-gcm key'), iv: derive('synthetic iv key') };
    if (derived.size > 8) derived.clear(); // a current and a previous secret, in practice
    derived.set(secret, keys);
  }
  return keys;
}

/** An opaque token for these claims: only a holder of `secret` can read or make one. */
export function signToken(claims: TokenClaims, secret: string): string {
  const json = JSON.stringify([claims.address, claims.purpose, claims.expires]);
  const plain = Buffer.from(json.padEnd(Math.ceil(json.length / PAD_TO) * PAD_TO, ' '));
  const keys = keysFor(secret);
  const iv = createHmac('sha256', keys.iv).update(plain).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${sealed.toString('base64url')}`;
}

/**
 * Checks a token against the current secret and, when given, the one before it: after a rotation, links
 * mailed earlier keep working until they expire. Tokens from before v2 (a readable payload and an
 * HMAC-SHA256 signature) are still honoured until they expire: unsubscribe links in mail already sent
 * must keep working; no new ones are made.
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
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const [first, second, extra] = token.split('.');
  if (!first || !second || extra !== undefined) return { ok: false, reason: 'malformed' };
  const opened = first === VERSION ? open(second, secret) : openLegacy(first, second, secret);
  if (!opened.ok) return opened;
  return checkClaims(opened.claims, purpose, nowMs);
}

type Opened =
  | { readonly ok: true; readonly claims: unknown }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' };

function open(sealedText: string, secret: string): Opened {
  const sealed = Buffer.from(sealedText, 'base64url');
  if (sealed.length < IV_BYTES + TAG_BYTES + 1) return { ok: false, reason: 'malformed' };
  const keys = keysFor(secret);
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return { ok: false, reason: 'forged' }; // the tag did not match: another key, or altered
  }
  return parseClaims(plain);
}

/** Tokens as made before v2: base64url JSON claims, a dot, and their HMAC-SHA256. */
function openLegacy(payload: string, signature: string, secret: string): Opened {
  const expected = createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  return parseClaims(Buffer.from(payload, 'base64url'));
}

function parseClaims(plain: Buffer): Opened {
  try {
    return { ok: true, claims: JSON.parse(plain.toString('utf8')) as unknown };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

function checkClaims(decoded: unknown, purpose: TokenPurpose, nowMs: number): TokenCheck {
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
