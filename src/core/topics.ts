// Topics (`topics:` in site.yaml): a subscriber follows every article, or only articles tagged with the
// topics they chose. A digest goes to each subscriber with the articles they follow, and not at all when
// none is left; the instant and the weekly digest alike.
import type { ArticleMeta } from './article.js';
import type { DeliveryChoice } from './delivery.js';
import type { Problem } from './errors.js';
import { slugify, typoOf } from './text.js';

/** A topic as site.yaml names it and as subscribers store it (the tag's slug). */
export interface Topic {
  readonly name: string;
  readonly slug: string;
}

export function topicsOf(names: readonly string[]): Topic[] {
  return names.map((name) => ({ name, slug: slugify(name) }));
}

/**
 * The articles of a digest this subscriber follows: all of them when they follow everything (no topics
 * chosen), else those with a tag among their topics, in the digest's order.
 */
export function followedArticles<A extends ArticleMeta>(
  articles: readonly A[],
  topics: readonly string[] | undefined,
): A[] {
  if (topics === undefined) return [...articles];
  const chosen = new Set(topics);
  return articles.filter((a) => a.tags.some((t) => chosen.has(t.slug)));
}

/** The topics a subscriber may choose: those site.yaml lists (a stale or forged form field is dropped). */
export function validTopics(
  chosen: readonly string[],
  site: { readonly topics: readonly Topic[] },
): string[] {
  const known = new Set(site.topics.map((t) => t.slug));
  return [...new Set(chosen.filter((slug) => known.has(slug)))].sort();
}

/**
 * Recipients grouped by what they get of a digest: each group's article URLs (`undefined`: all of them),
 * sorted so the same choices always make the same groups. Recipients who follow none are left out.
 */
export function groupByFollowed(
  articles: readonly ArticleMeta[],
  recipients: readonly DeliveryChoice[],
): { readonly articles?: readonly string[]; readonly addresses: string[] }[] {
  const groups = new Map<string, { articles?: string[]; addresses: string[] }>();
  for (const r of recipients) {
    const followed = followedArticles(articles, r.topics);
    if (followed.length === 0) continue;
    const all = followed.length === articles.length;
    const urls = all ? undefined : followed.map((a) => a.url);
    const key = urls ? urls.join('\n') : '*';
    const group = groups.get(key) ?? { ...(urls ? { articles: urls } : {}), addresses: [] };
    group.addresses.push(r.address);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b)))
    .map(([, g]) => ({ ...g, addresses: [...new Set(g.addresses)].sort() }));
}

/**
 * A topic no article is tagged with, as a warning: a reader who chooses it gets nothing. Often a tag
 * misspelt (`Typescript` and `typescript` are one tag; `TS` is another).
 */
export function untaggedTopicProblems(
  topics: readonly Topic[],
  articles: readonly Pick<ArticleMeta, 'tags'>[],
): Problem[] {
  const tagged = new Map(articles.flatMap((a) => a.tags.map((t) => [t.slug, t.name] as const)));
  return topics
    .filter((topic) => !tagged.has(topic.slug))
    .map((topic) => {
      const near = typoOf(topic.slug, tagged.keys());
      return {
        file: 'site.yaml',
        field: 'topics',
        reason: `"${topic.name}" is a tag no article has, so a reader who follows it gets nothing${near ? ` (did you mean the tag "${tagged.get(near)}"?)` : ''}`,
        severity: 'warning' as const,
      };
    });
}
