// `broadsheet preview [--watch] [--drafts]`: the site built for loopback and served with the subscription API
// beside it (subscribers in the local state, confirmation email into outbox/), never announcing anything.
// --watch rebuilds on every change under content/ and reloads the open pages; --drafts shows drafts and
// scheduled articles too, each marked as such on its page.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { FsArticleSource, FsThemeFiles } from '../adapters/fs/article-source.js';
import { writeFileAtomicSync } from '../adapters/fs/files.js';
import { emlName } from '../adapters/fs/outbox.js';
import { loadSiteConfig } from '../adapters/fs/site-config.js';
import { FsSiteStore } from '../adapters/fs/site-store.js';
import { FileSubscriberStore, localSecret } from '../adapters/fs/state.js';
import { type ArticleSource, parseArticle, prepareToParse } from '../core/article.js';
import type { RawMessage } from '../core/email.js';
import type { NavPage } from '../core/pages.js';
import type { ArticleSourceStore, AttemptLimiter, MailSender, SourceEntry } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { navPages } from '../core/site-page.js';
import type { Theme } from '../core/theme.js';
import { buildPreview, MemorySiteIndex } from '../local.js';
import type { BuildReport } from '../pipeline/build.js';
import { loadTheme } from '../pipeline/publish.js';
import { type SiteServer, startSiteServer } from './site-server.js';

export interface PreviewOptions {
  readonly content: string;
  /**
   * Where preview sites are written, each in a folder named by its port: two previews of one project (with
   * and without --drafts, say) each serve their own pages, linking to their own port.
   */
  readonly out: string;
  readonly state: string;
  readonly outbox: string;
  /** 0: any free port. */
  readonly port: number;
  readonly watch: boolean;
  readonly drafts: boolean;
  readonly now: () => Date;
  /** Told about every build (and every failed one). */
  readonly onBuild?: (result: { report?: BuildReport; error?: unknown }) => void;
}

export interface Preview {
  readonly url: string;
  /** What the first build did; undefined when it failed (with `watch`, which then waits for a fix). */
  readonly first: BuildReport | undefined;
  /** Builds again now (the watcher calls it on every change). */
  rebuild(): Promise<BuildReport>;
  close(): Promise<void>;
}

/** How often each address and each client may ask to subscribe, as in the cloud; kept in memory here. */
class MemoryAttemptLimiter implements AttemptLimiter {
  private readonly attempts = new Map<string, number[]>();
  async allow(key: string, limit: number, windowMs: number, nowMs: number): Promise<boolean> {
    const recent = (this.attempts.get(key) ?? []).filter((at) => at > nowMs - windowMs);
    const allowed = recent.length < limit;
    if (allowed) recent.push(nowMs);
    this.attempts.set(key, recent);
    return allowed;
  }
}

/** Subscription email (confirmation, welcome) as .eml files in outbox/subscriptions/, newest last by name. */
export class OutboxSubscriptionMailer implements MailSender {
  private sent = 0;
  constructor(private readonly folder: string) {}

  async send(message: RawMessage): Promise<string> {
    mkdirSync(this.folder, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '');
    for (;;) {
      const path = join(this.folder, `${stamp}-${emlName(++this.sent, message.to)}`);
      // The name is claimed first, so no message replaces another: not one of this mailer's (its count goes
      // on), nor one of another preview's writing to the same outbox in the same millisecond.
      try {
        closeSync(openSync(path, 'wx'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      writeFileAtomicSync(path, message.data);
      return path;
    }
  }
}

const DRAFT_NOTE = 'Draft: not published and not announced. Only `preview --drafts` shows it.';
const scheduledNote = (date: string) =>
  `Scheduled for ${date}: not published or announced until then. Only \`preview --drafts\` shows it.`;

/**
 * Articles as `--drafts` shows them: a draft or scheduled article is published in the preview, its title
 * and the top of its page saying which it is. Everything else is passed through unchanged.
 */
export class UnpublishedRevealed implements ArticleSourceStore {
  constructor(
    private readonly inner: ArticleSourceStore,
    private readonly site: SiteConfig,
    private readonly now: () => Date,
  ) {}

  list(): Promise<SourceEntry[]> {
    return this.inner.list();
  }

  async read(path: string): Promise<ArticleSource> {
    const source = await this.inner.read(path);
    await prepareToParse([source]);
    const parsed = parseArticle(source, this.site);
    if (!parsed.ok) return source; // its problems are reported by the build as they are
    const { article } = parsed;
    const scheduled = !article.draft && article.dateMs > this.now().getTime();
    if (!article.draft && !scheduled) return source;
    const text = new TextDecoder().decode(source.bytes);
    const match = /^(?:\uFEFF)?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
    if (!match?.[1]) return source;
    const frontMatter = parseDocument(match[1]);
    frontMatter.set('draft', false);
    frontMatter.set('title', `${article.draft ? 'Draft' : 'Scheduled'}: ${article.title}`);
    // The summary it will have when published, not the words of the note put above its text.
    if (!frontMatter.has('summary')) frontMatter.set('summary', article.summary);
    const note = article.draft ? DRAFT_NOTE : scheduledNote(article.date);
    const body = text.slice(match[0].length);
    const revealed = `---\n${String(frontMatter)}---\n> [!WARNING]\n> ${note}\n\n${body}`;
    return { path, bytes: new TextEncoder().encode(revealed) };
  }
}

/** The latest date among articles, so a preview with drafts is built at a time every one has gone live. */
async function latestDateMs(source: ArticleSourceStore, site: SiteConfig): Promise<number> {
  let latest = 0;
  for (const entry of await source.list()) {
    const file = await source.read(entry.path);
    await prepareToParse([file]);
    const parsed = parseArticle(file, site);
    if (parsed.ok) latest = Math.max(latest, parsed.article.dateMs);
  }
  return latest;
}

/** The folder of the preview served at `url`, in `out`. */
function siteFolder(out: string, url: string): string {
  return join(out, new URL(url).port);
}

export async function startPreview(options: PreviewOptions): Promise<Preview> {
  const configured = await loadSiteConfig(options.content);
  let site = configured;
  const subscribers = new FileSubscriberStore(
    options.state,
    configured.author.email ?? configured.sender.address,
  );
  const secret = await localSecret(options.state);
  // The theme of the last build: the subscription pages and emails use the site's own templates too.
  let theme: Theme | undefined;
  let nav: readonly NavPage[] = [];
  // Why the site could not be built, until the first build that succeeds: every page says so till then.
  let failure: string | undefined;
  // One of each for the preview's life: a limiter per request never limits, and a mailer per request
  // counts its messages from 1 again.
  const limiter = new MemoryAttemptLimiter();
  const mail = new OutboxSubscriptionMailer(join(options.outbox, 'subscriptions'));
  const server: SiteServer = await startSiteServer(
    () => ({
      site,
      subscribers,
      limiter,
      mail,
      secret,
      ...(theme ? { theme } : {}),
      nav,
    }),
    {
      port: options.port,
      siteRoot: (url) => siteFolder(options.out, url),
      liveReload: options.watch,
      buildFailure: () => failure,
    },
  );
  const forLoopback = (config: SiteConfig): SiteConfig => ({
    ...config,
    baseUrl: server.url,
    apiUrl: `${server.url}/api`,
  });
  site = forLoopback(configured);

  // Kept between builds, so a rebuild renders only what changed; dropped when site.yaml changes.
  const index = new MemorySiteIndex();
  // One store for every rebuild: each holds a writer thread, which a store per rebuild would leave behind.
  const output = new FsSiteStore(siteFolder(options.out, server.url));
  const build = async (): Promise<BuildReport> => {
    const plain = new FsArticleSource(options.content);
    const content = options.drafts ? new UnpublishedRevealed(plain, site, options.now) : plain;
    const now = options.drafts
      ? new Date(Math.max(options.now().getTime(), await latestDateMs(plain, site)))
      : options.now();
    const report = await buildPreview(site, options.content, output, now, { content, index });
    theme = await loadTheme(site, new FsThemeFiles(options.content));
    nav = navPages(
      site,
      Object.values((await index.load())?.pages ?? {}).map((p) => p.page),
    ).nav;
    return report;
  };

  // One build at a time; changes during a build make one more build after it.
  let running: Promise<BuildReport> | undefined;
  let again = false;
  const rebuild = async (): Promise<BuildReport> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let report: BuildReport;
        do {
          again = false;
          report = await build();
        } while (again);
        return report;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  let first: BuildReport | undefined;
  try {
    first = await rebuild();
    options.onBuild?.({ report: first });
  } catch (error) {
    if (!options.watch) {
      // Nothing to show and nothing to wait for: free the port and the writer so the command can end.
      await server.close();
      await output.close();
      throw error;
    }
    failure = error instanceof Error ? error.message : String(error);
    options.onBuild?.({ error });
  }

  let watcher: { close(): Promise<void> } | undefined;
  if (options.watch) {
    const { watch } = await import('chokidar');
    const fsWatcher = watch(options.content, { ignoreInitial: true });
    let timer: NodeJS.Timeout | undefined;
    fsWatcher.on('all', (_event, path) => {
      if (path.endsWith('site.yaml')) index.forget();
      clearTimeout(timer);
      // Editors write a file in several steps: build once they are done.
      timer = setTimeout(async () => {
        try {
          if (index.empty) site = forLoopback(await loadSiteConfig(options.content));
          const report = await rebuild();
          failure = undefined;
          server.reload();
          options.onBuild?.({ report });
        } catch (error) {
          // Still nothing built: the pages say the newest reason. Otherwise the last good build stays up.
          if (failure !== undefined) {
            failure = error instanceof Error ? error.message : String(error);
            server.reload();
          }
          options.onBuild?.({ error });
        }
      }, 50);
    });
    await new Promise<void>((resolve) => fsWatcher.once('ready', () => resolve()));
    watcher = fsWatcher;
  }

  return {
    url: server.url,
    first,
    rebuild,
    close: async () => {
      await watcher?.close();
      await server.close();
      await output.close();
    },
  };
}
