import { aliasProblems } from './aliases.js';
import {
  type Article,
  type ArticleMeta,
  type ArticleSource,
  type ParseResult,
  parseArticle,
  type SourceTags,
} from './article.js';
import type { Problem } from './errors.js';
import { byNewest } from './order.js';
import type { SiteConfig } from './site.js';
import { sameTagName } from './text.js';

export interface Corpus {
  /** Every valid article, drafts and scheduled ones included. */
  readonly articles: readonly Article[];
  /** Errors and warnings across all files; any error means the corpus must not be published. */
  readonly problems: readonly Problem[];
}

/** Parses every source and checks what no single file can: unique slugs. */
export function parseCorpus(
  sources: readonly ArticleSource[],
  site: SiteConfig,
  /** Which file was published at an address (published-ids.json): it keeps a slug another one takes. */
  heldBy?: (url: string) => string | undefined,
): Corpus {
  return collectCorpus(
    sources.map((source) => parseArticle(source, site)),
    heldBy,
  );
}

/** Gathers per-file results (parsed here, in workers, or from a cache) and checks unique slugs. */
export function collectCorpus(
  results: readonly ParseResult[],
  heldBy?: (url: string) => string | undefined,
): Corpus {
  const articles: Article[] = [];
  const problems: Problem[] = [];
  // Tags of files that failed after reading them still clash with others': every problem in one run.
  const failedTags: SourceTags[] = [];
  for (const result of results) {
    if (result.ok) {
      articles.push(result.article);
      problems.push(...result.warnings);
    } else {
      problems.push(...result.problems);
      if (result.tagged) failedTags.push(result.tagged);
    }
  }
  problems.push(
    ...duplicateSlugProblems(articles, heldBy),
    ...aliasProblems(articles),
    ...tagClashProblems([...articles, ...failedTags]),
  );
  return { articles, problems };
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/**
 * The one slug rule, for `check` and for every publish: two articles may not share an address. The one
 * that already had it keeps it (`heldBy`: published there, by file), else the oldest (by date, then file
 * name); each other one is the error.
 */
export function duplicateSlugProblems(
  articles: readonly ArticleMeta[],
  heldBy: (url: string) => string | undefined = () => undefined,
): Problem[] {
  const bySlug = new Map<string, ArticleMeta[]>();
  for (const article of articles) bySlug.set(article.slug, [...(bySlug.get(article.slug) ?? []), article]);
  return [...bySlug.values()]
    .filter((group) => group.length > 1)
    .flatMap((group) => {
      const oldestFirst = [...group].sort(
        (a, b) => a.dateMs - b.dateMs || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0),
      );
      const held = heldBy((group[0] as ArticleMeta).url);
      const holder = oldestFirst.find((a) => a.source === held) ?? (oldestFirst[0] as ArticleMeta);
      return oldestFirst
        .filter((article) => article !== holder)
        .map((article) => ({
          file: article.source,
          field: 'slug',
          reason: `"${article.slug}" is already used by ${holder.source}${lookAlike(article.source, holder.source)}; slugs must be unique`,
          severity: 'error' as const,
        }));
    });
}

/** Two file names that print alike, told apart: the same letters, their accents encoded another way. */
function lookAlike(a: string, b: string): string {
  if (a === b || a.normalize('NFC') !== b.normalize('NFC')) return '';
  return ' (a file whose name differs only in how its accents are encoded, composed or decomposed: keep one)';
}

/**
 * The one tag rule across articles: names that would share a tag's address (`C++`, `C#` and `c` all make
 * /tags/c/) are an error naming both, never a silent merge. Names differing only in case are one tag. The
 * first name met (in file order) keeps the address; each article using another is told which.
 */
export function tagClashProblems(articles: readonly SourceTags[]): Problem[] {
  const first = new Map<string, { name: string; source: string }>();
  const sorted = [...articles].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const problems: Problem[] = [];
  for (const article of sorted) {
    for (const tag of article.tags) {
      const holder = first.get(tag.slug);
      if (!holder) first.set(tag.slug, { name: tag.name, source: article.source });
      else if (!sameTagName(holder.name, tag.name))
        problems.push({
          file: article.source,
          field: 'tags',
          reason: `"${tag.name}" would share the address /tags/${tag.slug}/ with "${holder.name}" (${holder.source}); rename one`,
          severity: 'error',
        });
    }
  }
  return problems;
}

/** What readers see at `now`: not drafts, not scheduled for later. Newest first. */
export function publishedAt(articles: readonly Article[], nowMs: number): Article[] {
  return articles.filter((a) => !a.draft && a.dateMs <= nowMs).sort(byNewest);
}

/**
 * Published articles whose `updated` has not come yet: the feeds would say the site changed then (their
 * lastBuildDate and <updated> too), and readers that sort by it would keep it on top until that day.
 */
export function futureUpdateProblems(
  articles: readonly Pick<Article, 'source' | 'draft' | 'dateMs' | 'updated' | 'updatedMs'>[],
  nowMs: number,
  /** A file's text, where the caller has it: the warning is then given the field's line. */
  textOf: (file: string) => string | undefined = () => undefined,
): Problem[] {
  return articles
    .filter((a) => !a.draft && a.dateMs <= nowMs && a.updatedMs !== undefined && a.updatedMs > nowMs)
    .map((a) => {
      const line = fieldLineIn(textOf(a.source), 'updated');
      return {
        file: a.source,
        field: 'updated',
        reason: `is ${a.updated}, which has not come yet: the feeds would give that date as the article's last change (use the time it changed)`,
        severity: 'warning' as const,
        ...(line === undefined ? {} : { line }),
      };
    });
}

/** The 1-based line where front matter `text` gives `field` at the start of a line, if it does. */
function fieldLineIn(text: string | undefined, field: string): number | undefined {
  const at = text === undefined ? -1 : text.search(new RegExp(`^${field}[ \\t]*:`, 'm'));
  return at < 0 ? undefined : (text as string).slice(0, at).split('\n').length;
}

/** The time an article last changed, as feeds and the sitemap report it (dates before 1970 are negative). */
export function lastChangedMs(article: Pick<Article, 'dateMs' | 'updatedMs'>): number {
  return article.updatedMs === undefined ? article.dateMs : Math.max(article.dateMs, article.updatedMs);
}
