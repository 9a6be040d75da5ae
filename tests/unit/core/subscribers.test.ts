import { describe, expect, it } from 'vitest';
import { OptOutError, SubscriberConflictError } from '../../../src/core/errors.js';
import { type Subscriber, updateSubscribers } from '../../../src/core/subscribers.js';
import { MemorySubscribers } from '../../helpers/memory.js';

const record = (address: string, status: Subscriber['status']): Subscriber => ({
  address,
  status,
  createdAtMs: 0,
  updatedAtMs: 0,
});

describe('updateSubscribers', () => {
  it.each([
    ['suppressed', 'confirmed'],
    ['suppressed', 'pending'],
    ['suppressed', 'unsubscribed'],
    ['unsubscribed', 'confirmed'],
  ] as const)('refuses to turn %s into %s unless the opt-out is overridden', async (from, to) => {
    const store = new MemorySubscribers();
    await store.save(record('a@example.org', from));
    await expect(store.update('a@example.org', () => record('a@example.org', to))).rejects.toThrow(
      OptOutError,
    );
    expect(store.records.get('a@example.org')?.status).toBe(from);
    await store.update('a@example.org', () => record('a@example.org', to), { overrideOptOut: true });
    expect(store.records.get('a@example.org')?.status).toBe(to);
  });

  it('lets an unsubscribed address ask again: pending, until the person confirms', async () => {
    const store = new MemorySubscribers();
    await store.save(record('a@example.org', 'unsubscribed'));
    const { after } = await store.update('a@example.org', () => record('a@example.org', 'pending'));
    expect(after?.status).toBe('pending');
  });

  it('re-applies a change to what is stored now when the version moved under it', async () => {
    const store = new MemorySubscribers();
    await store.save(record('a@example.org', 'confirmed'));
    let calls = 0;
    const { before, after } = await store.update('a@example.org', (current) => {
      calls++;
      // Someone else suppresses the address between this change's first read and its write.
      if (calls === 1) void store.save(record('a@example.org', 'suppressed'));
      return current?.status === 'confirmed' ? { ...current, delivery: 'weekly' } : undefined;
    });
    expect(calls).toBe(2);
    expect(before?.status).toBe('suppressed');
    expect(after).toBe(before);
    expect(store.records.get('a@example.org')?.status).toBe('suppressed');
  });

  it('gives up with SubscriberConflictError when the record changes on every attempt', async () => {
    const always = {
      readVersioned: async (addresses: readonly string[]) =>
        new Map(addresses.map((a) => [a, { subscriber: record(a, 'confirmed'), version: 1 }])),
      writeIfUnchanged: async (writes: readonly { subscriber: Subscriber }[]) =>
        new Set(writes.map((w) => w.subscriber.address)),
    };
    const change = (s: Subscriber | undefined) => s && { ...s, softBounces: 1 };
    await expect(updateSubscribers(always, new Map([['a@example.org', change]]))).rejects.toThrow(
      SubscriberConflictError,
    );
  });
});
