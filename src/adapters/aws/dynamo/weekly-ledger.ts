import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { outcomeKeys, wentOut } from '../../../core/announcement-marks.js';
import type { ArticleMeta } from '../../../core/article.js';
import { articlesAwaitingWeekly, instantDigestsIn } from '../../../core/awaiting-weekly.js';
import type { DigestRecord, DigestSource, WeeklyLedger } from '../../../core/ports.js';
import {
  conditionally,
  createDigest,
  digestItem,
  existingKeys,
  gsi,
  keys,
  putAll,
  queryIndex,
  readDigest,
  readOpenAnnouncement,
  timeKey,
} from './table.js';

/** What the weekly digest needs: instant digests by time, which articles a weekly one carried, the cursor. */
export class DynamoWeeklyLedger implements WeeklyLedger, DigestSource {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  digest(id: string): Promise<DigestRecord | undefined> {
    return readDigest(this.db, this.table, id);
  }

  createDigest(digest: DigestRecord): Promise<boolean> {
    return createDigest(this.db, this.table, digest);
  }

  async awaitingWeekly(sinceMs: number, beforeMs: number): Promise<ArticleMeta[]> {
    const items = await queryIndex(this.db, this.table, 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to', {
      ':pk': gsi.digests('instant'),
      ':from': timeKey(sinceMs),
      ':to': `${timeKey(beforeMs - 1)}#~`,
    });
    const digests = instantDigestsIn(
      items.map((item) => digestItem.parse(item)),
      sinceMs,
      beforeMs,
    );
    if (digests.length === 0) return [];
    const carried = await this.carriedWeekly([
      ...new Set(digests.flatMap((d) => d.articles.map((a) => a.url))),
    ]);
    const [open, marks] = await Promise.all([
      readOpenAnnouncement(this.db, this.table),
      existingKeys(this.db, this.table, outcomeKeys(digests.map((d) => d.id)).map(keys.announced)),
    ]);
    return articlesAwaitingWeekly(
      digests,
      (url) => carried.has(url),
      sinceMs,
      beforeMs,
      (id) => wentOut(id, open, (key) => marks.has(keys.announced(key).pk)),
    );
  }

  async carriedWeekly(urls: readonly string[]): Promise<ReadonlySet<string>> {
    const carried = await existingKeys(this.db, this.table, urls.map(keys.carriedWeekly));
    return new Set(urls.filter((url) => carried.has(keys.carriedWeekly(url).pk)));
  }

  async markWeekly(urls: readonly string[], weeklyId: string): Promise<void> {
    await putAll(
      this.db,
      this.table,
      urls.map((url) => ({ ...keys.carriedWeekly(url), weeklyId })),
    );
  }

  async weeklyCursor(): Promise<number | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.weeklyCursor(), ConsistentRead: true }),
    );
    return typeof out.Item?.endMs === 'number' ? out.Item.endMs : undefined;
  }

  async advanceWeeklyCursor(endMs: number): Promise<void> {
    // A failed condition: the cursor is already at or past this week.
    await conditionally(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.weeklyCursor(), endMs },
          ConditionExpression: 'attribute_not_exists(pk) OR endMs < :end',
          ExpressionAttributeValues: { ':end': endMs },
        }),
      ),
    );
  }
}
