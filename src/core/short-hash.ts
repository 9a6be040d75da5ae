import { hash } from 'node:crypto';

/**
 * The first `digits` hex digits of SHA-256 (12 unless said): names fingerprinted files, keys outputs, ids
 * digests. The one-shot hash, with no Hash object per call: a large build computes tens of thousands.
 */
export function shortHash(data: string | Uint8Array, digits = 12): string {
  return hash('sha256', data).slice(0, digits);
}
