import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { Endpoints } from './clients.js';
import { parseSigningSecret, type SigningSecret } from './signing-secret.js';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const envSchema = z.object({
  CONTENT_BUCKET: z.string().min(1),
  SITE_BUCKET: z.string().min(1),
  TABLE_NAME: z.string().min(1),
  DIGEST_QUEUE_URL: optional,
  SEND_QUEUE_URL: optional,
  /** The Secrets Manager secret that signs subscriber links (in AWS). */
  TOKEN_SECRET_ARN: optional,
  /** The signing secret itself (emulators and tests only). */
  TOKEN_SECRET: optional,
  /** Proves a request came through CloudFront (see adapters/http/client-address.ts); unset locally. */
  ORIGIN_SECRET_ARN: optional,
  SES_CONFIGURATION_SET: optional,
  /** Overrides the account's send rate read from SES GetAccount (messages a second, for the whole account). */
  MAX_SEND_RATE: z.coerce.number().positive().optional(),
  /** How many senders may run at once (the send queue mapping's maximum concurrency); each takes its share. */
  SEND_CONCURRENCY: z.coerce.number().int().positive().default(1),
  /** The one-shot schedule that wakes the publisher for the next scheduled article. */
  WAKE_SCHEDULE_GROUP: optional,
  WAKE_SCHEDULE_NAME: optional,
  WAKE_TARGET_ARN: optional,
  WAKE_ROLE_ARN: optional,
  /** Where the scheduler puts a wake-up it could not deliver. */
  WAKE_DLQ_ARN: optional,
  /** Local emulators (tests, npm run dev); unset in AWS. */
  S3_ENDPOINT: optional,
  DYNAMODB_ENDPOINT: optional,
  SES_ENDPOINT: optional,
  SQS_ENDPOINT: optional,
});

export type FunctionEnv = z.output<typeof envSchema>;

/** Reads and validates the function's environment once, naming every missing or bad variable. */
export function functionEnv(env: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      'environment',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}

export function endpointsOf(env: FunctionEnv): Endpoints {
  return {
    ...(env.S3_ENDPOINT ? { s3: env.S3_ENDPOINT } : {}),
    ...(env.DYNAMODB_ENDPOINT ? { dynamodb: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.SES_ENDPOINT ? { ses: env.SES_ENDPOINT } : {}),
    ...(env.SQS_ENDPOINT ? { sqs: env.SQS_ENDPOINT } : {}),
  };
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError('environment', [`${name}: is required by this function`]);
  return value;
}

export const logger = new Logger({ serviceName: 'broadsheet' });
export const metrics = new Metrics({ namespace: 'Broadsheet', serviceName: 'broadsheet' });

/**
 * The secret that signs subscriber links: from Secrets Manager in AWS (read once per cold start, never
 * logged), or given directly to emulator runs.
 */
export async function tokenSecret(
  env: Pick<FunctionEnv, 'TOKEN_SECRET' | 'TOKEN_SECRET_ARN'>,
): Promise<SigningSecret> {
  if (env.TOKEN_SECRET) return parseSigningSecret(env.TOKEN_SECRET, 'TOKEN_SECRET');
  const value = await secretString(required(env.TOKEN_SECRET_ARN, 'TOKEN_SECRET_ARN'), 'TOKEN_SECRET_ARN');
  return parseSigningSecret(value, 'TOKEN_SECRET_ARN');
}

/** The value CloudFront sends in its origin header; undefined where there is no CloudFront (emulators). */
export async function originSecret(env: FunctionEnv): Promise<string | undefined> {
  return env.ORIGIN_SECRET_ARN ? secretString(env.ORIGIN_SECRET_ARN, 'ORIGIN_SECRET_ARN') : undefined;
}

async function secretString(arn: string, variable: string): Promise<string> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString)
    throw new ConfigError('environment', [`${variable}: the secret has no string value`]);
  return out.SecretString;
}
