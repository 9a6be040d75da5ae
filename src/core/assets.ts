// Static files every site gets. Kept as strings so the core needs no file access to build a site.

export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5b5b66;--bg:#fdfdfb;--accent:#0b57d0;--rule:#d9d9de;--code:#f2f2f0}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--muted:#a4a4ae;--bg:#151518;--accent:#8ab4f8;--rule:#33333a;--code:#222227}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:42rem;padding:1rem 1.25rem 3rem;font:1.0625rem/1.65 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.site-header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;justify-content:space-between;border-bottom:1px solid var(--rule);padding-bottom:.75rem;margin-bottom:1.5rem}
.site-title{font-weight:700;font-size:1.25rem;text-decoration:none;color:var(--fg)}
nav a{margin-right:1rem}nav a:last-child{margin-right:0}
h1,h2,h3{line-height:1.25}
.articles{list-style:none;padding:0}
.articles h2{margin:1.5rem 0 .25rem;font-size:1.3rem}
.meta,.count,.feeds{color:var(--muted);font-size:.9rem;margin:.25rem 0}
.tags{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
.tags a{font-size:.85rem;padding:.1rem .5rem;border:1px solid var(--rule);border-radius:1rem;text-decoration:none}
.archive{list-style:none;padding:0}.archive time{color:var(--muted);font-size:.9rem;margin-right:.5rem}
img{max-width:100%;height:auto}
.feed-list{list-style:none;padding:0}.feed-list li{margin:.75rem 0}.feed-list input{width:100%;max-width:28rem;font:inherit;padding:.3rem .4rem;border:1px solid var(--rule);background:var(--bg);color:var(--fg)}
.pager{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem 1.5rem;margin:2rem 0;border-top:1px solid var(--rule);padding-top:1rem}
pre{overflow-x:auto;padding:.75rem 1rem;background:var(--code);border-radius:6px;font-size:.9rem;line-height:1.45}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
:not(pre)>code{background:var(--code);padding:.1em .3em;border-radius:4px}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid var(--rule);color:var(--muted)}
table{border-collapse:collapse;display:block;overflow-x:auto}th,td{border:1px solid var(--rule);padding:.3rem .6rem}
.site-footer{margin-top:3rem;border-top:1px solid var(--rule);padding-top:1rem;color:var(--muted);font-size:.9rem}
.subscribe{margin:0 0 1.5rem}.subscribe label{display:block;font-weight:600;color:var(--fg);margin-bottom:.35rem}
.subscribe-row{display:flex;flex-wrap:wrap;gap:.5rem}.subscribe input{flex:1 1 14rem;font:inherit;padding:.5rem .6rem;border:1px solid var(--muted);border-radius:6px;background:var(--bg);color:var(--fg)}
.subscribe button,.action{font:inherit;padding:.5rem 1rem;border:0;border-radius:6px;background:var(--accent);color:var(--bg);cursor:pointer}
.note{font-size:.85rem;color:var(--muted)}.error{color:#b3261e;font-weight:600}
.hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/** Renders feed.xml and atom.xml as a readable page when opened in a browser. */
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
 * it; the feed addresses are selectable text either way). Named by its hash and allowed by name in the CSP.
 */
export const COPY_SCRIPT = `document.querySelectorAll('button[data-copy]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () {
    navigator.clipboard.writeText(b.getAttribute('data-copy')).then(function () {
      b.textContent = 'Copied';
      setTimeout(function () { b.textContent = 'Copy'; }, 2000);
    });
  });
});
`;
