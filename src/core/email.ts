import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWord, foldLines } from 'nodemailer/lib/mime-funcs';
import type { Delivery } from './delivery.js';
import { type Digest, emailScope, type MailLinks } from './digest.js';
import type { SiteConfig } from './site.js';
import { type Theme, themeFor, weeklyWhen } from './theme.js';
import { signToken } from './tokens.js';
import { describeMoment } from './weekly-schedule.js';

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

/** When a confirmation link sent now expires: after the link sent before (`previous`), so the two differ. */
export function confirmExpiry(nowMs: number, previous = 0): number {
  return Math.max(Math.floor(nowMs / 1000) + CONFIRM_LINK_DAYS * 86_400, previous + 1);
}

export function confirmToken(address: string, secret: string, expires: number): string {
  return signToken({ address, purpose: 'confirm', expires }, secret);
}

/** The double opt-in message: one link that confirms, and what to do if it was not you. */
export async function renderConfirmationMessage(
  site: SiteConfig,
  address: string,
  confirmUrl: string,
  date: Date,
  theme: Theme = themeFor(site),
): Promise<RawMessage> {
  return themedMessage(site, theme, 'confirm', {
    to: address,
    date,
    idSeed: `${address}${date.getTime()}`,
    vars: { confirm_url: confirmUrl, days: CONFIRM_LINK_DAYS },
  });
}

/** A message to one address from the theme's `email/<kind>` templates, its subject from `<kind>.subject`. */
function themedMessage(
  site: SiteConfig,
  theme: Theme,
  kind: 'confirm' | 'welcome' | 'already',
  m: { to: string; date: Date; idSeed: string; vars: Record<string, unknown>; headers?: MimeHeaders },
): Promise<RawMessage> {
  const subject = theme.t(`${kind}.subject`, { site: site.title });
  const scope = { ...emailScope(site, theme), subject, ...m.vars };
  const hash = createHash('sha256').update(m.idSeed).digest('hex').slice(0, 24);
  return compose(site, {
    to: m.to,
    subject,
    text: withNewline(theme.render(`email/${kind}.txt.liquid`, scope)),
    html: withNewline(theme.render(`email/${kind}.html.liquid`, scope)),
    messageId: `<${kind}.${hash}@${senderDomain(site)}>`,
    date: m.date,
    ...(m.headers ? { headers: m.headers } : {}),
  });
}

/** The list headers of every message a subscriber gets as one: one-click unsubscribe and the list's id. */
function listHeaders(site: SiteConfig, theme: Theme, unsubscribeUrl: string): MimeHeaders {
  return {
    // Prepared: a URL in angle brackets has no place to fold, and must not be encoded.
    'List-Unsubscribe': { prepared: true, value: `<${unsubscribeUrl}>` },
    // RFC 8058 one-click: mailbox providers POST to the List-Unsubscribe URL with this body.
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': listId(site, theme),
  };
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/**
 * `List-Id`: the list's name in the site's language, then its identifier (RFC 2919). Prepared here: left to
 * nodemailer, the whole value became one encoded word, the identifier in angle brackets included, where a
 * client looks for it as plain text. A name beyond ASCII is encoded alone (RFC 2047 words, never quoted).
 */
function listId(site: SiteConfig, theme: Theme): { prepared: boolean; value: string } {
  // Site titles are single-line already; quotes and backslashes would end or escape the quoted name.
  const name = theme
    .t('email.list_name', { site: site.title })
    .replace(/["\\\r\n]/g, '')
    .trim();
  // A word too long for a line of its own is encoded too: encoded words split anywhere, and fold between.
  const plain = /^[\x20-\x7e]*$/.test(name) && name.split(' ').every((word) => word.length <= 60);
  const phrase = plain ? `"${name}"` : encodeWord(name, 'Q', 52);
  // Folded as nodemailer folds the headers it prepares itself, under 78 characters a line (RFC 5322).
  const header = 'List-ID: ';
  return {
    prepared: true,
    value: foldLines(`${header}${phrase} <digest.${senderDomain(site)}>`, 76).slice(header.length),
  };
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
  theme: Theme = themeFor(site),
  /** When the choice takes effect, if later than `date` (back the week they left, choosing anew). */
  fromMs = date.getTime(),
): Promise<RawMessage> {
  const chosen =
    delivery === 'weekly'
      ? theme.t('welcome.how.weekly', { when: weeklyWhen(site, theme) })
      : theme.t('welcome.how.instant');
  const how =
    fromMs > date.getTime()
      ? `${chosen} ${theme.t('welcome.from', { moment: describeMoment(site, fromMs) })}`
      : chosen;
  return subscriberMessage(site, theme, 'welcome', address, secret, date, { how, delivery });
}

/**
 * What a confirmed subscriber gets when someone asks to subscribe their address again: that it is
 * subscribed already and nothing changed, with their links. Sent where a new address gets its
 * confirmation, so the two requests send alike and timing tells nobody which one it was.
 */
export async function renderAlreadySubscribedMessage(
  site: SiteConfig,
  address: string,
  delivery: Delivery,
  secret: string,
  date: Date,
  theme: Theme = themeFor(site),
): Promise<RawMessage> {
  return subscriberMessage(site, theme, 'already', address, secret, date, { delivery });
}

/** A message to a subscriber as one: their links, signed like a digest's, and the list headers. */
function subscriberMessage(
  site: SiteConfig,
  theme: Theme,
  kind: 'welcome' | 'already',
  address: string,
  secret: string,
  date: Date,
  vars: Record<string, unknown>,
): Promise<RawMessage> {
  const links = digestRecipient(site, address, secret, date.getTime()).links;
  return themedMessage(site, theme, kind, {
    to: address,
    date,
    idSeed: `${address}\n${date.getTime()}`,
    vars: { ...vars, links },
    headers: listHeaders(site, theme, links.unsubscribe),
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
  theme: Theme = themeFor(site),
): Promise<RawMessage> {
  return renderDigestMessage(
    digest,
    digestRecipient(site, address, secret, nowMs),
    site,
    new Date(createdAtMs),
    theme,
  );
}

/** Builds the multipart/alternative message for one recipient; headers are encoded by nodemailer (RFC 2047). */
export async function renderDigestMessage(
  digest: Digest,
  recipient: DigestRecipient,
  site: SiteConfig,
  date: Date,
  theme: Theme = themeFor(site),
): Promise<RawMessage> {
  return compose(site, {
    to: recipient.address,
    subject: digest.subject,
    text: digest.text(recipient.links),
    html: digest.html(recipient.links),
    messageId: digestMessageId(digest.id, recipient.address, site),
    date,
    headers: listHeaders(site, theme, recipient.links.unsubscribe),
  });
}
