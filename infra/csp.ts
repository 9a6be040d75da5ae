import { COPY_SCRIPT_NAME } from '../src/core/layout.js';

/**
 * The site's Content-Security-Policy: no script runs but the two the site ships, the Subscribe page's copy
 * script (by its fingerprinted name) and the feed preview's XSL
 * (Chromium loads an XSLT stylesheet under script-src), named by its full URL. So nothing runs from an
 * article's raw HTML, nor from an SVG or page under static/ opened on its own. Styles come from the site's
 * stylesheet only: no inline style (Chromium ignores style hashes in XSLT output, so the feed preview's
 * inline block cannot be allowed narrowly; the preview shows unstyled). Forms post to the site or the API.
 */
export function contentSecurityPolicy(options: { siteUrl: string; apiUrl: string }): string {
  const site = new URL(options.siteUrl).origin;
  const api = new URL(options.apiUrl).origin;
  const formAction = api === site ? "'self'" : `'self' ${api}`;
  const base = options.siteUrl.replace(/\/+$/, '');
  return [
    "default-src 'self'",
    // src/core/feeds.ts links every RSS and Atom feed to feed.xsl; the Subscribe page loads the copy script.
    `script-src ${base}/feed.xsl ${base}/${COPY_SCRIPT_NAME}`,
    "style-src 'self'",
    "img-src 'self' https: data:",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}
