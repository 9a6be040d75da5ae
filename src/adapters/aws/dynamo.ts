import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ArticleMeta } from '../../core/article.js';
import { audienceOfDigest } from '../../core/delivery.js';
import type {
  AnnouncementLedger,
  AttemptLimiter,
  DigestRecord,
  PublishLock,
  SubscriberStore,
  WeeklyLedger,
} from '../../core/ports.js';
import { type Subscriber, storedDeliveryFields } from '../../core/subscribers.js';
import type { SendLedger } from '../../pipeline/send.js';

// One table, keyed pk/sk, with a GSI (gsi1pk/gsi1sk) for subscribers by status and a TTL on `expiresAt`:
//   lock#publish / lock                 the publish lease
//   article#<url> / announced           an announced article
//   digest#<id> / digest                a planned digest (gsi1pk = digests#<delivery>, gsi1sk = time)
//   article#<url> / weekly              an article carried by a weekly digest
//   weekly#cursor / cursor              end of the last week whose digest was handed on
//   digest#<id> / to#<address>          the send ledger: claimed → sent | failed
//   subscriber#<address> / subscriber   a subscriber (gsi1pk = status)

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error).name === 'ConditionalCheckFailedException';

/** Every item of a gsi1 query, all pages. */
async function queryIndex(
  db: DynamoDBDocumentClient,
  table: string,
  condition: string,
  values: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: db },
    {
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/** Puts many items, 25 to a request, retrying what DynamoDB leaves unprocessed. */
async function putAll(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] as typeof requests | undefined) ?? [];
    }
  }
}

export class DynamoPublishLock implements PublishLock {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquire(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: 'lock#publish',
            sk: 'lock',
            owner,
            leaseUntil: nowMs + ttlMs,
            expiresAt: Math.ceil((nowMs + ttlMs) / 1000) + 3600,
          },
          // Free, or held by a publish that died without releasing it.
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: 'lock#publish', sk: 'lock' },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // our lease expired and someone else holds it now
    }
  }
}

const articleMeta = z.object({
  source: z.string(),
  hash: z.string(),
  slug: z.string(),
  url: z.string(),
  title: z.string(),
  summary: z.string(),
  date: z.string(),
  dateMs: z.number(),
  updated: z.string().optional(),
  updatedMs: z.number().optional(),
  tags: z.array(z.object({ name: z.string(), slug: z.string() })),
  draft: z.boolean(),
  author: z.string(),
  image: z.string().optional(),
});
const digestItem = z.object({
  id: z.string(),
  createdAtMs: z.number(),
  articles: z.array(articleMeta),
  audience: z.object({ delivery: z.enum(['instant', 'weekly']), weekStartMs: z.number() }).optional(),
});

// Sort keys for times: fixed width, so string order is time order.
const timeKey = (ms: number) => String(ms).padStart(15, '0');

export class DynamoAnnouncementLedger implements AnnouncementLedger, WeeklyLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async unannounced(urls: readonly string[]): Promise<string[]> {
    const announced = await this.existing(urls, 'announced');
    return urls.filter((url) => !announced.has(url));
  }

  async createDigest(digest: DigestRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `digest#${digest.id}`,
            sk: 'digest',
            ...digest,
            // Instant digests by time, for the weekly one; eventually consistent, which is why the weekly
            // run also looks a week back for what it has not carried yet.
            gsi1pk: `digests#${audienceOfDigest(digest).delivery}`,
            gsi1sk: `${timeKey(digest.createdAtMs)}#${digest.id}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markAnnounced(urls: readonly string[], digestId: string): Promise<void> {
    await putAll(
      this.db,
      this.table,
      urls.map((url) => ({ pk: `article#${url}`, sk: 'announced', digestId })),
    );
  }

  async digest(id: string): Promise<DigestRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `digest#${id}`, sk: 'digest' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? digestItem.parse(out.Item) : undefined;
  }

  async awaitingWeekly(sinceMs: number, beforeMs: number): Promise<ArticleMeta[]> {
    const items = await queryIndex(this.db, this.table, 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to', {
      ':pk': 'digests#instant',
      ':from': timeKey(sinceMs),
      ':to': `${timeKey(beforeMs - 1)}#~`,
    });
    const found = items.flatMap((item) => digestItem.parse(item).articles);
    const carried = await this.existing(
      found.map((a) => a.url),
      'weekly',
    );
    return found.filter((a) => !carried.has(a.url));
  }

  async markWeekly(urls: readonly string[], weeklyId: string): Promise<void> {
    await putAll(
      this.db,
      this.table,
      urls.map((url) => ({ pk: `article#${url}`, sk: 'weekly', weeklyId })),
    );
  }

  async weeklyCursor(): Promise<number | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: 'weekly#cursor', sk: 'cursor' },
        ConsistentRead: true,
      }),
    );
    return typeof out.Item?.endMs === 'number' ? out.Item.endMs : undefined;
  }

  async advanceWeeklyCursor(endMs: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: 'weekly#cursor', sk: 'cursor', endMs },
          ConditionExpression: 'attribute_not_exists(pk) OR endMs < :end',
          ExpressionAttributeValues: { ':end': endMs },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // already at or past this week
    }
  }

  /** Of these article URLs, those with an item under `sk`. */
  private async existing(urls: readonly string[], sk: string): Promise<Set<string>> {
    const present = new Set<string>();
    const unique = [...new Set(urls)];
    for (let i = 0; i < unique.length; i += 100) {
      let keys = unique.slice(i, i + 100).map((url) => ({ pk: `article#${url}`, sk }));
      while (keys.length > 0) {
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? [])
          present.add(String(item.pk).slice('article#'.length));
        keys = (out.UnprocessedKeys?.[this.table]?.Keys as typeof keys | undefined) ?? [];
      }
    }
    return present;
  }
}

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

  private key(digestId: string, address: string) {
    return { pk: `digest#${digestId}`, sk: `to#${address}` };
  }

  /**
   * True when this caller now owns the send: nobody claimed it, or a claim older than `staleBeforeMs`
   * never became sent or failed (its sender died). False when another delivery holds or finished it.
   */
  async claim(digestId: string, address: string, nowMs: number, staleBeforeMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(digestId, address),
            state: 'claimed',
            claimedAtMs: nowMs,
            expiresAt: Math.floor(nowMs / 1000) + this.retentionDays * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAtMs < :stale)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': staleBeforeMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Gives up a claim whose send failed in a way worth retrying, so a redelivery may try again. */
  async release(digestId: string, address: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: this.key(digestId, address),
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
        Key: this.key(digestId, address),
        UpdateExpression: `SET ${names.map((_name, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, fields[n]])),
      }),
    );
  }

  /** Every delivery of one digest (tests and the operator's checks). */
  async deliveries(digestId: string): Promise<Map<string, Delivery>> {
    const out = new Map<string, Delivery>();
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :to)',
        ExpressionAttributeValues: { ':pk': `digest#${digestId}`, ':to': 'to#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) out.set(String(item.sk).slice(3), item as unknown as Delivery);
    }
    return out;
  }
}

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
      ':status': `subscriber#${status}`,
    });
    return items.map((item) => subscriberItem.parse(item));
  }

  async get(address: string): Promise<Subscriber | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `subscriber#${address}`, sk: 'subscriber' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? subscriberItem.parse(out.Item) : undefined;
  }

  private item(subscriber: Subscriber) {
    return {
      pk: `subscriber#${subscriber.address}`,
      sk: 'subscriber',
      ...subscriber,
      gsi1pk: `subscriber#${subscriber.status}`,
      gsi1sk: subscriber.address,
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

/** Fixed-window counters with a TTL: one conditional update per attempt. */
export class DynamoAttemptLimiter implements AttemptLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async allow(key: string, limit: number, windowMs: number, nowMs: number): Promise<boolean> {
    const window = Math.floor(nowMs / windowMs);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `limit#${key}#${window}`, sk: 'limit' },
          UpdateExpression: 'ADD hits :one SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expires': Math.ceil(((window + 1) * windowMs) / 1000) + 60,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
