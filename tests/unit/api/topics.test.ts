// Topics on the preferences page: follow every article, or only the tags site.yaml lists under `topics:`.
import { describe, expect, it } from 'vitest';
import { type ApiRequest, handleSubscriptionRequest } from '../../../src/api/subscription-api.js';
import { preferencesUrl } from '../../../src/core/email.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const secret = 'unit-secret';
const now = new Date('2026-05-01T10:00:00Z');
const site = parseSiteConfig({
  title: testSite.title,
  base_url: testSite.baseUrl,
  author: { name: testSite.author.name },
  sender: testSite.sender,
  topics: ['Email', 'Feeds', 'Go lang'],
});

describe('topics on the preferences page', () => {
  it('shows every topic, saves a choice, and goes back to every article', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.save({
      address: 'dan@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const deps = { site, subscribers, limiter: new MemoryAttempts(), mail: new MemoryMailer(), secret };
    const token =
      new URL(preferencesUrl(site, 'dan@example.org', secret, now.getTime())).searchParams.get('token') ?? '';
    const call = (method: string, body = '', contentType = 'application/x-www-form-urlencoded') =>
      handleSubscriptionRequest(
        deps,
        {
          method,
          path: '/preferences',
          query: new URLSearchParams({ token }),
          contentType,
          body,
          client: '203.0.113.7',
        } satisfies ApiRequest,
        now,
      );

    const shown = await call('GET');
    expect(shown.body).toContain('<input type="radio" name="follow" value="all" checked> Every article');
    expect(shown.body).toContain('<input type="checkbox" name="topic" value="go-lang"> Go lang');
    expect(shown.body).toContain('receives: Every new article, as it is published. Topics: every article.');

    const saved = await call('POST', 'delivery=instant&follow=topics&topic=email&topic=go-lang&topic=forged');
    expect(saved.status).toBe(200);
    expect(saved.body).toContain('Topics: articles on Email, Go lang.');
    expect(saved.body).toContain('<input type="checkbox" name="topic" value="email" checked> Email');
    expect((await subscribers.get('dan@example.org'))?.topics).toEqual(['email', 'go-lang']);

    // A form without the topics part (an older page) leaves them as they are.
    await call('POST', 'delivery=weekly');
    expect((await subscribers.get('dan@example.org'))?.topics).toEqual(['email', 'go-lang']);
    await call('POST', 'delivery=weekly&follow=all&topic=email');
    expect((await subscribers.get('dan@example.org'))?.topics).toBeUndefined();

    // A JSON client chooses several topics with a list, as a form repeats the field.
    const json = JSON.stringify({ delivery: 'weekly', follow: 'topics', topic: ['feeds', 'email', 7] });
    expect((await call('POST', json, 'application/json')).status).toBe(200);
    expect((await subscribers.get('dan@example.org'))?.topics).toEqual(['email', 'feeds']);
  });

  it('has no topics part when site.yaml lists none', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.save({
      address: 'eve@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const deps = {
      site: testSite,
      subscribers,
      limiter: new MemoryAttempts(),
      mail: new MemoryMailer(),
      secret,
    };
    const token =
      new URL(preferencesUrl(testSite, 'eve@example.org', secret, now.getTime())).searchParams.get('token') ??
      '';
    const page = await handleSubscriptionRequest(
      deps,
      {
        method: 'GET',
        path: '/preferences',
        query: new URLSearchParams({ token }),
        contentType: '',
        body: '',
        client: '203.0.113.7',
      },
      now,
    );
    expect(page.body).not.toContain('name="follow"');
  });
});
