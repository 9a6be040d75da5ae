import { hash } from 'node:crypto';

/** 12 hex digits of SHA-256: names fingerprinted files and keys outputs. */
export function shortHash(text: string): string {
  // The one-shot hash: no Hash object per call (tens of thousands of keys in a large build).
  return hash('sha256', text).slice(0, 12);
}
