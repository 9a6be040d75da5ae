// Secrets Manager's rotation of the link-signing secret → a new key, keeping the previous one for old links.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { logger } from '../src/adapters/aws/env.js';
import {
  ROTATION_STEPS,
  rotateSigningSecret,
  SecretsManagerVersions,
} from '../src/adapters/aws/secret-rotation.js';

const versions = new SecretsManagerVersions(new SecretsManagerClient({}));
const rotationEvent = z.object({
  Step: z.enum(ROTATION_STEPS),
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
});

export async function handler(event: unknown): Promise<void> {
  const { Step, SecretId, ClientRequestToken } = rotationEvent.parse(event);
  await rotateSigningSecret(versions, { step: Step, secretId: SecretId, token: ClientRequestToken });
  // The step only: never the secret's values.
  logger.info('rotation step done', { step: Step });
}
