import { hasErrors, publishedAt } from '../core/corpus.js';
import { composeDigest, planDigest } from '../core/digest.js';
import { type RawMessage, renderDigestMessage, unsubscribeUrl } from '../core/email.js';
import { ContentError, type Problem } from '../core/errors.js';
import { feedUrlsAmong } from '../core/feeds.js';
import type {
  AnnouncementStore,
  ArticleSourceStore,
  DigestMailer,
  HubNotifier,
  PublishedLockStore,
  RecipientStore,
  SiteStore,
  StaticAssetStore,
} from '../core/ports.js';
import { lockOf } from '../core/published-lock.js';
import type { SiteConfig } from '../core/site.js';
import { planSite, staticAssetProblem } from '../core/site-build.js';
import { type ArticleCache, parseSources } from './parse.js';
import { type PublishReport, publishSite } from './publish-site.js';

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
    readonly announcements: AnnouncementStore;
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
  readonly digest?: {
    readonly id: string;
    readonly subject: string;
    readonly articles: readonly string[];
    readonly silenced: number;
    readonly recipients: number;
    readonly location: string;
  };
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
  const plan = announce && planDigest(published, await announce.announcements.load());
  let digest: BuildReport['digest'];
  if (announce && plan) {
    const composed = composeDigest(plan, site);
    const addresses = await announce.recipients.recipients();
    const messages: RawMessage[] = [];
    for (const address of addresses) {
      const recipient = { address, unsubscribeUrl: unsubscribeUrl(site, address, announce.secret, nowMs) };
      messages.push(await renderDigestMessage(composed, recipient, site, now));
    }
    const { location } = await announce.mailer.deliver(composed, messages);
    await announce.announcements.record(plan);
    digest = {
      id: plan.id,
      subject: composed.subject,
      articles: plan.articles.map((a) => a.url),
      silenced: plan.silenced.length,
      recipients: messages.length,
      location,
    };
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
  };
}
