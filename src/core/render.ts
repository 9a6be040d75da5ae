import GithubSlugger from 'github-slugger';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { escapeHtml, htmlToText } from './text.js';

/** Where links in an article resolve: root-relative and relative paths against the site, `#x` against the page. */
export interface LinkBase {
  readonly baseUrl: string;
  readonly pageUrl: string;
}

const LINK_SCHEMES = ['https:', 'http:', 'mailto:'];
const IMAGE_SCHEMES = ['https:', 'http:'];

/** Makes a link target absolute so it works the same in a page, a feed reader and an email client. */
export function absoluteUrl(target: string, base: LinkBase): string {
  const value = target.trim();
  if (value === '') return value;
  if (value.startsWith('#')) return `${base.pageUrl}${value}`;
  if (value.startsWith('/') && !value.startsWith('//')) return `${base.baseUrl}${value}`;
  if (URL.canParse(value)) return value; // has a scheme: the allowlist decides whether it stays
  return URL.canParse(value, `${base.baseUrl}/`) ? new URL(value, `${base.baseUrl}/`).href : value;
}

/**
 * The one URL policy for links and images: absolute, normalized by the WHATWG URL parser (which strips the
 * tabs, newlines and control characters used to smuggle `java\tscript:`), and of an allowed scheme.
 * Returns undefined for anything else.
 */
export function safeUrl(target: string, base: LinkBase, schemes: readonly string[]): string | undefined {
  const absolute = absoluteUrl(target, base);
  if (!URL.canParse(absolute)) return undefined;
  const url = new URL(absolute);
  return schemes.includes(url.protocol) ? url.href : undefined;
}

let slugger = new GithubSlugger();
let linkBase: LinkBase = { baseUrl: '', pageUrl: '' };
let hasRawHtml = false;

// Marked escapes all text and attribute values it writes; the overrides below apply the URL policy and
// note whether the author wrote raw HTML, which only the sanitizer may let through.
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    heading({ tokens, depth }) {
      const inner = this.parser.parseInline(tokens);
      return `<h${depth} id="${escapeHtml(slugger.slug(htmlToText(inner)))}">${inner}</h${depth}>\n`;
    },
    link({ href, title, tokens }) {
      const inner = this.parser.parseInline(tokens);
      const url = safeUrl(href, linkBase, LINK_SCHEMES);
      if (url === undefined) return inner;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${inner}</a>`;
    },
    image({ href, title, text }) {
      const url = safeUrl(href, linkBase, IMAGE_SCHEMES);
      if (url === undefined) return escapeHtml(text);
      return `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}"${title ? ` title="${escapeHtml(title)}"` : ''}>`;
    },
    html({ text }) {
      hasRawHtml = true;
      return text;
    },
  },
});

function sanitizeOptions(base: LinkBase): sanitizeHtml.IOptions {
  const applyUrlPolicy =
    (attribute: string, schemes: readonly string[]): sanitizeHtml.Transformer =>
    (tagName, attribs) => {
      const value = attribs[attribute];
      if (value === undefined) return { tagName, attribs };
      const { [attribute]: _dropped, ...rest } = attribs;
      const url = safeUrl(value, base, schemes);
      return { tagName, attribs: url === undefined ? rest : { ...rest, [attribute]: url } };
    };
  return {
    allowedTags: [
      'p',
      'br',
      'hr',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'blockquote',
      'pre',
      'code',
      'kbd',
      'samp',
      'em',
      'strong',
      'del',
      's',
      'ins',
      'mark',
      'sup',
      'sub',
      'small',
      'abbr',
      'q',
      'cite',
      'a',
      'img',
      'ul',
      'ol',
      'li',
      'dl',
      'dt',
      'dd',
      'table',
      'thead',
      'tbody',
      'tfoot',
      'tr',
      'th',
      'td',
      'figure',
      'figcaption',
      'details',
      'summary',
      'input',
    ],
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      h1: ['id'],
      h2: ['id'],
      h3: ['id'],
      h4: ['id'],
      h5: ['id'],
      h6: ['id'],
      code: ['class'],
      ol: ['start'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      abbr: ['title'],
      // GFM task lists render as disabled checkboxes; nothing else about inputs is allowed.
      input: ['type', 'checked', 'disabled'],
    },
    allowedClasses: { code: ['language-*'] },
    allowedSchemes: ['https', 'http', 'mailto'],
    allowedSchemesByTag: { img: ['https', 'http'] },
    allowProtocolRelative: false,
    transformTags: { a: applyUrlPolicy('href', LINK_SCHEMES), img: applyUrlPolicy('src', IMAGE_SCHEMES) },
    exclusiveFilter: (frame) =>
      (frame.tag === 'img' && !frame.attribs.src) ||
      (frame.tag === 'input' && frame.attribs.type !== 'checkbox'),
  };
}

/**
 * Markdown (GFM) → HTML that is safe to put in a page, a feed or an email, with absolute links.
 * Marked's own output is safe by construction (escaped text, policed URLs), so only articles that contain
 * raw HTML pay for a pass through the sanitizer; that keeps most articles several times cheaper.
 */
export function renderMarkdown(source: string, base: LinkBase): string {
  slugger = new GithubSlugger();
  linkBase = base;
  hasRawHtml = false;
  const rendered = (markdown.parse(source) as string).trim();
  return hasRawHtml ? sanitizeHtml(rendered, sanitizeOptions(base)).trim() : rendered;
}

/** The sanitizer alone, for tests that check marked's output never contains what it would remove. */
export function sanitizeArticleHtml(html: string, base: LinkBase): string {
  return sanitizeHtml(html, sanitizeOptions(base)).trim();
}

/** The text of the first paragraph, for articles that give no summary. */
export function firstParagraphText(html: string): string {
  const match = /<p>([\s\S]*?)<\/p>/.exec(html);
  return match?.[1] === undefined ? '' : htmlToText(match[1]);
}
