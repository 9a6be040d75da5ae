// Static files every site gets besides the theme's. Kept as strings so the core needs no file access to build a site.

/** Renders feed.xml and atom.xml as a readable page when opened in a browser, in the site's language. */
export function feedXsl(strings: { language: string; note: string; titleSuffix: string }): string {
  const xml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return FEED_XSL.replace('<html lang="en">', `<html lang="${xml(strings.language)}">`)
    .replace(' (feed)</title>', `${xml(strings.titleSuffix)}</title>`)
    .replace(
      "This is a web feed. Copy this page's address into your feed reader to follow new articles.",
      xml(strings.note),
    );
}

/** The feed preview in English: feedXsl's template. */
export const FEED_XSL = `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
<xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
<xsl:template match="/">
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="rss/channel/title|atom:feed/atom:title"/> (feed)</title>
<style>body{margin:0 auto;max-width:42rem;padding:1rem 1.25rem;font:1.0625rem/1.6 system-ui,sans-serif}.note{background:#fff6d5;padding:.75rem 1rem;border-radius:6px}li{margin:.75rem 0}small{color:#5b5b66}</style>
</head>
<body>
<p class="note">This is a web feed. Copy this page's address into your feed reader to follow new articles.</p>
<h1><xsl:value-of select="rss/channel/title|atom:feed/atom:title"/></h1>
<p><xsl:value-of select="rss/channel/description|atom:feed/atom:subtitle"/></p>
<ul>
<xsl:for-each select="rss/channel/item">
<li><a href="{link}"><xsl:value-of select="title"/></a><br/><small><xsl:value-of select="pubDate"/></small></li>
</xsl:for-each>
<xsl:for-each select="atom:feed/atom:entry">
<li><a href="{atom:link[not(@rel)]/@href}"><xsl:value-of select="atom:title"/></a><br/><small><xsl:value-of select="atom:published"/></small></li>
</xsl:for-each>
</ul>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
`;

/**
 * The one script the site ships: fills in the copy buttons on the Subscribe page (they stay hidden without
 * it; the feed addresses are selectable text either way), in the page's language (`data-copied`). Named by
 * its hash and allowed by name in the CSP.
 */
export const COPY_SCRIPT = `document.querySelectorAll('button[data-copy]').forEach(function (b) {
  var label = b.textContent;
  b.hidden = false;
  b.addEventListener('click', function () {
    navigator.clipboard.writeText(b.getAttribute('data-copy')).then(function () {
      b.textContent = b.getAttribute('data-copied') || label;
      setTimeout(function () { b.textContent = label; }, 2000);
    });
  });
});
`;
