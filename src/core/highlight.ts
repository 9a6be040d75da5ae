// Syntax highlighting at build time, with no script and no stylesheet: highlight.js finds the tokens, and
// each token's class becomes an inline colour from one light palette (GitHub's, AA contrast on its
// background), so code looks the same in the page, a feed reader and an email client, and no class name is
// left that styles nothing. highlight.js over shiki: measured on the bench corpus, shiki costs ~0.66 ms a
// block against ~0.1 ms, which puts a 10,000-article build over the 1.5× budget; see docs/performance.md.
import type { HighlightApi } from './hljs-loader.mjs';
import { escapeHtml } from './text.js';

/** The block around highlighted code: background and foreground, so it reads in dark pages too. */
export const CODE_BLOCK_STYLE = 'background-color:#f6f8fa;color:#1f2328';

const KEYWORD = 'color:#cf222e';
const ENTITY = 'color:#8250df';
const CONSTANT = 'color:#0550ae';
const STRING = 'color:#0a3069';
const COMMENT = 'color:#6e7781;font-style:italic';
const VARIABLE = 'color:#953800';
const TAG = 'color:#116329';

/** highlight.js scope (its first class, without `hljs-`) → inline style. Scopes not listed stay plain text. */
const SCOPE_STYLES: Readonly<Record<string, string>> = {
  keyword: KEYWORD,
  doctag: KEYWORD,
  'template-tag': KEYWORD,
  'template-variable': KEYWORD,
  type: KEYWORD,
  title: ENTITY,
  'title.class_': ENTITY,
  'title.function_': ENTITY,
  attr: CONSTANT,
  attribute: CONSTANT,
  literal: CONSTANT,
  meta: CONSTANT,
  number: CONSTANT,
  operator: CONSTANT,
  variable: CONSTANT,
  'selector-attr': CONSTANT,
  'selector-class': CONSTANT,
  'selector-id': CONSTANT,
  section: CONSTANT,
  regexp: STRING,
  string: STRING,
  comment: COMMENT,
  code: COMMENT,
  formula: COMMENT,
  built_in: VARIABLE,
  symbol: VARIABLE,
  bullet: VARIABLE,
  name: TAG,
  quote: TAG,
  'selector-tag': TAG,
  'selector-pseudo': TAG,
  addition: 'color:#116329;background-color:#dafbe1',
  deletion: 'color:#82071e;background-color:#ffebe9',
  emphasis: 'font-style:italic',
};

let hljs: HighlightApi | undefined;

/** Loads highlight.js with its common languages and a few more (hljs-loader.mjs). Idempotent. */
export async function prepareHighlighter(): Promise<void> {
  hljs ??= (await import('./hljs-loader.mjs')).default;
}

/** Whether highlighting is loaded (renderMarkdown needs it for fenced code that names a language). */
export const highlighterReady = (): boolean => hljs !== undefined;

/**
 * Fence languages GitHub draws instead of showing code (a Mermaid diagram, a GeoJSON or TopoJSON map, an STL
 * model), with what it draws. Nothing here draws them (no script runs in a feed or an email): they show as
 * plain code, and `check` says so rather than calling the language unknown.
 */
const DRAWN_ON_GITHUB: ReadonlyMap<string, string> = new Map([
  ['mermaid', 'diagram'],
  ['geojson', 'map'],
  ['topojson', 'map'],
  ['stl', '3D model'],
]);

/** What GitHub draws of a fence in this language (any case), if it draws one. */
export const drawnOnGitHub = (language: string): string | undefined =>
  DRAWN_ON_GITHUB.get(language.toLowerCase());

/** Whether a fence's language is one we highlight (by name or alias, any case). */
export function isKnownLanguage(language: string): boolean {
  return hljs?.getLanguage(language.toLowerCase()) !== undefined;
}

/** The first word of a fence's info string: ```ts title="x" → ts. */
export function fenceLanguage(info: string | undefined): string {
  return (info ?? '').trim().split(/\s+/)[0] ?? '';
}

// A token's scope (`hljs-title function_`), or the language of code embedded in another (`language-css`, the
// style element of an HTML block), which no inline style stands for.
const CLASS_SPAN = /<span class="(?:hljs-([\w-]+)(?: ([\w-]+))?[^"]*|language-[\w-]+)">/g;

/**
 * Code as HTML with inline colours, or undefined when the language is unknown (the caller prints it plain).
 * highlight.js escapes the code and writes only `<span class="hljs-…">`; each becomes a styled or a bare span.
 */
export function highlightCode(code: string, language: string): string | undefined {
  if (!hljs) return undefined;
  const name = language.toLowerCase();
  // A drawn language is shown as its source, plain, whatever highlight.js may come to know by that name.
  if (name === '' || DRAWN_ON_GITHUB.has(name) || !hljs.getLanguage(name)) return undefined;
  const html = hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  return html.replace(CLASS_SPAN, (_span, scope: string | undefined, sub: string | undefined) => {
    if (scope === undefined) return '<span>';
    const style = (sub && SCOPE_STYLES[`${scope}.${sub}`]) || SCOPE_STYLES[scope];
    return style ? `<span style="${style}">` : '<span>';
  });
}

/**
 * A fenced or indented code block: highlighted, on its own background, when its language is known; else
 * escaped and plain, with no class (a `language-x` class would style nothing in a feed or an email).
 */
export function codeBlockHtml(code: string, info: string | undefined): string {
  const text = code.replace(/\n$/, '');
  const highlighted = highlightCode(text, fenceLanguage(info));
  if (highlighted === undefined) return `<pre><code>${escapeHtml(text)}\n</code></pre>\n`;
  return `<pre style="${CODE_BLOCK_STYLE}"><code>${highlighted}\n</code></pre>\n`;
}
