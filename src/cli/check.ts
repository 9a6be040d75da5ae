// `check`: everything a build would refuse or warn about, and what the next build would announce; writes
// nothing.
import { FsArticleSource, FsStaticAssets, FsThemeFiles } from '../adapters/fs/article-source.js';
import { FilePublishedIds } from '../adapters/fs/state.js';
import { lateArticlesNote } from '../core/announce-window.js';
import { type Article, prepareToParse } from '../core/article.js';
import { futureUpdateProblems, hasErrors, parseCorpus, publishedAt } from '../core/corpus.js';
import { ContentError, type Problem } from '../core/errors.js';
import { checkPublished } from '../core/published-ids.js';
import type { SiteConfig } from '../core/site.js';
import { staticAssetProblem } from '../core/site-build.js';
import { navPages, parsePage, type SitePage } from '../core/site-page.js';
import { themeFor } from '../core/theme.js';
import { untaggedTopicProblems } from '../core/topics.js';
import { dryBuild } from '../local.js';
import { waitingDigests } from '../pipeline/desk.js';
import { nextAnnouncement } from '../pipeline/next-announcement.js';
import { loadTheme } from '../pipeline/publish.js';
import { rehearseMail } from '../pipeline/send-test.js';
import { localDesk } from './desk.js';
import type { Invocation } from './invocation.js';
import { firstRunNote, printDigest, printWarnings } from './output.js';
import { unreadSources } from './read-content.js';

export async function checkCommand(cli: Invocation): Promise<number> {
  const { site, paths, clock } = cli;
  const source = new FsArticleSource(paths.content);
  const sources = await Promise.all((await source.list()).map((entry) => source.read(entry.path)));
  await prepareToParse(sources);
  const publishedIds = await new FilePublishedIds(paths.content).load();
  // A slug two files share stays with the one published there, as the build keeps it.
  const corpus = parseCorpus(sources, site, (url) => publishedIds?.articles[url]?.source);
  const now = clock();
  const published = publishedAt(corpus.articles, now.getTime());
  const statics = new FsStaticAssets(paths.content);
  const assets = (await statics.list()).map((a) => a.path);
  const staticProblems: Problem[] = [];
  for (const path of assets) {
    const reason = staticAssetProblem(path, (await statics.read(path)).bytes);
    if (reason) staticProblems.push({ file: `static/${path}`, field: 'file', reason, severity: 'error' });
  }
  const sitePages = await readPages(site, paths.content);
  // Articles' text, for the lines of links that lead nowhere, decoded only for a file that has one (a file
  // that is not UTF-8 has its own error).
  const bytesOf = new Map(sources.map((s) => [s.path, s.bytes]));
  const texts = new Map<string, string>();
  const textOf = (file: string) => {
    const bytes = bytesOf.get(file);
    if (bytes !== undefined && !texts.has(file)) texts.set(file, Buffer.from(bytes).toString('utf8'));
    return texts.get(file);
  };
  const failing = new Set(corpus.problems.filter((p) => p.severity === 'error').map((p) => p.file));
  const problems = [
    ...corpus.problems,
    ...(await unreadSources(paths.content)),
    ...staticProblems,
    ...(await themeProblems(site, paths.content)),
    ...sitePages.problems,
    ...untaggedTopicProblems(site.topics, corpus.articles),
    ...futureUpdateProblems(corpus.articles, now.getTime(), textOf),
    // A published article whose file has errors of its own is not "gone": its errors say why it would be.
    ...checkPublished(publishedIds, corpus.articles, published, site, assets, sitePages.pages, textOf).filter(
      (p) => !(p.field === 'file' && p.severity === 'warning' && failing.has(p.file)),
    ),
  ];
  // What only rendering shows, once the rest is right: the site built into nothing, and the mail rendered.
  if (!hasErrors(problems))
    problems.push(...(await renderProblems(site, paths.content, corpus.articles, published, now)));
  // On errors the warnings are printed once, with the errors, where ContentError is reported.
  if (hasErrors(problems)) throw new ContentError(problems);
  printWarnings(problems, { all: true });
  const { plan, late, firstRun, copies } = await nextAnnouncement(
    localDesk(site, paths.state),
    published,
    site,
    now,
  );
  console.log(`${corpus.articles.length} articles are valid; ${published.length} published.`);
  if (late.length > 0) console.log(lateArticlesNote(late, site.announceWindowDays));
  // A digest held or waiting out digest.delay is not sent by the next build: say so, as `pending` does.
  const waiting = await waitingDigests(localDesk(site, paths.state), now.getTime());
  // By file: an article edited in its window to a new address is still the one waiting, and so is the new
  // copy of a renamed one.
  const waitingSources = new Set([
    ...waiting.flatMap((d) => d.articles.map((a) => a.source)),
    ...copies.values(),
  ]);
  for (const digest of waiting) {
    const arrives = digest.articles.some((a) => !a.away || copies.has(a.source));
    printDigest(
      digest,
      !digest.held && arrives && digest.dueAtMs <= now.getTime()
        ? 'Due now, the next build sends the'
        : 'Waiting:',
      cli,
      copies,
    );
  }
  const fresh = (plan?.articles ?? []).filter((a) => !waitingSources.has(a.source));
  const titles = fresh.map((a) => `"${a.title}"`).join(', ');
  // A first run announces at once, as the build does: the grace window is for what comes after.
  if (fresh.length > 0 && site.digest.delayMs > 0 && !firstRun)
    console.log(`The next build starts the digest.delay wait for: ${titles}`);
  else if (fresh.length > 0) console.log(`The next build announces: ${titles}`);
  else if (waiting.length === 0) console.log('The next build announces nothing.');
  if (firstRun && plan && plan.silenced.length > 0)
    console.log(`  ${firstRunNote(plan.silenced.length, 'next')}`);
  return 0;
}

/**
 * What a build would fail on while rendering, found by rendering it all and writing nothing: every page
 * (a template given what it cannot read, a static file where a page goes), every kind of mail, and the
 * subscription pages.
 */
async function renderProblems(
  site: SiteConfig,
  content: string,
  articles: readonly Article[],
  published: readonly Article[],
  now: Date,
): Promise<Problem[]> {
  try {
    await dryBuild(site, content, now, articles);
    const newest = published.reduce<Article | undefined>(
      (a, b) => (a && a.dateMs >= b.dateMs ? a : b),
      undefined,
    );
    const theme = await loadTheme(site, new FsThemeFiles(content));
    await rehearseMail(site, theme, newest, now);
    // Loaded here only: the API's pages are check's concern, not every build's start-up.
    const { rehearseSubscriptionPages } = await import('../api/subscription-api.js');
    rehearseSubscriptionPages(site, theme, 'rehearsal', now);
    // Everything has rendered: every key a template asked for that no locale has.
    return [...theme.unknownKeys].sort().map((key) => ({
      file: 'theme',
      field: 'strings',
      reason: `a template asks for "${key}" (| t), which no locale of the theme defines, so it shows as "${key}"`,
      severity: 'warning' as const,
    }));
  } catch (error) {
    if (error instanceof ContentError) return [...error.problems];
    throw error;
  }
}

/**
 * The pages of content/pages/ that parse; those that do not, and names in site.yaml's nav: without a page,
 * as problems.
 */
async function readPages(
  site: SiteConfig,
  content: string,
): Promise<{ pages: SitePage[]; problems: Problem[] }> {
  const store = new FsArticleSource(content, 'pages');
  const problems: Problem[] = [];
  const pages = [];
  for (const entry of await store.list()) {
    const source = await store.read(entry.path);
    await prepareToParse([source]);
    const result = parsePage(source, site);
    if (result.ok) {
      pages.push(result.page);
      problems.push(...result.warnings);
    } else problems.push(...result.problems);
  }
  return { pages, problems: [...problems, ...navPages(site, pages, problems).problems] };
}

/**
 * Every template of the site's theme (content/theme/ over the one site.yaml names) that does not parse, and
 * what it cannot do for the site (a language it has no words for).
 */
async function themeProblems(site: SiteConfig, content: string): Promise<Problem[]> {
  try {
    return [...themeFor(site, await new FsThemeFiles(content).files()).warnings];
  } catch (error) {
    if (error instanceof ContentError) return [...error.problems];
    throw error;
  }
}
