// `broadsheet send-test`: the next digest (or one article), exactly as subscribers would get it, to one
// address, marked as a test. It reads the announcement ledger and writes nothing to it or to the send ledger:
// a test never counts as the real send, and the real send still happens.

import type { ArticleMeta } from '../core/article.js';
import { composeDigest, type DigestPlan, digestRecordOf, rehearseDigest } from '../core/digest.js';
import {
  digestRecipient,
  type RawMessage,
  renderAlreadySubscribedMessage,
  renderConfirmationMessage,
  renderDigestMessage,
  renderWelcomeMessage,
} from '../core/email.js';
import { planFullText } from '../core/full-text-plan.js';
import type { DigestRecord, MailSender } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import type { Theme } from '../core/theme.js';
import { weekStartAt } from '../core/weekly-schedule.js';

export const TEST_SUBJECT_PREFIX = '[Test] ';

/** Where a test send is kept apart from real digests: its own id, so no ledger or outbox entry is shared. */
export function testDigestId(digestId: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `test-${stamp}-${digestId}`;
}

/**
 * The message a subscriber at `to` would get for these articles, as an instant digest, except that its
 * subject says it is a test and its Message-ID is the test's own (a mail system that saw the test must not
 * take the real digest for a duplicate of it). Its links are real and signed for `to`.
 */
export async function composeTestMessage(
  site: SiteConfig,
  plan: Pick<DigestPlan, 'id' | 'articles'>,
  to: string,
  secret: string,
  now: Date,
  /** The site's theme (its own templates over the bundled ones); the bundled one site.yaml names if absent. */
  theme?: Theme,
): Promise<RawMessage & { readonly shortened: readonly string[] }> {
  const nowMs = now.getTime();
  const record = withFullText(
    site,
    digestRecordOf({ ...plan, silenced: [] }, nowMs, {
      delivery: 'instant',
      weekStartMs: weekStartAt(site, nowMs),
    }),
    plan.articles,
    theme,
  );
  const digest = composeDigest(record, site, 'instant', theme);
  const message = await renderDigestMessage(
    { ...digest, id: testDigestId(digest.id, now), subject: `${TEST_SUBJECT_PREFIX}${digest.subject}` },
    digestRecipient(site, to, secret, nowMs),
    site,
    now,
    theme,
  );
  return { ...message, shortened: record.shortened ?? [] };
}

/**
 * A full-text digest's bodies (`digest.content: full`), from articles that carry their rendered HTML (the
 * parsed corpus send-test reads); as the publish plans them, oldest shortened first past Gmail's clip.
 */
export function withFullText<R extends DigestRecord>(
  site: SiteConfig,
  record: R,
  articles: readonly ArticleMeta[],
  theme?: Theme,
): R {
  if (site.digest.content !== 'full') return record;
  const bodyOf = new Map(
    articles.flatMap((a) => {
      const body = (a as ArticleMeta & { html?: unknown }).html;
      return typeof body === 'string' ? [[a.url, body] as const] : [];
    }),
  );
  return { ...record, ...planFullText(record.id, record.articles, bodyOf, site, theme) };
}

/**
 * Renders every message a reader may get with the site's theme, and drops them: the confirmation, the
 * welcome and the "already subscribed" note for each delivery, and a digest of `article` in each delivery and as `send-test` composes it. For `check`, so a mail
 * template that fails is found before a build or a subscriber meets it. Throws ThemeLoadError.
 */
export async function rehearseMail(
  site: SiteConfig,
  theme: Theme,
  article: ArticleMeta | undefined,
  now: Date,
): Promise<void> {
  const to = site.sender.address;
  const secret = 'rehearsal';
  await renderConfirmationMessage(site, to, `${site.baseUrl}/`, now, theme);
  for (const delivery of ['instant', 'weekly'] as const) {
    await renderWelcomeMessage(site, to, delivery, secret, now, theme);
    await renderAlreadySubscribedMessage(site, to, delivery, secret, now, theme);
  }
  if (!article) return;
  const plan = { id: 'rehearsal', articles: [article] };
  // Both deliveries as publish rehearses them, then the whole message (headers, full text) as sent.
  rehearseDigest(plan, site, theme);
  await composeTestMessage(site, plan, to, secret, now, theme);
}

/** Composes the test message and hands it to the mailer (a test folder in outbox/, or SES). */
export async function sendTest(
  deps: {
    readonly site: SiteConfig;
    readonly mail: MailSender;
    readonly secret: string;
    readonly theme?: Theme;
  },
  plan: Pick<DigestPlan, 'id' | 'articles'>,
  to: string,
  now: Date,
): Promise<{
  readonly message: RawMessage;
  readonly providerId: string;
  /** Full text: URLs shortened to summary and link to stay under Gmail's clip. */
  readonly shortened: readonly string[];
}> {
  const { shortened, ...message } = await composeTestMessage(
    deps.site,
    plan,
    to,
    deps.secret,
    now,
    deps.theme,
  );
  return { message, providerId: await deps.mail.send(message), shortened };
}
