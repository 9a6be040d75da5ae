// Sign-ups that arrive together can pass the account's SES send rate; the reader must still get the
// confirmation, not a 500 (the subscribe scenario at 40 readers found this).
import { describe, expect, it } from 'vitest';
import type { RawMessage } from '../../../src/core/email.js';
import { MailError } from '../../../src/core/errors.js';
import { API_SEND_RETRY, type SubscriptionDeps, subscribe } from '../../../src/pipeline/subscriptions.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const now = new Date('2026-11-25T12:00:00Z');
const secret = 'a-test-signing-secret-of-at-least-32-bytes';

/** SES that refuses the first `refusals` calls with `error`, then accepts. */
class RefusingMailer extends MemoryMailer {
  calls = 0;
  constructor(
    private readonly refusals: number,
    private readonly error: () => Error,
  ) {
    super();
  }
  override async send(message: RawMessage): Promise<string> {
    this.calls++;
    if (this.calls <= this.refusals) throw this.error();
    return super.send(message);
  }
}

const throttled = () => new MailError('TooManyRequestsException: Maximum sending rate exceeded.', true);
const request = { email: 'burst@example.org', honeypot: '', client: '192.0.2.1' };

function deps(mail: MemoryMailer): SubscriptionDeps {
  return {
    site: testSite,
    subscribers: new MemorySubscribers(),
    limiter: new MemoryAttempts(),
    mail,
    secret,
  };
}

describe('a confirmation SES throttles', () => {
  it('is sent once SES accepts it again', async () => {
    const mail = new RefusingMailer(API_SEND_RETRY.attempts - 1, throttled);
    expect(await subscribe(deps(mail), request, now)).toEqual({ kind: 'check-inbox' });
    expect(mail.calls).toBe(API_SEND_RETRY.attempts);
    expect(mail.sent.map((m) => m.to)).toEqual(['burst@example.org']);
  });

  it('fails after its attempts, and a refusal that will not change is not retried', async () => {
    const always = new RefusingMailer(Number.POSITIVE_INFINITY, throttled);
    await expect(subscribe(deps(always), request, now)).rejects.toThrow(/Maximum sending rate/);
    expect(always.calls).toBe(API_SEND_RETRY.attempts);
    const rejected = new RefusingMailer(1, () => new MailError('MessageRejected: bad address', false));
    await expect(subscribe(deps(rejected), request, now)).rejects.toThrow(/MessageRejected/);
    expect(rejected.calls).toBe(1);
  });
});
