import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type ApiRequest, handleSubscriptionRequest } from '../../../src/api/subscription-api.js';
import { deliveryDuring } from '../../../src/core/delivery.js';
import { preferencesUrl, unsubscribeUrl } from '../../../src/core/email.js';
import { normalizeAddress } from '../../../src/core/subscribers.js';
import { signToken } from '../../../src/core/tokens.js';
import { applyFeedback, confirm, subscribe, unsubscribe } from '../../../src/pipeline/subscriptions.js';
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
  const form = (fields: Record<string, string>, client = '203.0.113.7', at = now) =>
    call(
      {
        method: 'POST',
        path: '/subscribe',
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(fields).toString(),
        client,
      },
      at,
    );
  const withToken = (method: string, path: string, token: string, body = '', at = now) =>
    call(
      {
        method,
        path,
        query: new URLSearchParams({ token }),
        body,
        contentType: 'application/x-www-form-urlencoded',
      },
      at,
    );
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
    // An international domain, as mail travels by it: both spellings are one subscriber.
    ['user@Exämple.com', 'user@xn--exmple-cua.com'],
    ['user@xn--exmple-cua.com', 'user@xn--exmple-cua.com'],
    ['ana@bücher.example', 'ana@xn--bcher-kva.example'],
    // An international top-level domain too, in either spelling.
    ['r1@пример.рф', 'r1@xn--e1afmkfd.xn--p1ai'],
    ['r4@xn--e1afmkfd.xn--p1ai', 'r4@xn--e1afmkfd.xn--p1ai'],
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
    // International domains with what would turn them into another: an escape, a soft hyphen, full width.
    'a@exä%2ecom',
    'a@exä\u00ADmple.com',
    'a@ｅxämple.com',
    // A label may not start or end with a hyphen, in ASCII or once converted.
    'k@-exämple.com',
    'k@example-.com',
  ])('refuses %j', (input) => {
    expect(normalizeAddress(input).ok).toBe(false);
  });
});

// Issue 14, item 11: a 251-character address was accepted, and its outbox file name stopped every build.
describe('address lengths (RFC 5321)', () => {
  const longest = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.org`;

  it('accepts the longest address RFC 5321 allows: 254 characters, a 64-character local part', () => {
    expect(longest).toHaveLength(254);
    expect(normalizeAddress(longest)).toEqual({ ok: true, address: longest });
  });

  it.each([
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.org`, /before the @ is too long/],
    [
      'an address over 254 characters',
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.org`,
      /too long \(over 254/,
    ],
    ['a domain label over 63 characters', `ana@${'b'.repeat(64)}.org`, /part of the domain is too long/],
  ])('refuses %s', (_what, address, reason) => {
    const checked = normalizeAddress(address);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.reason).toMatch(reason);
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

    // The emailed link opens a page with the choice; only submitting it confirms (link scanners GET).
    const confirmPage = await withToken('GET', '/confirm', token);
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.body).toContain('value="instant" checked');
    expect(confirmPage.body).toContain('A weekly digest, Mondays at 09:00 (Europe/Lisbon)');
    expect(subscribers.records.get('ana@example.org')?.status).toBe('pending');

    const confirmed = await withToken('POST', '/confirm', token, 'delivery=weekly');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('You are subscribed');
    expect(confirmed.body).toContain('A weekly digest');
    expect(subscribers.records.get('ana@example.org')).toMatchObject({
      status: 'confirmed',
      delivery: 'weekly',
      previousDelivery: 'weekly', // a new subscriber's choice applies at once
    });
    expect((await withToken('POST', '/confirm', token, 'delivery=instant')).body).toContain(
      'Already confirmed',
    );
    expect(subscribers.records.get('ana@example.org')?.delivery).toBe('weekly');

    const link = new URL(unsubscribeUrl(testSite, 'ana@example.org', secret, now.getTime()));
    const unsubscribeToken = link.searchParams.get('token') ?? '';
    const pageWithButton = await withToken('GET', '/unsubscribe', unsubscribeToken);
    expect(pageWithButton.body).toContain('<button class="action" type="submit">Unsubscribe</button>');
    expect(subscribers.records.get('ana@example.org')?.status).toBe('confirmed');
    // A forged or expired link says so on the page it opens, with no button that could only fail.
    for (const bad of [
      signToken({ address: 'ana@example.org', purpose: 'unsubscribe', expires: 2e9 }, 'wrong-secret'),
      signToken(
        { address: 'ana@example.org', purpose: 'unsubscribe', expires: now.getTime() / 1000 - 1 },
        secret,
      ),
    ]) {
      const refused = await withToken('GET', '/unsubscribe', bad);
      expect(refused.status).toBe(400);
      expect(refused.body).not.toContain('Unsubscribe</button>');
      expect(refused.body).toContain('not valid');
    }

    const oneClick = await withToken('POST', '/unsubscribe', unsubscribeToken, 'List-Unsubscribe=One-Click');
    expect(oneClick).toMatchObject({ status: 200, body: 'Unsubscribed\n' });
    expect(subscribers.records.get('ana@example.org')?.status).toBe('unsubscribed');
    expect(
      (await withToken('POST', '/unsubscribe', unsubscribeToken, 'List-Unsubscribe=One-Click')).status,
    ).toBe(200);
  });

  it('answers the same whether or not the address is known, and mails only when it should', async () => {
    const { subscribers, mail, form } = setup();
    for (const status of ['confirmed', 'pending', 'unsubscribed', 'suppressed'] as const)
      await subscribers.save({ address: `${status}@example.org`, status, createdAtMs: 0, updatedAtMs: 0 });
    const unknown = await form({ email: 'new@example.org' });
    for (const status of ['confirmed', 'pending', 'unsubscribed', 'suppressed']) {
      const known = await form({ email: `${status}@example.org` });
      expect({ status: known.status, headers: known.headers, body: known.body }).toEqual({
        status: unknown.status,
        headers: unknown.headers,
        body: unknown.body,
      });
    }
    // A confirmed address is told it is subscribed already (as much work as a confirmation); a suppressed
    // one gets nothing, ever.
    expect(mail.sent.map((m) => [m.to, m.subject.replace(' to Test Gazette', '')])).toEqual([
      ['new@example.org', 'Confirm your subscription'],
      ['confirmed@example.org', 'You are already subscribed'],
      ['pending@example.org', 'Confirm your subscription'],
      ['unsubscribed@example.org', 'Confirm your subscription'],
    ]);
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
      for (const method of ['GET', 'POST']) {
        const response = await withToken(method, '/confirm', token, 'delivery=instant');
        expect(response.status).toBe(400);
        expect(response.body).toContain(text);
        expect(subscribers.records.get('cara@example.org')?.status).toBe('pending');
      }
    }
    const current = await confirmLink(mail, 1);
    expect((await withToken('POST', '/confirm', current, 'delivery=hourly')).status).toBe(400);
    expect(subscribers.records.get('cara@example.org')?.status).toBe('pending');
    expect((await withToken('POST', '/confirm', current, 'delivery=instant')).status).toBe(200);
    expect(subscribers.records.get('cara@example.org')?.delivery).toBe('instant');
  });

  it('tells the holder of a confirmation link that the address left since, not that the link was replaced', async () => {
    const { subscribers, mail, form, withToken } = setup();
    await form({ email: 'ola@example.org' });
    const token = await confirmLink(mail);
    const leave = new URL(unsubscribeUrl(testSite, 'ola@example.org', secret, now.getTime()));
    await withToken('POST', '/unsubscribe', leave.searchParams.get('token') ?? '');
    expect(subscribers.records.get('ola@example.org')?.status).toBe('unsubscribed');
    for (const method of ['GET', 'POST']) {
      const response = await withToken(method, '/confirm', token, 'delivery=instant');
      expect(response.status).toBe(400);
      expect(response.body).toContain('This address was unsubscribed after this link was sent.');
      expect(subscribers.records.get('ola@example.org')?.status).toBe('unsubscribed');
    }
  });

  it('refuses the first of two confirmation links sent within the same second', async () => {
    const { subscribers, mail, form, withToken } = setup();
    await form({ email: 'pia@example.org' });
    await form({ email: 'pia@example.org' });
    expect(mail.sent).toHaveLength(2);
    const [first, second] = [await confirmLink(mail, 0), await confirmLink(mail, 1)];
    expect(first).not.toBe(second);
    const stale = await withToken('POST', '/confirm', first, 'delivery=instant');
    expect(stale.status).toBe(400);
    expect(stale.body).toContain('replaced by a newer one');
    expect(subscribers.records.get('pia@example.org')?.status).toBe('pending');
    expect((await withToken('POST', '/confirm', second, 'delivery=instant')).status).toBe(200);
  });

  it('honours links signed before the signing secret was rotated', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.save({
      address: 'eli@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const oldLink = new URL(unsubscribeUrl(testSite, 'eli@example.org', 'the-old-secret', now.getTime()));
    const request = {
      method: 'POST',
      path: '/unsubscribe',
      query: oldLink.searchParams,
      contentType: 'application/x-www-form-urlencoded',
      body: 'List-Unsubscribe=One-Click',
      client: 'x',
    };
    const base = { site: testSite, subscribers, limiter: new MemoryAttempts(), mail: new MemoryMailer() };
    expect(
      (await handleSubscriptionRequest({ ...base, secret: 'the-new-secret' }, request, now)).status,
    ).toBe(400);
    expect(subscribers.records.get('eli@example.org')?.status).toBe('confirmed');
    const rotated = { ...base, secret: 'the-new-secret', previousSecret: 'the-old-secret' };
    expect((await handleSubscriptionRequest(rotated, request, now)).status).toBe(200);
    expect(subscribers.records.get('eli@example.org')?.status).toBe('unsubscribed');
  });

  it('shows and changes how often through the preferences link, from the next weekly send on', async () => {
    const { subscribers, withToken } = setup();
    // 2026-05-01 is a Friday; the test site sends weekly digests on Mondays at 09:00 Lisbon time.
    await subscribers.save({
      address: 'dan@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const link = new URL(preferencesUrl(testSite, 'dan@example.org', secret, now.getTime()));
    const token = link.searchParams.get('token') ?? '';

    const shown = await withToken('GET', '/preferences', token);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('value="instant" checked');
    expect(shown.body).toContain('/unsubscribe?token=');

    const saved = await withToken('POST', '/preferences', token, 'delivery=weekly');
    expect(saved.status).toBe(200);
    expect(saved.body).toContain('Preferences saved');
    expect(saved.body).toContain('value="weekly" checked');
    expect(saved.body).toContain('from Monday, May 4, 2026 at 09:00 on');
    expect(subscribers.records.get('dan@example.org')).toMatchObject({
      delivery: 'weekly',
      previousDelivery: 'instant',
      deliveryChangedMs: now.getTime(),
    });

    // Changing back before Monday: nothing was ever in effect but instant, so it applies at once.
    const back = await withToken('POST', '/preferences', token, 'delivery=instant');
    expect(back.body).not.toContain(' on; until then');
    expect(subscribers.records.get('dan@example.org')).toMatchObject({ delivery: 'instant' });

    expect((await withToken('POST', '/preferences', token, 'delivery=daily')).status).toBe(400);
    const wrongPurpose = new URL(unsubscribeUrl(testSite, 'dan@example.org', secret, now.getTime()));
    const refused = await withToken(
      'POST',
      '/preferences',
      wrongPurpose.searchParams.get('token') ?? '',
      'delivery=weekly',
    );
    expect(refused.status).toBe(400);
    expect(subscribers.records.get('dan@example.org')?.delivery).toBe('instant');

    await subscribers.save({
      address: 'dan@example.org',
      status: 'unsubscribed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const gone = await withToken('POST', '/preferences', token, 'delivery=weekly');
    expect(gone.status).toBe(404);
    expect(subscribers.records.get('dan@example.org')?.delivery).toBeUndefined();
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
    expect((await subscribers.recipients()).map((s) => s.address)).toEqual(['soft@example.org']);
    await applyFeedback(subscribers, { kind: 'soft-bounce', addresses: ['soft@example.org'] }, now);
    expect(await subscribers.recipients()).toEqual([]);
  });

  it('counts a notification SNS delivered twice once, even with another between, and soft bounces months apart as a fresh start', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.save({
      address: 'soft@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    const bounce = (messageId: string, at: Date) =>
      applyFeedback(subscribers, { kind: 'soft-bounce', addresses: ['soft@example.org'], messageId }, at);
    const day = (n: number) => new Date(now.getTime() + n * 86_400_000);
    // One message's bounce, delivered three times: one bounce.
    for (let i = 0; i < 3; i++) await bounce('ses-1', day(0));
    expect(subscribers.records.get('soft@example.org')).toMatchObject({
      status: 'confirmed',
      softBounces: 1,
    });
    await bounce('ses-2', day(7));
    // ses-1's notification again, after ses-2's came between: still one bounce each.
    await bounce('ses-1', day(8));
    expect(subscribers.records.get('soft@example.org')).toMatchObject({
      status: 'confirmed',
      softBounces: 2,
    });
    // Two months of quiet: the next one starts the count again.
    await bounce('ses-3', day(70));
    await bounce('ses-4', day(77));
    expect(subscribers.records.get('soft@example.org')).toMatchObject({
      status: 'confirmed',
      softBounces: 2,
    });
    await bounce('ses-5', day(84));
    expect(subscribers.records.get('soft@example.org')?.status).toBe('suppressed');
  });

  it('counts a redelivered soft bounce once for a subscriber stored before bounce ids were kept', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.save({
      address: 'soft@example.org',
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: now.getTime(),
      softBounces: 1,
      lastFeedback: { kind: 'soft-bounce', atMs: now.getTime(), messageId: 'ses-1' },
    });
    const bounce = (messageId: string) =>
      applyFeedback(subscribers, { kind: 'soft-bounce', addresses: ['soft@example.org'], messageId }, now);
    await bounce('ses-2');
    await bounce('ses-1');
    expect(subscribers.records.get('soft@example.org')).toMatchObject({
      status: 'confirmed',
      softBounces: 2,
    });
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

describe('leaving and coming back', () => {
  // 2026-05-01 is a Friday; the week (test site: Mondays 09:00 Lisbon) began Monday 27 April.
  const weekStartMs = Date.parse('2026-04-27T08:00:00Z');
  async function rejoin(leftAt: Date, backAt: Date) {
    const subscribers = new MemorySubscribers();
    const mail = new MemoryMailer();
    const deps = { site: testSite, subscribers, limiter: new MemoryAttempts(), mail, secret };
    const request = { email: 'ana@example.org', honeypot: '', client: '203.0.113.7' };
    const joinedAt = new Date('2026-04-01T10:00:00Z');
    await subscribe(deps, request, joinedAt);
    await confirm(deps, await confirmLink(mail, 0), 'instant', joinedAt);
    const leave = new URL(unsubscribeUrl(testSite, 'ana@example.org', secret, leftAt.getTime()));
    await unsubscribe(deps, leave.searchParams.get('token') ?? '', leftAt);
    await subscribe(deps, request, backAt);
    const outcome = await confirm(deps, await confirmLink(mail, mail.sent.length - 1), 'weekly', backAt);
    const record = subscribers.records.get('ana@example.org');
    if (!record) throw new Error('no record');
    const welcome = await simpleParser(Buffer.from(mail.sent.at(-1)?.data ?? ''));
    return { record, thisWeek: deliveryDuring(record, weekStartMs), outcome, welcome: welcome.text ?? '' };
  }

  it('back in the week they left, as weekly: this week stays instant, so its articles come once', async () => {
    const { record, thisWeek, outcome, welcome } = await rejoin(new Date('2026-04-29T10:00:00Z'), now);
    expect(record).toMatchObject({ status: 'confirmed', delivery: 'weekly' });
    // This week's weekly digest would carry the articles they had by instant digest before they left.
    expect(thisWeek).toBe('instant');
    // And they are told so, not promised the weekly digest at once.
    expect(outcome).toMatchObject({ kind: 'confirmed', fromMs: Date.parse('2026-05-04T08:00:00Z') });
    expect(welcome.replace(/\s+/g, ' ')).toContain(
      "This applies from Monday, May 4, 2026 at 09:00 on; until then, this week's articles come as before.",
    );
  });

  it('back after a week away: their choice applies at once, as for anyone new', async () => {
    const { thisWeek, outcome, welcome } = await rejoin(new Date('2026-04-20T10:00:00Z'), now);
    expect(thisWeek).toBe('weekly');
    expect(outcome).toMatchObject({ kind: 'confirmed', fromMs: now.getTime() });
    expect(welcome).not.toContain('This applies from');
  });

  it('says on the confirmation page when the choice of someone back the same week takes effect', async () => {
    const { form, withToken, mail } = setup();
    const join = async (delivery: string, at: Date) => {
      await form({ email: 'ana@example.org', website: '' }, undefined, at);
      return withToken(
        'POST',
        '/confirm',
        await confirmLink(mail, mail.sent.length - 1),
        `delivery=${delivery}`,
        at,
      );
    };
    await join('weekly', new Date('2026-04-28T10:00:00Z'));
    const leftAt = new Date('2026-04-29T10:00:00Z');
    const leave = new URL(unsubscribeUrl(testSite, 'ana@example.org', secret, leftAt.getTime()));
    await withToken(
      'POST',
      '/unsubscribe',
      leave.searchParams.get('token') ?? '',
      'List-Unsubscribe=One-Click',
      leftAt,
    );
    const back = await join('instant', now);
    expect(back.body.replace(/\s+/g, ' ')).toContain(
      'ana@example.org receives: Every new article, as it is published from Monday, May 4, 2026 at 09:00 on; until then this week&#39;s articles come as before.',
    );
  });
});
