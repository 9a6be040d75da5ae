// A site with a grace window on in-memory ports, with the operator's desk on the same stores, for the
// reliability properties: confirmed `readers`, and an index whose next save can be made to fail, as a
// publish that stops before saving it (its event comes back, and the publish runs again).
import type { SiteConfig } from '../../src/core/site.js';
import type { SiteIndex } from '../../src/core/site-index.js';
import { onePage } from '../../src/pipeline/fanout.js';
import {
  MemoryHold,
  MemoryIndex,
  MemoryLedger,
  MemoryLock,
  MemoryScheduler,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from './memory.js';

export async function deskSite(site: SiteConfig, readers: readonly string[]) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const sends = new MemorySendLedger();
  const subscribers = new MemorySubscribers();
  for (const address of readers)
    await subscribers.save({ address, status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 });
  const hold = new MemoryHold();
  const index = new MemoryIndex();
  let crashNext = false;
  const deps = {
    site,
    content,
    assets: new MemoryStatic(),
    output: new MemorySite(),
    mode: 'lenient' as const,
    lease: new MemoryLock(),
    scheduler: new MemoryScheduler(),
    announce: { ledger, digests: ledger, hold, recipients: onePage(subscribers) },
    index: {
      load: () => index.load(),
      save: async (next: SiteIndex) => {
        if (crashNext) {
          crashNext = false;
          throw new Error('crashed before the index was saved');
        }
        await index.save(next);
      },
    },
  };
  const desk = { site, index, ledger, hold, lease: deps.lease };
  return {
    content,
    ledger,
    sends,
    subscribers,
    deps,
    desk,
    /** The next index save fails (true), or no longer (false). */
    crashNextSave: (crash: boolean) => {
      crashNext = crash;
    },
  };
}
