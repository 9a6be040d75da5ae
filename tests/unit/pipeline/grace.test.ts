// The grace window (digest.delay) through the real publisher, fan-out and sender over in-memory ports,
// with the wake-up scheduler the cloud edition uses and the operator's hold, release and cancel.

import { describe, expect, it } from 'vitest';
import { pendingDigestId } from '../../../src/core/grace.js';
import {
  cancelDigest,
  type DeskAnswer,
  deskStatus,
  holdDigest,
  releaseDigest,
  waitingDigests,
} from '../../../src/pipeline/desk.js';
import { graceWorld } from '../../helpers/grace-world.js';
import { MemoryLedger } from '../../helpers/memory.js';
import { at, graceSite } from '../../helpers/site.js';

const site = graceSite;

const world = (ledger?: MemoryLedger) => graceWorld(site, ledger);

describe('the grace window', () => {
  it('waits, sends the article as edited in the window, and wakes the publisher when it closes', async () => {
    const w = await world();
    const pushed = await w.write('typo', 'Tpyo in the title', at(0));
    expect(pushed.digest).toBeUndefined();
    expect(pushed.pendingDigest).toEqual({
      id: pendingDigestId(['posts/typo.md']),
      articles: ['https://news.example.com/posts/typo/'],
      dueAtMs: at(10).getTime(),
      held: false,
    });
    expect(w.scheduler.wakes.at(-1)).toBe(at(10).getTime());

    // The fix, five minutes later: still nothing sent, and the window is not moved by an edit.
    expect((await w.write('typo', 'No typo in the title', at(5))).pendingDigest?.dueAtMs).toBe(
      at(10).getTime(),
    );
    expect((await w.publish(at(9))).digest).toBeUndefined();
    expect(await w.subjects()).toEqual([]);

    // The wake-up (an empty publish, as the schedule sends) at the window's end sends the fixed title.
    expect((await w.publish(at(10))).digest?.articles).toEqual(['https://news.example.com/posts/typo/']);
    expect(await w.subjects()).toEqual(['No typo in the title · Test Gazette']);
    await w.publish(at(11));
    await w.publish(at(60));
    expect(await w.subjects()).toHaveLength(1);
    expect(w.scheduler.wakes.at(-1)).toBeUndefined();
  });

  it('puts a burst of pushes into one digest, due a window after the last', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    expect((await w.write('b', 'B', at(4))).pendingDigest?.dueAtMs).toBe(at(14).getTime());
    await w.publish(at(10));
    expect(await w.subjects()).toEqual([]);
    await w.publish(at(14));
    expect(await w.subjects()).toEqual(['2 new articles on Test Gazette']);
  });

  it('never mails an article taken off the site in its window', async () => {
    const w = await world();
    await w.write('oops', 'Oops', at(0));
    await w.write('oops', 'Oops', at(2), 'draft: true\n');
    expect((await w.publish(at(10))).pendingDigest).toBeUndefined();
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
  });

  it('keeps a held digest past its window until released, then sends it once', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect(await holdDigest(w.desk, at(1).getTime())).toMatchObject({ kind: 'done', digest: { held: true } });
    const late = await w.publish(at(10));
    expect(late.pendingDigest).toMatchObject({ held: true, dueAtMs: at(10).getTime() });
    // Held: no wake-up is asked for; releasing does not wait for another window.
    expect(w.scheduler.wakes.at(-1)).toBeUndefined();
    await w.publish(at(45));
    expect(await w.subjects()).toEqual([]);
    expect(await releaseDigest(w.desk, at(50).getTime())).toMatchObject({
      kind: 'done',
      digest: { held: false },
    });
    await w.publish(at(51));
    await w.publish(at(52));
    expect(await w.subjects()).toEqual(['Held · Test Gazette']);
  });

  it('sends a digest held for longer than the announce window once it is released', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    await holdDigest(w.desk, at(1).getTime());
    const tenDays = 10 * 24 * 60;
    expect(await releaseDigest(w.desk, at(tenDays).getTime())).toMatchObject({ kind: 'done' });
    const released = await w.publish(at(tenDays + 1));
    expect(released.late).toBeUndefined();
    expect(await w.subjects()).toEqual(['Held · Test Gazette']);
  });

  it('cancel drops the pending digest for good, and the next article goes on its own', async () => {
    const w = await world();
    await w.write('dropped', 'Dropped', at(0));
    await holdDigest(w.desk, at(1).getTime());
    const cancelled = await cancelDigest(w.desk, at(2).getTime());
    expect(cancelled.kind === 'done' && cancelled.digest.articles.map((a) => a.title)).toEqual(['Dropped']);
    expect(await deskStatus(w.desk, w.nowMs())).toEqual({ articles: [], held: false });
    expect(w.ledger.announced.get('https://news.example.com/posts/dropped/')).toBe('cancelled');
    await w.publish(at(10));
    await w.write('next', 'Next', at(20));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual(['Next · Test Gazette']);
  });

  it('holds one digest while the next goes on its own window; release and cancel name one by id', async () => {
    const w = await world();
    await w.write('first-held', 'First held', at(0));
    const held = await holdDigest(w.desk, at(1).getTime());
    if (held.kind !== 'done') throw new Error(`hold: ${held.kind}`);
    // Nothing else waits unheld: a second hold has nothing to stop.
    expect((await holdDigest(w.desk, at(2).getTime())).kind).toBe('none');
    await w.write('news', 'News', at(5));
    await w.publish(at(15)); // its window closed; the held one still waits
    expect(await w.subjects()).toEqual(['News · Test Gazette']);

    await w.write('second-held', 'Second held', at(20));
    const second = await holdDigest(w.desk, at(21).getTime());
    if (second.kind !== 'done') throw new Error(`hold: ${second.kind}`);
    expect(second.digest.id).not.toBe(held.digest.id);
    const waiting = await waitingDigests(w.desk, w.nowMs());
    expect(waiting.map((d) => [d.id, d.held, d.articles.map((a) => a.title)])).toEqual([
      [held.digest.id, true, ['First held']],
      [second.digest.id, true, ['Second held']],
    ]);
    // Two held: without an id nothing is released and both are listed; an unknown id names neither.
    expect(await releaseDigest(w.desk, at(40).getTime())).toMatchObject({
      kind: 'ambiguous',
      digests: waiting,
    });
    expect((await releaseDigest(w.desk, at(40).getTime(), 'deadbeef')).kind).toBe('unknown');
    expect((await cancelDigest(w.desk, at(40).getTime())).kind).toBe('ambiguous');

    expect((await cancelDigest(w.desk, at(41).getTime(), second.digest.id)).kind).toBe('done');
    expect(await releaseDigest(w.desk, at(42).getTime(), held.digest.id)).toMatchObject({ kind: 'done' });
    await w.publish(at(43));
    await w.publish(at(90));
    expect(await w.subjects()).toEqual(['News · Test Gazette', 'First held · Test Gazette']);
    expect(w.ledger.announced.get('https://news.example.com/posts/second-held/')).toBe('cancelled');
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
    expect(w.hold.record.holds).toEqual([]);
  });

  it('release says the held articles join the digest waiting unheld, under its id and window', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    const held = await holdDigest(w.desk, at(1).getTime());
    if (held.kind !== 'done') throw new Error(`hold: ${held.kind}`);
    await w.write('later', 'Later', at(5));
    await w.publish(at(6));
    const [open] = (await waitingDigests(w.desk, w.nowMs())).filter((d) => !d.held);
    const released = await releaseDigest(w.desk, at(8).getTime());
    if (released.kind !== 'done') throw new Error(`release: ${released.kind}`);
    expect(released.released).toMatchObject({ id: held.digest.id, articles: [{ title: 'Held' }] });
    expect(released.digest).toEqual((await waitingDigests(w.desk, w.nowMs()))[0]);
    expect(released.digest.articles.map((a) => a.title)).toEqual(['Held', 'Later']);
    expect(released.digest.held).toBe(false);
    expect(released.digest.id).not.toBe(held.digest.id);
    expect(open?.articles.map((a) => a.title)).toEqual(['Later']);
    // Alone, a released digest is what it was: nothing joined.
    const w2 = await world();
    await w2.write('alone', 'Alone', at(0));
    const alone = await holdDigest(w2.desk, at(1).getTime());
    const free = await releaseDigest(w2.desk, at(2).getTime());
    expect(free).toEqual({
      kind: 'done',
      digest: { ...(alone.kind === 'done' && alone.digest), held: false },
    });
  });

  it.each([
    ['hold', holdDigest],
    ['cancel', cancelDigest],
  ])('a %s made while a publish is mailing waits for it, then says the digest went', async (_, command) => {
    const w = await world();
    await w.write('racing', 'Racing', at(0));
    // The wake-up at the window's end has read the holds and the ledger, and is creating the digest, when
    // the operator's command comes.
    let answer: Promise<DeskAnswer> | undefined;
    const create = w.ledger.createDigest.bind(w.ledger);
    w.ledger.createDigest = async (digest) => {
      answer ??= command(w.desk, at(10).getTime());
      // The publish goes on once the command is done, or after half a second if it waits for the publish.
      await Promise.race([answer, new Promise((resolve) => setTimeout(resolve, 500))]);
      return create(digest);
    };
    await w.publish(at(10));
    expect(await w.subjects()).toEqual(['Racing · Test Gazette']);
    // Told 'done', the operator would believe the mail stopped.
    expect((await answer)?.kind).toBe('none');
    expect(w.hold.record.holds).toEqual([]);
    expect(w.ledger.announced.get('https://news.example.com/posts/racing/')).not.toBe('cancelled');
  });

  it('forgets a hold on an article taken off the site: put back, it waits out a window of its own', async () => {
    const w = await world();
    await w.write('wobbly', 'Wobbly', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await w.write('wobbly', 'Wobbly', at(2), 'draft: true\n');
    // The publish that took it off the site drops it from the holds: a draft was withdrawn on
    // purpose, not half of a rename (its file is still there).
    expect(w.hold.record.holds).toEqual([]);
    const back = await w.write('wobbly', 'Wobbly again', at(30));
    expect(back.pendingDigest).toMatchObject({ held: false, dueAtMs: at(40).getTime() });
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([{ held: false }]);
    await w.publish(at(40));
    expect(await w.subjects()).toEqual(['Wobbly again · Test Gazette']);
  });

  it('a hold recorded on an article that no longer waited does not hold it when it comes back', async () => {
    const w = await world();
    // As a publish before pruning left it: the article was taken off the site, its hold stayed.
    w.hold.record = { holds: [{ id: 'stale000', sources: ['posts/back.md'], sinceMs: 0 }], version: 3 };
    const back = await w.write('back', 'Back', at(0));
    expect(back.pendingDigests).toMatchObject([{ held: false, dueAtMs: at(10).getTime() }]);
    expect(w.hold.record).toEqual({ holds: [], version: 4 });
    await w.publish(at(10));
    expect(await w.subjects()).toEqual(['Back · Test Gazette']);
  });

  it('a held article edited in the window (a new address) stays held', async () => {
    const w = await world();
    await w.write('renamed', 'Renamed', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await w.write('renamed', 'Renamed', at(2), 'slug: renamed-better\n');
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(w.hold.record.holds).toMatchObject([{ sources: ['posts/renamed.md'] }]);
  });

  it('never loses a hold to a concurrent write: a stale version is refused and the command reads again', async () => {
    const w = await world();
    await w.write('a', 'A', at(0));
    const { version } = await w.hold.holds();
    // Another operator's hold lands between this command's read and write.
    const save = w.hold.saveHolds.bind(w.hold);
    let raced = false;
    w.hold.saveHolds = async (holds, v) => {
      if (!raced) {
        raced = true;
        await save([{ id: 'other', sources: ['posts/a.md'], sinceMs: 0 }], version);
      }
      return save(holds, v);
    };
    // The write on the stale version is refused; read again, the digest is already held: nothing to do.
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('none');
    expect(w.hold.record).toEqual({
      version: version + 1,
      holds: [{ id: 'other', sources: ['posts/a.md'], sinceMs: 0 }],
    });
  });
});

/** A ledger that stops a publish once, at the hand-over mark or at marking the articles after it. */
class StoppingLedger extends MemoryLedger {
  stopAt: 'hand-over' | 'marking' | undefined;
  override async markAnnounced(urls: readonly string[], id: string) {
    const step = urls.every((key) => key.startsWith('handed-on:')) ? 'hand-over' : 'marking';
    if (this.stopAt === step && id !== 'moved') {
      this.stopAt = undefined;
      throw new Error(`stopped at ${step}`);
    }
    return super.markAnnounced(urls, id);
  }
}

describe('a held or stopped digest and a file renamed or edited meanwhile', () => {
  it('stays held when its file is renamed and retitled in one commit (its date and body kept)', async () => {
    const w = await world();
    await w.write('held', 'Held', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await w.rename('held', 'renamed', at(2), (text) => text.replace('title: Held', 'title: Held, retitled'));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([{ held: true }]);
  });

  it('mails an article once when a step stopped after handing it on and its file was renamed before the retry', async () => {
    const ledger = new StoppingLedger();
    const w = await world(ledger);
    await w.write('story', 'Story', at(0));
    ledger.stopAt = 'marking';
    await expect(w.publish(at(10))).rejects.toThrow('stopped at marking');
    await w.deliver(at(10));
    expect(await w.subjects()).toEqual(['Story · Test Gazette']);
    await w.rename('story', 'story-renamed', at(12));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual(['Story · Test Gazette']);
  });

  it('no longer offers to hold or cancel a digest a stopped step began to hand on: it goes out', async () => {
    const ledger = new StoppingLedger();
    const w = await world(ledger);
    await w.write('story', 'Story', at(0));
    ledger.stopAt = 'marking';
    await expect(w.publish(at(10))).rejects.toThrow('stopped at marking');
    expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
    expect((await holdDigest(w.desk, at(11).getTime())).kind).not.toBe('done');
    expect((await cancelDigest(w.desk, at(11).getTime())).kind).not.toBe('done');
    await w.publish(at(12));
    expect(await w.subjects()).toEqual(['Story · Test Gazette']);
  });

  it('sends the text fixed during a hold, not the digest a stopped step created before it', async () => {
    const ledger = new StoppingLedger();
    const w = await world(ledger);
    await w.write('typo', 'Tpyo', at(0));
    ledger.stopAt = 'hand-over';
    await expect(w.publish(at(10))).rejects.toThrow('stopped at hand-over');
    // Nothing went; the desk still shows it, and the operator holds it to fix the title.
    expect((await holdDigest(w.desk, at(11).getTime())).kind).toBe('done');
    await w.publish(at(12));
    await w.write('typo', 'Typo fixed', at(13));
    expect((await releaseDigest(w.desk, at(14).getTime())).kind).toBe('done');
    await w.publish(at(15));
    expect(await w.subjects()).toEqual(['Typo fixed · Test Gazette']);
  });
});

describe('a file renamed and retitled whose two events land in publishes apart', () => {
  const retitle = (text: string) => text.replace(/title: (.*)/, 'title: $1, retitled');

  /** The old copy leaves in one publish, the new copy arrives in a later one (or the other way round). */
  async function renamedApart(
    w: Awaited<ReturnType<typeof world>>,
    from: string,
    to: string,
    [first, second]: readonly [Date, Date],
    order: 'delete-first' | 'put-first',
  ) {
    const { content } = w;
    const text = content.files.get(`posts/${from}.md`) ?? '';
    const steps = [
      async (now: Date) => {
        content.files.delete(`posts/${from}.md`);
        await w.publish(now, [`posts/${from}.md`]);
      },
      async (now: Date) => {
        content.files.set(`posts/${to}.md`, retitle(text));
        await w.publish(now, [`posts/${to}.md`]);
      },
    ];
    if (order === 'put-first') steps.reverse();
    await steps[0]?.(first);
    await steps[1]?.(second);
  }

  for (const order of ['delete-first', 'put-first'] as const) {
    it(`is not mailed again once announced (${order})`, async () => {
      const w = await world();
      await w.write('story', 'Story', at(0));
      await w.publish(at(10));
      expect(await w.subjects()).toEqual(['Story · Test Gazette']);
      await renamedApart(w, 'story', 'story-renamed', [at(20), at(21)], order);
      await w.publish(at(40));
      expect(await w.subjects()).toEqual(['Story · Test Gazette']);
      expect(await waitingDigests(w.desk, w.nowMs())).toEqual([]);
    });

    it(`keeps its place in the window and its hold while waiting (${order})`, async () => {
      const w = await world();
      await w.write('held', 'Held', at(0));
      expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
      const [{ id } = { id: '' }] = w.hold.record.holds;
      await renamedApart(w, 'held', 'held-renamed', [at(2), at(3)], order);
      await w.publish(at(30));
      expect(await w.subjects()).toEqual([]);
      // Still under the id the operator held it by.
      expect(await waitingDigests(w.desk, w.nowMs())).toMatchObject([
        { id, held: true, articles: [{ source: 'posts/held-renamed.md', title: 'Held, retitled' }] },
      ]);
      expect((await releaseDigest(w.desk, at(31).getTime(), id)).kind).toBe('done');
      await w.publish(at(32));
      expect(await w.subjects()).toEqual(['Held, retitled · Test Gazette']);
    });

    it(`keeps the time it went live: due when the old copy's window closes (${order})`, async () => {
      const w = await world();
      await w.write('quick', 'Quick', at(0));
      await renamedApart(w, 'quick', 'quick-renamed', [at(2), at(3)], order);
      await w.publish(at(10));
      expect(await w.subjects()).toEqual(['Quick, retitled · Test Gazette']);
    });
  }

  it('is a new article when its new copy arrives more than an hour after the old one left', async () => {
    const w = await world();
    await w.write('story', 'Story', at(0));
    await w.publish(at(10));
    await renamedApart(w, 'story', 'story-again', [at(20), at(90)], 'delete-first');
    await w.publish(at(100));
    expect(await w.subjects()).toEqual(['Story · Test Gazette', 'Story, retitled · Test Gazette']);
  });
});

describe('what the weekly digest takes from a digest a stopped step left behind', () => {
  const story = 'https://news.example.com/posts/story/';
  const awaiting = async (ledger: MemoryLedger) =>
    (await ledger.awaitingWeekly(0, at(1000).getTime())).map((a) => a.url);

  it('nothing while the next step has not decided; its articles once it is handed on', async () => {
    const ledger = new StoppingLedger();
    const w = await world(ledger);
    await w.write('story', 'Story', at(0));
    ledger.stopAt = 'hand-over';
    await expect(w.publish(at(10))).rejects.toThrow('stopped at hand-over');
    expect(ledger.digests.size).toBe(2);
    expect(await awaiting(ledger)).not.toContain(story);
    await w.publish(at(12));
    expect(await w.subjects()).toEqual(['Story · Test Gazette']);
    expect(await awaiting(ledger)).toContain(story);
  });

  it('never the articles of one dropped because the operator cancelled them meanwhile', async () => {
    const ledger = new StoppingLedger();
    const w = await world(ledger);
    await w.write('story', 'Story', at(0));
    ledger.stopAt = 'hand-over';
    await expect(w.publish(at(10))).rejects.toThrow('stopped at hand-over');
    expect((await cancelDigest(w.desk, at(11).getTime())).kind).toBe('done');
    await w.publish(at(12));
    expect(await w.subjects()).toEqual([]);
    expect([...ledger.announced.keys()].filter((key) => key.startsWith('dropped:'))).toHaveLength(1);
    expect(await awaiting(ledger)).not.toContain(story);
  });
});
