import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Delivery } from './delivery.js';
import type { Digest, MailLinks } from './digest.js';
import { html } from './html.js';
import type { SiteConfig } from './site.js';
import { escapeHtml } from './text.js';
import { signToken } from './tokens.js';
import { describeWeekly } from './weekly-schedule.js';

/** An RFC 5322 message ready for SES SendEmail (Raw) or an .eml file. */
export interface RawMessage {
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly data: Uint8Array;
}

// Long enough that an old digest's links still work; a token only ever acts on its own address.
const MAIL_LINK_DAYS = 400;

function signedLink(
  site: SiteConfig,
  route: 'unsubscribe' | 'preferences',
  address: string,
  secret: string,
  nowMs: number,
): string {
  const expires = Math.floor(nowMs / 1000) + MAIL_LINK_DAYS * 86_400;
  return `${site.apiUrl}/${route}?token=${signToken({ address, purpose: route, expires }, secret)}`;
}

export function unsubscribeUrl(site: SiteConfig, address: string, secret: string, nowMs: number): string {
  return signedLink(site, 'unsubscribe', address, secret, nowMs);
}

export function preferencesUrl(site: SiteConfig, address: string, secret: string, nowMs: number): string {
  return signedLink(site, 'preferences', address, secret, nowMs);
}

/** One recipient of a digest, with the links only they can use. */
export function digestRecipient(
  site: SiteConfig,
  address: string,
  secret: string,
  nowMs: number,
): DigestRecipient {
  return {
    address,
    links: {
      unsubscribe: unsubscribeUrl(site, address, secret, nowMs),
      preferences: preferencesUrl(site, address, secret, nowMs),
    },
  };
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

/** The digest a Message-ID of ours belongs to (see digestMessageId); undefined for any other message. */
export function digestIdOfMessageId(messageId: string): string | undefined {
  return /^<?([0-9a-z-]+)\.[0-9a-f]{16}@[^>]+>?$/i.exec(messageId.trim())?.[1];
}

export interface DigestRecipient {
  /** Normalized, validated address. */
  readonly address: string;
  readonly links: MailLinks;
}

/** Link in the confirmation email; valid for a week, and only the newest one sent works. */
export const CONFIRM_LINK_DAYS = 7;

export function confirmToken(address: string, secret: string, nowMs: number) {
  const expires = Math.floor(nowMs / 1000) + CONFIRM_LINK_DAYS * 86_400;
  return { expires, token: signToken({ address, purpose: 'confirm', expires }, secret) };
}

/** The double opt-in message: one link that confirms, and what to do if it was not you. */
export async function renderConfirmationMessage(
  site: SiteConfig,
  address: string,
  confirmUrl: string,
  date: Date,
): Promise<RawMessage> {
  const subject = `Confirm your subscription to ${site.title}`;
  const text = [
    `Someone (we hope you) asked to receive new articles from ${site.title} at this address.`,
    '',
    `Confirm: ${confirmUrl}`,
    '',
    `The link works for ${CONFIRM_LINK_DAYS} days. If it was not you, ignore this message: nothing will be sent.`,
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="${escapeHtml(site.language)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px 16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f;">
<p style="font-size:16px;line-height:1.5;">Someone (we hope you) asked to receive new articles from ${escapeHtml(site.title)} at this address.</p>
<p style="font-size:16px;"><a href="${escapeHtml(confirmUrl)}" style="color:#0b57d0;">Confirm my subscription</a></p>
<p style="font-size:13px;color:#5b5b66;">The link works for ${CONFIRM_LINK_DAYS} days. If it was not you, ignore this message: nothing will be sent.</p>
</body></html>
`;
  const messageId = `<confirm.${createHash('sha256').update(`${address}${date.getTime()}`).digest('hex').slice(0, 24)}@${senderDomain(site)}>`;
  return compose(site, { to: address, subject, text, html, messageId, date });
}

/**
 * The one welcome a subscriber gets when their subscription is confirmed: what they signed up for, and how to
 * change it or leave. Its links are signed for them like a digest's.
 */
export async function renderWelcomeMessage(
  site: SiteConfig,
  address: string,
  delivery: Delivery,
  secret: string,
  date: Date,
): Promise<RawMessage> {
  const links = digestRecipient(site, address, secret, date.getTime()).links;
  const subject = `Welcome to ${site.title}`;
  const how =
    delivery === 'weekly'
      ? `Once a week, ${describeWeekly(site)}, you will get one email with the articles published that week. A week without new articles sends nothing.`
      : 'Each time a new article is published, you will get one email with its title, a short summary and a link.';
  const text = [
    `You are subscribed to ${site.title}. Thank you.`,
    '',
    how,
    '',
    `Read what is there already: ${site.baseUrl}/`,
    '',
    '--',
    `Change how often: ${links.preferences}`,
    `Unsubscribe: ${links.unsubscribe}`,
    '',
  ].join('\n');
  const font = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;';
  const body =
    html`<!doctype html><html lang="${site.language}"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="margin:0;padding:24px 16px;${font}color:#1d1d1f;">
<p style="font-size:16px;line-height:1.5;">You are subscribed to <a href="${site.baseUrl}/" style="color:#0b57d0;">${site.title}</a>. Thank you.</p>
<p style="font-size:16px;line-height:1.5;">${how}</p>
<p style="font-size:13px;line-height:1.5;color:#5b5b66;border-top:1px solid #d9d9de;padding-top:16px;"><a href="${links.preferences}" style="color:#5b5b66;">Change how often</a> or <a href="${links.unsubscribe}" style="color:#5b5b66;">unsubscribe</a> with one click.</p>
</body></html>
`.value;
  const messageId = `<welcome.${createHash('sha256').update(`${address}\n${date.getTime()}`).digest('hex').slice(0, 24)}@${senderDomain(site)}>`;
  return compose(site, {
    to: address,
    subject,
    text,
    html: body,
    messageId,
    date,
    headers: {
      'List-Unsubscribe': { prepared: true, value: `<${links.unsubscribe}>` },
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': { prepared: true, value: `<digest.${senderDomain(site)}>` },
    },
  });
}

async function compose(
  site: SiteConfig,
  m: {
    to: string;
    subject: string;
    text: string;
    html: string;
    messageId: string;
    date: Date;
    headers?: MimeHeaders;
  },
): Promise<RawMessage> {
  const composer = new MailComposer({
    from: { name: site.sender.name, address: site.sender.address },
    to: m.to,
    ...(site.replyTo ? { replyTo: site.replyTo } : {}),
    subject: m.subject,
    date: m.date,
    messageId: m.messageId,
    text: m.text,
    html: m.html,
    ...(m.headers ? { headers: m.headers } : {}),
    xMailer: false,
    // Every line ends in CRLF, bodies included (RFC 5322 allows no bare LF).
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
    baseBoundary: m.messageId.replace(/[^a-z0-9]/gi, '').slice(0, 24),
  });
  const data = await composer.compile().build();
  return { messageId: m.messageId, to: m.to, subject: m.subject, data };
}

type MimeHeaders = Record<string, string | { prepared: boolean; value: string }>;

/**
 * The one digest message rule of both editions: the recipient's links are signed when the message is
 * composed (`nowMs`), and its Date header is when the digest was created, however late it is sent.
 */
export function digestMessageFor(
  digest: Digest,
  createdAtMs: number,
  site: SiteConfig,
  address: string,
  secret: string,
  nowMs: number,
): Promise<RawMessage> {
  return renderDigestMessage(
    digest,
    digestRecipient(site, address, secret, nowMs),
    site,
    new Date(createdAtMs),
  );
}

/** Builds the multipart/alternative message for one recipient; headers are encoded by nodemailer (RFC 2047). */
export async function renderDigestMessage(
  digest: Digest,
  recipient: DigestRecipient,
  site: SiteConfig,
  date: Date,
): Promise<RawMessage> {
  return compose(site, {
    to: recipient.address,
    subject: digest.subject,
    text: digest.text(recipient.links),
    html: digest.html(recipient.links),
    messageId: digestMessageId(digest.id, recipient.address, site),
    date,
    headers: {
      // Prepared: a URL in angle brackets has no place to fold, and must not be encoded.
      'List-Unsubscribe': { prepared: true, value: `<${recipient.links.unsubscribe}>` },
      // RFC 8058 one-click: mailbox providers POST to the List-Unsubscribe URL with this body.
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': { prepared: true, value: `<digest.${senderDomain(site)}>` },
    },
  });
}
