import { describe, expect, it } from 'vitest';
import { earlierHold } from '../../../src/core/grace.js';
import {
  awaitsCopies,
  cancelDigest,
  deskStatus,
  holdDigest,
  releaseDigest,
  waitingDigests,
} from '../../../src/pipeline/desk.js';
import { del, type GraceWorld, graceWorld, put, retitle, textOf } from '../../helpers/grace-world.js';
import { at } from '../../helpers/site.js';

const view = async (w: GraceWorld, ms = w.nowMs()) =>
  (await waitingDigests(w.desk, ms)).map((d) => ({
    id: d.id,
    held: d.held,
    titles: d.articles.map((a) => `${a.title}${a.away ? '*' : ''}`),
  }));

describe('drafts and rescheduled posts later deleted', () => {
  it('a waiting article made a draft, then its draft file deleted, does not come back to the desk as away', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const text = textOf(w, 'a');
    await put(w, 'a', text.replace('title: A', 'title: A\ndraft: true'), at(2));
    expect((await view(w)).flatMap((d) => d.titles)).toEqual(['B']);
    await del(w, 'a', at(3)); // the draft file is deleted later
    expect((await view(w)).flatMap((d) => d.titles)).toEqual(['B']);
  });
  it('a waiting article rescheduled to tomorrow, then its file deleted, does not come back as away', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const text = textOf(w, 'a');
    await put(w, 'a', text.replace('date: 2026-05-01T00:00:00Z', 'date: 2099-01-01T00:00:00Z'), at(2));
    expect((await view(w)).flatMap((d) => d.titles)).toEqual(['B']);
    await del(w, 'a', at(3));
    expect((await view(w)).flatMap((d) => d.titles)).toEqual(['B']);
  });
  it('a draft later deleted: cancelling the open digest (B) then publishing the draft as a new file mails it', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    const text = textOf(w, 'a');
    await put(w, 'a', text.replace('title: A', 'title: A\ndraft: true'), at(2));
    await del(w, 'a', at(3));
    expect((await cancelDigest(w.desk, at(4).getTime())).kind).toBe('done'); // operator cancels "B"
    await put(w, 'a2', retitle(text), at(5));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });
});

describe('already announced articles, then deleted', () => {
  it('a mailed article deleted is not shown as waiting', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    await w.publish(at(11));
    expect(await w.subjects()).toEqual(['A · Test Gazette']);
    await del(w, 'a', at(12));
    expect(await view(w)).toEqual([]);
    expect((await deskStatus(w.desk, w.nowMs())).articles).toEqual([]);
  });
  it('a cancelled article deleted in the next publish is not shown as waiting', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    expect((await cancelDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await del(w, 'a', at(2));
    expect(await view(w)).toEqual([]);
    const st = await deskStatus(w.desk, w.nowMs());
    expect(st).toEqual({ articles: [], held: false });
  });
});

describe('the previous release hold (everyPending) and away articles', () => {
  it('an old-format hold with an on-site and an away article: one held digest showing both', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    await w.write('b', 'B', at(1));
    await del(w, 'a', at(2));
    w.hold.record = { holds: [earlierHold(at(3).getTime())], version: w.hold.record.version + 1 };
    const shown = await view(w, at(4).getTime());
    expect(shown).toMatchObject([{ held: true, titles: ['A*', 'B'] }]);
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await view(w)).toEqual(shown);
  });
});

describe('away-only digests: hold, cancel with and without ids', () => {
  it('hold without id of an away-only unheld digest, then the copy arrives: held; release mails once', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    const h = await holdDigest(w.desk, at(3).getTime());
    expect(h.kind).toBe('done');
    const id = h.kind === 'done' ? h.digest.id : '';
    expect((await deskStatus(w.desk, at(3).getTime())).held).toBe(true);
    await put(w, 'a2', retitle(text), at(4));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await view(w)).toMatchObject([{ id, held: true, titles: ['A, retitled'] }]);
    expect((await releaseDigest(w.desk, at(31).getTime(), id)).kind).toBe('done');
    await w.publish(at(32));
    await w.publish(at(50));
    expect(await w.subjects()).toEqual(['A, retitled · Test Gazette']);
  });
  it('cancel <id> of an away-only unheld digest by the id pending showed', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    const [d] = await waitingDigests(w.desk, at(3).getTime());
    expect(d && awaitsCopies(d)).toBe(true);
    expect((await cancelDigest(w.desk, at(3).getTime(), d?.id)).kind).toBe('done');
    await put(w, 'a2', retitle(text), at(4));
    await w.publish(at(30));
    expect(await w.subjects()).toEqual([]);
    expect(await view(w)).toEqual([]);
  });
  it('two digests: held [B] and away-only [A*]; cancel without id is ambiguous, hold without id takes A*', async () => {
    const w = await graceWorld();
    await w.write('b', 'B', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await w.write('a', 'A', at(2));
    await del(w, 'a', at(3));
    expect(await view(w)).toMatchObject([
      { held: true, titles: ['B'] },
      { held: false, titles: ['A*'] },
    ]);
    expect((await cancelDigest(w.desk, at(4).getTime())).kind).toBe('ambiguous');
    const h = await holdDigest(w.desk, at(4).getTime());
    expect(h.kind === 'done' && h.digest.articles.map((a) => a.title)).toEqual(['A']);
    const st = await deskStatus(w.desk, at(4).getTime());
    expect(st.articles.map((a) => a.title).sort()).toEqual(['A', 'B']);
    expect(st.held).toBe(true);
  });
});

describe('ids across a publish in between', () => {
  /** A held, renamed (a → a2) in two publishes, and another article put at its old path in a third. */
  async function heldRenamedWithOtherAtOldPath() {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    const text = textOf(w, 'a');
    await del(w, 'a', at(2));
    await put(w, 'a2', retitle(text), at(3));
    await put(
      w,
      'a',
      '---\ntitle: Other\ndate: 2026-05-04T00:00:00Z\n---\nSomething else entirely.\n',
      at(4),
    );
    return w;
  }

  it('held digest id and the open digest id never coincide (new article at the old path)', async () => {
    const w = await heldRenamedWithOtherAtOldPath();
    const shown = await waitingDigests(w.desk, w.nowMs());
    expect(shown.map((d) => d.held)).toEqual([true, false]);
    expect(shown[0]?.id).not.toBe(shown[1]?.id);
  });
  it('cancel <id of the open digest Other> does not cancel the held A', async () => {
    const w = await heldRenamedWithOtherAtOldPath();
    const open = (await waitingDigests(w.desk, w.nowMs())).find((d) => !d.held);
    const c = await cancelDigest(w.desk, at(5).getTime(), open?.id);
    expect(c.kind === 'done' && c.digest.articles.map((a) => a.title)).toEqual(['Other']);
  });
  it('hold <id of the open digest Other> then release <same id>: A stays held', async () => {
    const w = await heldRenamedWithOtherAtOldPath();
    const open = (await waitingDigests(w.desk, w.nowMs())).find((d) => !d.held);
    expect((await holdDigest(w.desk, at(5).getTime(), open?.id)).kind).toBe('done');
    const r = await releaseDigest(w.desk, at(6).getTime(), open?.id);
    expect(r.kind === 'done' && r.digest.articles.map((a) => a.title)).toEqual(['Other']);
    await w.publish(at(30));
    expect(await w.subjects()).toEqual(['Other · Test Gazette']);
  });
});

describe('expired departures', () => {
  it('a hold listing an away article whose departure expired: not shown, no crash, hold id kept for the rest', async () => {
    const w = await graceWorld();
    await w.write('a', 'A', at(0));
    expect((await holdDigest(w.desk, at(1).getTime())).kind).toBe('done');
    await del(w, 'a', at(2));
    expect(await view(w, at(63).getTime())).toEqual([]);
    expect(await deskStatus(w.desk, at(63).getTime())).toEqual({ articles: [], held: false });
    expect((await releaseDigest(w.desk, at(63).getTime())).kind).toBe('none');
  });
});
