// An announce step that stops halfway (a crash, a Lambda timeout) is finished by the next one: every article
// goes out in exactly one digest, even when more articles went live in between.
import { describe, expect, it } from 'vitest';
import { recordedKeys } from '../../../src/core/announce-keys.js';
import type { ArticleMeta } from '../../../src/core/article.js';
import { announce } from '../../../src/pipeline/announce.js';
import { CANCELLED } from '../../../src/pipeline/desk.js';
import { anInstantReader, MemoryLedger } from '../../helpers/memory.js';
import { article, testSite } from '../../helpers/site.js';

const nowMs = Date.parse('2026-11-25T12:00:00Z');
const x = article({ title: 'X', date: '2026-11-25T09:00:00Z', slug: 'x' });
const y = article({ title: 'Y', date: '2026-11-25T10:00:00Z', slug: 'y' });

/** A ledger whose named step fails once, as a process killed at that point would leave it. */
class StoppingLedger extends MemoryLedger {
  constructor(
    private stopAt: 'createDigest' | 'handOver' | 'enqueue' | 'markAnnounced' | 'close' | undefined,
  ) {
    super();
  }
  private stop(step: string): void {
    if (this.stopAt !== step) return;
    this.stopAt = undefined;
    throw new Error(`stopped at ${step}`);
  }
  override async createDigest(...args: Parameters<MemoryLedger['createDigest']>) {
    this.stop('createDigest');
    return super.createDigest(...args);
  }
  override async enqueue(id: string) {
    this.stop('enqueue');
    return super.enqueue(id);
  }
  override async markAnnounced(urls: readonly string[], id: string) {
    // The first write of a hand-over records that it began; the articles are marked after the queue took it.
    this.stop(urls.every((key) => key.startsWith('handed-on:')) ? 'handOver' : 'markAnnounced');
    return super.markAnnounced(urls, id);
  }
  override async setOpenAnnouncement(id: string | undefined) {
    if (id === undefined) this.stop('close');
    return super.setOpenAnnouncement(id);
  }
}

const run = (ledger: MemoryLedger, wentLive: ArticleMeta[], firstRun = false) =>
  announce(
    { site: testSite, ledger, digests: ledger, recipients: anInstantReader },
    wentLive,
    firstRun,
    nowMs,
  );

/** Which queued digests carry the article: each should be carried by one. */
function carriers(ledger: MemoryLedger, a: ArticleMeta): string[] {
  const ids = new Set(ledger.queued);
  return [...ids].filter((id) => ledger.digests.get(id)?.articles.some((b) => b.url === a.url));
}

describe('an announce step that stops halfway', () => {
  for (const stopAt of ['createDigest', 'handOver', 'enqueue', 'markAnnounced', 'close'] as const) {
    it(`stopped at ${stopAt}: the next step, with another article, mails each in one digest`, async () => {
      const ledger = new StoppingLedger(stopAt);
      await expect(run(ledger, [x])).rejects.toThrow(`stopped at ${stopAt}`);
      // The publish did not finish, so x goes live again beside y.
      const retry = await run(ledger, [x, y]);
      expect(carriers(ledger, x)).toHaveLength(1);
      expect(carriers(ledger, y)).toHaveLength(1);
      expect(await ledger.unannounced([x.url, y.url])).toEqual([]);
      expect(ledger.open).toBeUndefined();
      // What the earlier step handed on, or created and did not hand on, is reported for the archive.
      expect(retry.resumed !== undefined).toBe(stopAt !== 'createDigest');
      expect(retry.resumed?.articles ?? [x.url]).toEqual([x.url]);
    });
  }

  it('a first run stopped halfway mails only the newest article, once', async () => {
    const ledger = new StoppingLedger('enqueue');
    await expect(run(ledger, [x, y], true)).rejects.toThrow();
    await run(ledger, [x, y], false);
    const mailed = [...new Set(ledger.queued)].flatMap((id) => ledger.digests.get(id)?.articles ?? []);
    expect(mailed.map((a) => a.url)).toEqual([y.url]);
    expect(await ledger.unannounced([x.url, y.url])).toEqual([]);
  });

  it('drops it when its article was cancelled since (it was never handed on), and mails nothing', async () => {
    const ledger = new StoppingLedger('handOver');
    await expect(run(ledger, [x])).rejects.toThrow();
    // The index was not saved, so `broadsheet pending` still shows x waiting, and the operator cancels it.
    await ledger.markAnnounced(recordedKeys(x), CANCELLED);
    const retry = await run(ledger, [x]);
    expect(retry.resumed).toBeUndefined();
    expect(retry.digest).toBeUndefined();
    expect(ledger.queued).toEqual([]);
    expect(ledger.open).toBeUndefined();
  });

  it('archives it when it stopped after marking, though its article was cancelled since: it was handed on', async () => {
    const ledger = new StoppingLedger('close');
    await expect(run(ledger, [x])).rejects.toThrow();
    await ledger.markAnnounced(recordedKeys(x), CANCELLED);
    const retry = await run(ledger, [y]);
    expect(retry.resumed?.articles).toEqual([x.url]);
    expect(carriers(ledger, x)).toHaveLength(1);
    expect(retry.digest?.articles).toEqual([y.url]);
  });

  it('finishes it when the queue took it, though one of its articles was withdrawn since: none goes twice', async () => {
    const ledger = new StoppingLedger('markAnnounced');
    await expect(run(ledger, [x, y])).rejects.toThrow();
    expect(ledger.queued).toHaveLength(1);
    // x was withdrawn meanwhile; y goes live again in the retried publish.
    const retry = await run(ledger, [y]);
    expect(retry.resumed?.articles).toEqual([y.url, x.url]);
    expect(retry.digest).toBeUndefined();
    expect(carriers(ledger, y)).toHaveLength(1);
    expect(await ledger.unannounced([x.url, y.url])).toEqual([]);
  });

  it('drops it when its article does not go out in the next step (held, withdrawn), and mails it later', async () => {
    const ledger = new StoppingLedger('handOver');
    await expect(run(ledger, [x])).rejects.toThrow();
    // Held by the operator meanwhile: the next step announces y alone.
    const retry = await run(ledger, [y]);
    expect(retry.resumed).toBeUndefined();
    expect(retry.digest?.articles).toEqual([y.url]);
    expect(await ledger.unannounced([x.url])).toEqual([x.url]);
    // Released: x goes out in a digest of its own, the one the stopped step created and never marked.
    const released = await run(ledger, [x]);
    expect(carriers(ledger, x)).toHaveLength(1);
    expect(released.digest?.articles).toEqual([x.url]);
  });

  it('plans afresh, with the new text, a digest never handed on whose article was edited since', async () => {
    const ledger = new StoppingLedger('handOver');
    const typo = article({ title: 'Tpyo', date: '2026-11-25T09:00:00Z', slug: 'x' }, 'Body with a tpyo.');
    await expect(run(ledger, [typo])).rejects.toThrow('stopped at handOver');
    const fixed = article({ title: 'Typo', date: '2026-11-25T09:00:00Z', slug: 'x' }, 'Body fixed.');
    const retry = await run(ledger, [fixed]);
    expect(retry.resumed).toBeUndefined();
    expect(ledger.queued.map((id) => ledger.digests.get(id)?.articles.map((a) => a.title))).toEqual([
      ['Typo'],
    ]);
  });
});
