import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { StateFileError } from '../../../core/errors.js';
import type { DigestHold } from '../../../core/grace.js';
import type { DigestHoldStore } from '../../../core/ports.js';
import { conditionally, keys } from './table.js';

const holdItem = z.object({
  version: z.number().int().positive(),
  holds: z.array(z.object({ id: z.string().min(1), sources: z.array(z.string()), sinceMs: z.number() })),
});

/** One item (`digest#hold / hold`) listing the held digests, replaced with a put conditional on its version. */
export class DynamoDigestHold implements DigestHoldStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async holds(): Promise<{ holds: DigestHold[]; version: number }> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.digestHold(), ConsistentRead: true }),
    );
    if (!out.Item) return { holds: [], version: 0 };
    const parsed = holdItem.safeParse(out.Item);
    if (!parsed.success)
      throw new StateFileError(
        `${this.table} digest#hold`,
        'is not a list of holds (one from an earlier Broadsheet held every digest)',
        'Delete the item to release every held digest, then hold again with `broadsheet hold --stack`.',
      );
    return parsed.data;
  }

  saveHolds(holds: readonly DigestHold[], version: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.digestHold(), version: version + 1, holds },
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
        }),
      ),
    );
  }
}
