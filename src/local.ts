// The embedded default: the pipeline wired to folders (content/, dist/, outbox/, .broadsheet/).
// Shared by the CLI and the benchmarks so both measure and run the same thing.
import { FsArticleSource, FsStaticAssets, FsThemeFiles } from './adapters/fs/article-source.js';
import { FileDigestHold } from './adapters/fs/digest-hold.js';
import { OutboxMailer } from './adapters/fs/outbox.js';
import { FilePublishLease } from './adapters/fs/publish-lease.js';
import { FsSiteIndexStore } from './adapters/fs/site-index-store.js';
import { FsSiteStore } from './adapters/fs/site-store.js';
import {
  FileAnnouncementStore,
  FilePublishedIds,
  FileSubscriberStore,
  localSecret,
} from './adapters/fs/state.js';
import { WebSubNotifier } from './adapters/http/websub.js';
import { localParser } from './adapters/threads/parse-pool.js';
import { type Article, parseArticle } from './core/article.js';
import type {
  ArticleParser,
  ArticleSourceStore,
  Fingerprints,
  SiteIndexStore,
  SiteStore,
  StaticAssetStore,
} from './core/ports.js';
import type { SiteConfig } from './core/site.js';
import type { SiteIndex } from './core/site-index.js';
import { type BuildReport, buildAndAnnounce } from './pipeline/build.js';

export const VERSION = '0.2.0';

/**
 * The local publish lease (`.broadsheet/publish.lock`), which a build and the desk commands take: one
 * waits for the other up to ten minutes (a large build takes a while), then stops with a message.
 */
export function localLease(stateDir: string): { lease: FilePublishLease; leaseWaitMs: number } {
  return { lease: new FilePublishLease(stateDir), leaseWaitMs: 10 * 60_000 };
}

export interface LocalPaths {
  readonly content: string;
  readonly out: string;
  readonly outbox: string;
  readonly state: string;
}

/** Builds content/ into dist/ and writes the digest of new articles into outbox/. */
export async function localBuild(site: SiteConfig, paths: LocalPaths, now: Date): Promise<BuildReport> {
  const announcements = new FileAnnouncementStore(paths.state);
  const recipients = new FileSubscriberStore(paths.state, site.author.email ?? site.sender.address);
  // The state the digest needs is read before anything is written: a damaged file stops the build with the
  // site as it was, not after the site went live without its email.
  await recipients.exists();
  await announcements.unannounced([]);
  const parser = localParser();
  const output = new FsSiteStore(paths.out);
  try {
    return await buildAndAnnounce(
      {
        site,
        content: new FsArticleSource(paths.content),
        ...(parser ? { parser } : {}),
        assets: new FsStaticAssets(paths.content),
        pages: new FsArticleSource(paths.content, 'pages'),
        theme: new FsThemeFiles(paths.content),
        output,
        index: new FsSiteIndexStore(paths.state),
        ...localLease(paths.state),
        ...(site.websubHub ? { hub: new WebSubNotifier(site.websubHub) } : {}),
        publishedIds: new FilePublishedIds(paths.content),
        announce: {
          announcements,
          recipients,
          mailer: new OutboxMailer(paths.outbox, site),
          secret: await localSecret(paths.state),
          hold: new FileDigestHold(paths.state),
        },
      },
      now,
    );
  } finally {
    await output.close();
  }
}

/** A site index held in memory: a preview's, kept between its rebuilds; `forget` makes the next one full. */
export class MemorySiteIndex implements SiteIndexStore {
  private index: SiteIndex | undefined;
  async load(): Promise<SiteIndex | undefined> {
    return this.index;
  }
  async save(index: SiteIndex): Promise<void> {
    this.index = index;
  }
  forget(): void {
    this.index = undefined;
  }
  get empty(): boolean {
    return this.index === undefined;
  }
}

/** Builds a copy of the site for local viewing into `output`: no announcements, no email. */
export function buildPreview(
  site: SiteConfig,
  contentDir: string,
  output: SiteStore,
  now: Date,
  {
    content = new FsArticleSource(contentDir),
    index = new MemorySiteIndex(),
    parser,
    assets = new FsStaticAssets(contentDir),
  }: PreviewSources = {},
): Promise<BuildReport> {
  return buildAndAnnounce(
    {
      site,
      content,
      ...(parser ? { parser } : {}),
      assets,
      pages: new FsArticleSource(contentDir, 'pages'),
      theme: new FsThemeFiles(contentDir),
      output,
      index,
    },
    now,
  );
}

export interface PreviewSources {
  /** The articles (default: contentDir/posts; preview --drafts shows the unpublished too). */
  readonly content?: ArticleSourceStore;
  readonly index?: SiteIndexStore;
  readonly parser?: ArticleParser;
  readonly assets?: StaticAssetStore;
}

/** A site store that keeps nothing: every file is rendered as a build renders it, and dropped. */
class DiscardingSiteStore implements SiteStore {
  readonly writesInFlight = 64;
  async fingerprints(): Promise<Fingerprints> {
    return new Map();
  }
  async put(): Promise<void> {}
  async delete(): Promise<void> {}
  async saveFingerprints(): Promise<void> {}
}

/**
 * The whole site built and rendered as `build` would, written nowhere: `check` finds what only rendering
 * shows (a template given what it cannot read, a static file where a page goes). Throws ContentError.
 */
export function dryBuild(
  site: SiteConfig,
  contentDir: string,
  now: Date,
  /** Articles the caller parsed already (check has): the same bytes are not parsed again. */
  parsed: readonly Article[] = [],
): Promise<BuildReport> {
  const bySource = new Map(parsed.map((a) => [a.source, a]));
  const parser: ArticleParser = {
    parse: async (source, config, hash) => {
      const article = bySource.get(source.path);
      return article?.hash === hash
        ? { ok: true, article, warnings: [] }
        : parseArticle(source, config, hash);
    },
  };
  // Static files are checked by name and bytes before (check reads each once); here only their paths
  // matter (a file at a page's address), so none is read again.
  const statics = new FsStaticAssets(contentDir);
  const assets: StaticAssetStore = {
    list: () => statics.list(),
    read: async (path) => ({ path, bytes: new Uint8Array() }),
  };
  return buildPreview(site, contentDir, new DiscardingSiteStore(), now, { parser, assets });
}

/** Builds a copy of the site for local viewing into `out`, once. */
export async function previewBuild(
  site: SiteConfig,
  contentDir: string,
  out: string,
  now: Date,
): Promise<BuildReport> {
  const output = new FsSiteStore(out);
  try {
    return await buildPreview(site, contentDir, output, now);
  } finally {
    await output.close();
  }
}
