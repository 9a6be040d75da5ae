import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SubscriberStore } from '../../../core/ports.js';
import { type Subscriber, storedDeliveryFields } from '../../../core/subscribers.js';
import { gsi, keys, putAll, queryIndex } from './table.js';

const subscriberItem = z.object({
  address: z.string(),
  status: z.enum(['pending', 'confirmed', 'unsubscribed', 'suppressed']),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
  confirmExpires: z.number().optional(),
  softBounces: z.number().optional(),
  ...storedDeliveryFields,
});

/** Subscribers by address, and by status through the gsi1 index. */
export class DynamoSubscribers implements SubscriberStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async recipients(): Promise<Subscriber[]> {
    return this.withStatus('confirmed');
  }

  async list(): Promise<Subscriber[]> {
    const statuses = ['pending', 'confirmed', 'unsubscribed', 'suppressed'] as const;
    return (await Promise.all(statuses.map((status) => this.withStatus(status)))).flat();
  }

  private async withStatus(status: Subscriber['status']): Promise<Subscriber[]> {
    const items = await queryIndex(this.db, this.table, 'gsi1pk = :status', {
      ':status': gsi.subscribers(status),
    });
    return items.map((item) => subscriberItem.parse(item));
  }

  async get(address: string): Promise<Subscriber | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.subscriber(address), ConsistentRead: true }),
    );
    return out.Item ? subscriberItem.parse(out.Item) : undefined;
  }

  private item(subscriber: Subscriber) {
    return {
      ...keys.subscriber(subscriber.address),
      ...subscriber,
      ...gsi.subscriber(subscriber.status, subscriber.address),
    };
  }

  async save(subscriber: Subscriber): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: this.item(subscriber) }));
  }

  /** Many at once, 25 to a request (imports, load tests). */
  async saveAll(subscribers: readonly Subscriber[]): Promise<void> {
    await putAll(
      this.db,
      this.table,
      subscribers.map((s) => this.item(s)),
    );
  }

  /** Adds or replaces a subscriber with a status (operator CLI, tests, npm run dev). */
  async put(address: string, status: Subscriber['status'], nowMs: number): Promise<void> {
    await this.save({ address, status, createdAtMs: nowMs, updatedAtMs: nowMs });
  }
}
