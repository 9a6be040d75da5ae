// `stats`: subscribers and recent digests, from the local state and outbox/ or a deployed table.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { outboxLedger } from '../adapters/fs/outbox.js';
import { FileAnnouncementStore } from '../adapters/fs/state.js';
import type { StatsSource } from '../core/stats.js';
import { formatStats, gatherStats } from '../pipeline/stats.js';
import type { Invocation } from './invocation.js';
import { show } from './output.js';
import { ownerOnly, subscriberStore } from './subscribers.js';

/** `stats`: subscribers by status and delivery, and each recent digest's numbers (see pipeline/stats.ts). */
export async function statsCommand(cli: Invocation): Promise<number> {
  const { site, paths, options, clock } = cli;
  const store = await subscriberStore(cli);
  let source: StatsSource;
  // Digests with no folder in the outbox: counted as sending nothing, which may only mean another --outbox.
  const unfound: string[] = [];
  if (options.table === undefined) {
    const announcements = new FileAnnouncementStore(paths.state);
    source = {
      recentDigests: (sinceMs) => announcements.recentDigests(sinceMs),
      ledger: (id) => {
        if (!existsSync(join(paths.outbox, id))) unfound.push(id);
        return outboxLedger(paths.outbox, id);
      },
      feedbackReported: false,
    };
  } else {
    const { dynamoClient } = await import('../adapters/aws/clients.js');
    const { DynamoStatsSource } = await import('../adapters/aws/dynamo/stats-source.js');
    source = new DynamoStatsSource(
      dynamoClient(options.endpoint ? { dynamodb: options.endpoint } : {}),
      options.table,
    );
  }
  const report = await gatherStats(source, store, site, clock());
  process.stdout.write(formatStats(report, site));
  if (unfound.length > 0)
    console.error(
      `${unfound.length} digest${unfound.length === 1 ? ' has' : 's have'} no folder in ${show(paths.outbox)}/, so ${unfound.length === 1 ? 'its' : 'their'} sent mail counts 0: if the build wrote elsewhere, pass that --outbox.`,
    );
  const owner = await ownerOnly(store, paths.state);
  if (owner) console.log(owner);
  return 0;
}
