import type { ArticleMeta } from '../core/article.js';
import { audienceChoices, audienceOfDigest, type DeliveryChoice } from '../core/delivery.js';
import { composeDigest } from '../core/digest.js';
import { digestMessageFor, type RawMessage } from '../core/email.js';
import type { Problem } from '../core/errors.js';
import { shortenedNote } from '../core/full-text.js';
import type {
  AnnouncementLedger,
  ArticleParser,
  ArticleSourceStore,
  DigestHoldStore,
  DigestMailer,
  DigestRecord,
  HubNotifier,
  PublishedIdsStore,
  PublishLease,
  RecipientPages,
  RecipientStore,
  SiteIndexStore,
  SiteStore,
  StaticAssetStore,
  ThemeSourceStore,
  WeeklyLedger,
} from '../core/ports.js';
import { movedIdProblems, PUBLISHED_IDS_FILE, publishedIdsOf } from '../core/published-ids.js';
import type { SiteConfig } from '../core/site.js';
import type { Theme } from '../core/theme.js';
import { groupByFollowed } from '../core/topics.js';
import { underLease } from './lease.js';
import {
  loadTheme,
  type PendingDigest,
  PUBLISH_BUSY,
  type PublishOutcome,
  publishChanges,
} from './publish.js';
import type { PublishReport } from './publish-site.js';
import { followedPart } from './send.js';
import { liveInIndex, runWeekly } from './weekly.js';

export interface BuildDeps {
  readonly site: SiteConfig;
  readonly content: ArticleSourceStore;
  /** Where sources are parsed; without it, in this thread. */
  readonly parser?: ArticleParser;
  readonly assets: StaticAssetStore;
  /** Pages (content/pages/) and the site's own theme files (content/theme/). */
  readonly pages?: ArticleSourceStore;
  readonly theme?: ThemeSourceStore;
  readonly output: SiteStore;
  readonly index: SiteIndexStore;
  /** Told about every feed the build changed (WebSub). */
  readonly hub?: HubNotifier;
  /** The publish lease (a lock file in the state folder), which the desk commands take too. */
  readonly lease?: PublishLease;
  /** How long to wait for it. */
  readonly leaseWaitMs?: number;
  /** Where the record of published ids goes (content/published-ids.json). */
  readonly publishedIds?: PublishedIdsStore;
  /** Without it the run only publishes the site (a preview): nothing is announced or mailed. */
  readonly announce?: {
    readonly announcements: AnnouncementLedger & WeeklyLedger;
    readonly recipients: RecipientStore;
    readonly mailer: DigestMailer;
    /** Signs unsubscribe links. */
    readonly secret: string;
    /** The operator's hold on a digest in its grace window (`broadsheet hold`). */
    readonly hold?: DigestHoldStore;
  };
}

export interface MailedDigest {
  /** Full text: what was shortened to stay under Gmail's clip (also in the outbox folder's notes.txt). */
  readonly note?: string;
  readonly id: string;
  readonly subject: string;
  readonly articles: readonly string[];
  readonly recipients: number;
  readonly location: string;
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
  /** Went live past `announce_window`: recorded as announced, mailed to no one. */
  readonly late?: readonly ArticleMeta[];
  /** A digest in its grace window (nothing written to the outbox for it yet), or held. */
  readonly pendingDigest?: PendingDigest;
  /** Every digest waiting, held ones first (`broadsheet pending` lists them). */
  readonly pendingDigests?: readonly PendingDigest[];
}

/**
 * Brings published-ids.json up to the live articles, unless an address moved without an alias: that is
 * check's error, and recorded now, the next check would pass and CI never see the move. The record then
 * stays as it was, and the warnings say why. Compared with the file on every build, not only when the live
 * set changed, so a build that left it behind catches up once the article is fixed.
 */
async function recordPublishedIds(
  store: PublishedIdsStore,
  live: readonly ArticleMeta[],
  site: SiteConfig,
): Promise<Problem[]> {
  const recorded = await store.load();
  const ids = publishedIdsOf(live);
  if (JSON.stringify(recorded) === JSON.stringify(ids)) return [];
  const moved = movedIdProblems(recorded, live, live, site).filter((p) => p.severity === 'error');
  if (moved.length === 0) {
    await store.save(ids);
    return [];
  }
  return moved.map((p) => ({
    ...p,
    severity: 'warning',
    reason: `${p.reason}; ${PUBLISHED_IDS_FILE} is left as it was, so check fails until then`,
  }));
}

/**
 * The local job: the one pipeline over every file under content/, strictly (any invalid file stops the run
 * before a write), with the outbox standing in for the digest queue, after the weekly digest if one is due.
 */
export async function buildAndAnnounce(deps: BuildDeps, now: Date): Promise<BuildReport> {
  const { site } = deps;
  const announce = deps.announce;
  const mailed = new Map<string, MailedDigest>();
  // Read only when a digest is due: most builds announce nothing.
  let subscribers: Promise<DeliveryChoice[]> | undefined;
  const recipients = async () => {
    subscribers ??= announce?.recipients.recipients();
    return (await subscribers) ?? [];
  };
  const audience = async (record: DigestRecord) =>
    audienceChoices(await recipients(), audienceOfDigest(record));
  // The whole list as one page, for the weekly and the announce step to know whether a digest reaches anyone.
  const recipientPages: RecipientPages = { page: async () => ({ recipients: await recipients() }) };
  // Digests render with the site's own templates (content/theme/), as the pages do; loaded when one is due.
  let theme: Promise<Theme> | undefined;
  const digestTheme = () => {
    theme ??= loadTheme(site, deps.theme);
    return theme;
  };
  // The weekly step and the publish run under one taking of the publish lease: two builds at once would
  // both find the week's digest due, and a desk command must not come between the two steps. The publish
  // is given no lease of its own: it runs inside this one, which it would otherwise wait for forever.
  const outcome = await underLease(deps.lease, deps, PUBLISH_BUSY, () =>
    weeklyThenPublish(deps, now, { mailed, recipientPages, audience, digestTheme }),
  );
  const idWarnings = deps.publishedIds ? await recordPublishedIds(deps.publishedIds, outcome.live, site) : [];

  const instant = outcome.digest && mailed.get(outcome.digest.id);
  return {
    articles: outcome.articles,
    published: outcome.live.length,
    drafts: outcome.drafts,
    scheduled: outcome.scheduled,
    warnings: [...outcome.problems, ...idWarnings],
    site: outcome.site,
    ...(outcome.hub ? { hub: outcome.hub } : {}),
    ...(instant && outcome.digest ? { digest: { ...instant, silenced: outcome.digest.silenced } } : {}),
    ...(outcome.weekly ? { weekly: outcome.weekly } : {}),
    ...(outcome.late ? { late: outcome.late } : {}),
    ...(outcome.pendingDigest ? { pendingDigest: outcome.pendingDigest } : {}),
    ...(outcome.pendingDigests ? { pendingDigests: outcome.pendingDigests } : {}),
  };
}

/** The weekly digest if one is due, then the publish; the caller holds the publish lease. */
async function weeklyThenPublish(
  deps: BuildDeps,
  now: Date,
  io: {
    /** Where the instant digests the publish mails are reported. */
    readonly mailed: Map<string, MailedDigest>;
    readonly recipientPages: RecipientPages;
    readonly audience: (record: DigestRecord) => Promise<DeliveryChoice[]>;
    readonly digestTheme: () => Promise<Theme>;
  },
): Promise<PublishOutcome & { weekly?: MailedDigest }> {
  const { site, announce } = deps;
  const { mailed, recipientPages, audience, digestTheme } = io;
  let weekly: MailedDigest | undefined;
  if (announce) {
    // Before the publish, so the publish archives it (/newsletter/). An instant digest this build creates
    // is dated now, at or after the week's end, so it is carried next week either way.
    // Nobody chose weekly (the usual local case): no digest, so no empty outbox folder and no issue page.
    await runWeekly(
      {
        site,
        ledger: announce.announcements,
        recipients: recipientPages,
        deliver: async (record) => {
          const to = await audience(record);
          if (to.length > 0) weekly = await mailDigest(announce, site, await digestTheme(), record, to, now);
        },
        live: liveInIndex(deps.index, now.getTime()),
      },
      now,
    );
  }
  const outcome = await publishChanges(
    {
      site,
      content: deps.content,
      ...(deps.parser ? { parser: deps.parser } : {}),
      assets: deps.assets,
      ...(deps.pages ? { pages: deps.pages } : {}),
      ...(deps.theme ? { theme: deps.theme } : {}),
      output: deps.output,
      index: deps.index,
      mode: 'strict',
      ...(deps.hub ? { hub: deps.hub } : {}),
      ...(announce
        ? {
            announce: {
              ledger: announce.announcements,
              issues: announce.announcements,
              recipients: recipientPages,
              ...(announce.hold ? { hold: announce.hold } : {}),
              digests: {
                enqueue: async (id) => {
                  const record = await announce.announcements.digest(id);
                  if (!record) throw new Error(`digest ${id} was not recorded`);
                  mailed.set(
                    id,
                    await mailDigest(
                      announce,
                      site,
                      await digestTheme(),
                      record,
                      await audience(record),
                      now,
                    ),
                  );
                },
              },
            },
          }
        : {}),
    },
    'all',
    now,
  );
  return weekly ? { ...outcome, weekly } : outcome;
}

/**
 * Composes one digest for each address of its audience and hands them to the mailer (the outbox) together.
 */
async function mailDigest(
  announce: NonNullable<BuildDeps['announce']>,
  site: SiteConfig,
  theme: Theme,
  record: DigestRecord,
  recipients: readonly DeliveryChoice[],
  now: Date,
): Promise<MailedDigest> {
  const note = shortenedNote(record.articles, record.shortened);
  const delivery = audienceOfDigest(record).delivery;
  const composed = { ...composeDigest(record, site, delivery, theme), ...(note ? { notes: [note] } : {}) };
  const messages: RawMessage[] = [];
  // Topics: each group of recipients gets the articles it follows, as the sender does in the cloud.
  for (const group of groupByFollowed(record.articles, recipients)) {
    const part = group.articles
      ? composeDigest(followedPart(record, group.articles), site, delivery, theme)
      : composed;
    for (const address of group.addresses)
      messages.push(
        await digestMessageFor(
          part,
          record.createdAtMs,
          site,
          address,
          announce.secret,
          now.getTime(),
          theme,
        ),
      );
  }
  const { location } = await announce.mailer.deliver(composed, messages);
  return {
    id: record.id,
    subject: composed.subject,
    articles: record.articles.map((a: ArticleMeta) => a.url),
    recipients: messages.length,
    location,
    ...(note ? { note } : {}),
  };
}
