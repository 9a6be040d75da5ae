// A file renamed (or taken off and put back) across two publishes, while its article waits out the grace
// window and the operator holds, releases or cancels its digest in between; publishes that stop before
// saving the index; what a first run is. Through the real publisher, fan-out, sender and desk over
// in-memory ports.

import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../src/core/site.js';
import {
  awaitsCopies,
  cancelDigest,
  deskStatus,
  holdDigest,
  releaseDigest,
  waitingDigests,
} from '../../../src/pipeline/desk.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { RateLimiter } from '../../../src/pipeline/send.js';
import { fanOutAndSend } from '../../helpers/deliver.js';
import { del, type GraceWorld, graceWorld, put, retitle, textOf } from '../../helpers/grace-world.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemoryMailer,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from '../../helpers/memory.js';
import { at, graceSite, testSite } from '../../helpers/site.js';

const world = graceWorld;
type W = GraceWorld;
/** Makes the next index save throw, as a publish stopped before saving the index. */
function crashNextSave(w: W) {
  const save = w.index.save.bind(w.index);
  w.index.save = async () => {
    w.index.save = save;
    throw new Error('stopped before saving the index');
  };
}
const noDelay = { ...graceSite, digest: { ...graceSite.digest, delayMs: 0 } } as SiteConfig;

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
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
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
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
    expect(await w.subjects()).toEqual([]);
  });
});

describe('digest.delay set to 0 while a held article is between the halves of a rename', () => {
  it('keeps it held', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = w.content.files.get('posts/held.md') ?? '';
    w.deps.site = noDelay;
    await del(w, 'held', at(2));
    await put(w, 'held-renamed', retitle(text), at(3));
    expect(await w.subjects()).toEqual([]);
  });
  it('(control) keeps it held when renamed in one publish', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    w.deps.site = noDelay;
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
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
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
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
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
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([{ held: true }]);
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
    const [held] = await waitingDigests(w.desk, w.nowMs());
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

describe('holding the open digest while one of its articles is between the halves of a rename', () => {
  it('holding the open digest while one of its articles is between the halves of a rename holds its new copy', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2)); // old half of a rename a.md -> a2.md
    // The operator stops the digest waiting (a cancel here would cover a's new copy too: desk.ts `away`).
    expect((await holdDigest(w.desk, at(3).getTime())).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(4)); // new half
    await w.publish(at(12));
    await w.publish(at(30));
    // Held: nothing goes until released.
    expect(await w.subjects()).toEqual([]);
  });
});

describe('a cancel and articles off the site', () => {
  it('cancelling the open digest does not swallow an article withdrawn meanwhile and put back at its own path', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2)); // the author pulls it to fix something
    await w.write('b', 'B', at(3));
    // The desk shows A in the digest, its file deleted: the operator cancels what they see.
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown).toMatchObject([{ articles: [{ title: 'A', away: true }, { title: 'B' }] }]);
    const cancelled = await cancelDigest(w.desk, at(4).getTime(), shown[0]?.id);
    expect(cancelled.kind).toBe('done');
    await put(w, 'a', text, at(5));
    await w.publish(at(20));
    expect(await w.subjects()).toEqual([]);
  });

  it('an article rescheduled to tomorrow while waiting is mailed tomorrow, whatever digest was cancelled today', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    // Rescheduled: off the site until tomorrow.
    await put(w, 'a', textOf(w, 'a').replace('2026-05-01T00:00:00Z', '2026-05-06T10:00:00Z'), at(2));
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown.map((d) => d.articles.map((a) => a.title))).toEqual([['B']]);
    expect((await cancelDigest(w.desk, at(3).getTime(), shown[0]?.id)).kind).toBe('done');
    await w.publish(at(24 * 60 + 1)); // the scheduler's wake-up: A comes due
    await w.publish(at(24 * 60 + 20));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });

  it('an article made a draft while waiting is mailed when published again, whatever digest was cancelled', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const text = textOf(w, 'a');
    await put(w, 'a', text.replace('title: A', 'title: A\ndraft: true'), at(2));
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect((await cancelDigest(w.desk, at(3).getTime(), shown[0]?.id)).kind).toBe('done');
    await put(w, 'a', text, at(120)); // two hours later, out of draft
    await w.publish(at(140));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });

  it('a cancel after the hour does not reach an article whose departure is forgotten', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    expect((await holdDigest(w.desk, at(1.5).getTime())).kind).toBe('done'); // holds {a, b}
    await del(w, 'a', at(2));
    // No publish for over an hour (nothing unheld waits, so no wake-up): the index still lists a as departed.
    const cancelled = await cancelDigest(w.desk, at(70).getTime());
    expect(cancelled.kind).toBe('done');
    // "short enough that a post withdrawn and written afresh another day is new" (site-index.ts)
    await put(
      w,
      'a',
      textOf(w, 'b')
        .replace(/title: B/, 'title: A')
        .replace('About b', 'About a'),
      at(200),
    );
    await w.publish(at(220));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
  });
});

describe('a digest whose only article is between the halves of a rename', () => {
  it('shows the held digest and lets the operator release it', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    // The hold still lists posts/a.md (and will hold its new copy) ...
    expect(w.hold.record.holds).toMatchObject([{ sources: ['posts/a.md'] }]);
    // ... but the desk says nothing is held, and release finds nothing.
    expect((await deskStatus(w.desk, w.nowMs())).held).toBe(true);
    expect((await releaseDigest(w.desk, at(3).getTime())).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(4));
    await w.publish(at(12));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });

  it('lets the operator cancel it', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    expect((await cancelDigest(w.desk, at(3).getTime())).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(4));
    await w.publish(at(12));
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
  });
});

describe('a pairing publish that stops before saving the index keeps the hold', () => {
  it('…when another publish runs before the retry', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(3))).rejects.toThrow('stopped');
    // The hold was rewritten to posts/a2.md, but the index says a2 is not there yet.
    await w.write('c', 'C', at(4)); // another S3 event, processed before the failed batch comes back
    await w.publish(at(5), ['posts/a2.md']); // the retry
    await w.publish(at(30));
    // Only C may go (it was never held); A's new copy must stay held.
    expect(await w.subjects()).toEqual(['C · Test Gazette']);
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
      { held: true, articles: [{ source: 'posts/a2.md' }] },
    ]);
  });

  it('…when the operator holds another digest before the retry', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await w.write('b', 'B', at(2));
    await del(w, 'a', at(3));
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(4))).rejects.toThrow('stopped');
    expect((await holdDigest(w.desk, at(5).getTime())).kind).toBe('done'); // holds {b}
    await w.publish(at(6), ['posts/a2.md']); // the retry
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
  });
});

describe('a site emptied more than an hour ago is not new', () => {
  it('mails every new article, not only the newest', async () => {
    const w = await world();
    await del(w, 'first', at(0)); // the only article withdrawn
    w.content.files.set('posts/x.md', '---\ntitle: X\ndate: 2026-05-05T11:00:00Z\n---\nAbout x.\n');
    w.content.files.set('posts/y.md', '---\ntitle: Y\ndate: 2026-05-05T11:01:00Z\n---\nAbout y.\n');
    await w.publish(at(90), ['posts/x.md', 'posts/y.md']);
    await w.publish(at(120));
    // Both, in one digest: not a first run, which would mail only the newest.
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']);
  });

  it('is told apart in an index saved before hadArticles, by the digests that went out', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.publish(at(20)); // A's digest goes out and is archived
    await del(w, 'first', at(30));
    await del(w, 'a', at(31));
    const stored = await w.index.load();
    if (stored === undefined) throw new Error('no index');
    const { hadArticles: _had, departed: _departed, ...older } = stored; // as the previous release wrote it
    await w.index.save(older);
    w.content.files.set('posts/x.md', '---\ntitle: X\ndate: 2026-05-05T11:00:00Z\n---\nAbout x.\n');
    w.content.files.set('posts/y.md', '---\ntitle: Y\ndate: 2026-05-05T11:01:00Z\n---\nAbout y.\n');
    await w.publish(at(100), ['posts/x.md', 'posts/y.md']);
    await w.publish(at(130));
    expect(await w.subjects()).toEqual(['A · Test Gazette', '2 new articles on Test Gazette']);
  });

  it('lets a new article wait out digest.delay (so it can be held)', async () => {
    const w = await world();
    await del(w, 'first', at(0));
    await w.write('x', 'X', at(90));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk, w.nowMs())).toHaveLength(1);
  });
});

describe('controls for the cancel scenarios (no cancel: A is mailed once)', () => {
  it('withdrawn and put back at its own path', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    await w.write('b', 'B', at(3));
    await put(w, 'a', text, at(5));
    await w.publish(at(20));
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']);
  });
  it('rescheduled to tomorrow', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    await put(w, 'a', textOf(w, 'a').replace('2026-05-01T00:00:00Z', '2026-05-06T10:00:00Z'), at(2));
    await w.publish(at(12));
    expect(await w.subjects()).toEqual(['B · Test Gazette']);
    await w.publish(at(24 * 60 + 1));
    await w.publish(at(24 * 60 + 20));
    expect(await w.subjects()).toEqual(['B · Test Gazette', 'A · Test Gazette']);
  });
  it('made a draft, published again two hours later', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const text = textOf(w, 'a');
    await put(w, 'a', text.replace('title: A', 'title: A\ndraft: true'), at(2));
    await w.publish(at(12));
    await put(w, 'a', text, at(120));
    await w.publish(at(140));
    expect(await w.subjects()).toEqual(['B · Test Gazette', 'A · Test Gazette']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Passing: behaviour confirmed
// ---------------------------------------------------------------------------------------------------------

describe('first run decisions', () => {
  it('the only article deleted, a genuinely new one within the hour: mailed once, after the window', async () => {
    const w = await world();
    await del(w, 'first', at(0));
    w.content.files.set('posts/x.md', '---\ntitle: X\ndate: 2026-05-05T10:20:00Z\n---\nSomething new.\n');
    w.content.files.set('posts/y.md', '---\ntitle: Y\ndate: 2026-05-05T10:21:00Z\n---\nSomething else.\n');
    await w.publish(at(30), ['posts/x.md', 'posts/y.md']);
    expect(await w.subjects()).toEqual([]);
    await w.publish(at(41));
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']); // one digest of both
    expect(w.mailer.sent).toHaveLength(1);
    await w.publish(at(200));
    expect(w.mailer.sent).toHaveLength(1);
  });

  it('a one-article site renamed across two publishes at 59 minutes is not a first run, at 60 it is new', async () => {
    for (const [gap, mailed] of [
      [59.9, 0],
      [60, 1],
    ] as const) {
      const w = await world();
      const text = textOf(w, 'first');
      await del(w, 'first', at(0));
      await put(w, 'first2', retitle(text), at(gap));
      await w.publish(at(gap + 20));
      expect(w.mailer.sent).toHaveLength(mailed);
    }
  });

  it('the only article made a draft: a new article is not a first run', async () => {
    const w = await world();
    await put(w, 'first', textOf(w, 'first').replace('title: First', 'title: First\ndraft: true'), at(0));
    await w.write('x', 'X', at(120));
    expect(await w.subjects()).toEqual([]); // waits its window
    await w.publish(at(131));
    expect(await w.subjects()).toEqual(['X · Test Gazette']);
  });
});

describe('renames across publishes', () => {
  it('a mailed article whose new copy arrives first (both live in the window) is not mailed again', async () => {
    const w = await world();
    const text = textOf(w, 'first');
    await put(w, 'first2', retitle(text), at(0));
    await del(w, 'first', at(3));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
  });

  it('delay 0: a mailed article renamed across two publishes is not mailed again', async () => {
    const w = await world(noDelay);
    const text = textOf(w, 'first');
    await del(w, 'first', at(0));
    await put(w, 'first2', retitle(text), at(1));
    expect(await w.subjects()).toEqual([]);
  });

  it('delay 0 set while an unheld article waits: renamed across two publishes, mailed once', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    (w.deps as { site: SiteConfig }).site = noDelay;
    await del(w, 'a', at(2));
    await put(w, 'a2', retitle(text), at(3));
    await w.publish(at(20));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });

  it('the departure publish retried after a crash, then the new copy: held, once released mailed once', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    crashNextSave(w);
    await expect(del(w, 'a', at(2))).rejects.toThrow('stopped');
    await w.publish(at(2.5), ['posts/a.md']);
    await put(w, 'a2', retitle(text), at(3));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect((await releaseDigest(w.desk, at(31).getTime())).kind).toBe('done');
    await w.publish(at(32));
    await w.publish(at(60));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });

  it('the pairing publish retried after a crash (no other publish between) keeps the hold', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(3))).rejects.toThrow('stopped');
    await w.publish(at(4), ['posts/a2.md']);
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
      { held: true, articles: [{ source: 'posts/a2.md' }] },
    ]);
  });

  it('a pairing publish that mailed then crashed before saving the index mails nothing on retry', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(15))).rejects.toThrow('stopped');
    await w.deliver(at(15));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
    await w.publish(at(16), ['posts/a2.md']);
    await w.publish(at(40));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });

  it('held A and B, A between halves, release: both go once; the hold is not revived by the new copy', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    expect((await holdDigest(w.desk, at(2).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(3));
    expect((await releaseDigest(w.desk, at(4).getTime())).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(5));
    await w.publish(at(30));
    await w.publish(at(90));
    // One digest carrying both (both were due long ago), nothing held afterwards.
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']);
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
  });

  it('a held article whose departure is forgotten leaves its hold; its late new copy is new and mailed', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    await put(w, 'a2', retitle(text), at(62)); // exactly one hour later
    expect(w.hold.record.holds).toEqual([]);
    await w.publish(at(80));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });
});

describe('the weekly digest across the halves of a rename', () => {
  it('an article renamed around the weekly send reaches a weekly reader once (a week late at worst)', async () => {
    const { onePage } = await import('../../../src/pipeline/fanout.js');
    const { liveInIndex, runWeekly } = await import('../../../src/pipeline/weekly.js');
    const { testSite } = await import('../../helpers/site.js');
    const site = testSite;
    const content = new MemorySource();
    const ledger = new MemoryLedger();
    const subscribers = new MemorySubscribers();
    const mailer = new MemoryMailer();
    const sends = new MemorySendLedger();
    const deps = {
      site,
      content,
      output: new MemorySite(),
      assets: new MemoryStatic(),
      index: new MemoryIndex(),
      mode: 'lenient' as const,
      announce: { ledger, digests: ledger, recipients: onePage(subscribers) },
    };
    const drain = async (now: Date) => {
      for (let id = ledger.queued.shift(); id !== undefined; id = ledger.queued.shift())
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
    };
    const pub = async (paths: string[], iso: string) => {
      await publishChanges(deps, paths, new Date(iso));
      await drain(new Date(iso));
    };
    const weekly = async (iso: string) => {
      const r = await runWeekly(
        {
          live: liveInIndex(deps.index, Date.parse(iso)),
          site,
          ledger,
          recipients: onePage(subscribers),
          deliver: (d) => ledger.enqueue(d.id),
        },
        new Date(iso),
      );
      await drain(new Date(iso));
      return r;
    };
    content.files.set('posts/before.md', '---\ntitle: Before\ndate: 2026-04-20T10:00:00Z\n---\nOld.\n');
    await pub(['posts/before.md'], '2026-04-20T10:00:00Z');
    await weekly('2026-04-27T08:30:00Z');
    await weekly('2026-05-04T08:30:00Z');
    await subscribers.save({
      address: 'week@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
      delivery: 'weekly',
      previousDelivery: 'weekly',
      deliveryChangedMs: 0,
    });
    const text = '---\ntitle: News\ndate: 2026-05-05T10:00:00Z\n---\nA body long enough to be its own.\n';
    content.files.set('posts/news.md', text);
    await pub(['posts/news.md'], '2026-05-05T10:00:00Z');
    content.files.delete('posts/news.md');
    await pub(['posts/news.md'], '2026-05-11T07:59:00Z'); // old half, just before the weekly send
    await weekly('2026-05-11T08:00:00Z');
    content.files.set('posts/big-news.md', text.replace('title: News', 'title: Big news'));
    await pub(['posts/big-news.md'], '2026-05-11T08:01:00Z'); // new half
    await weekly('2026-05-18T08:00:00Z');
    const mails = await Promise.all(
      mailer.sent.filter((m) => m.to === 'week@example.org').map((m) => simpleParser(Buffer.from(m.data))),
    );
    const carrying = mails.filter(
      (m) => (m.text ?? '').includes('Big news') || (m.text ?? '').includes('News'),
    );
    expect(carrying).toHaveLength(1);
  });
});

describe('due times with an article whose file was deleted', () => {
  it('shows the due time the publish keeps: from the articles on the site, not one whose file was deleted', async () => {
    const w = await world();
    await w.write('b', 'B', at(0));
    await w.write('a', 'A', at(5));
    await del(w, 'a', at(8)); // old half of a rename
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown).toMatchObject([{ held: false, articles: [{ title: 'A', away: true }, { title: 'B' }] }]);
    expect(shown[0]?.dueAtMs).toBe(at(10).getTime());
    expect((await deskStatus(w.desk, w.nowMs())).dueAtMs).toBe(at(10).getTime());
    // The scheduler's wake-up, set by the deletion publish, is the time the desk shows; B goes then.
    const wake = w.scheduler.wakes.at(-1);
    await w.publish(new Date(wake ?? 0));
    expect({ wake, sent: await w.subjects() }).toEqual({
      wake: at(10).getTime(),
      sent: ['B · Test Gazette'],
    });
  });
});

describe('an unheld digest whose only article is away', () => {
  it('its window passes with no new copy: nothing mailed, no crash; the new copy then goes once', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
      { held: false, dueAtMs: at(10).getTime(), articles: [{ source: 'posts/a.md', away: true }] },
    ]);
    await w.publish(at(11));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    await put(w, 'a2', retitle(text), at(40));
    await w.publish(at(55));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
    await w.publish(at(200));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });

  it('the desk does not call due a digest that waits for the copies of deleted files', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await del(w, 'a', at(2));
    await w.publish(at(11));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    const shown = await waitingDigests(w.desk, at(30).getTime());
    expect(shown).toMatchObject([{ held: false, articles: [{ away: true }] }]);
    expect(shown.filter((d) => !awaitsCopies(d))).toEqual([]);
    expect((await deskStatus(w.desk, at(30).getTime())).dueAtMs).toBeUndefined();
  });

  it('held after its window passed, its new copy is held too', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    await w.publish(at(11));
    expect((await holdDigest(w.desk, at(12).getTime())).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(13));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
      { held: true, articles: [{ source: 'posts/a2.md' }] },
    ]);
  });
});

describe('ids and holds across the halves of a rename', () => {
  it('a held digest keeps its id as its sources change, so `release <id>` from earlier output works', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const held = await holdDigest(w.desk, at(2).getTime());
    const id = held.kind === 'done' ? held.digest.id : '';
    const text = textOf(w, 'a');
    await del(w, 'a', at(3));
    expect((await waitingDigests(w.desk, w.nowMs())).map((d) => d.id)).toEqual([id]);
    await put(w, 'a2', retitle(text), at(4));
    const after = await waitingDigests(w.desk, w.nowMs());
    expect(after).toMatchObject([
      { id, held: true, articles: [{ source: 'posts/a2.md' }, { source: 'posts/b.md' }] },
    ]);
    expect(after[0]?.articles).toHaveLength(2); // no duplicate from the old source the hold still lists
    expect(w.hold.record.holds[0]?.sources).toEqual(['posts/a.md', 'posts/a2.md', 'posts/b.md']);
    expect((await releaseDigest(w.desk, at(5).getTime(), id)).kind).toBe('done');
    await w.publish(at(20));
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']);
  });

  it('a new article later put at the OLD path (the hold still lists it) is not held', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    await put(w, 'a2', retitle(text), at(3));
    expect(w.hold.record.holds[0]?.sources).toEqual(['posts/a.md', 'posts/a2.md']);
    // Another post entirely, at the freed path
    await put(
      w,
      'a',
      '---\ntitle: Other\ndate: 2026-05-04T00:00:00Z\n---\nSomething else entirely.\n',
      at(4),
    );
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown).toMatchObject([
      { held: true, articles: [{ source: 'posts/a2.md' }] },
      { held: false, articles: [{ source: 'posts/a.md', title: 'Other' }] },
    ]);
    await w.publish(at(15));
    expect(await w.subjects()).toEqual(['Other · Test Gazette']);
  });

  it('put-first copy held separately, then paired: releasing the digest that shows it lets it go', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const h1 = await holdDigest(w.desk, at(1).getTime());
    const text = textOf(w, 'a');
    await put(w, 'a2', retitle(text), at(2)); // new copy first: a new article for now, its own window
    const h2 = await holdDigest(w.desk, at(3).getTime()); // the operator holds that one too
    expect([h1.kind, h2.kind]).toEqual(['done', 'done']);
    await del(w, 'a', at(4)); // old copy leaves: paired, a2 takes a's place and hold
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown).toMatchObject([{ held: true, articles: [{ source: 'posts/a2.md' }] }]);
    expect(shown).toHaveLength(1);
    // The operator releases the one held digest the desk shows
    expect((await releaseDigest(w.desk, at(5).getTime(), shown[0]?.id)).kind).toBe('done');
    await w.publish(at(20));
    expect({
      sent: await w.subjects(),
      stillHeld: (await waitingDigests(w.desk, w.nowMs())).map((d) => d.id),
    }).toEqual({ sent: ['A, retitled · Test Gazette'], stillHeld: [] });
  });

  it('holding a digest showing an away article and a new post at the same address holds both', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await del(w, 'a', at(1));
    // A different post that takes the same slug (and so the same address)
    w.content.files.set(
      'posts/fresh.md',
      '---\ntitle: Fresh\nslug: a\ndate: 2026-05-03T00:00:00Z\n---\nA different post altogether.\n',
    );
    await w.publish(at(2), ['posts/fresh.md']);
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown).toMatchObject([
      { held: false, articles: [{ title: 'A', away: true }, { title: 'Fresh' }] },
    ]);
    expect((await holdDigest(w.desk, at(3).getTime())).kind).toBe('done');
    await w.publish(at(20));
    expect({ sent: await w.subjects(), holds: w.hold.record.holds.map((h) => h.sources) }).toEqual({
      sent: [],
      holds: [['posts/a.md', 'posts/fresh.md']],
    });
  });
});

describe('two held digests each with an away article', () => {
  it('cancelling one keeps the other held, and its new copy goes once on release', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const h1 = await holdDigest(w.desk, at(2).getTime());
    await w.write('c', 'C', at(3));
    await w.write('d', 'D', at(4));
    const h2 = await holdDigest(w.desk, at(5).getTime());
    const [id1, id2] = [h1, h2].map((h) => (h.kind === 'done' ? h.digest.id : ''));
    const [ta, tc] = [textOf(w, 'a'), textOf(w, 'c')];
    await del(w, 'a', at(6));
    await del(w, 'c', at(7));
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown.map((d) => [d.id, d.articles.map((a) => `${a.title}${a.away ? '*' : ''}`)])).toEqual([
      [id1, ['A*', 'B']],
      [id2, ['C*', 'D']],
    ]);
    expect((await cancelDigest(w.desk, at(8).getTime(), id1)).kind).toBe('done');
    await put(w, 'a2', retitle(ta), at(9));
    await put(w, 'c2', retitle(tc), at(10));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
      { id: id2, held: true, articles: [{ source: 'posts/c2.md' }, { source: 'posts/d.md' }] },
    ]);
    expect((await releaseDigest(w.desk, at(31).getTime(), id2)).kind).toBe('done');
    await w.publish(at(32));
    await w.publish(at(100));
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']);
    const last = [...w.ledger.digests.values()].at(-1);
    expect(last?.articles.map((a) => a.title).sort()).toEqual(['C, retitled', 'D']);
  });

  it('cancelling the held one whose away article expires meanwhile still cancels the rest; nothing mailed', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const h = await holdDigest(w.desk, at(2).getTime());
    const id = h.kind === 'done' ? h.digest.id : '';
    const text = textOf(w, 'a');
    await del(w, 'a', at(3));
    // over an hour later: A's departure forgotten; the hold's id still names what remains
    expect(await waitingDigests(w.desk, at(70).getTime())).toMatchObject([
      { id, held: true, articles: [{ title: 'B' }] },
    ]);
    expect((await cancelDigest(w.desk, at(70).getTime(), id)).kind).toBe('done');
    await w.publish(at(71));
    expect(await w.subjects()).toEqual([]);
    // A's late new copy is a new article (documented: departures are kept an hour)
    await put(w, 'a2', retitle(text), at(72));
    await w.publish(at(90));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });
});

describe('publishes that stop before saving the index around the halves of a rename', () => {
  it('pairing publish crashes; the operator cancels before the retry: the new copy is not mailed', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(3))).rejects.toThrow('stopped');
    const shown = await waitingDigests(w.desk, at(4).getTime());
    expect(shown).toMatchObject([{ held: true, articles: [{ title: 'A', away: true }] }]);
    expect((await cancelDigest(w.desk, at(4).getTime(), shown[0]?.id)).kind).toBe('done');
    await w.publish(at(5), ['posts/a2.md']);
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
  });

  it('pairing publish crashes; the operator releases before the retry: mailed once', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(3))).rejects.toThrow('stopped');
    expect((await releaseDigest(w.desk, at(4).getTime())).kind).toBe('done');
    await w.publish(at(5), ['posts/a2.md']);
    await w.publish(at(30));
    await w.publish(at(100));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });

  it('deletion publish crashes; cancel before the retry; new copy not mailed', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    crashNextSave(w);
    await expect(del(w, 'a', at(2))).rejects.toThrow('stopped');
    expect((await cancelDigest(w.desk, at(3).getTime())).kind).toBe('done');
    await w.publish(at(3.5), ['posts/a.md']);
    await put(w, 'a2', retitle(text), at(4));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
  });

  it('crash at every publish of a held rename, each retried: held until released, then once', async () => {
    const w = await world();
    crashNextSave(w);
    await expect(w.write('a', 'A', at(0))).rejects.toThrow('stopped');
    await w.publish(at(0.5), ['posts/a.md']);
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    crashNextSave(w);
    await expect(del(w, 'a', at(2))).rejects.toThrow('stopped');
    await w.publish(at(2.5), ['posts/a.md']);
    crashNextSave(w);
    await expect(put(w, 'a2', retitle(text), at(3))).rejects.toThrow('stopped');
    crashNextSave(w);
    await expect(w.publish(at(3.5), ['posts/a2.md'])).rejects.toThrow('stopped');
    await w.publish(at(4), ['posts/a2.md']);
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect((await releaseDigest(w.desk, at(31).getTime())).kind).toBe('done');
    crashNextSave(w);
    await expect(w.publish(at(32))).rejects.toThrow('stopped');
    await w.publish(at(33));
    await w.publish(at(100));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });
});
