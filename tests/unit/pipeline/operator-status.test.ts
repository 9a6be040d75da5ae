import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSubscriberStore } from '../../../src/adapters/fs/state.js';
import type { Subscriber } from '../../../src/core/subscribers.js';
import { setStatus } from '../../../src/pipeline/operator.js';
import { MemorySubscribers } from '../../helpers/memory.js';

const then = Date.parse('2026-01-05T10:00:00Z');
const now = new Date('2026-11-25T12:00:00Z');
const ana: Subscriber = {
  address: 'ana@example.org',
  status: 'confirmed',
  createdAtMs: then,
  updatedAtMs: then,
};
const bo: Subscriber = {
  address: 'bo@example.org',
  status: 'unsubscribed',
  createdAtMs: then,
  updatedAtMs: then,
};

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('subscribers add and remove of an address that already has that status', () => {
  it('write nothing: the record, its time and its version stay as they were', async () => {
    const store = new MemorySubscribers();
    await store.save(ana);
    await store.save(bo);
    const versions = new Map(store.versions);

    const added = await setStatus(store, ['ana@example.org'], 'confirmed', now);
    const removed = await setStatus(store, ['bo@example.org'], 'unsubscribed', now, { force: true });
    expect(added.changed).toEqual([{ address: 'ana@example.org', status: 'confirmed', already: true }]);
    expect(removed.changed).toEqual([{ address: 'bo@example.org', status: 'unsubscribed', already: true }]);
    expect(store.records.get('ana@example.org')).toBe(ana);
    expect(store.records.get('bo@example.org')).toBe(bo);
    expect(store.versions).toEqual(versions);
  });

  it('leave subscribers.json untouched, and still write what did change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'broadsheet-status-'));
    dirs.push(dir);
    const store = new FileSubscriberStore(dir, 'owner@example.org');
    await store.update(ana.address, () => ana);
    await store.update(bo.address, () => bo);
    const file = join(dir, 'subscribers.json');
    const before = await readFile(file, 'utf8');

    const added = await setStatus(store, ['ana@example.org'], 'confirmed', now);
    const removed = await setStatus(store, ['bo@example.org'], 'unsubscribed', now);
    expect(added.changed).toEqual([{ address: 'ana@example.org', status: 'confirmed', already: true }]);
    expect(removed.changed).toEqual([{ address: 'bo@example.org', status: 'unsubscribed', already: true }]);
    expect(await readFile(file, 'utf8')).toBe(before);

    await setStatus(store, ['ana@example.org'], 'unsubscribed', now);
    expect(await store.get('ana@example.org')).toMatchObject({
      status: 'unsubscribed',
      updatedAtMs: now.getTime(),
      createdAtMs: then,
    });
  });

  it('keep the site owner a recipient when the owner is added with someone else before subscribers.json exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'broadsheet-status-'));
    dirs.push(dir);
    const store = new FileSubscriberStore(dir, 'owner@example.org');
    const added = await setStatus(store, ['owner@example.org', 'cy@example.org'], 'confirmed', now);
    expect(added.changed.map((c) => c.address).sort()).toEqual(['cy@example.org', 'owner@example.org']);
    expect((await store.recipients()).map((r) => r.address).sort()).toEqual([
      'cy@example.org',
      'owner@example.org',
    ]);
  });
});
