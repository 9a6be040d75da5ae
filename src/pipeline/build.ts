import { hasErrors, publishedAt } from '../core/corpus.js';
import { audienceOf, audienceOfDigest, type DeliveryChoice } from '../core/delivery.js';
import { composeDigest, digestRecordOf, planDigest } from '../core/digest.js';
import { digestRecipient, type RawMessage, renderDigestMessage } from '../core/email.js';
import { ContentError, type Problem } from '../core/errors.js';
import { feedUrlsAmong } from '../core/feeds.js';
import type {
  AnnouncementStore,
  ArticleSourceStore,
  DigestMailer,
  DigestRecord,
  HubNotifier,
  PublishedLockStore,
  RecipientStore,
  SiteStore,
  StaticAssetStore,
  WeeklyLedger,
} from '../core/ports.js';
import { lockOf } from '../core/published-lock.js';
import type { SiteConfig } from '../core/site.js';
import { planSite, staticAssetProblem } from '../core/site-build.js';
import { weekStartAt } from '../core/weekly-schedule.js';
import { type ArticleCache, parseSources } from './parse.js';
import { type PublishReport, publishSite } from './publish-site.js';
import { runWeekly } from './weekly.js';

export interface BuildDeps {
  readonly site: SiteConfig;
  readonly content: ArticleSourceStore;
  readonly output: SiteStore;
  readonly assets?: StaticAssetStore;
  /** Told about every feed the build changed (WebSub). */
  readonly hub?: HubNotifier;
  /** Where the record of published ids goes (content/published.lock.json). */
  readonly lock?: PublishedLockStore;
  readonly cache?: ArticleCache;
  /** Without it the run only publishes the site (a preview): nothing is announced or mailed. */
  readonly announce?: {
    readonly announcements: AnnouncementStore & WeeklyLedger;
    readonly recipients: RecipientStore;
    readonly mailer: DigestMailer;
    /** Signs unsubscribe links. */
    readonly secret: string;
  };
}

export interface BuildReport {
  readonly articles: number;
  readonly published: number;
  readonly drafts: number;
  readonly scheduled: number;
  readonly warnings: readonly Problem[];
  readonly site: PublishReport;
  readonly hub?: { readonly notified: number; readonly failed: number };
  /** The instant digest of what this build published. */
  readonly digest?: MailedDigest & { readonly silenced: number };
  /** The weekly digest, when a weekly send time passed since the last one. */
  readonly weekly?: MailedDigest;
}

/**
 * The whole local job: validate every article, publish the site, then announce what is new.
 * Order matters for "nothing lost, nothing twice": any invalid article stops the run before a write;
 * the digest is delivered before the announcement is recorded.
 */
export async function buildAndAnnounce(deps: BuildDeps, now: Date): Promise<BuildReport> {
  const { site } = deps;
  const entries = (await deps.content.list()).sort((a, b) => a.path.localeCompare(b.path));
  const corpus = await parseSources(entries, deps.content, site, deps.cache);
  const assets = (await deps.assets?.list()) ?? [];
  const problems: Problem[] = [...corpus.problems];
  for (const asset of assets) {
    const reason = staticAssetProblem(asset.path);
    if (reason) problems.push({ file: `static/${asset.path}`, field: 'file', reason, severity: 'error' });
  }
  if (hasErrors(problems)) throw new ContentError(problems);

  const nowMs = now.getTime();
  const published = publishedAt(corpus.articles, nowMs);
  const siteReport = await publishSite(planSite(published, site, assets), deps.output);
  const changedFeeds = feedUrlsAmong(site, siteReport.written);
  const hub = deps.hub && changedFeeds.length > 0 ? await deps.hub.notify(changedFeeds) : undefined;
  await deps.lock?.save(lockOf(published));

  const announce = deps.announce;
  let digest: BuildReport['digest'];
  let weekly: BuildReport['weekly'];
  if (announce) {
    // Read only when a digest is due: most builds announce nothing.
    let subscribers: Promise<DeliveryChoice[]> | undefined;
    const audience = async (record: DigestRecord) => {
      subscribers ??= announce.recipients.recipients();
      return audienceOf(await subscribers, audienceOfDigest(record));
    };
    const plan = planDigest(published, await announce.announcements.load());
    if (plan) {
      const record = digestRecordOf(plan, nowMs, {
        delivery: 'instant',
        weekStartMs: weekStartAt(site, nowMs),
      });
      const mailed = await mailDigest(announce, site, record, await audience(record), now);
      await announce.announcements.record(plan, record);
      digest = { ...mailed, silenced: plan.silenced.length };
    }
    // After the instant digest, so an article published just after the weekly send time waits for next week.
    await runWeekly(
      {
        site,
        ledger: announce.announcements,
        deliver: async (record) => {
          // Nobody chose weekly (the usual local case): no empty digest folder in the outbox every week.
          const to = await audience(record);
          if (to.length > 0) weekly = await mailDigest(announce, site, record, to, now);
        },
      },
      now,
    );
  }
  return {
    articles: corpus.articles.length,
    published: published.length,
    drafts: corpus.articles.filter((a) => a.draft).length,
    scheduled: corpus.articles.filter((a) => !a.draft && a.dateMs > nowMs).length,
    warnings: problems,
    site: siteReport,
    ...(hub ? { hub } : {}),
    ...(digest ? { digest } : {}),
    ...(weekly ? { weekly } : {}),
  };
}

interface MailedDigest {
  readonly id: string;
  readonly subject: string;
  readonly articles: readonly string[];
  readonly recipients: number;
  readonly location: string;
}

/** Composes one digest for each address of its audience and hands them to the mailer (the outbox) together. */
async function mailDigest(
  announce: NonNullable<BuildDeps['announce']>,
  site: SiteConfig,
  record: DigestRecord,
  addresses: readonly string[],
  now: Date,
): Promise<MailedDigest> {
  const composed = composeDigest(record, site, audienceOfDigest(record).delivery);
  const messages: RawMessage[] = [];
  for (const address of addresses) {
    const recipient = digestRecipient(site, address, announce.secret, now.getTime());
    messages.push(await renderDigestMessage(composed, recipient, site, now));
  }
  const { location } = await announce.mailer.deliver(composed, messages);
  return {
    id: record.id,
    subject: composed.subject,
    articles: record.articles.map((a) => a.url),
    recipients: messages.length,
    location,
  };
}
