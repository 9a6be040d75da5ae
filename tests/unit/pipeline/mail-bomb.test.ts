// Issue 14, item 14: 192 requests sent 192 confirmation emails to one mailbox in an hour. The limits
// count a mailbox (not its Gmail dot and +tag spellings) and a client network (not each IPv6 address).
import { describe, expect, it } from 'vitest';
import { clientKey, mailboxKey } from '../../../src/core/rate-keys.js';
import { LIMITS, type SubscriptionDeps, subscribe } from '../../../src/pipeline/subscriptions.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const now = new Date('2026-05-01T10:00:00Z');

/** One store, one limiter and one mailer for every request of a test, as in one deployed stack. */
function shared(mail: MemoryMailer): SubscriptionDeps {
  return {
    site: testSite,
    subscribers: new MemorySubscribers(),
    limiter: new MemoryAttempts(),
    mail,
    secret: 'mail-bomb-test-secret-of-32-bytes-or-more',
  };
}

/** 192 different spellings of victim.name@gmail.com: dots anywhere, a +tag, either Gmail domain, any case. */
function gmailVariants(): string[] {
  const letters = 'victimname';
  const variants = new Set<string>();
  for (let mask = 0; variants.size < 192; mask++) {
    let local = '';
    for (const [i, letter] of [...letters].entries()) local += (mask >> i) & 1 ? `${letter}.` : letter;
    local = local.replace(/\.$/, '');
    const domain = mask % 2 ? 'googlemail.com' : 'Gmail.com';
    variants.add(`${mask % 3 ? local.toUpperCase() : local}${mask % 5 ? `+t${mask}` : ''}@${domain}`);
  }
  return [...variants];
}

/** 192 addresses inside 2001:db8:7:9::/64, written the ways IPv6 can be. */
function oneNetwork(): string[] {
  return Array.from({ length: 192 }, (_, i) =>
    i % 2 ? `2001:db8:7:9:${i.toString(16)}::${i}` : `2001:0db8:0007:0009:0:0:${(i * 7).toString(16)}:1`,
  );
}

describe('the mail-bomb limits', () => {
  it('sends one mailbox at most the per-address limit, however its Gmail address is spelled', async () => {
    const mail = new MemoryMailer();
    const variants = gmailVariants();
    expect(new Set(variants.map((v) => v.toLowerCase())).size).toBe(192);
    // Each from its own IPv4 address, so only the per-address limit can stop them.
    const d = shared(mail);
    for (const [i, email] of variants.entries())
      await subscribe(d, { email, honeypot: '', client: `198.51.100.${i % 250}` }, now);
    expect(mail.sent).toHaveLength(LIMITS.perAddress.limit);
  });

  it('lets one IPv6 /64 ask the per-client limit at most, whatever addresses it asks for', async () => {
    const mail = new MemoryMailer();
    const clients = oneNetwork();
    expect(new Set(clients).size).toBe(192);
    const d = shared(mail);
    for (const [i, client] of clients.entries())
      await subscribe(d, { email: `reader${i}@example.org`, honeypot: '', client }, now);
    expect(mail.sent).toHaveLength(LIMITS.perClient.limit);
  });

  it('192 requests from one /64 for spellings of one mailbox send it the per-address limit', async () => {
    const mail = new MemoryMailer();
    const d = shared(mail);
    const clients = oneNetwork();
    for (const [i, email] of gmailVariants().entries())
      await subscribe(d, { email, honeypot: '', client: clients[i] ?? '' }, now);
    expect(mail.sent.length).toBeLessThanOrEqual(LIMITS.perAddress.limit);
    expect(new Set(mail.sent.map((m) => mailboxKey(m.to)))).toEqual(new Set(['victimname@gmail.com']));
  });
});

describe('mailboxKey', () => {
  it.each([
    ['Victim.Name+news@GoogleMail.com', 'victimname@gmail.com'],
    ['v.i.c.t.i.m.n.a.m.e@gmail.com', 'victimname@gmail.com'],
    ['ana.b+list@example.org', 'ana.b@example.org'],
    ['ana@example.org', 'ana@example.org'],
  ])('counts %j as %j', (address, key) => {
    expect(mailboxKey(address)).toBe(key);
  });
});

describe('clientKey', () => {
  it.each([
    ['2001:db8:7:9::1', 'ipv6:2001:db8:7:9::/64'],
    ['2001:0db8:0007:0009:ffff:ffff:ffff:ffff', 'ipv6:2001:db8:7:9::/64'],
    ['[2001:db8:7:9::1]', 'ipv6:2001:db8:7:9::/64'],
    ['2001:db8:7:a::1', 'ipv6:2001:db8:7:a::/64'],
    ['203.0.113.7', 'ipv4:203.0.113.7'],
    ['::ffff:203.0.113.7', 'ipv4:203.0.113.7'],
    ['::ffff:cb00:7107', 'ipv4:203.0.113.7'],
  ])('counts %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
