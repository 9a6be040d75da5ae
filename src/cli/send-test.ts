// `send-test`: the next digest, or one article's, to one address, into outbox/ or through SES (--table);
// nothing is recorded as sent.
import { FsThemeFiles } from '../adapters/fs/article-source.js';
import { OutboxTestMailer } from '../adapters/fs/outbox.js';
import { localSecret } from '../adapters/fs/state.js';
import type { ArticleMeta } from '../core/article.js';
import { hasErrors, publishedAt } from '../core/corpus.js';
import { digestId } from '../core/digest.js';
import { ConfigError, ContentError } from '../core/errors.js';
import { shortenedNote } from '../core/full-text.js';
import { normalizeAddress } from '../core/subscribers.js';
import { nextAnnouncement, nextDigestPlan } from '../pipeline/next-announcement.js';
import { notAnAddress } from '../pipeline/operator.js';
import { loadTheme } from '../pipeline/publish.js';
import { sendTest, testDigestId } from '../pipeline/send-test.js';
import { localDesk } from './desk.js';
import type { Invocation } from './invocation.js';
import { type Options, UsageError } from './options.js';
import { printWarnings, show } from './output.js';
import { readCorpus } from './read-content.js';
import { subscriberStore } from './subscribers.js';

/** The AWS side of an operator command (--table): clients loaded only here, so other commands never pay for the SDK. */
async function cloudOperator(table: string, options: Options) {
  const { dynamoClient, sesClient } = await import('../adapters/aws/clients.js');
  const { DynamoAnnouncementLedger } = await import('../adapters/aws/dynamo/announcement-ledger.js');
  const { SesMailer } = await import('../adapters/aws/ses.js');
  const { tokenSecret } = await import('../adapters/aws/env.js');
  const db = dynamoClient(options.endpoint ? { dynamodb: options.endpoint } : {});
  return {
    ledger: new DynamoAnnouncementLedger(db, table),
    mail: new SesMailer(
      sesClient(options['ses-endpoint'] ? { ses: options['ses-endpoint'] } : {}),
      process.env.SES_CONFIGURATION_SET || undefined,
    ),
    // The stack's signing key, so the test's unsubscribe and preferences links work as the real ones will.
    secret: async () => {
      const { TOKEN_SECRET, TOKEN_SECRET_ARN } = process.env;
      if (!TOKEN_SECRET && !TOKEN_SECRET_ARN)
        throw new ConfigError('send-test --table', [
          "set TOKEN_SECRET_ARN to the stack's signing secret (Secrets Manager), so the links in the test work",
        ]);
      return (await tokenSecret({ TOKEN_SECRET, TOKEN_SECRET_ARN })).current;
    },
  };
}

/** The slugs of the five newest articles, for a message that names none that exists. */
const newestSlugs = (articles: readonly ArticleMeta[]) =>
  [...articles]
    .sort((a, b) => b.dateMs - a.dateMs)
    .slice(0, 5)
    .map((a) => a.slug)
    .join(', ') || 'none';

/**
 * `send-test --to <address> [--article <slug>]`: what the next digest would send (or that article), to one
 * address, marked as a test; locally into a test folder in outbox/, with --table through SES. Nothing is
 * recorded as announced or sent.
 */
export async function sendTestCommand(cli: Invocation): Promise<number> {
  const { site, paths, options, clock } = cli;
  if (options.to === undefined)
    throw new UsageError('send-test needs --to: broadsheet send-test --to you@example.org');
  const checked = normalizeAddress(options.to);
  if (!checked.ok)
    throw new ConfigError('send-test --to', [
      `${JSON.stringify(options.to)}: ${notAnAddress(options.to, checked.reason)}`,
    ]);
  const to = checked.address;
  const now = clock();
  const corpus = await readCorpus(paths.content, site);
  if (hasErrors(corpus.problems)) throw new ContentError(corpus.problems);
  const cloud = options.table === undefined ? undefined : await cloudOperator(options.table, options);

  let plan: { id: string; articles: readonly ArticleMeta[] } | undefined;
  if (options.article !== undefined) {
    // By slug, or by the file an author would type (posts/2026-12-01-x.md, with or without content/).
    const wanted = options.article.replace(/^(?:\.\/)?(?:.*\/)?(?=posts\/)/, '');
    const article = corpus.articles.find((a) => a.slug === wanted || a.source === wanted);
    if (!article) {
      const near = corpus.articles
        .map((a) => a.slug)
        .filter((slug) => slug.includes(wanted) || wanted.includes(slug))
        .sort();
      throw new ConfigError('send-test --article', [
        `no article has the slug or file ${JSON.stringify(options.article)}${near.length > 0 ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}; the newest: ${newestSlugs(corpus.articles)}`,
      ]);
    }
    plan = { id: digestId([article]), articles: [article] };
  } else {
    const published = publishedAt(corpus.articles, now.getTime());
    const window = { nowMs: now.getTime(), days: site.announceWindowDays };
    plan = cloud
      ? await nextDigestPlan(cloud.ledger, published, false, window)
      : (await nextAnnouncement(localDesk(site, paths.state), published, site, now)).plan;
    if (!plan) {
      console.error(
        'The next build announces nothing, so there is no digest to test. Give --article <slug> to send one article as its digest would.',
      );
      return 1;
    }
  }

  const known = await (await subscriberStore(cli)).get(to);
  if ((known?.status === 'unsubscribed' || known?.status === 'suppressed') && !options.force) {
    console.error(
      `${to} is ${known.status === 'suppressed' ? 'suppressed after a bounce or complaint' : 'unsubscribed'}: no test sent (use --force to send it anyway)`,
    );
    return 1;
  }
  const outbox = new OutboxTestMailer(paths.outbox, testDigestId(plan.id, now));
  // The site's own templates (content/theme/), as subscribers get them.
  const theme = await loadTheme(site, new FsThemeFiles(paths.content));
  const { message, providerId, shortened } = await sendTest(
    cloud
      ? { site, mail: cloud.mail, secret: await cloud.secret(), theme }
      : { site, mail: outbox, secret: await localSecret(paths.state), theme },
    plan,
    to,
    now,
  );
  const what = `"${message.subject}" (${plan.articles.length} article${plan.articles.length === 1 ? '' : 's'})`;
  console.log(
    cloud
      ? `Test ${what} sent to ${to} through SES (message id ${providerId}).`
      : `Test ${what} for ${to} written to ${show(providerId)}`,
  );
  const note = shortenedNote(plan.articles, shortened);
  if (note) console.log(note);
  // What the test carried, not the whole site's warnings: `check` lists those.
  const sent = new Set(plan.articles.map((a) => a.source));
  printWarnings(corpus.problems.filter((p) => sent.has(p.file)));
  console.log('Nothing was recorded as announced or sent: the real digest still goes out.');
  return 0;
}
