import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAnnouncementStore } from '../../../src/adapters/fs/state.js';
import { droppedKey, handedOnKey } from '../../../src/core/announcement-marks.js';
import { digestRecordOf, planDigest } from '../../../src/core/digest.js';
import { article } from '../../helpers/site.js';

const at = (iso: string) => Date.parse(iso);

async function announce(store: FileAnnouncementStore, slug: string, iso: string) {
  const plan = planDigest([article({ title: slug, date: iso.slice(0, 10), slug })], new Set());
  if (!plan) throw new Error('no plan');
  await store.createDigest(digestRecordOf(plan, at(iso), { delivery: 'instant', weekStartMs: at(iso) }));
  await store.markAnnounced(
    plan.articles.map((a) => a.url),
    plan.id,
  );
}

describe('the local announcement store', () => {
  it('keeps what the weekly digest still needs after builds weeks apart', async () => {
    const store = new FileAnnouncementStore(await mkdtemp(join(tmpdir(), 'announced-')));
    await store.advanceWeeklyCursor(at('2025-12-29T09:00:00Z'));
    await announce(store, 'january', '2026-01-01T12:00:00Z');
    await announce(store, 'march', '2026-03-01T12:00:00Z'); // no build in between
    const waiting = await store.awaitingWeekly(at('2025-12-22T09:00:00Z'), at('2026-03-02T09:00:00Z'));
    expect(waiting.map((a) => a.slug)).toEqual(['january', 'march']);

    await store.markWeekly([waiting[0]?.url ?? ''], 'w1');
    expect(
      (await store.awaitingWeekly(at('2025-12-22T09:00:00Z'), at('2026-03-02T09:00:00Z'))).map((a) => a.slug),
    ).toEqual(['march']);
    // The cursor only moves forward.
    await store.advanceWeeklyCursor(at('2026-03-02T09:00:00Z'));
    await store.advanceWeeklyCursor(at('2026-02-02T09:00:00Z'));
    expect(await store.weeklyCursor()).toBe(at('2026-03-02T09:00:00Z'));
  });

  it('offers the weekly digest neither a dropped digest nor one left open before its hand-over', async () => {
    const store = new FileAnnouncementStore(await mkdtemp(join(tmpdir(), 'announced-')));
    for (const slug of ['sent', 'dropped', 'open']) {
      const plan = planDigest([article({ title: slug, date: '2026-01-01', slug })], new Set());
      if (!plan) throw new Error('no plan');
      await store.createDigest(
        digestRecordOf(plan, at('2026-01-01T12:00:00Z'), { delivery: 'instant', weekStartMs: 0 }),
      );
      if (slug === 'sent') await store.markAnnounced([handedOnKey(plan.id)], plan.id);
      if (slug === 'dropped') await store.markAnnounced([droppedKey(plan.id)], plan.id);
      if (slug === 'open') await store.setOpenAnnouncement(plan.id);
    }
    const waiting = await store.awaitingWeekly(at('2025-12-29T09:00:00Z'), at('2026-01-05T09:00:00Z'));
    expect(waiting.map((a) => a.slug)).toEqual(['sent']);
  });

  it('keeps a digest’s record that it reached nobody, for a later build to read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announced-'));
    const plan = planDigest([article({ title: 'lone', date: '2026-05-05', slug: 'lone' })], new Set());
    if (!plan) throw new Error('no plan');
    const record = digestRecordOf(plan, at('2026-05-05T12:00:00Z'), { delivery: 'instant', weekStartMs: 0 });
    await new FileAnnouncementStore(dir).createDigest({ ...record, unreached: true });
    // A new process reads the file: the mark is still there, so the archive decides as the first build did.
    expect((await new FileAnnouncementStore(dir).digest(plan.id))?.unreached).toBe(true);
  });

  it('reads what another process wrote since, and never writes over it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announced-'));
    const build = new FileAnnouncementStore(dir);
    const cancel = new FileAnnouncementStore(dir);
    const [regret, other] = ['https://example.com/regret/', 'https://example.com/other/'];
    expect(await build.unannounced([regret, other])).toEqual([regret, other]);
    await cancel.markAnnounced([regret], 'cancelled');
    expect(await build.unannounced([regret, other])).toEqual([other]);
    await build.markAnnounced([regret, other], 'd1');
    const file = JSON.parse(await readFile(join(dir, 'announced.json'), 'utf8'));
    expect(file.announced).toEqual({ [regret]: 'cancelled', [other]: 'd1' });
  });

  it('reads the state files of earlier versions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announced-'));
    await writeFile(
      join(dir, 'announced.json'),
      JSON.stringify({ version: 1, announced: { 'https://x.example/posts/a/': 'd1' } }),
    );
    const store = new FileAnnouncementStore(dir);
    expect(await store.unannounced(['https://x.example/posts/a/', 'https://x.example/posts/b/'])).toEqual([
      'https://x.example/posts/b/',
    ]);
    await announce(store, 'b', '2026-05-05T10:00:00Z');
    const saved = JSON.parse(await readFile(join(dir, 'announced.json'), 'utf8'));
    expect(saved.version).toBe(2);
    expect(Object.keys(saved.announced)).toHaveLength(2);
  });
});
