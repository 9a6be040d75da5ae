import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DigestHoldStore } from '../../../core/ports.js';
import { existingKeys, keys } from './table.js';

/** One item (`digest#hold / hold`) present while the operator holds the pending digest. */
export class DynamoDigestHold implements DigestHoldStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async isHeld(): Promise<boolean> {
    // BatchGetItem (consistent), which the publish function may already call: no new grant for one read.
    return (await existingKeys(this.db, this.table, [keys.digestHold()])).size > 0;
  }

  async setHeld(held: boolean, nowMs: number): Promise<void> {
    if (held)
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: { ...keys.digestHold(), sinceMs: nowMs } }),
      );
    else await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.digestHold() }));
  }
}
