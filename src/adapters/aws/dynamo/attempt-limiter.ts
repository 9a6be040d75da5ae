import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptLimiter } from '../../../core/ports.js';
import { conditionally, keys } from './table.js';

/** Fixed-window counters with a TTL: one conditional update per attempt. */
export class DynamoAttemptLimiter implements AttemptLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async allow(key: string, limit: number, windowMs: number, nowMs: number): Promise<boolean> {
    const window = Math.floor(nowMs / windowMs);
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.attempts(key, window),
          UpdateExpression: 'ADD hits :one SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expires': Math.ceil(((window + 1) * windowMs) / 1000) + 60,
          },
        }),
      ),
    );
  }
}
