// What a publish is given and what it reports (src/pipeline/publish.ts), apart so that the steps of a
// publish can name them without importing the publish itself.
import type { ArticleMeta } from '../core/article.js';
import type { Problem } from '../core/errors.js';
import type {
  AnnouncementLedger,
  ArticleParser,
  ArticleSourceStore,
  DigestHoldStore,
  DigestQueue,
  HubNotifier,
  IssueSource,
  PublishedThemeStore,
  PublishLease,
  PublishScheduler,
  RecipientPages,
  SiteIndexStore,
  SiteStore,
  StaticAssetStore,
  ThemeSourceStore,
} from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import type { IndexedArticle } from '../core/site-index.js';
import type { Announcement } from './announce.js';
import type { PublishReport } from './publish-site.js';

export interface PublishDeps {
  readonly site: SiteConfig;
  readonly content: ArticleSourceStore;
  readonly assets: StaticAssetStore;
  /** Pages (content/pages/*.md); without it, a site has none. */
  readonly pages?: ArticleSourceStore;
  /** The site's own theme files (content/theme/); without it, the theme site.yaml names as bundled. */
  readonly theme?: ThemeSourceStore;
  /**
   * Where the theme goes for the functions that render mail and the subscription pages (the cloud); the
   * local edition renders those with the theme it loads itself.
   */
  readonly publishedTheme?: PublishedThemeStore;
  readonly output: SiteStore;
  readonly index: SiteIndexStore;
  /**
   * 'strict' (the local build): any problem in any file stops the run before anything is written.
   * 'lenient' (the cloud): a rejected file keeps its last good version online and the rest is published.
   */
  readonly mode: 'strict' | 'lenient';
  /** Where sources are parsed; without it, in this thread. */
  readonly parser?: ArticleParser;
  /** Without it nothing is announced (a preview). */
  readonly announce?: {
    readonly ledger: AnnouncementLedger;
    readonly digests: DigestQueue;
    /** The operator's hold on a digest in its grace window; without it nothing is ever held. */
    readonly hold?: DigestHoldStore;
    /**
     * Confirmed subscribers, a page at a time: an instant digest nobody receives (everyone chose weekly,
     * no topic matches, nobody confirmed) is recorded as such and gets no archive page.
     */
    readonly recipients: RecipientPages;
    /**
     * Where the weekly digests that went out are read for the public archive; without it the archive
     * lists the instant digests only.
     */
    readonly issues?: IssueSource;
  };
  /**
   * Serializes publishes where events arrive concurrently (the cloud), and a publish with the operator's
   * desk commands (both editions): a hold written while a publish runs would come too late for it.
   */
  readonly lease?: PublishLease;
  /** How long to wait for another publish to finish before giving up (the batch is retried). */
  readonly leaseWaitMs?: number;
  /** How long a lease lasts if its holder dies (at least the publish function's timeout). */
  readonly leaseTtlMs?: number;
  /** Asked to run a publish when the next scheduled article is due, so it goes live on time. */
  readonly scheduler?: PublishScheduler;
  /** Told about every feed a publish changed (WebSub); never blocks publishing. */
  readonly hub?: HubNotifier;
}

/** Content-relative paths that changed ('posts/a.md', 'static/images/a.svg'), or 'all' to compare everything. */
export type SourceChanges = 'all' | readonly string[];

export interface PublishOutcome {
  /** Article sources whose new version is online now (created, edited, or come due). */
  readonly published: string[];
  /** Taken off the site: deleted, or now a draft or dated in the future. */
  readonly removed: string[];
  /** Looked at and found unchanged (a repeated event, a touched file). */
  readonly unchanged: string[];
  /** Errors (files rejected: their last good version stays) and warnings. */
  readonly problems: readonly Problem[];
  readonly site: PublishReport;
  readonly digest?: Announcement;
  /** Went live past `announce_window`: recorded as announced without mail. */
  readonly late?: readonly ArticleMeta[];
  readonly articles: number;
  /** What readers see now, newest first. */
  readonly live: readonly IndexedArticle[];
  readonly drafts: number;
  readonly scheduled: number;
  readonly hub?: { readonly notified: number; readonly failed: number };
  /** A digest waiting out its grace window (`digest.delay`), else one held by the operator. */
  readonly pendingDigest?: PendingDigest;
  /** Every digest waiting: those the operator holds, then the one waiting out its window. */
  readonly pendingDigests?: readonly PendingDigest[];
}

export interface PendingDigest {
  /** What `broadsheet hold`, `release` and `cancel` name it by. */
  readonly id: string;
  /** Permalinks of the articles it will carry, as they are now. */
  readonly articles: readonly string[];
  /** When its window closes (it goes then, unless held). */
  readonly dueAtMs: number;
  readonly held: boolean;
}
