// The topics part of the preferences page (site.yaml `topics:`): follow every article, or only some tags.
// The markup is the theme's (subscription/topic-choice.liquid); this reads the form and builds its variables.
import type { SiteConfig } from '../core/site.js';
import type { Theme } from '../core/theme.js';
import { validTopics } from '../core/topics.js';

/** What the form asks for: undefined when the site has no topics or the form has no `follow` field. */
export function topicsField(
  fields: URLSearchParams | undefined,
  site: SiteConfig,
): { readonly topics?: readonly string[] } | undefined {
  if (site.topics.length === 0 || !fields) return undefined;
  const follow = fields.get('follow');
  if (follow === 'all') return {};
  if (follow !== 'topics') return undefined;
  return { topics: validTopics(fields.getAll('topic'), site) };
}

/**
 * What the theme's subscription/topic-choice.liquid shows: whether the subscriber follows every article,
 * and each topic with whether it is chosen. Undefined when the site lists no topics.
 */
export function topicChoices(site: SiteConfig, current: readonly string[] | undefined) {
  if (site.topics.length === 0) return undefined;
  const chosen = new Set(current ?? []);
  return {
    every: current === undefined,
    list: site.topics.map((t) => ({ slug: t.slug, name: t.name, checked: chosen.has(t.slug) })),
  };
}

/** "every article", or the chosen topics by name, for the page's status line, in the site's language. */
export function describeTopics(
  site: SiteConfig,
  theme: Theme,
  topics: readonly string[] | undefined,
): string {
  if (topics === undefined) return theme.t('topics.every_article');
  if (topics.length === 0) return theme.t('topics.none_chosen');
  const names = site.topics.filter((t) => topics.includes(t.slug)).map((t) => t.name);
  return theme.t('topics.on', { topics: names.join(', ') });
}
