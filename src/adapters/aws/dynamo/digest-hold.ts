import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { StateFileError } from '../../../core/errors.js';
import { type DigestHold, earlierHold } from '../../../core/grace.js';
import type { DigestHoldStore } from '../../../core/ports.js';
import { conditionally, keys } from './table.js';

const holdItem = z.object({
  version: z.number().int().positive(),
  holds: z.array(
    z.object({
      id: z.string().min(1),
      sources: z.array(z.string()),
      sinceMs: z.number(),
      everyPending: z.literal(true).optional(),
    }),
  ),
});

/** The previous release's item: present while the one pending digest was held, with no version. */
const earlierItem = z.object({
  sinceMs: z.number(),
  version: z.undefined().optional(),
  holds: z.undefined().optional(),
});

/**
 * One item (`digest#hold / hold`) listing the held digests, replaced with a put conditional on its version.
 * An item the previous release wrote (`{ sinceMs }`: every pending digest held) is read as that hold, at
 * version 0, and the first write replaces it.
 */
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
    if (parsed.success) return parsed.data;
    const earlier = earlierItem.safeParse(out.Item);
    if (earlier.success) return { holds: [earlierHold(earlier.data.sinceMs)], version: 0 };
    throw new StateFileError(
      `${this.table} digest#hold`,
      'is not a list of holds',
      'Delete the item to release every held digest, then hold again with `broadsheet hold --stack`.',
    );
  }

  saveHolds(holds: readonly DigestHold[], version: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.digestHold(), version: version + 1, holds },
          // Version 0: no item, or the previous release's, which has no version.
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(version)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
        }),
      ),
    );
  }
}
