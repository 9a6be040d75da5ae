// The grace window's test world: the real publisher, fan-out, sender and desk over in-memory ports.
import { simpleParser } from 'mailparser';
import { expect } from 'vitest';
import type { SiteConfig } from '../../src/core/site.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import { RateLimiter } from '../../src/pipeline/send.js';
import { fanOutAndSend } from './deliver.js';
import {
  anInstantReader,
  MemoryHold,
  MemoryIndex,
  MemoryLedger,
  MemoryLock,
  MemoryMailer,
  MemoryScheduler,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from './memory.js';
import { at, graceSite } from './site.js';

/**
 * A site with a grace window, published by the real publisher and delivered by the real fan-out and
 * sender over in-memory ports, with the operator's desk on the same stores. Its first run (one article,
 * "First") is mailed and forgotten before it is returned.
 */
export async function graceWorld(site: SiteConfig = graceSite, ledger = new MemoryLedger()) {
  const content = new MemorySource();
  const subscribers = new MemorySubscribers();
  const mailer = new MemoryMailer();
  const sends = new MemorySendLedger();
  const hold = new MemoryHold();
  const scheduler = new MemoryScheduler();
  const index = new MemoryIndex();
  const lease = new MemoryLock();
  const deps = {
    site,
    content,
    output: new MemorySite(),
    assets: new MemoryStatic(),
    index,
    mode: 'lenient' as const,
    lease,
    scheduler,
    announce: { ledger, digests: ledger, hold, recipients: anInstantReader },
  };
  const desk = { site, index, ledger, hold, lease };
  await subscribers.save({ address: 'r@example.org', status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 });

  async function deliver(now: Date) {
    for (let id = ledger.queued.shift(); id !== undefined; id = ledger.queued.shift()) {
      await fanOutAndSend(id, {
        digests: ledger,
        recipients: subscribers,
        send: {
          site,
          digests: ledger,
          ledger: sends,
          mail: mailer,
          limiter: new RateLimiter(1e6),
          secret: 's'.repeat(32),
          now: () => now,
        },
      });
    }
  }
  let lastMs = 0;
  async function publish(now: Date, paths: string[] = []) {
    lastMs = now.getTime();
    const outcome = await publishChanges(deps, paths, now);
    await deliver(now);
    return outcome;
  }
  async function write(slug: string, title: string, now: Date, extra = '') {
    content.files.set(
      `posts/${slug}.md`,
      `---\ntitle: ${title}\ndate: 2026-05-01T00:00:00Z\n${extra}---\nAbout ${slug}.\n`,
    );
    return publish(now, [`posts/${slug}.md`]);
  }
  async function subjects() {
    return Promise.all(mailer.sent.map(async (m) => (await simpleParser(Buffer.from(m.data))).subject));
  }
  /** Renames posts/<from>.md to posts/<to>.md in one commit, its text edited by `edit`. */
  async function rename(from: string, to: string, now: Date, edit = (text: string) => text) {
    const text = content.files.get(`posts/${from}.md`) ?? '';
    content.files.delete(`posts/${from}.md`);
    content.files.set(`posts/${to}.md`, edit(text));
    return publish(now, [`posts/${from}.md`, `posts/${to}.md`]);
  }
  // The first run announces at once (only the newest article), as without a window.
  await write('first', 'First', at(-60));
  expect(await subjects()).toEqual(['First · Test Gazette']);
  mailer.sent = [];
  return {
    nowMs: () => lastMs,
    write,
    rename,
    publish,
    deliver,
    subjects,
    scheduler,
    hold,
    desk,
    ledger,
    content,
    deps,
    index,
    mailer,
  };
}
export type GraceWorld = Awaited<ReturnType<typeof graceWorld>>;

/** The title line of an article's text, with ", retitled" added. */
export const retitle = (text: string) => text.replace(/title: (.*)/, 'title: $1, retitled');
export const textOf = (w: GraceWorld, slug: string) => w.content.files.get(`posts/${slug}.md`) ?? '';
/** Deletes posts/<slug>.md and publishes that (one S3 event). */
export async function del(w: GraceWorld, slug: string, now: Date) {
  w.content.files.delete(`posts/${slug}.md`);
  return w.publish(now, [`posts/${slug}.md`]);
}
/** Writes posts/<slug>.md and publishes that. */
export async function put(w: GraceWorld, slug: string, text: string, now: Date) {
  w.content.files.set(`posts/${slug}.md`, text);
  return w.publish(now, [`posts/${slug}.md`]);
}
