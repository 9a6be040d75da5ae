import { createHash } from 'node:crypto';

/** 12 hex digits of SHA-256: names fingerprinted files and keys outputs. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
