import GithubSlugger from 'github-slugger';
import { Marked } from 'marked';
import type sanitizeHtml from 'sanitize-html';
import { lexWithinBudget } from './render-budget.js';
import { escapeHtml, htmlToText, stripXmlInvalid } from './text.js';

/** Where links in an article resolve: root-relative and relative paths against the site, `#x` against the page. */
export interface LinkBase {
  readonly baseUrl: string;
  readonly pageUrl: string;
}

const LINK_SCHEMES = ['https:', 'http:', 'mailto:'];
const IMAGE_SCHEMES = ['https:', 'http:'];

/**
 * A URL as the policy checks it. The WHATWG URL parser drops leading and trailing C0 controls and spaces,
 * and ASCII tabs and newlines anywhere, so `java\tscript:` means `javascript:` to a browser while a check on
 * the raw text sees no scheme. No real URL needs a control character: leading and trailing whitespace is
 * trimmed, and anything still holding a control character (C0, DEL or C1, tabs and newlines included) is
 * refused (undefined), so every check downstream sees what the browser would.
 */
export function normalizedUrlInput(target: string): string | undefined {
  const trimmed = target.replace(/^[ \t\n\f\r]+|[ \t\n\f\r]+$/g, '');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  return /[\u0000-\u001F\u007F-\u009F]/.test(trimmed) ? undefined : trimmed;
}

/** Makes a link target absolute so it works the same in a page, a feed reader and an email client. */
export function absoluteUrl(target: string, base: LinkBase): string {
  const value = normalizedUrlInput(target) ?? target.trim();
  if (value === '') return value;
  if (value.startsWith('#')) return `${base.pageUrl}${value}`;
  if (value.startsWith('/') && !value.startsWith('//')) return `${base.baseUrl}${value}`;
  if (URL.canParse(value)) return value; // has a scheme: the allowlist decides whether it stays
  return URL.canParse(value, `${base.baseUrl}/`) ? new URL(value, `${base.baseUrl}/`).href : value;
}

/**
 * The one URL policy for links and images: no control characters, absolute, normalized by the WHATWG URL
 * parser, and of an allowed scheme. Returns undefined for anything else.
 */
export function safeUrl(target: string, base: LinkBase, schemes: readonly string[]): string | undefined {
  const value = normalizedUrlInput(target);
  if (value === undefined) return undefined;
  const absolute = absoluteUrl(value, base);
  if (!URL.canParse(absolute)) return undefined;
  const url = new URL(absolute);
  return schemes.includes(url.protocol) ? url.href : undefined;
}

/**
 * A cover image (front matter `image`): an http(s) URL or a path on the site, through the same policy as
 * images in the body, made absolute. Protocol-relative `//host/…` is refused: it would name another site
 * while looking like a path.
 */
export function coverImageUrl(image: string, baseUrl: string): string | undefined {
  const value = normalizedUrlInput(image);
  if (value === undefined || value.startsWith('//') || value.startsWith('\\')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !/^https?:\/\/[^/]/i.test(value)) return undefined;
  const path = /^https?:/i.test(value) ? value : `/${value.replace(/^\/+/, '')}`;
  return safeUrl(path, { baseUrl, pageUrl: `${baseUrl}/` }, IMAGE_SCHEMES);
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

// sanitize-html (with htmlparser2 and postcss, a third of the publish bundle) is loaded only when an article
// holds raw HTML: importing it costs a cold start about 80 ms. Rendering stays synchronous, so the sanitizer
// is loaded ahead, by whoever parses: `await prepareToParse(sources)` (article.ts) before `parseArticle`.
let sanitizer: typeof sanitizeHtml | undefined;

/** Loads the sanitizer; renderMarkdown needs it for Markdown that holds raw HTML. Idempotent. */
export async function prepareSanitizer(): Promise<void> {
  sanitizer ??= (await import('sanitize-html')).default;
}

/** Whether Markdown may hold raw HTML (and so need the sanitizer): it has a `<` anywhere. */
export function mayHoldRawHtml(source: string | Uint8Array): boolean {
  return typeof source === 'string' ? source.includes('<') : source.includes(0x3c);
}

/** A caller rendered raw HTML without awaiting prepareSanitizer() first: a bug in the caller, not the input. */
export class SanitizerNotLoadedError extends Error {
  override name = 'SanitizerNotLoadedError';
  constructor() {
    super('raw HTML met before the sanitizer was loaded: await prepareToParse(sources) before parseArticle');
  }
}

function sanitize(html: string, base: LinkBase): string {
  if (!sanitizer) throw new SanitizerNotLoadedError();
  return sanitizer(html, sanitizeOptions(base)).trim();
}

/**
 * Markdown (GFM) → HTML that is safe to put in a page, a feed or an email, with absolute links.
 * Marked's own output is safe by construction (escaped text, policed URLs), so only articles that contain
 * raw HTML pay for a pass through the sanitizer; that keeps most articles several times cheaper.
 * Throws RenderLimitError when the Markdown is nested too deeply or too costly to render (render-budget.ts).
 */
export function renderMarkdown(source: string, base: LinkBase): string {
  slugger = new GithubSlugger();
  linkBase = base;
  hasRawHtml = false;
  const rendered = markdown.parser(lexWithinBudget(source, markdown.defaults)).trim();
  // Character references decode to any code point (`&#1;`), and a feed must stay well-formed XML.
  return stripXmlInvalid(hasRawHtml ? sanitize(rendered, base) : rendered);
}

/** The sanitizer alone, for tests that check marked's output never contains what it would remove. */
export function sanitizeArticleHtml(html: string, base: LinkBase): string {
  return sanitize(html, base);
}

/** The text of the first paragraph, for articles that give no summary. */
export function firstParagraphText(html: string): string {
  const match = /<p>([\s\S]*?)<\/p>/.exec(html);
  return match?.[1] === undefined ? '' : htmlToText(match[1]);
}
