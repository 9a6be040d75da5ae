// A subscribe request for an address that is already confirmed used to send nothing, and so answered
// faster than one for a new address (whose confirmation goes through SES): timing told who subscribes.
// Now it sends the address a short "already subscribed" note through the same send path and the same
// limits, so both do the same work and the owner of the address learns someone asked.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type RawMessage, renderAlreadySubscribedMessage } from '../../../src/core/email.js';
import { MailError } from '../../../src/core/errors.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import type { Subscriber } from '../../../src/core/subscribers.js';
import { verifyToken } from '../../../src/core/tokens.js';
import {
  API_SEND_RETRY,
  LIMITS,
  type SubscriptionDeps,
  subscribe,
} from '../../../src/pipeline/subscriptions.js';
import { lintMessage } from '../../helpers/mail-lint.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const now = new Date('2026-05-01T10:00:00Z');
const secret = 'already-subscribed-test-secret-of-32-bytes';
const address = 'reader@example.org';

async function world(status?: Subscriber['status'], mail = new MemoryMailer()) {
  const subscribers = new MemorySubscribers();
  if (status) {
    await subscribers.save({
      address,
      status,
      createdAtMs: 0,
      updatedAtMs: 0,
      ...(status === 'confirmed' ? { delivery: 'weekly' as const } : {}),
    });
  }
  const deps: SubscriptionDeps = {
    site: testSite,
    subscribers,
    limiter: new MemoryAttempts(),
    mail,
    secret,
  };
  const ask = (email = address, client = '192.0.2.1', at = now) =>
    subscribe(deps, { email, honeypot: '', client }, at);
  return { deps, subscribers, mail, ask };
}

const text = async (m: RawMessage | undefined) =>
  (await simpleParser(Buffer.from(m?.data ?? new Uint8Array()))).text ?? '';

describe('subscribing an address that is already confirmed', () => {
  it('sends it exactly one "already subscribed" email, with its links, and changes nothing', async () => {
    const { mail, subscribers, ask } = await world('confirmed');
    const stored = subscribers.records.get(address);
    expect(await ask()).toEqual({ kind: 'check-inbox' });
    expect(mail.sent).toHaveLength(1);
    const [note] = mail.sent;
    expect(note?.to).toBe(address);
    expect(note?.subject).toBe('You are already subscribed to Test Gazette');
    const body = await text(note);
    expect(body).toContain('It is subscribed already, so nothing changed.');
    expect(body).not.toMatch(/confirm\?token=/);
    // Its own preferences and unsubscribe links, signed for this address, as in every subscriber mail.
    const link = (label: string) => new RegExp(`${label}: \\S+token=(\\S+)`).exec(body)?.[1] ?? '';
    expect(verifyToken(link('Change how often'), 'preferences', secret, now.getTime())).toMatchObject({
      ok: true,
      claims: { address },
    });
    expect(verifyToken(link('Unsubscribe'), 'unsubscribe', secret, now.getTime())).toMatchObject({
      ok: true,
      claims: { address },
    });
    expect(lintMessage(Buffer.from(note?.data ?? []).toString('latin1'), { bulk: true })).toEqual([]);
    expect(subscribers.records.get(address)).toEqual(stored);
  });

  it('does the same work as a new address: one send each, and the same answer', async () => {
    const { mail, ask } = await world('confirmed');
    const known = await ask();
    const unknown = await ask('new.reader@example.org');
    expect(known).toEqual(unknown);
    expect(mail.sent.map((m) => m.to)).toEqual([address, 'new.reader@example.org']);
  });

  it('counts against the per-address limit: however often and from wherever it is asked', async () => {
    const { mail, ask } = await world('confirmed');
    // Each from its own client, and spelled several ways, so only the per-address limit can stop them.
    const spellings = [address, 'Reader@Example.org', 'reader+x@example.org', ' READER@example.org '];
    for (let i = 0; i < 12; i++) await ask(spellings[i % spellings.length], `198.51.100.${i}`);
    expect(mail.sent).toHaveLength(LIMITS.perAddress.limit);
    // The next hour, the limit allows as many again, and no more.
    const later = new Date(now.getTime() + LIMITS.perAddress.windowMs);
    for (let i = 0; i < 12; i++) await ask(address, `203.0.113.${i}`, later);
    expect(mail.sent).toHaveLength(2 * LIMITS.perAddress.limit);
  });

  it('counts against the per-client limit too', async () => {
    const { mail, ask } = await world('confirmed');
    for (let i = 0; i < LIMITS.perClient.limit + 5; i++) await ask(`r${i}@example.org`, '198.51.100.7');
    expect(mail.sent).toHaveLength(LIMITS.perClient.limit);
    // The client's budget is spent: the confirmed address gets nothing from it either.
    await ask(address, '198.51.100.7');
    expect(mail.sent.filter((m) => m.to === address)).toHaveLength(0);
  });

  it('is retried as a confirmation is when SES throttles it', async () => {
    let calls = 0;
    const sent: RawMessage[] = [];
    const throttling = {
      async send(message: RawMessage) {
        if (++calls < API_SEND_RETRY.attempts) throw new MailError('Maximum sending rate exceeded.', true);
        sent.push(message);
        return 'ok';
      },
    };
    const { ask } = await world('confirmed', throttling as unknown as MemoryMailer);
    await ask();
    expect(calls).toBe(API_SEND_RETRY.attempts);
    expect(sent.map((m) => m.subject)).toEqual(['You are already subscribed to Test Gazette']);
  });
});

describe('subscribing an address that is not confirmed', () => {
  it('never mails a suppressed address (bounced or complained)', async () => {
    const { mail, subscribers, ask } = await world('suppressed');
    for (let i = 0; i < 5; i++)
      expect(await ask(address, `198.51.100.${i}`)).toEqual({ kind: 'check-inbox' });
    expect(mail.sent).toHaveLength(0);
    expect(subscribers.records.get(address)?.status).toBe('suppressed');
  });

  it.each<[string, Subscriber['status'] | undefined]>([
    ['an unsubscribed address', 'unsubscribed'],
    ['a pending address', 'pending'],
    ['a new address', undefined],
  ])('sends %s a confirmation link, as before, and makes it pending', async (_what, status) => {
    const { mail, subscribers, ask } = await world(status);
    await ask();
    expect(mail.sent.map((m) => m.subject)).toEqual(['Confirm your subscription to Test Gazette']);
    expect(await text(mail.sent[0])).toMatch(/confirm\?token=/);
    expect(subscribers.records.get(address)?.status).toBe('pending');
  });
});

describe('the "already subscribed" email as rendered', () => {
  it.each(['en', 'de', 'es', 'fr', 'pt'])(
    'has safe headers in %s: 7-bit, RFC 2047 subject, one-click unsubscribe',
    async (language) => {
      const site = parseSiteConfig({
        title: 'Straßenbahn-Zeitung für Lissabon, Évora und Umgebung: Notizen',
        base_url: 'https://news.example.com',
        language,
        author: { name: 'Zoë' },
        sender: { name: 'Zoë Gazette', address: 'digest@example.com' },
      });
      const message = await renderAlreadySubscribedMessage(site, address, 'instant', secret, now);
      const raw = Buffer.from(message.data).toString('latin1');
      expect(lintMessage(raw, { bulk: true })).toEqual([]);
      expect(raw).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
      const parsed = await simpleParser(Buffer.from(message.data));
      expect(parsed.subject).toBe(message.subject);
      expect(parsed.subject).toContain(site.title);
      expect(parsed.text).toContain(site.title);
      expect(parsed.html).toContain(`lang="${language}"`);
    },
  );

  it('keeps a title with line breaks from adding headers', async () => {
    const site = { ...testSite, title: 'Gazette\r\nBcc: victim@example.org\r\nX-Injected: 1' };
    const message = await renderAlreadySubscribedMessage(site, address, 'weekly', secret, now);
    const raw = Buffer.from(message.data).toString('latin1');
    expect(lintMessage(raw, { bulk: true })).toEqual([]);
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
    const parsed = await simpleParser(Buffer.from(message.data));
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.has('x-injected')).toBe(false);
  });
});
