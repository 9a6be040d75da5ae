import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DELIVERIES } from '../../../core/delivery.js';
import type { DigestRecord } from '../../../core/ports.js';
import type { LedgerEntry, StatsSource } from '../../../core/stats.js';
import { DynamoSendLedger } from './send-ledger.js';
import { digestItem, gsi, queryIndex, timeKey } from './table.js';

/** Digests by time (the gsi1 index, instant and weekly) and each one's send ledger, for `stats --table`. */
export class DynamoStatsSource implements StatsSource {
  readonly feedbackReported = true;
  private readonly sends: DynamoSendLedger;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.sends = new DynamoSendLedger(db, table);
  }

  async recentDigests(sinceMs: number): Promise<DigestRecord[]> {
    const pages = await Promise.all(
      DELIVERIES.map((delivery) =>
        queryIndex(this.db, this.table, 'gsi1pk = :pk AND gsi1sk >= :from', {
          ':pk': gsi.digests(delivery),
          ':from': timeKey(sinceMs),
        }),
      ),
    );
    return pages.flat().map((item) => digestItem.parse(item));
  }

  async ledger(digestId: string): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    for (const [address, delivery] of await this.sends.deliveries(digestId)) {
      entries.set(
        address,
        delivery.state === 'sent'
          ? { state: 'sent', messageId: delivery.messageId }
          : { state: delivery.state },
      );
    }
    return entries;
  }
}
