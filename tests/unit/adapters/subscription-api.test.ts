import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type ApiRequest, handleSubscriptionRequest } from '../../../src/adapters/http/subscription-api.js';
import { unsubscribeUrl } from '../../../src/core/email.js';
import { normalizeAddress } from '../../../src/core/subscribers.js';
import { signToken } from '../../../src/core/tokens.js';
import { applyFeedback } from '../../../src/pipeline/subscriptions.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const secret = 'unit-secret';
const now = new Date('2026-05-01T10:00:00Z');

function setup() {
  const subscribers = new MemorySubscribers();
  const mail = new MemoryMailer();
  const deps = { site: testSite, subscribers, limiter: new MemoryAttempts(), mail, secret };
  const call = (r: Partial<ApiRequest> & { method: string; path: string }, at = now) =>
    handleSubscriptionRequest(
      deps,
      { query: new URLSearchParams(), contentType: '', body: '', client: '203.0.113.7', ...r },
      at,
    );
  const form = (fields: Record<string, string>, client = '203.0.113.7') =>
    call({
      method: 'POST',
      path: '/subscribe',
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams(fields).toString(),
      client,
    });
  const withToken = (method: string, path: string, token: string, body = '') =>
    call({
      method,
      path,
      query: new URLSearchParams({ token }),
      body,
      contentType: 'application/x-www-form-urlencoded',
    });
  return { subscribers, mail, call, form, withToken };
}

async function confirmLink(mail: MemoryMailer, index = 0): Promise<string> {
  const parsed = await simpleParser(Buffer.from(mail.sent[index]?.data ?? ''));
  const url = /https:\/\/\S+\/confirm\?token=[\w.-]+/.exec(parsed.text ?? '')?.[0];
  if (!url) throw new Error('no confirmation link');
  return new URL(url).searchParams.get('token') ?? '';
}

describe('normalizeAddress', () => {
  it.each([
    ['  Ana@Example.ORG ', 'ana@example.org'],
    ['bo+news@example.org', 'bo+news@example.org'],
  ])('stores %j as %j', (input, expected) => {
    expect(normalizeAddress(input)).toEqual({ ok: true, address: expected });
  });

  it.each([
    'ana@example.org\r\nBcc: victim@example.org',
    'ana@example.org\nX-Injected: 1',
    'Ana <ana@example.org>',
    'ana@example.org, bo@example.org',
    'not-an-address',
    '',
    `${'a'.repeat(250)}@example.org`,
  ])('refuses %j', (input) => {
    expect(normalizeAddress(input).ok).toBe(false);
  });
});

describe('the subscription API', () => {
  it('subscribes with double opt-in, confirms once, and unsubscribes in one click', async () => {
    const { subscribers, mail, form, withToken } = setup();
    const subscribed = await form({ email: 'Ana@Example.org', website: '' });
    expect(subscribed.status).toBe(200);
    expect(subscribed.body).toContain('Check your inbox');
    expect(subscribers.records.get('ana@example.org')?.status).toBe('pending');

    expect(mail.sent).toHaveLength(1);
    const message = await simpleParser(Buffer.from(mail.sent[0]?.data ?? ''));
    expect(message.subject).toBe('Confirm your subscription to Test Gazette');
    const token = await confirmLink(mail);

    const confirmed = await withToken('GET', '/confirm', token);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('You are subscribed');
    expect(subscribers.records.get('ana@example.org')?.status).toBe('confirmed');
    expect((await withToken('GET', '/confirm', token)).body).toContain('Already confirmed');

    const link = new URL(unsubscribeUrl(testSite, 'ana@example.org', secret, now.getTime()));
    const unsubscribeToken = link.searchParams.get('token') ?? '';
    const pageWithButton = await withToken('GET', '/unsubscribe', unsubscribeToken);
    expect(pageWithButton.body).toContain('<button class="action" type="submit">Unsubscribe</button>');
    expect(subscribers.records.get('ana@example.org')?.status).toBe('confirmed');

    const oneClick = await withToken('POST', '/unsubscribe', unsubscribeToken, 'List-Unsubscribe=One-Click');
    expect(oneClick).toMatchObject({ status: 200, body: 'Unsubscribed.\n' });
    expect(subscribers.records.get('ana@example.org')?.status).toBe('unsubscribed');
    expect(
      (await withToken('POST', '/unsubscribe', unsubscribeToken, 'List-Unsubscribe=One-Click')).status,
    ).toBe(200);
  });

  it('answers the same whether or not the address is known, and mails only when it should', async () => {
    const { subscribers, mail, form } = setup();
    await subscribers.save({
      address: 'known@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const known = await form({ email: 'known@example.org' });
    const unknown = await form({ email: 'new@example.org' });
    expect(known.status).toBe(unknown.status);
    expect(known.body).toBe(unknown.body);
    expect(mail.sent.map((m) => m.to)).toEqual(['new@example.org']);
  });

  it('ignores a filled honeypot and limits attempts per address and per client', async () => {
    const { mail, form } = setup();
    expect((await form({ email: 'bot@example.org', website: 'http://spam.example' })).status).toBe(200);
    expect(mail.sent).toHaveLength(0);
    for (let i = 0; i < 5; i++) await form({ email: 'again@example.org' });
    expect(mail.sent).toHaveLength(3);
    for (let i = 0; i < 30; i++) await form({ email: `many${i}@example.org` }, '198.51.100.9');
    expect(mail.sent.filter((m) => m.to.startsWith('many'))).toHaveLength(20);
  });

  it('refuses expired, forged, cross-purpose and superseded confirmation links, changing nothing', async () => {
    const { subscribers, mail, form, withToken } = setup();
    await form({ email: 'cara@example.org' });
    const first = await confirmLink(mail);
    const later = new Date(now.getTime() + 60_000);
    await handleSubscriptionRequest(
      { site: testSite, subscribers, limiter: new MemoryAttempts(), mail, secret },
      {
        method: 'POST',
        path: '/subscribe',
        query: new URLSearchParams(),
        contentType: 'application/json',
        body: JSON.stringify({ email: 'cara@example.org' }),
        client: 'x',
      },
      later,
    );
    const expired = signToken(
      { address: 'cara@example.org', purpose: 'confirm', expires: now.getTime() / 1000 - 1 },
      secret,
    );
    const forged = signToken(
      { address: 'cara@example.org', purpose: 'confirm', expires: 2e9 },
      'wrong-secret',
    );
    const crossPurpose = signToken(
      { address: 'cara@example.org', purpose: 'unsubscribe', expires: 2e9 },
      secret,
    );
    for (const [token, text] of [
      [expired, 'expired'],
      [forged, 'not valid'],
      [crossPurpose, 'not valid'],
      [first, 'replaced by a newer one'],
    ] as const) {
      const response = await withToken('GET', '/confirm', token);
      expect(response.status).toBe(400);
      expect(response.body).toContain(text);
      expect(subscribers.records.get('cara@example.org')?.status).toBe('pending');
    }
    expect((await withToken('GET', '/confirm', await confirmLink(mail, 1))).status).toBe(200);
  });

  it.each([
    [{ method: 'POST', path: '/subscribe', contentType: 'text/plain', body: 'email=a@example.org' }, 415],
    [{ method: 'POST', path: '/subscribe', contentType: 'application/json', body: '{not json' }, 415],
    [
      {
        method: 'POST',
        path: '/subscribe',
        contentType: 'application/x-www-form-urlencoded',
        body: 'name=x',
      },
      400,
    ],
    [
      {
        method: 'POST',
        path: '/subscribe',
        contentType: 'application/x-www-form-urlencoded',
        body: 'email=a%40example.org%0D%0ABcc%3A%20b%40example.org',
      },
      400,
    ],
    [
      {
        method: 'POST',
        path: '/subscribe',
        contentType: 'application/x-www-form-urlencoded',
        body: `email=${'a'.repeat(5000)}`,
      },
      413,
    ],
    [{ method: 'GET', path: '/subscribe' }, 405],
    [{ method: 'DELETE', path: '/unsubscribe' }, 405],
    [{ method: 'GET', path: '/admin' }, 404],
  ])('answers a bad request %j with %i and changes nothing', async (request, status) => {
    const { subscribers, mail, call } = setup();
    expect((await call(request)).status).toBe(status);
    expect(subscribers.records.size).toBe(0);
    expect(mail.sent).toHaveLength(0);
  });
});

describe('bounces and complaints', () => {
  it('suppresses at once for a hard bounce or complaint, and after three soft bounces', async () => {
    const subscribers = new MemorySubscribers();
    for (const address of ['hard@example.org', 'angry@example.org', 'soft@example.org']) {
      await subscribers.save({ address, status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 });
    }
    await applyFeedback(subscribers, { kind: 'hard-bounce', addresses: ['Hard@Example.org'] }, now);
    await applyFeedback(subscribers, { kind: 'complaint', addresses: ['angry@example.org'] }, now);
    for (let i = 0; i < 2; i++)
      await applyFeedback(subscribers, { kind: 'soft-bounce', addresses: ['soft@example.org'] }, now);
    expect(await subscribers.recipients()).toEqual(['soft@example.org']);
    await applyFeedback(subscribers, { kind: 'soft-bounce', addresses: ['soft@example.org'] }, now);
    expect(await subscribers.recipients()).toEqual([]);
  });

  it('never lets a suppressed address subscribe again', async () => {
    const { subscribers, mail, form } = setup();
    await subscribers.save({
      address: 'gone@example.org',
      status: 'suppressed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    expect((await form({ email: 'gone@example.org' })).status).toBe(200);
    expect(mail.sent).toHaveLength(0);
    expect(subscribers.records.get('gone@example.org')?.status).toBe('suppressed');
  });
});
