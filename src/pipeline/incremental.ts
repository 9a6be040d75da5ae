import { randomUUID } from 'node:crypto';
import { type Article, parseArticle, prepareToParse, type Tag } from '../core/article.js';
import { digestRecordOf, planDigest } from '../core/digest.js';
import { NotFoundError, type Problem, PublishBusyError } from '../core/errors.js';
import { feedUrlsAmong } from '../core/feeds.js';
import { byNewest } from '../core/order.js';
import type {
  AnnouncementLedger,
  ArticleSourceStore,
  DigestQueue,
  HubNotifier,
  PublishLock,
  PublishScheduler,
  SiteStore,
  StateStore,
} from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { type SiteFile, SiteFiles } from '../core/site-build.js';
import {
  adjust,
  emptyIndex,
  type Listed,
  missingBodies,
  recordOf,
  type SiteIndex,
  type SourceRecord,
  totalPublished,
  withEntry,
  withoutEntry,
  yearOf,
} from '../core/site-index.js';
import { weekStartAt } from '../core/weekly-schedule.js';
import { publishSite } from './publish-site.js';

export interface IncrementalDeps {
  readonly site: SiteConfig;
  readonly content: ArticleSourceStore;
  readonly output: SiteStore;
  readonly state: StateStore;
  readonly lock: PublishLock;
  readonly ledger: AnnouncementLedger;
  readonly digests: DigestQueue;
  /** Asked to run a publish when the next scheduled article is due, so it goes live on time. */
  readonly scheduler?: PublishScheduler;
  /** Told about every feed a publish changed (WebSub); never blocks publishing. */
  readonly hub?: HubNotifier;
  /** How long to wait for another publish to finish before giving up (the batch is retried). */
  readonly lockWaitMs?: number;
}

export interface PublishOutcome {
  readonly published: string[];
  /** Taken off the site: deleted, or now a draft or dated in the future. */
  readonly removed: string[];
  readonly unchanged: string[];
  readonly problems: readonly Problem[];
  readonly written: string[];
  readonly digest?: { readonly id: string; readonly articles: readonly string[]; readonly created: boolean };
}

const LOCK_TTL_MS = 5 * 60_000;
const KEYS = {
  index: 'index.json',
  year: (year: string) => `lists/year-${year}.json`,
  tag: (slug: string) => `lists/tag-${slug}.json`,
  source: (path: string) => `sources/${path}.json`,
  article: (slug: string) => `articles/${slug}.json`,
};

/** Loads state documents once, tracks what changed, and writes it all back at the end. */
class Session {
  private readonly docs = new Map<string, unknown>();
  private readonly dirty = new Set<string>();
  private readonly deleted = new Set<string>();

  constructor(private readonly store: StateStore) {}

  async get<T>(key: string): Promise<T | undefined> {
    if (!this.docs.has(key)) this.docs.set(key, await this.store.get(key));
    return this.docs.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.docs.set(key, value);
    this.dirty.add(key);
    this.deleted.delete(key);
  }

  remove(key: string): void {
    this.docs.set(key, undefined);
    this.dirty.delete(key);
    this.deleted.add(key);
  }

  /** Writes every changed document; the index goes last, so a crash before it is redone in full. */
  async save(): Promise<void> {
    const keys = [...this.dirty].sort((a, b) => Number(a === KEYS.index) - Number(b === KEYS.index));
    for (const key of keys) await this.store.put(key, this.docs.get(key));
    for (const key of this.deleted) await this.store.delete(key);
  }
}

/**
 * Applies changed source files (created, edited or deleted, in any order, any number of times) to the
 * published site. Reads each changed article, the index and the lists it appears in, and writes its page,
 * those lists' pages and the feeds: the cost follows the article's tags, not the size of the corpus.
 */
export async function publishChanges(
  deps: IncrementalDeps,
  changedPaths: readonly string[],
  now: Date,
): Promise<PublishOutcome> {
  const owner = randomUUID();
  const deadline = Date.now() + (deps.lockWaitMs ?? 30_000);
  while (!(await deps.lock.acquire(owner, Date.now(), LOCK_TTL_MS))) {
    if (Date.now() > deadline) throw new PublishBusyError('another publish is running; try again later');
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  try {
    return await publishLocked(deps, changedPaths, now);
  } finally {
    await deps.lock.release(owner);
  }
}

async function publishLocked(deps: IncrementalDeps, changedPaths: readonly string[], now: Date) {
  const { site } = deps;
  const nowMs = now.getTime();
  const bodies = site.feedItems;
  const keepNewest = Math.max(site.feedItems, site.homeItems) + 10;
  const session = new Session(deps.state);
  const stored = await session.get<SiteIndex>(KEYS.index);
  const firstRun = stored === undefined;
  const index: SiteIndex = stored ?? emptyIndex();

  const touchedYears = new Set<string>();
  const touchedTags = new Map<string, Tag>();
  const pages: SiteFile[] = [];
  let deletePaths: string[] = [];
  const problems: Problem[] = [];
  const published: Article[] = [];
  const outcome = { published: [] as string[], removed: [] as string[], unchanged: [] as string[] };
  const files = new SiteFiles(site);

  const yearList = async (year: string) => (await session.get<Listed[]>(KEYS.year(year))) ?? [];
  const tagList = async (slug: string) => (await session.get<Listed[]>(KEYS.tag(slug))) ?? [];

  /** Takes an article off every list it was on. */
  const unlist = async (old: SourceRecord) => {
    index.scheduled = index.scheduled.filter((s) => s.path !== old.path);
    if (!old.published) return;
    index.newest = withoutEntry(index.newest, old.url, bodies);
    session.set(KEYS.year(old.year), withoutEntry(await yearList(old.year), old.url, 0));
    adjust(index.years, old.year, -1);
    touchedYears.add(old.year);
    for (const tag of old.tags) {
      session.set(KEYS.tag(tag.slug), withoutEntry(await tagList(tag.slug), old.url, bodies));
      const count = (index.tags[tag.slug]?.count ?? 1) - 1;
      if (count > 0) index.tags[tag.slug] = { name: index.tags[tag.slug]?.name ?? tag.name, count };
      else delete index.tags[tag.slug];
      touchedTags.set(tag.slug, tag);
    }
  };

  const due = index.scheduled.filter((s) => s.dateMs <= nowMs).map((s) => s.path);
  for (const path of [...new Set([...changedPaths, ...due])].sort()) {
    const old = await session.get<SourceRecord>(KEYS.source(path));
    const source = await deps.content.read(path).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (!source) {
      if (!old) continue; // deleted before we ever saw it, or a duplicate delete event
      await unlist(old);
      if (old.published) deletePaths.push(files.articlePath(old.slug));
      deletePaths.push(...(old.aliases ?? []).map((alias) => files.redirectPath(alias)));
      session.remove(KEYS.article(old.slug));
      session.remove(KEYS.source(path));
      outcome.removed.push(path);
      continue;
    }
    await prepareToParse([source]);
    const parsed = parseArticle(source, site);
    if (!parsed.ok) {
      problems.push(...parsed.problems); // the last good version stays online
      continue;
    }
    const article = parsed.article;
    const live = !article.draft && article.dateMs <= nowMs;
    if (old && old.hash === article.hash && old.published === live && old.version === source.version) {
      outcome.unchanged.push(path); // a repeated event
      continue;
    }
    const holder = await session.get<{ article: Article }>(KEYS.article(article.slug));
    if (holder && holder.article.source !== path) {
      problems.push({
        file: path,
        field: 'slug',
        reason: `"${article.slug}" is already used by ${holder.article.source}; slugs must be unique`,
        severity: 'error',
      });
      continue;
    }
    if (old) await unlist(old);
    if (old?.published && (old.slug !== article.slug || !live)) deletePaths.push(files.articlePath(old.slug));
    // Redirects for old addresses the article no longer declares (or all of them, if it left the site).
    const keptAliases = new Set(live ? (article.aliases ?? []) : []);
    for (const alias of old?.aliases ?? [])
      if (!keptAliases.has(alias)) deletePaths.push(files.redirectPath(alias));
    if (old && old.slug !== article.slug) session.remove(KEYS.article(old.slug));
    session.set(KEYS.source(path), recordOf(article, live, source.version));
    if (!live) {
      session.set(KEYS.article(article.slug), { article });
      if (!article.draft) index.scheduled.push({ path, dateMs: article.dateMs });
      if (old?.published) outcome.removed.push(path); // withdrawn: now a draft, or re-dated to the future
      continue;
    }
    session.set(KEYS.article(article.slug), { article });
    const year = yearOf(article);
    index.newest = withEntry(index.newest, article, bodies).slice(0, keepNewest);
    session.set(KEYS.year(year), withEntry(await yearList(year), article, 0));
    adjust(index.years, year, 1);
    touchedYears.add(year);
    for (const tag of article.tags) {
      session.set(KEYS.tag(tag.slug), withEntry(await tagList(tag.slug), article, bodies));
      index.tags[tag.slug] = { name: tag.name, count: (index.tags[tag.slug]?.count ?? 0) + 1 };
      touchedTags.set(tag.slug, tag);
    }
    pages.push(files.article(article), ...files.redirects(article));
    published.push(article);
    outcome.published.push(path);
  }

  const changed =
    outcome.published.length + outcome.removed.length > 0 || (firstRun && problems.length === 0);
  if (!changed) {
    if (due.length > 0) session.set(KEYS.index, index);
    await session.save();
    return { ...outcome, problems, written: [] };
  }

  // Removals can leave the newest list short: refill it from the newest years.
  if (index.newest.length < keepNewest && totalPublished(index) > index.newest.length) {
    const byYear = Object.keys(index.years).sort().reverse();
    const merged: Listed[] = [];
    for (const year of byYear) {
      merged.push(...(await yearList(year)));
      if (merged.length >= keepNewest) break;
    }
    const known = new Set(index.newest.map((e) => e.url));
    const refilled = [...index.newest, ...merged.filter((e) => !known.has(e.url))].sort(byNewest);
    index.newest = withoutEntry(refilled, '', bodies).slice(0, keepNewest);
  }

  // Entries that moved into a feed need their bodies back.
  const withBodies = async (list: Listed[]): Promise<Article[]> => {
    for (const slug of missingBodies(list, bodies)) {
      const doc = await session.get<{ article: Article }>(KEYS.article(slug));
      const entry = list.find((e) => e.slug === slug);
      if (doc && entry) entry.html = doc.article.html;
    }
    return list.slice(0, bodies).filter((e): e is Article => e.html !== undefined);
  };

  const lists: SiteFile[] = [];
  lists.push(files.home(index.newest, totalPublished(index)));
  lists.push(
    files.archiveIndex(
      Object.entries(index.years)
        .sort(([a], [b]) => b.localeCompare(a))
        .map(([year, count]) => ({ year, count })),
    ),
  );
  for (const year of touchedYears) {
    const list = await yearList(year);
    if (list.length > 0) lists.push(files.archiveYear(year, list));
    else deletePaths.push(`archive/${year}/index.html`);
  }
  lists.push(
    files.tagsIndex(
      Object.entries(index.tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([slug, { name, count }]) => ({ tag: { slug, name }, count })),
    ),
  );
  const feeds: SiteFile[] = [];
  for (const [slug, tag] of touchedTags) {
    const list = await tagList(slug);
    if (list.length === 0) {
      deletePaths.push(
        `tags/${slug}/index.html`,
        `tags/${slug}/feed.xml`,
        `tags/${slug}/atom.xml`,
        `tags/${slug}/feed.json`,
      );
      session.remove(KEYS.tag(slug));
      continue;
    }
    const current = { slug, name: index.tags[slug]?.name ?? tag.name };
    lists.push(files.tagPage(current, list));
    feeds.push(...files.feeds(await withBodies(list), current));
    session.set(KEYS.tag(slug), list);
  }
  feeds.push(...files.feeds(await withBodies(index.newest)));
  const assets = firstRun ? files.assets() : [];

  // Outputs first (pages, then feeds), announcements next, state last: a crash leaves work to redo.
  const shared = [...lists, ...feeds];
  const known = index.written ?? {};
  // Only the planned files' keys: untouched pages and feeds are not "removed", they just were not planned.
  const skipUnchanged: SiteStore = {
    fingerprints: async () =>
      new Map(
        shared.flatMap((f) => (known[f.path] === undefined ? [] : [[f.path, known[f.path] as string]])),
      ),
    put: (file) => deps.output.put(file),
    delete: async () => {},
    saveFingerprints: async () => {},
  };
  // Article pages are always written (they changed); list pages and feeds only when their key did.
  const report = await publishSite([...assets, ...pages], deps.output);
  const sharedReport = await publishSite(shared, skipUnchanged);
  report.written.push(...sharedReport.written);
  // A path freed and taken again in the same run (a slug or alias reused) keeps its new page.
  const planned = new Set([...pages, ...shared].map((f) => f.path));
  deletePaths = deletePaths.filter((path) => !planned.has(path));
  for (const path of deletePaths) await deps.output.delete(path);
  index.written = { ...index.written };
  for (const file of shared) if (file.key !== undefined) index.written[file.path] = `key:${file.key}`;
  for (const path of deletePaths) delete index.written[path];

  const digest = await announce(deps, published, firstRun, nowMs);
  await wakeForNext(deps.scheduler, index);
  session.set(KEYS.index, index);
  await session.save();
  const changedFeeds = feedUrlsAmong(site, report.written);
  if (deps.hub && changedFeeds.length > 0) await deps.hub.notify(changedFeeds);
  return { ...outcome, problems, written: report.written, ...(digest ? { digest } : {}) };
}

/** Keeps one wake-up set for the earliest scheduled article, asking the scheduler only when it moves. */
async function wakeForNext(scheduler: PublishScheduler | undefined, index: SiteIndex): Promise<void> {
  if (!scheduler) return;
  const next = index.scheduled.length > 0 ? Math.min(...index.scheduled.map((s) => s.dateMs)) : undefined;
  if (next === index.wakeAtMs) return;
  await scheduler.scheduleNext(next === undefined ? undefined : new Date(next));
  if (next === undefined) delete index.wakeAtMs;
  else index.wakeAtMs = next;
}

/** Plans one digest for the newly published articles that no digest has announced yet. */
async function announce(
  deps: IncrementalDeps,
  published: readonly Article[],
  firstRun: boolean,
  nowMs: number,
) {
  if (published.length === 0) return undefined;
  const ids = published.flatMap((a) => [a.url, ...(a.aliases ?? [])]);
  const fresh = new Set(await deps.ledger.unannounced(ids));
  // A moved article (with `aliases`) was announced under its old address.
  const candidates = published
    .filter((a) => [a.url, ...(a.aliases ?? [])].every((url) => fresh.has(url)))
    .sort((a, b) => b.dateMs - a.dateMs);
  const plan = planDigest(candidates, firstRun ? undefined : new Set());
  if (!plan) return undefined;
  const record = digestRecordOf(plan, nowMs, {
    delivery: 'instant',
    weekStartMs: weekStartAt(deps.site, nowMs),
  });
  const created = await deps.ledger.createDigest(record);
  await deps.ledger.markAnnounced(
    [...plan.articles, ...plan.silenced].map((a) => a.url),
    plan.id,
  );
  // Enqueued even when the digest already existed: a crash may have come between creating and enqueuing,
  // and the sender's ledger makes a second fan-out harmless.
  await deps.digests.enqueue(plan.id);
  return { id: plan.id, articles: plan.articles.map((a) => a.url), created };
}
