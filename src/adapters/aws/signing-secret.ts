import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';

/** The signing secret as stored: a plain string as first generated, or after a rotation both keys. */
export interface SigningSecret {
  readonly current: string;
  readonly previous?: string;
}

const rotated = z.object({ current: z.string().min(32), previous: z.string().min(1).optional() });

export function parseSigningSecret(value: string, source: string): SigningSecret {
  if (!value.trimStart().startsWith('{')) return { current: value };
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
