import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { DeliveryChoice } from '../../core/delivery.js';
import type { RecipientPages } from '../../core/ports.js';
import { storedDeliveryFields } from '../../core/subscribers.js';

const recipientItem = z.object({ address: z.string(), ...storedDeliveryFields });

/**
 * Confirmed subscribers from the table's gsi1 (gsi1pk = subscriber#confirmed, gsi1sk = address), a page
 * at a time in address order: what a fan-out to a list too long for one invocation reads.
 */
export class DynamoRecipientPages implements RecipientPages {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async page(
    after: string | undefined,
    limit: number,
  ): Promise<{ recipients: DeliveryChoice[]; next?: string }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: after ? 'gsi1pk = :status AND gsi1sk > :after' : 'gsi1pk = :status',
        ExpressionAttributeValues: {
          ':status': 'subscriber#confirmed',
          ...(after ? { ':after': after } : {}),
        },
        Limit: limit,
      }),
    );
    const recipients = (out.Items ?? []).map((item) => recipientItem.parse(item));
    const last = recipients.at(-1)?.address;
    return { recipients, ...(out.LastEvaluatedKey && last ? { next: last } : {}) };
  }
}
