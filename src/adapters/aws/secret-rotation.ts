// Rotation of the link-signing secret through Secrets Manager's four steps. The stored value keeps the key
// before the current one, so links mailed before a rotation keep verifying until they expire.
import { randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../../core/errors.js';
import { parseSigningSecret } from './signing-secret.js';

/** The few Secrets Manager calls rotation needs, so its rules can be tested without the service. */
export interface SecretVersions {
  /** Version id → its staging labels. */
  stages(secretId: string): Promise<Record<string, readonly string[]>>;
  /** undefined when no such version (or label) exists. */
  value(secretId: string, at: { versionId?: string; stage: string }): Promise<string | undefined>;
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  makeCurrent(secretId: string, versionId: string, previousVersionId: string | undefined): Promise<void>;
}

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export interface RotationRequest {
  readonly step: RotationStep;
  readonly secretId: string;
  /** The version id Secrets Manager chose for the new value. */
  readonly token: string;
}

const currentOf = (stages: Record<string, readonly string[]>) =>
  Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];

/**
 * One step of a rotation. Each step is safe to repeat (Secrets Manager retries them): the pending value is
 * created once per token, and the current label moves once.
 */
export async function rotateSigningSecret(
  store: SecretVersions,
  request: RotationRequest,
  newKey: () => string = () => randomBytes(48).toString('base64url'),
): Promise<void> {
  const { step, secretId, token } = request;
  const stages = await store.stages(secretId);
  const labels = stages[token];
  if (!labels) throw new ConfigError(secretId, [`version ${token} is not part of this secret`]);
  if (labels.includes('AWSCURRENT')) return; // this rotation already finished
  if (!labels.includes('AWSPENDING'))
    throw new ConfigError(secretId, [`version ${token} is not pending rotation`]);

  switch (step) {
    case 'createSecret': {
      if ((await store.value(secretId, { versionId: token, stage: 'AWSPENDING' })) !== undefined) return;
      const now = await store.value(secretId, { stage: 'AWSCURRENT' });
      if (now === undefined) throw new ConfigError(secretId, ['the secret has no current value to rotate']);
      const { current } = parseSigningSecret(now, secretId);
      await store.putPending(secretId, token, JSON.stringify({ current: newKey(), previous: current }));
      return;
    }
    case 'setSecret':
      return; // no other system holds the key: it only signs our own links
    case 'testSecret': {
      const pending = await store.value(secretId, { versionId: token, stage: 'AWSPENDING' });
      if (pending === undefined) throw new ConfigError(secretId, ['the pending value is missing']);
      const parsed = parseSigningSecret(pending, secretId);
      if (parsed.previous === undefined)
        throw new ConfigError(secretId, ['the pending value lost the previous key']);
      return;
    }
    case 'finishSecret':
      await store.makeCurrent(secretId, token, currentOf(stages));
      return;
  }
}

/** SecretVersions over the AWS SDK. */
export class SecretsManagerVersions implements SecretVersions {
  constructor(private readonly client: SecretsManagerClient) {}

  async stages(secretId: string): Promise<Record<string, readonly string[]>> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return out.VersionIdsToStages ?? {};
  }

  async value(secretId: string, at: { versionId?: string; stage: string }): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          VersionStage: at.stage,
          ...(at.versionId ? { VersionId: at.versionId } : {}),
        }),
      );
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException')
        return undefined;
      throw error;
    }
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: ['AWSPENDING'],
      }),
    );
  }

  async makeCurrent(
    secretId: string,
    versionId: string,
    previousVersionId: string | undefined,
  ): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: versionId,
        ...(previousVersionId ? { RemoveFromVersionId: previousVersionId } : {}),
      }),
    );
  }
}
