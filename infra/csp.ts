/**
 * The site's Content-Security-Policy: no script runs but the one the site ships, the feed preview's XSL
 * (Chromium loads an XSLT stylesheet under script-src), named by its full URL. So nothing runs from an
 * article's raw HTML, nor from an SVG or page under static/ opened on its own. Styles come from the site's
 * stylesheet only: no inline style (Chromium ignores style hashes in XSLT output, so the feed preview's
 * inline block cannot be allowed narrowly; the preview shows unstyled). Forms post to the site or the API.
 */
export function contentSecurityPolicy(options: { siteUrl: string; apiUrl: string }): string {
  const site = new URL(options.siteUrl).origin;
  const api = new URL(options.apiUrl).origin;
  const formAction = api === site ? "'self'" : `'self' ${api}`;
  return [
    "default-src 'self'",
    // src/core/feeds.ts links every RSS and Atom feed to this one file.
    `script-src ${options.siteUrl.replace(/\/+$/, '')}/feed.xsl`,
    "style-src 'self'",
    "img-src 'self' https: data:",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}
