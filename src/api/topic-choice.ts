// The topics part of the preferences page (site.yaml `topics:`): follow every article, or only some tags.
// Kept apart from the page's other markup so a theme can take it over.
import { html, type SafeHtml } from '../core/html.js';
import type { SiteConfig } from '../core/site.js';
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

/** Radio buttons for everything or chosen topics, and a checkbox per topic (no script needed). */
export function topicChoice(site: SiteConfig, current: readonly string[] | undefined): SafeHtml | '' {
  if (site.topics.length === 0) return '';
  const chosen = new Set(current ?? []);
  const boxes = site.topics.map(
    (t) =>
      html`<label><input type="checkbox" name="topic" value="${t.slug}"${chosen.has(t.slug) ? html` checked` : ''}> ${t.name}</label><br>`,
  );
  return html`<fieldset><legend>Which articles?</legend>
<label><input type="radio" name="follow" value="all"${current === undefined ? html` checked` : ''}> Every article</label><br>
<label><input type="radio" name="follow" value="topics"${current === undefined ? '' : html` checked`}> Only articles on these topics:</label><br>
${boxes}
</fieldset>`;
}

/** "every article", or the chosen topics by name, for the page's status line. */
export function describeTopics(site: SiteConfig, topics: readonly string[] | undefined): string {
  if (site.topics.length === 0 || topics === undefined) return 'every article';
  if (topics.length === 0) return 'no articles (no topic chosen)';
  const names = site.topics.filter((t) => topics.includes(t.slug)).map((t) => t.name);
  return `articles on ${names.join(', ')}`;
}
