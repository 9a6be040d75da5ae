// The reliability property (properties.test.ts) with renames split across publishes: an article's file is
// deleted in one publish and put back under the other name (p<i>.md <-> r<i>.md), retitled, in a later one,
// between pushes, drafts, waits, holds, releases, cancels and publishes that stop before saving the index.
// Nothing is mailed twice within a departure's hour, and nothing live and uncancelled is skipped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cancelDigest, holdDigest, releaseDigest, waitingDigests } from '../../src/pipeline/desk.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import { RateLimiter } from '../../src/pipeline/send.js';
import { fanOutAndSend } from '../helpers/deliver.js';
import { deskSite } from '../helpers/desk-site.js';
import { MemoryMailer } from '../helpers/memory.js';
import { graceSite } from '../helpers/site.js';

type Op =
  | { kind: 'push'; which: number; title: string; hold: boolean }
  | { kind: 'draft'; which: number }
  | { kind: 'delete'; which: number }
  | { kind: 'reput'; which: number; title: string }
  | { kind: 'wait'; minutes: number }
  | { kind: 'hold' | 'release' | 'cancel'; which: number }
  | { kind: 'crash' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('push'),
      which: fc.nat(3),
      title: fc.constantFrom('One', 'Two', 'Fixed'),
      hold: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('draft'), which: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete'), which: fc.nat(3) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reput'),
      which: fc.nat(3),
      title: fc.constantFrom('Renamed', 'One', 'Moved'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('wait'), minutes: fc.integer({ min: 1, max: 25 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('hold', 'release', 'cancel'),
      which: fc.integer({ min: -1, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash') }) },
);

async function runOps(ops: readonly Op[], log = false) {
  const site = graceSite;
  const readers = ['a@example.org', 'b@example.org'];
  const { content, ledger, sends, subscribers, deps, desk, crashNextSave } = await deskSite(site, readers);
  let now = Date.parse('2026-06-01T00:00:00Z');
  // Logical article i: its current file name, whether present, a draft, and its generation (a new one when
  // it comes back after its departure is forgotten: then it is a new article by design).
  const state = new Map<
    number,
    { name: string; present: boolean; draft: boolean; gen: number; goneAt: number }
  >();
  const text = (i: number, title: string, draft: boolean) =>
    `---\ntitle: ${title}\ndate: 2026-05-31T00:${String(i).padStart(2, '0')}:00Z\n${draft ? 'draft: true\n' : ''}---\nBody number ${i}, long enough to be its own.\n`;
  const mailed = new Map<string, number>(); // `${i}#${gen}|${address}` -> count
  const seen = new Set<string>();
  const trace: string[] = [];
  const publish = async (paths: string[]) => {
    await publishChanges(deps, paths, new Date(now)).catch(async (error: Error) => {
      if (!error.message.startsWith('crashed')) throw error;
      await publishChanges(deps, paths, new Date(now));
    });
    for (let id = ledger.queued.shift(); id !== undefined; id = ledger.queued.shift())
      await fanOutAndSend(id, {
        digests: ledger,
        recipients: subscribers,
        send: {
          site,
          digests: ledger,
          ledger: sends,
          mail: new MemoryMailer(),
          limiter: new RateLimiter(1e6),
          secret: 's'.repeat(32),
          now: () => new Date(now),
        },
      });
    for (const [key, record] of sends.records) {
      if (record.state !== 'sent' || seen.has(key)) continue;
      seen.add(key);
      const [digestId = '', address] = key.split('|');
      for (const a of ledger.digests.get(digestId)?.articles ?? []) {
        const i = Number(/\/posts\/[pr](\d+)\//.exec(a.url)?.[1] ?? -1);
        const s = state.get(i);
        const pair = `${i}#${s?.gen}|${address}`;
        mailed.set(pair, (mailed.get(pair) ?? 0) + 1);
        if (log) trace.push(`  mailed ${a.title} ${a.url} to ${address} (digest ${digestId})`);
      }
    }
  };
  const setFile = (i: number, title: string, draft: boolean) => {
    const s = state.get(i) ?? { name: `p${i}`, present: false, draft: false, gen: 0, goneAt: 0 };
    if (!s.present && s.goneAt > 0 && now - s.goneAt >= 3_600_000) s.gen++;
    s.present = true;
    s.draft = draft;
    state.set(i, s);
    content.files.set(`posts/${s.name}.md`, text(i, title, draft));
    return `posts/${s.name}.md`;
  };
  content.files.set('posts/z9.md', '---\ntitle: Already there\ndate: 2026-05-30T00:00:00Z\n---\nZ.\n');
  await publish(['posts/z9.md']);
  for (const step of ops) {
    if (log) trace.push(`${(now - Date.parse('2026-06-01T00:00:00Z')) / 60000}m ${JSON.stringify(step)}`);
    if (step.kind === 'push') {
      await publish([setFile(step.which, step.title, false)]);
      if (step.hold) await holdDigest(desk, now);
    } else if (step.kind === 'draft') {
      await publish([setFile(step.which, 'Draft', true)]);
    } else if (step.kind === 'delete') {
      const s = state.get(step.which);
      if (!s?.present) continue;
      s.present = false;
      if (!s.draft) s.goneAt = now;
      content.files.delete(`posts/${s.name}.md`);
      await publish([`posts/${s.name}.md`]);
    } else if (step.kind === 'reput') {
      const s = state.get(step.which);
      if (!s || s.present) continue;
      s.name = s.name.startsWith('p') ? `r${step.which}` : `p${step.which}`;
      await publish([setFile(step.which, step.title, false)]);
    } else if (step.kind === 'wait') {
      now += step.minutes * 60_000;
      await publish([]);
    } else if (step.kind === 'crash') crashNextSave(true);
    else {
      const waiting = await waitingDigests(desk, now);
      const id = step.which < 0 ? undefined : waiting[step.which % Math.max(1, waiting.length)]?.id;
      const command = { hold: holdDigest, release: releaseDigest, cancel: cancelDigest }[step.kind];
      const answer = await command(desk, now, id);
      if (log) trace.push(`  -> ${answer.kind}`);
    }
  }
  crashNextSave(false);
  if (log) trace.push('end: release every held digest, publish an hour and two later');
  for (const held of (await waitingDigests(desk, now)).filter((d) => d.held))
    await releaseDigest(desk, now, held.id);
  now += 60 * 60_000;
  await publish([]);
  now += 60 * 60_000;
  await publish([]);
  const problems: string[] = [];
  for (const [pair, count] of mailed) if (count > 1) problems.push(`twice: ${pair} x${count}`);
  for (const [i, s] of state) {
    if (!s.present || s.draft) continue;
    const cancelled = [...ledger.announced.entries()].some(
      ([key, id]) =>
        id === 'cancelled' &&
        (key.includes(`/posts/p${i}/`) ||
          key.includes(`/posts/r${i}/`) ||
          key.includes(`2026-05-31T00:${String(i).padStart(2, '0')}`)),
    );
    for (const address of readers) {
      const total = [...mailed].filter(
        ([pair]) => pair.startsWith(`${i}#`) && pair.endsWith(`|${address}`),
      ).length;
      if (!cancelled && total === 0) problems.push(`skipped: article ${i} (file ${s.name}) to ${address}`);
    }
  }
  return { problems, trace };
}

describe('never twice, never skip, with renames apart', () => {
  it('property: delete then re-put under a new name, with holds, releases, cancels and crashes', async () => {
    let failing: readonly Op[] | undefined;
    await fc
      .assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (ops) => {
          const { problems } = await runOps(ops);
          if (problems.length > 0) failing = ops;
          expect(problems).toEqual([]);
        }),
        { numRuns: 150, seed: 20261205 },
      )
      .catch(async (error) => {
        if (failing) {
          const { problems, trace } = await runOps(failing, true);
          console.log([...trace, ...problems].join('\n'));
        }
        throw error;
      });
  }, 300_000);
});
