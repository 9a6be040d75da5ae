import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SubscriberStore } from '../../../core/ports.js';
import {
  type Subscriber,
  type SubscriberChange,
  type SubscriberUpdate,
  storedDeliveryFields,
  type UpdateOptions,
  updateSubscriber,
  updateSubscribers,
  type VersionedSubscriber,
  type VersionedSubscriberStorage,
} from '../../../core/subscribers.js';
import { conditionally, gsi, keys, putAll, queryIndex } from './table.js';

const subscriberItem = z.object({
  address: z.string(),
  status: z.enum(['pending', 'confirmed', 'unsubscribed', 'suppressed']),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
  confirmExpires: z.number().optional(),
  softBounces: z.number().optional(),
  ...storedDeliveryFields,
});

/** Items from before versions have none: they count as version 0, like an item that does not exist. */
const versionOf = (item: Record<string, unknown>) => (typeof item.version === 'number' ? item.version : 0);

// Requests in flight at once for a batch update (an import): enough to hide the round trips, few enough
// to stay under a table's burst capacity.
const IN_FLIGHT = 16;

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, queue.length) }, worker));
}

/** Subscribers by address, and by status through the gsi1 index; every change a conditional write. */
export class DynamoSubscribers implements SubscriberStore, VersionedSubscriberStorage {
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
    return (await this.readVersioned([address])).get(address)?.subscriber;
  }

  update(address: string, change: SubscriberChange, options?: UpdateOptions): Promise<SubscriberUpdate> {
    return updateSubscriber(this, address, change, options);
  }

  updateAll(
    changes: ReadonlyMap<string, SubscriberChange>,
    options?: UpdateOptions,
  ): Promise<Map<string, SubscriberUpdate>> {
    return updateSubscribers(this, changes, options);
  }

  async readVersioned(addresses: readonly string[]): Promise<Map<string, VersionedSubscriber>> {
    // GetItem, not BatchGetItem: the functions that change subscribers are granted GetItem and PutItem only.
    const found = new Map<string, VersionedSubscriber>();
    await inParallel([...new Set(addresses)], async (address) => {
      const out = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.subscriber(address), ConsistentRead: true }),
      );
      if (out.Item)
        found.set(address, { subscriber: subscriberItem.parse(out.Item), version: versionOf(out.Item) });
    });
    return found;
  }

  async writeIfUnchanged(
    writes: readonly { readonly subscriber: Subscriber; readonly version: number }[],
  ): Promise<Set<string>> {
    const conflicted = new Set<string>();
    await inParallel(writes, async ({ subscriber, version }) => {
      if (!(await this.putIfVersion(subscriber, version))) conflicted.add(subscriber.address);
    });
    return conflicted;
  }

  private putIfVersion(subscriber: Subscriber, version: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.item(subscriber), version: version + 1 },
          ConditionExpression: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
        }),
      ),
    );
  }

  private item(subscriber: Subscriber) {
    return {
      ...keys.subscriber(subscriber.address),
      ...subscriber,
      ...gsi.subscriber(subscriber.status, subscriber.address),
    };
  }

  /**
   * Seeds many subscribers into a table that holds none of them yet (load tests, benchmarks), 25 to an
   * unconditional batch write. Never for a live table: there every change goes through update().
   */
  async saveAll(subscribers: readonly Subscriber[]): Promise<void> {
    await putAll(
      this.db,
      this.table,
      subscribers.map((s) => this.item(s)),
    );
  }

  /** Gives an address a status, whatever it had (tests, npm run dev): a forced update. */
  async put(address: string, status: Subscriber['status'], nowMs: number): Promise<void> {
    await this.update(
      address,
      (current) => ({ address, status, createdAtMs: current?.createdAtMs ?? nowMs, updatedAtMs: nowMs }),
      { overrideOptOut: true },
    );
  }
}
