import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/core/delivery.js';
import type { RawMessage } from '../../../src/core/email.js';
import { confirmExpiry, confirmToken } from '../../../src/core/email.js';
import { MailError } from '../../../src/core/errors.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { verifyToken } from '../../../src/core/tokens.js';
import { confirm, type SubscriptionDeps } from '../../../src/pipeline/subscriptions.js';
import { lintMessage } from '../../helpers/mail-lint.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const now = new Date('2026-11-25T12:00:00Z');
const secret = 'a-test-signing-secret-of-at-least-32-bytes';
const address = 'new.reader@example.org';

/** A subscriber who asked and has the newest confirmation link, as subscribe() leaves them. */
async function pending(site = testSite, mail: SubscriptionDeps['mail'] = new MemoryMailer()) {
  const subscribers = new MemorySubscribers();
  const expires = confirmExpiry(now.getTime() - 60_000);
  const token = confirmToken(address, secret, expires);
  await subscribers.save({
    address,
    status: 'pending',
    createdAtMs: now.getTime() - 60_000,
    updatedAtMs: now.getTime() - 60_000,
    confirmExpires: expires,
  });
  const deps: SubscriptionDeps = { site, subscribers, limiter: new MemoryAttempts(), mail, secret };
  return { deps, token, subscribers };
}

const welcomes = (mail: MemoryMailer) => mail.sent.filter((m) => m.subject.startsWith('Welcome'));

describe('the welcome email', () => {
  it.each<Delivery>(['instant', 'weekly'])(
    'is sent once on confirmation (%s), in our words, with working links',
    async (delivery) => {
      const mail = new MemoryMailer();
      const { deps, token } = await pending(testSite, mail);
      expect(await confirm(deps, token, delivery, now)).toMatchObject({ kind: 'confirmed' });
      const [welcome] = welcomes(mail);
      expect(mail.sent).toHaveLength(1);
      expect(welcome?.to).toBe(address);
      const raw = Buffer.from(welcome?.data ?? new Uint8Array()).toString('latin1');
      expect(lintMessage(raw, { bulk: true })).toEqual([]);
      const parsed = await simpleParser(Buffer.from(welcome?.data ?? new Uint8Array()));
      expect(parsed.subject).toBe('Welcome to Test Gazette');
      expect(parsed.text).toContain('You are subscribed to Test Gazette.');
      expect(parsed.text).toContain(
        delivery === 'weekly' ? 'Once a week, Mondays at 09:00' : 'Each time a new article',
      );
      const unsubscribe = /Unsubscribe: \S+token=(\S+)/.exec(parsed.text ?? '')?.[1] ?? '';
      expect(verifyToken(unsubscribe, 'unsubscribe', secret, now.getTime())).toMatchObject({
        ok: true,
        claims: { address },
      });
    },
  );

  it('is sent once when the same link is confirmed twice at the same moment', async () => {
    const mail = new MemoryMailer();
    const { deps, token, subscribers } = await pending(testSite, mail);
    const outcomes = await Promise.all([
      confirm(deps, token, 'instant', now),
      confirm(deps, token, 'weekly', now),
      confirm(deps, token, 'instant', now),
    ]);
    expect(outcomes.filter((o) => o.kind === 'confirmed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'already-confirmed')).toHaveLength(2);
    expect(welcomes(mail)).toHaveLength(1);
    expect(subscribers.records.get(address)?.status).toBe('confirmed');
    // And not again on a later visit of the same link.
    expect(await confirm(deps, token, 'instant', now)).toEqual({ kind: 'already-confirmed' });
    expect(welcomes(mail)).toHaveLength(1);
  });

  it('is not sent with welcome: false in site.yaml', async () => {
    const quiet = parseSiteConfig({
      title: 'Quiet',
      base_url: 'https://quiet.example.com',
      author: { name: 'Q' },
      sender: { name: 'Q', address: 'q@example.com' },
      welcome: false,
    });
    const mail = new MemoryMailer();
    const { deps, token } = await pending(quiet, mail);
    expect(await confirm(deps, token, 'instant', now)).toMatchObject({ kind: 'confirmed' });
    expect(mail.sent).toEqual([]);
  });

  it('does not undo the confirmation when the mail service refuses it', async () => {
    const refusing = {
      send: async (_: RawMessage): Promise<string> => {
        throw new MailError('MessageRejected: no', false);
      },
    };
    const { deps, token, subscribers } = await pending(testSite, refusing);
    expect(await confirm(deps, token, 'instant', now)).toMatchObject({ kind: 'confirmed' });
    expect(subscribers.records.get(address)?.status).toBe('confirmed');
  });
});
