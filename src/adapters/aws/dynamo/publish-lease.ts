import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PublishLease } from '../../../core/ports.js';
import { conditionally, keys } from './table.js';

/**
 * A lease, not a lock: it is held until released or until `leaseUntil`, whichever comes first, so a publish
 * that dies never blocks the next one for longer than its time to live.
 */
export class DynamoPublishLease implements PublishLease {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquire(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.publishLease(),
            owner,
            leaseUntil: nowMs + ttlMs,
            expiresAt: Math.ceil((nowMs + ttlMs) / 1000) + 3600,
          },
          // Free, or held by a publish whose lease ran out.
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      ),
    );
  }

  async release(owner: string): Promise<void> {
    // A failed condition means our lease ran out and someone else holds it now: theirs to release.
    await conditionally(
      this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.publishLease(),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }
}
