import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import { checkSigningSecret, MIN_SECRET_BYTES } from '../../core/tokens.js';

/** The signing secret as stored: a plain string as first generated, or after a rotation both keys. */
export interface SigningSecret {
  readonly current: string;
  readonly previous?: string;
}

const FIX = 'Store at least 32 random bytes, e.g. the output of `openssl rand -base64 48`.';
const key = z
  .string()
  .refine((k) => Buffer.byteLength(k) >= MIN_SECRET_BYTES, `must be at least ${MIN_SECRET_BYTES} bytes`);
const rotated = z.object({ current: key, previous: key.optional() });

/** A signing secret as stored (see SigningSecret); refuses a key shorter than MIN_SECRET_BYTES. */
export function parseSigningSecret(value: string, source: string): SigningSecret {
  if (!value.trimStart().startsWith('{')) return { current: checkSigningSecret(value, source, FIX) };
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    throw new ConfigError(source, ['the signing secret is neither a plain string nor valid JSON']);
  }
  const parsed = rotated.safeParse(data);
  if (!parsed.success)
    throw new ConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  return parsed.data;
}
