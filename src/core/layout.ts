// The fixed names of the site's shared files, and what every page needs to link them. Kept apart from the
// renderers so the pages the subscription API shows do not pull in feeds and Markdown.
import { createHash } from 'node:crypto';
import { COPY_SCRIPT, STYLESHEET } from './assets.js';
import type { PageContext } from './pages.js';
import { type SiteConfig, sitePath } from './site.js';

export const FEED_FILES = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Fingerprinted, so it can be cached for a year and still change with the layout. */
export const STYLESHEET_NAME = `style.${shortHash(STYLESHEET)}.css`;

/** The Subscribe page's copy-button script; the CSP names it (infra/csp.ts). */
export const COPY_SCRIPT_NAME = `copy.${shortHash(COPY_SCRIPT)}.js`;

export function pageContext(site: SiteConfig): PageContext {
  return { site, stylesheet: `${sitePath(site)}/${STYLESHEET_NAME}` };
}
