import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Digest } from './digest.js';
import type { SiteConfig } from './site.js';
import { signToken } from './tokens.js';

/** An RFC 5322 message ready for SES SendEmail (Raw) or an .eml file. */
export interface RawMessage {
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly data: Uint8Array;
}

// Long enough that an old digest's link still works; a token only ever unsubscribes its own address.
const UNSUBSCRIBE_LINK_DAYS = 400;

export function unsubscribeUrl(site: SiteConfig, address: string, secret: string, nowMs: number): string {
  const token = signToken(
    { address, purpose: 'unsubscribe', expires: Math.floor(nowMs / 1000) + UNSUBSCRIBE_LINK_DAYS * 86_400 },
    secret,
  );
  return `${site.apiUrl}/unsubscribe?token=${token}`;
}

function senderDomain(site: SiteConfig): string {
  return site.sender.address.split('@')[1] ?? 'localhost';
}

/**
 * Deterministic per (digest, recipient): a resend of the same message carries the same Message-ID,
 * so mail systems can tell it is not new.
 */
export function digestMessageId(digestId: string, address: string, site: SiteConfig): string {
  const who = createHash('sha256').update(address).digest('hex').slice(0, 16);
  return `<${digestId}.${who}@${senderDomain(site)}>`;
}

export interface DigestRecipient {
  /** Normalized, validated address. */
  readonly address: string;
  readonly unsubscribeUrl: string;
}

/** Builds the multipart/alternative message for one recipient; headers are encoded by nodemailer (RFC 2047). */
export async function renderDigestMessage(
  digest: Digest,
  recipient: DigestRecipient,
  site: SiteConfig,
  date: Date,
): Promise<RawMessage> {
  const messageId = digestMessageId(digest.id, recipient.address, site);
  const composer = new MailComposer({
    from: { name: site.sender.name, address: site.sender.address },
    to: recipient.address,
    ...(site.replyTo ? { replyTo: site.replyTo } : {}),
    subject: digest.subject,
    date,
    messageId,
    text: digest.text(recipient.unsubscribeUrl),
    html: digest.html(recipient.unsubscribeUrl),
    headers: {
      // Prepared: a URL in angle brackets has no place to fold, and must not be encoded.
      'List-Unsubscribe': { prepared: true, value: `<${recipient.unsubscribeUrl}>` },
      // RFC 8058 one-click: mailbox providers POST to the List-Unsubscribe URL with this body.
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': { prepared: true, value: `<digest.${senderDomain(site)}>` },
    },
    xMailer: false,
    disableFileAccess: true,
    disableUrlAccess: true,
    baseBoundary: messageId.replace(/[^a-z0-9]/gi, '').slice(0, 24),
  });
  const data = await composer.compile().build();
  return { messageId, to: recipient.address, subject: digest.subject, data };
}
