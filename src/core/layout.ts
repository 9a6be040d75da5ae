// The fixed names of the site's shared files, and what every page needs to link them. Kept apart from the
// renderers so the pages the subscription API shows do not pull in feeds and Markdown.
import { COPY_SCRIPT } from './assets.js';
import type { NavPage, PageContext } from './pages.js';
import { shortHash } from './short-hash.js';
import { type SiteConfig, sitePath } from './site.js';
import { type Theme, themeFor } from './theme.js';

export { shortHash };

export const FEED_FILES = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;

/** The image types the site serves, by file extension: static files, and feeds' cover images. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
};

/** The Subscribe page's copy-button script; the CSP names it (infra/csp.ts). */
export const COPY_SCRIPT_NAME = `copy.${shortHash(COPY_SCRIPT)}.js`;

/** The site's stylesheet under a name that does not change (the subscription API's pages link it). */
export const STABLE_STYLESHEET = 'style.css';

/** What pages render with: the site, its theme (the default unless given) and its fingerprinted stylesheet. */
export function pageContext(
  site: SiteConfig,
  theme: Theme = themeFor(site),
  nav?: readonly NavPage[],
): PageContext {
  return { site, theme, stylesheet: `${sitePath(site)}/${theme.stylesheetName}`, ...(nav ? { nav } : {}) };
}
