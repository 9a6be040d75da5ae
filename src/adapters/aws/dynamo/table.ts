// The one DynamoDB table every adapter in this folder shares: its keys, its index, and the conditional
// writes they are built from. Keyed pk/sk, with a GSI (gsi1pk/gsi1sk) and a TTL on `expiresAt`:
//   lock#publish / lock                  the publish lease (its key predates the name; see keys.publishLease)
//   article#<url> / announced            an announced article
//   digest#<id> / digest                 a planned digest (gsi1pk = digests#<delivery>, gsi1sk = time#id)
//   article#<url> / weekly               an article carried by a weekly digest
//   weekly#cursor / cursor               end of the last week whose digest was handed on
//   digest#<id> / to#<address>           the send ledger: claimed → sent | failed
//   subscriber#<address> / subscriber    a subscriber (gsi1pk = subscriber#<status>, gsi1sk = address)
//   limit#<key>#<window> / limit         an attempt counter for one time window
//   digest#hold / hold                   the digests the operator holds: one list, versioned
//   announce#open / open                 the digest an announce step began and has not finished
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { audienceOfDigest, type Delivery } from '../../../core/delivery.js';
import type { DigestRecord } from '../../../core/ports.js';
import type { SubscriberStatus } from '../../../core/subscribers.js';

export type Key = { readonly pk: string; readonly sk: string };

/** Primary keys, one function per kind of item. */
export const keys = {
  // Still the key it had when the class was called a lock: a new key would let a publish on the old release
  // and one on the new hold a lease each during a deploy, and lose an index update.
  publishLease: (): Key => ({ pk: 'lock#publish', sk: 'lock' }),
  announced: (url: string): Key => ({ pk: `article#${url}`, sk: 'announced' }),
  carriedWeekly: (url: string): Key => ({ pk: `article#${url}`, sk: 'weekly' }),
  digest: (id: string): Key => ({ pk: `digest#${id}`, sk: 'digest' }),
  weeklyCursor: (): Key => ({ pk: 'weekly#cursor', sk: 'cursor' }),
  delivery: (digestId: string, address: string): Key => ({ pk: `digest#${digestId}`, sk: `to#${address}` }),
  subscriber: (address: string): Key => ({ pk: `subscriber#${address}`, sk: 'subscriber' }),
  attempts: (key: string, window: number): Key => ({ pk: `limit#${key}#${window}`, sk: 'limit' }),
  digestHold: (): Key => ({ pk: 'digest#hold', sk: 'hold' }),
  openAnnouncement: (): Key => ({ pk: 'announce#open', sk: 'open' }),
};

export const GSI = 'gsi1';

/** Sort keys for times: fixed width, so string order is time order. */
export const timeKey = (ms: number) => String(ms).padStart(15, '0');

/** Index keys (gsi1pk/gsi1sk), for the items that are looked up other than by their primary key. */
export const gsi = {
  subscribers: (status: SubscriberStatus) => `subscriber#${status}`,
  digests: (delivery: Delivery) => `digests#${delivery}`,
  subscriber: (status: SubscriberStatus, address: string) => ({
    gsi1pk: gsi.subscribers(status),
    gsi1sk: address,
  }),
  digest: (digest: DigestRecord) => ({
    gsi1pk: gsi.digests(audienceOfDigest(digest).delivery),
    gsi1sk: `${timeKey(digest.createdAtMs)}#${digest.id}`,
  }),
};

export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

/** Runs a conditional write: true when it was applied, false when its condition did not hold. */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Puts an item unless one with its key exists: false when it does. */
export function putIfAbsent(
  db: DynamoDBDocumentClient,
  table: string,
  item: Key & Record<string, unknown>,
): Promise<boolean> {
  return conditionally(
    db.send(
      new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    ),
  );
}

/** Every item of a gsi1 query, all pages. */
export async function queryIndex(
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
      IndexName: GSI,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/** Puts many items, 25 to a request, retrying what DynamoDB leaves unprocessed. Unconditional. */
export async function putAll(
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

/** Of these keys, the partition keys of those that exist (consistent reads, 100 to a request). */
export async function existingKeys(
  db: DynamoDBDocumentClient,
  table: string,
  wanted: readonly Key[],
): Promise<Set<string>> {
  const present = new Set<string>();
  for (let i = 0; i < wanted.length; i += 100) {
    let batch = wanted.slice(i, i + 100).map(({ pk, sk }) => ({ pk, sk }));
    while (batch.length > 0) {
      const out = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: batch, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[table] ?? []) present.add(String(item.pk));
      batch = (out.UnprocessedKeys?.[table]?.Keys as typeof batch | undefined) ?? [];
    }
  }
  return present;
}

// Digest records are written by the announcement ledger (instant digests) and the weekly ledger (weekly
// ones), and read by both and by the sender.

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
  aliases: z.array(z.string()).optional(),
  floatingDate: z.boolean().optional(),
  // What the weekly digest finds a renamed and retitled article by (announce-keys.ts, whereNow).
  bodyHash: z.string().optional(),
});

export const digestItem = z.object({
  id: z.string(),
  createdAtMs: z.number(),
  articles: z.array(articleMeta),
  audience: z.object({ delivery: z.enum(['instant', 'weekly']), weekStartMs: z.number() }).optional(),
  bodies: z.record(z.string(), z.string()).optional(),
  shortened: z.array(z.string()).optional(),
  // Kept through the read: a replayed publish archives the digest as its first run decided.
  unreached: z.literal(true).optional(),
});

/** Records a digest with one conditional write: false when a digest with this id already exists. */
export function createDigest(
  db: DynamoDBDocumentClient,
  table: string,
  digest: DigestRecord,
): Promise<boolean> {
  // Indexed by delivery and time, for the weekly run; the index is eventually consistent, which is why
  // the weekly run also looks a week back for what it has not carried yet.
  return putIfAbsent(db, table, { ...keys.digest(digest.id), ...digest, ...gsi.digest(digest) });
}

export async function readDigest(
  db: DynamoDBDocumentClient,
  table: string,
  id: string,
): Promise<DigestRecord | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: keys.digest(id), ConsistentRead: true }));
  return out.Item ? digestItem.parse(out.Item) : undefined;
}

/** The digest an announce step began and did not finish (AnnouncementLedger.openAnnouncement). */
export async function readOpenAnnouncement(
  db: DynamoDBDocumentClient,
  table: string,
): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: keys.openAnnouncement(), ConsistentRead: true }),
  );
  return typeof Item?.digestId === 'string' ? Item.digestId : undefined;
}
