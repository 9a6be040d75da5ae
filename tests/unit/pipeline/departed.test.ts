// A file renamed (or taken off and put back) across two publishes, while its article waits out the grace
// window and the operator holds, releases or cancels its digest in between: through the real publisher,
// fan-out, sender and desk over in-memory ports.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { cancelDigest, holdDigest, releaseDigest, waitingDigests } from '../../../src/pipeline/desk.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { RateLimiter } from '../../../src/pipeline/send.js';
import { fanOutAndSend } from '../../helpers/deliver.js';
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
} from '../../helpers/memory.js';
import { at, graceSite, testSite } from '../../helpers/site.js';

const site = graceSite;

async function world(ledger = new MemoryLedger()) {
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

  /** What the fan-out and sender do with the digests queued so far. */
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
  async function publish(now: Date, paths: string[] = []) {
    const outcome = await publishChanges(deps, paths, now);
    await deliver(now);
    return outcome;
  }
  /** Renames posts/<from>.md to posts/<to>.md in one commit, its text edited by `edit`. */
  async function rename(from: string, to: string, now: Date, edit = (text: string) => text) {
    const text = content.files.get(`posts/${from}.md`) ?? '';
    content.files.delete(`posts/${from}.md`);
    content.files.set(`posts/${to}.md`, edit(text));
    return publish(now, [`posts/${from}.md`, `posts/${to}.md`]);
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
  // The first run announces at once (only the newest article), as without a window.
  await write('first', 'First', at(-60));
  expect(await subjects()).toEqual(['First · Test Gazette']);
  mailer.sent = [];
  return { write, rename, publish, deliver, subjects, scheduler, hold, desk, ledger, content, deps };
}
const retitle = (text: string) => text.replace(/title: (.*)/, 'title: $1, retitled');
type W = Awaited<ReturnType<typeof world>>;
async function del(w: W, slug: string, now: Date) {
  w.content.files.delete(`posts/${slug}.md`);
  return w.publish(now, [`posts/${slug}.md`]);
}
async function put(w: W, slug: string, text: string, now: Date) {
  w.content.files.set(`posts/${slug}.md`, text);
  return w.publish(now, [`posts/${slug}.md`]);
}

describe('a hold released between the halves of a rename', () => {
  it('a hold the operator released while its article was between the halves of a rename is not revived', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const held = await holdDigest(w.desk, at(2).getTime());
    expect(held.kind).toBe('done');
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(3)); // old half of a rename of a.md -> a2.md
    expect((await releaseDigest(w.desk, at(4).getTime())).kind).toBe('done'); // operator lets it go
    await w.publish(at(11));
    expect(await w.subjects()).toEqual(['B · Test Gazette']);
    await put(w, 'a2', retitle(text), at(12)); // new half arrives
    await w.publish(at(30));
    // Released: it should go at its window's end (long past), not be held again under the released id.
    expect(await waitingDigests(w.desk)).toEqual([]);
    expect(await w.subjects()).toEqual(['B · Test Gazette', 'A, retitled · Test Gazette']);
  });
});

describe('a digest cancelled between the halves of a rename', () => {
  it('a digest the operator cancelled while one of its articles was between the halves of a rename stays cancelled', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    expect((await holdDigest(w.desk, at(2).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(3));
    expect((await cancelDigest(w.desk, at(4).getTime())).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(5));
    await w.publish(at(30));
    expect(await waitingDigests(w.desk)).toEqual([]);
    expect(await w.subjects()).toEqual([]);
  });
});

describe('digest.delay set to 0 while a held article is between the halves of a rename', () => {
  it('keeps it held', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/held.md') ?? '';
    (w.deps as { site: typeof site }).site = { ...site, digest: { ...site.digest, delayMs: 0 } };
    await del(w, 'held', at(2));
    await put(w, 'held-renamed', retitle(text), at(3));
    expect(await w.subjects()).toEqual([]);
  });
  it('(control) keeps it held when renamed in one publish', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    (w.deps as { site: typeof site }).site = { ...site, digest: { ...site.digest, delayMs: 0 } };
    await w.rename('held', 'held-renamed', at(2), retitle);
    expect(await w.subjects()).toEqual([]);
  });
});

describe('departures remembered for an hour', () => {
  it('a cancelled pending article renamed apart before any publish saw the cancel is not mailed', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await cancelDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(2));
    await put(w, 'a2', retitle(text), at(3));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk)).toEqual([]);
  });
  it('a held article taken off and put back at the same path waits its own window, unheld', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(2));
    await put(w, 'a', text, at(3));
    await w.publish(at(13));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });
  it('forgets a departure after an hour, and keeps no record once paired', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.publish(at(10));
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(20));
    let idx = await w.desk.index.load();
    expect(Object.keys(idx?.departed ?? {})).toEqual(['posts/a.md']);
    await w.publish(at(80));
    idx = await w.desk.index.load();
    expect(idx?.departed).toBeUndefined();
    await put(w, 'a2', retitle(text), at(81));
    await w.publish(at(100));
    expect(await w.subjects()).toEqual(['A · Test Gazette', 'A, retitled · Test Gazette']);
  });
  it('keeps a held article that left in its hold for the hour, and lets go of it then', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await del(w, 'a', at(2));
    expect(w.hold.record.holds).toMatchObject([{ sources: ['posts/a.md'] }]);
    await w.publish(at(30));
    expect(w.hold.record.holds).toMatchObject([{ sources: ['posts/a.md'] }]);
    await w.publish(at(63));
    expect(w.hold.record.holds).toEqual([]);
    expect((await w.desk.index.load())?.departed).toBeUndefined();
  });
  it('one departure pairs once: a second copy arriving later is a new article', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.publish(at(10));
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(20));
    await put(w, 'a2', retitle(text), at(21));
    expect((await w.desk.index.load())?.departed).toBeUndefined();
    await put(w, 'a3', text.replace(/title: .*/, 'title: Third'), at(22));
    await w.publish(at(40));
    expect(await w.subjects()).toEqual(['A · Test Gazette', 'Third · Test Gazette']);
  });
  it('two departures with one body make no guess', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    w.content.files.set(
      'posts/b.md',
      (w.content.files.get('posts/a.md') ?? '').replace('title: A', 'title: B'),
    );
    await w.publish(at(1), ['posts/b.md']);
    await w.publish(at(11));
    expect(await w.subjects()).toHaveLength(1);
    await del(w, 'a', at(20));
    await del(w, 'b', at(21));
    await put(w, 'c', '---\ntitle: C\ndate: 2026-05-01T00:00:00Z\n---\nAbout a.\n', at(22));
    await w.publish(at(40));
    expect(await w.subjects()).toEqual([expect.any(String), 'C · Test Gazette']);
  });
  it('a departed draft pairs like a deleted file; back from draft it is itself again', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.publish(at(10));
    const text = w.content.files.get('posts/a.md') ?? '';
    await put(w, 'a', text.replace('title: A', 'title: A\ndraft: true'), at(20));
    await put(w, 'a2', retitle(text), at(21));
    await put(w, 'a', text, at(22));
    await w.publish(at(40));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });
  it('put-first, both halves waiting, old copy held: keeps hold and place', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/a.md') ?? '';
    await put(w, 'a2', retitle(text), at(2));
    await del(w, 'a', at(3));
    await w.publish(at(20));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk)).toMatchObject([
      { held: true, articles: [{ source: 'posts/a2.md' }] },
    ]);
  });
});

describe('a departure publish that stops before saving the index', () => {
  it('keeps the hold of a held article renamed apart when the publish is retried', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/held.md') ?? '';
    const index = w.desk.index as MemoryIndex;
    const save = index.save.bind(index);
    index.save = async () => {
      index.save = save;
      throw new Error('stopped before saving the index');
    };
    await expect(del(w, 'held', at(2))).rejects.toThrow('stopped');
    await w.publish(at(2), ['posts/held.md']); // the retry (the same S3 event again)
    await put(w, 'held-renamed', retitle(text), at(3));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk)).toMatchObject([{ held: true }]);
  });
});

describe('an article that comes back at the same path', () => {
  it('is not mailed again when it comes back with a new slug and title (its date and body kept)', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.publish(at(10));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
    const text = w.content.files.get('posts/a.md') ?? '';
    await del(w, 'a', at(20));
    await put(w, 'a', retitle(text).replace('---\nAbout', 'slug: a-better\n---\nAbout'), at(21));
    await w.publish(at(40));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });
  it('(control) in one publish', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.publish(at(10));
    const text = w.content.files.get('posts/a.md') ?? '';
    await put(w, 'a', retitle(text).replace('---\nAbout', 'slug: a-better\n---\nAbout'), at(21));
    await w.publish(at(40));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });
});

describe('put-first, the old copy held and cancelled before it leaves', () => {
  it('the new copy is not mailed', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/a.md') ?? '';
    await put(w, 'a2', retitle(text), at(2));
    const [held] = await waitingDigests(w.desk);
    expect((await cancelDigest(w.desk, at(3).getTime(), held?.id)).kind).toBe('done');
    await del(w, 'a', at(4));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
  });
});

describe('a one-article site renamed and retitled in two publishes', () => {
  it('does not mail the new copy as a first run', async () => {
    const text = '---\ntitle: News\ndate: 2026-05-02T08:00:00Z\n---\nA body long enough to be its own.\n';
    const content = new MemorySource();
    const ledger = new MemoryLedger();
    const deps = {
      site: testSite,
      content,
      output: new MemorySite(),
      assets: new MemoryStatic(),
      index: new MemoryIndex(),
      mode: 'lenient' as const,
      announce: { ledger, digests: ledger, recipients: anInstantReader },
    };
    const t = Date.parse('2026-05-02T12:00:00Z');
    content.files.set('posts/news.md', text);
    expect((await publishChanges(deps, 'all', new Date(t))).digest).toBeDefined();
    content.files.delete('posts/news.md');
    await publishChanges(deps, ['posts/news.md'], new Date(t + 60_000));
    content.files.set('posts/big-news.md', text.replace('title: News', 'title: Big news'));
    const result = await publishChanges(deps, ['posts/big-news.md'], new Date(t + 90_000));
    expect(result.digest).toBeUndefined();
  });
});
