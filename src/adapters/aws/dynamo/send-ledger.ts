import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SendLedger } from '../../../core/ports.js';
import { conditionally, keys } from './table.js';

export type Delivery =
  | { readonly state: 'claimed'; readonly claimedAtMs: number }
  | { readonly state: 'sent'; readonly messageId: string }
  | { readonly state: 'failed'; readonly reason: string };

/** One record per (digest, recipient), claimed with a conditional write before the message is sent. */
export class DynamoSendLedger implements SendLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays = 90,
  ) {}

  /**
   * True when this caller now owns the send: nobody claimed it, or a claim older than `staleBeforeMs`
   * never became sent or failed (its sender died). False when another delivery holds or finished it.
   */
  async claim(digestId: string, address: string, nowMs: number, staleBeforeMs: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.delivery(digestId, address),
            state: 'claimed',
            claimedAtMs: nowMs,
            expiresAt: Math.floor(nowMs / 1000) + this.retentionDays * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAtMs < :stale)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': staleBeforeMs },
        }),
      ),
    );
  }

  /** Gives up a claim whose send failed in a way worth retrying, so a redelivery may try again. */
  async release(digestId: string, address: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: keys.delivery(digestId, address),
        ConditionExpression: '#state = :claimed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }),
    );
  }

  async markSent(digestId: string, address: string, messageId: string): Promise<void> {
    await this.update(digestId, address, { state: 'sent', messageId });
  }

  async markFailed(digestId: string, address: string, reason: string): Promise<void> {
    await this.update(digestId, address, { state: 'failed', reason: reason.slice(0, 500) });
  }

  private async update(digestId: string, address: string, fields: Record<string, string>) {
    const names = Object.keys(fields);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.delivery(digestId, address),
        UpdateExpression: `SET ${names.map((_name, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, fields[n]])),
      }),
    );
  }

  /** Every delivery of one digest (tests and the operator's checks). */
  async deliveries(digestId: string): Promise<Map<string, Delivery>> {
    const out = new Map<string, Delivery>();
    const { pk } = keys.delivery(digestId, '');
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :to)',
        ExpressionAttributeValues: { ':pk': pk, ':to': 'to#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) out.set(String(item.sk).slice(3), item as unknown as Delivery);
    }
    return out;
  }
}
