import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSubscriberStore } from '../../../src/adapters/fs/state.js';
import { preferencesUrl, unsubscribeUrl } from '../../../src/core/email.js';
import { savePreferences, subscribe, unsubscribe } from '../../../src/pipeline/subscriptions.js';
import { MemoryAttempts, MemoryMailer } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const secret = 'file-store-test-secret-of-at-least-32-bytes';
const now = new Date('2026-05-06T10:00:00Z');
const owner = 'editor@news.example.com';

async function store() {
  const subscribers = new FileSubscriberStore(await mkdtemp(join(tmpdir(), 'subscribers-')), owner);
  return {
    subscribers,
    deps: { site: testSite, subscribers, limiter: new MemoryAttempts(), mail: new MemoryMailer(), secret },
  };
}

describe('local subscribers without subscribers.json', () => {
  it('the site owner, who then receives the digest, can unsubscribe with its link, and then nobody does', async () => {
    const { subscribers, deps } = await store();
    expect(await subscribers.recipients()).toEqual([{ address: owner }]);
    const token = new URL(unsubscribeUrl(testSite, owner, secret, now.getTime())).searchParams.get('token');
    expect(await unsubscribe(deps, token ?? '', now)).toMatchObject({ kind: 'unsubscribed' });
    expect(await subscribers.exists()).toBe(true);
    expect(await subscribers.recipients()).toEqual([]);
    expect((await subscribers.list()).map((s) => [s.address, s.status, s.createdAtMs])).toEqual([
      [owner, 'unsubscribed', now.getTime()],
    ]);
  });

  it('the owner changing how often through the preferences link is created then, not in 1970', async () => {
    const { subscribers, deps } = await store();
    const token = new URL(preferencesUrl(testSite, owner, secret, now.getTime())).searchParams.get('token');
    expect(await savePreferences(deps, token ?? '', 'weekly', now)).toMatchObject({ kind: 'subscribed' });
    expect(await subscribers.get(owner)).toMatchObject({
      status: 'confirmed',
      delivery: 'weekly',
      createdAtMs: now.getTime(),
    });
  });

  it('a first subscriber makes the file with that subscriber alone, as before', async () => {
    const { subscribers, deps } = await store();
    await subscribe(deps, { email: 'ana@example.org', honeypot: '', client: '203.0.113.7' }, now);
    expect((await subscribers.list()).map((s) => [s.address, s.status])).toEqual([
      ['ana@example.org', 'pending'],
    ]);
    expect(await subscribers.recipients()).toEqual([]);
  });
});
