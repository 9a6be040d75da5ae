import { GetAccountCommand, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { RawMessage } from '../../core/email.js';
import { MailError } from '../../core/errors.js';
import type { MailSender } from '../../core/ports.js';

// Worth retrying later: throttling, a paused or suspended account, SES-side failures, the network.
const RETRYABLE = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'SendingPausedException',
  'AccountSuspendedException',
]);

/** Sends raw MIME through SES v2, so our headers (List-Unsubscribe, Message-ID) are kept as written. */
export class SesMailer implements MailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly configurationSet?: string,
  ) {}

  async send(message: RawMessage): Promise<string> {
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          Destination: { ToAddresses: [message.to] },
          Content: { Raw: { Data: message.data } },
          ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        }),
      );
      return out.MessageId ?? '';
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const retryable =
        RETRYABLE.has(e.name ?? '') || status === undefined || status >= 500 || status === 429;
      throw new MailError(`${e.name ?? 'Error'}: ${e.message ?? String(error)}`, retryable, { cause: error });
    }
  }

  /** The account's maximum send rate (messages per second). */
  async maxSendRate(): Promise<number | undefined> {
    const out = await this.client.send(new GetAccountCommand({}));
    return out.SendQuota?.MaxSendRate;
  }
}
