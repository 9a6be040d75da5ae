// Styles for what the Markdown extensions write, for the theme to include in the site's stylesheet (pages
// only: feeds and email get no stylesheet, and every piece reads without it: highlighted code carries its
// colours inline, an alert is a quote with a bold title, footnotes are a list under a heading).
export const MARKDOWN_CSS = `
h1 > a[href*="#"], h2 > a[href*="#"], h3 > a[href*="#"], h4 > a[href*="#"], h5 > a[href*="#"], h6 > a[href*="#"] {
  color: inherit;
  text-decoration: none;
}
:is(h1, h2, h3, h4, h5, h6) > a[href*="#"]:hover { text-decoration: underline; }
pre[style] { padding: 0.75em 1em; overflow-x: auto; border-radius: 4px; }
blockquote[data-alert] { border-left: 4px solid #0969da; padding: 0.25em 1em; }
blockquote[data-alert] > p:first-child { margin-top: 0; }
blockquote[data-alert="tip"] { border-left-color: #1a7f37; }
blockquote[data-alert="important"] { border-left-color: #8250df; }
blockquote[data-alert="warning"] { border-left-color: #9a6700; }
blockquote[data-alert="caution"] { border-left-color: #cf222e; }
section[data-footnotes] { font-size: 0.9em; border-top: 1px solid currentColor; margin-top: 2em; }
math[display="block"] { overflow-x: auto; margin: 1em 0; }
`;
