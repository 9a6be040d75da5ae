import { describe, expect, it } from 'vitest';
import {
  earlierHold,
  graceStep,
  holdsOver,
  parseDuration,
  pendingDigestId,
  pendingDigests,
  pendingDueAtMs,
} from '../../../src/core/grace.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { testSite } from '../../helpers/site.js';

describe('digest.delay durations', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['24h', 86_400_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toEqual({ ok: true, ms }));

  it.each(['10', '10 m', 'm', '-5m', '1d', '25h', ''])('refuses %j', (text) =>
    expect(parseDuration(text).ok).toBe(false),
  );

  it('names the field in site.yaml when the value is bad', () => {
    const { baseUrl: base_url, author, sender } = testSite;
    const yaml = { title: 'T', base_url, author: { name: author.name }, sender };
    expect(parseSiteConfig({ ...yaml, digest: { delay: '10m' } }).digest.delayMs).toBe(600_000);
    expect(parseSiteConfig(yaml).digest.delayMs).toBe(0);
    expect(() => parseSiteConfig({ ...yaml, digest: { delay: 'soon' } })).toThrow(
      /digest\.delay: "soon" is not a duration like 10m/,
    );
  });
});

describe('the grace window', () => {
  const step = (over: Partial<Parameters<typeof graceStep>[0]>) =>
    graceStep({
      pending: {},
      wentLive: [],
      live: new Set(['a', 'b']),
      announced: new Set(),
      held: new Set(),
      delayMs: 600_000,
      nowMs: 1_000_000,
      ...over,
    });

  it('holds what went live for the delay, then announces it', () => {
    expect(step({ wentLive: ['a'] })).toEqual({
      announce: [],
      pending: { a: 1_000_000 },
      dueAtMs: 1_600_000,
    });
    expect(step({ pending: { a: 1_000_000 }, nowMs: 1_599_999 }).announce).toEqual([]);
    expect(step({ pending: { a: 1_000_000 }, nowMs: 1_600_000 })).toEqual({ announce: ['a'], pending: {} });
  });

  it('gives each article the whole window: a second push moves the due time', () => {
    const second = step({ pending: { a: 1_000_000 }, wentLive: ['b'], nowMs: 1_300_000 });
    expect(second.dueAtMs).toBe(1_900_000);
    expect(pendingDueAtMs(second.pending, 600_000)).toBe(1_900_000);
  });

  it('drops what left the site or was announced (cancelled), and waits while held', () => {
    expect(step({ pending: { a: 1, b: 2 }, live: new Set(['b']), nowMs: 2_000_000 }).announce).toEqual(['b']);
    expect(step({ pending: { a: 1, b: 2 }, announced: new Set(['a', 'b']) })).toEqual({
      announce: [],
      pending: {},
    });
    expect(step({ pending: { a: 1 }, held: new Set(['a']), nowMs: 9e9 })).toEqual({
      announce: [],
      pending: { a: 1 },
    });
  });

  it('lets what is not held go when its own window closes, and keeps the held waiting beside it', () => {
    const held = new Set(['a']);
    const later = step({ pending: { a: 1 }, wentLive: ['b'], held, nowMs: 1_000_000 });
    expect(later).toEqual({ announce: [], pending: { a: 1, b: 1_000_000 }, dueAtMs: 1_600_000 });
    expect(step({ pending: later.pending, held, nowMs: 1_600_000 })).toEqual({
      announce: ['b'],
      pending: { a: 1 },
    });
  });

  it('lists the held digests, each with its own window, then the open one, under stable ids', () => {
    const holds = [
      { id: 'h1', sources: ['a', 'gone'], sinceMs: 5 },
      { id: 'h2', sources: ['gone'], sinceMs: 6 },
    ];
    expect(pendingDigests({ a: 1, b: 100, c: 50 }, holds, 10)).toEqual([
      { id: 'h1', sources: ['a'], dueAtMs: 11, held: true },
      { id: pendingDigestId(['c', 'b']), sources: ['b', 'c'], dueAtMs: 110, held: false },
    ]);
    expect(pendingDigestId(['b', 'c'])).toMatch(/^[0-9a-f]{8}$/);
    expect(pendingDigests({}, holds, 10)).toEqual([]);
  });

  it('narrows the holds to what still waits, dropping a hold with nothing left', () => {
    const h1 = { id: 'h1', sources: ['a', 'gone'], sinceMs: 5 };
    const h2 = { id: 'h2', sources: ['gone'], sinceMs: 6 };
    const h3 = { id: 'h3', sources: ['b'], sinceMs: 7 };
    expect(holdsOver([h1, h2, h3], new Set(['a', 'b', 'c']))).toEqual([
      { id: 'h1', sources: ['a'], sinceMs: 5 },
      h3,
    ]);
    expect(holdsOver([h1, h2], new Set())).toEqual([]);
  });

  it("turns the previous release's hold into one listing what waits and no other hold lists", () => {
    const h1 = { id: 'h1', sources: ['a'], sinceMs: 5 };
    expect(holdsOver([earlierHold(3), h1], new Set(['c', 'a', 'b']))).toEqual([
      { id: pendingDigestId(['b', 'c']), sources: ['b', 'c'], sinceMs: 3 },
      h1,
    ]);
    // What goes live in the publish reading it joins it, as it joined the digest it held.
    expect(holdsOver([earlierHold(3), h1], new Set(['a', 'b']), new Set(['d']))).toEqual([
      { id: pendingDigestId(['b', 'd']), sources: ['b', 'd'], sinceMs: 3 },
      h1,
    ]);
    // With nothing to list yet, it stays as it was, for what goes live next.
    expect(holdsOver([earlierHold(3), h1], new Set(['a']))).toEqual([earlierHold(3), h1]);
  });

  it('with no delay announces at once what went live', () => {
    expect(step({ wentLive: ['a'], delayMs: 0 })).toEqual({ announce: ['a'], pending: {} });
  });
});
