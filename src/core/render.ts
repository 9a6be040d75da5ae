import { decodeHTMLStrict } from 'entities';
import GithubSlugger, { slug as slugOf } from 'github-slugger';
import { Marked, type MarkedExtension, type Token, type Tokens } from 'marked';
import markedAlert from 'marked-alert';
import { markedEmoji } from 'marked-emoji';
import markedFootnote from 'marked-footnote';
import type sanitizeHtml from 'sanitize-html';
import { conformHtml } from './content-model.js';
import {
  codeBlockHtml,
  drawnOnGitHub,
  fenceLanguage,
  highlighterReady,
  isKnownLanguage,
  prepareHighlighter,
} from './highlight.js';
import { type MarkdownWords, markdownWordsFor } from './markdown-words.js';
import {
  looksLikeMath,
  MATHML_ATTRIBUTES,
  MATHML_CLASSES,
  MATHML_STYLES,
  MATHML_TAGS,
  mathAsTex,
  mathBlock,
  mathExtensions,
  mathReady,
  prepareMath,
  withSmallLengths,
} from './math.js';
import { lexWithinBudget, RenderLimitError } from './render-budget.js';
import {
  escapeHtml,
  htmlToText,
  isMixedContent,
  stripHtmlForbidden,
  stripXmlInvalid,
  typoOf,
} from './text.js';

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
  // On an https page a browser reads `https:other` (no `//`) as a relative link, where a feed reader or a
  // mail client would read the host `other`: it is resolved as the page does, so all of them agree.
  const scheme = base.baseUrl.slice(0, base.baseUrl.indexOf(':') + 1);
  if (
    scheme !== '' &&
    value.slice(0, scheme.length).toLowerCase() === scheme &&
    !/^[/\\]{2}/.test(value.slice(scheme.length))
  ) {
    // What follows is a path, even where it reads as a URL itself (`https:https://other`, `https: //other`).
    const rest = value.slice(scheme.length);
    if (rest === '') return base.pageUrl;
    return absoluteUrl(/^[/\\?#]/.test(rest) ? rest : `./${rest}`, base);
  }
  if (URL.canParse(value)) return value; // has a scheme: the allowlist decides whether it stays
  // `//host/…` names another host, as it would in a browser.
  if (/^[/\\]{2}/.test(value))
    return URL.canParse(value, `${base.baseUrl}/`) ? new URL(value, `${base.baseUrl}/`).href : value;
  // A path resolves inside the site, as if base_url were the host's root: with base_url
  // https://example.com/blog, `../other/` is https://example.com/blog/other/, not a page of another site.
  if (!URL.canParse(value, SITE_ROOT)) return value;
  const { pathname, search, hash } = new URL(value, SITE_ROOT);
  return `${base.baseUrl}${pathname}${search}${hash}`;
}

/** A stand-in origin to resolve a site's paths against (RFC 3986 §5.2), `..` stopping at its root. */
const SITE_ROOT = 'https://site.invalid/';

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

/** An image over plain http in sanitized HTML (the sanitizer writes `src` quoted, the scheme as given). */
const RAW_HTTP_IMAGE = /<img\b[^>]*?\ssrc="(http:\/\/[^"]*)"/gi;

export const mixedContentNote = (what: string) =>
  `${what} is plain http: browsers load it over https on this https site or not at all (give its https address)`;

/**
 * Every id the default theme's own templates (themes/default) put on a page: the layout's `<main>`,
 * the footer's and the subscribe page's email forms, the subscribe page's feed addresses. A heading slug is
 * never one of these, so an article's `## Main` cannot repeat the id of the page around it.
 * tests/unit/core/layout-ids.test.ts keeps this list in step with the templates.
 */
export const LAYOUT_IDS: readonly string[] = [
  'main',
  // partials/subscribe-form.liquid, included with id 'subscribe' (every page's footer) and 'subscribe-page'.
  'subscribe-email',
  'subscribe-note',
  'subscribe-website',
  'subscribe-page-email',
  'subscribe-page-note',
  'subscribe-page-website',
  // subscribe.liquid: one per feed format subscribePage lists (pages.ts).
  'feed-0',
  'feed-1',
  'feed-2',
];

let slugger = new GithubSlugger();
/** This render's words for what the extensions write (footnotes heading, alert titles). */
let words: MarkdownWords = markdownWordsFor();
let linkBase: LinkBase = { baseUrl: '', pageUrl: '' };
let hasRawHtml = false;
let mathOn = false;
let notes: RenderNote[] = [];
/**
 * Most warnings one body gives, each said once: past them, a count. An article of 100,000 made-up
 * shortcodes would otherwise cost a "did you mean" and a search for its line per warning.
 */
export const MAX_BODY_NOTES = 20;
let notesLeftOut = 0;
/**
 * Notes a render makes: `text` (made only when it will be shown) and `at`, the source text it is about,
 * to find its line by.
 */
const note = (text: string | (() => string), at?: string) => {
  if (notes.length >= MAX_BODY_NOTES) {
    notesLeftOut++;
    return;
  }
  const said = typeof text === 'string' ? text : text();
  if (notes.some((n) => n.text === said)) return;
  notes.push(at === undefined ? { text: said } : { text: said, at });
};
/** `:shortcode:` → emoji, GitHub's names (gemoji's, generated), loaded with the rest ahead of rendering. */
let emojiTable: Record<string, string> | undefined;

/** A GitHub alert (`> [!NOTE]`) as marked-alert types it. */
interface AlertToken extends Tokens.Generic {
  readonly meta: { readonly variant: string; readonly title: string };
}

const FOOTNOTE_REF = /\[\^([^\]\n]+)\](?!:)/g;

/** The footnotes section as marked-footnote builds it: the definitions with the references that use them. */
interface FootnotesToken extends Tokens.Generic {
  readonly items?: readonly {
    readonly label: string;
    readonly content: Token[];
    /** The references to it; each has the number the reference shows (`id`, the same for all). */
    readonly refs: readonly { readonly id?: string }[];
  }[];
}

/**
 * The footnotes section, as marked-footnote writes it but for its back-links' `aria-label`. Theirs holds the
 * label as written, unescaped, so `[^x"><img onerror=…>]` would break out of the attribute; and a named
 * note (`[^source]`) read out as "Back to reference source" while its reference shows a number. Here the
 * back-link is named by that number, as GitHub does: "Back to reference 2", then "2-2" for a second
 * reference (ids and links stay percent-encoded, as marked-footnote writes them).
 */
function footnotesHtml(this: { parser: { parse(tokens: Token[]): string } }, token: FootnotesToken): string {
  const items = token.items ?? [];
  if (items.length === 0) return '';
  const list = items.map(({ label, content, refs }, n) => {
    const id = encodeURIComponent(label);
    // The list numbers its notes in the order of their first reference, as the references do.
    const shown = refs[0]?.id ?? String(n + 1);
    const body = this.parser.parse(content).trimEnd();
    const inParagraph = body.endsWith('</p>');
    const backLinks = refs.map((_, i) => {
      const suffix = i > 0 ? `-${i + 1}` : '';
      const mark = i > 0 ? `↩<sup>${i + 1}</sup>` : '↩';
      return ` <a href="#footnote-ref-${id}${suffix}" data-footnote-backref aria-label="${escapeHtml(words.backToReference(shown + suffix))}">${mark}</a>`;
    });
    const text = inParagraph ? body.replace(/<\/p>$/, '') : body;
    return `<li id="footnote-${id}">\n${text}${backLinks.join('')}${inParagraph ? '</p>\n' : '\n'}</li>\n`;
  });
  return `<section data-footnotes>\n<h2 id="footnote-label">${escapeHtml(words.footnotes)}</h2>\n<ol>\n${list.join('')}</ol>\n</section>\n`;
}
/**
 * A GFM task list's checkbox, named by the text of its item: a form control needs an accessible name (axe's
 * "label" rule), and a label element cannot hold what an item may (paragraphs, nested lists).
 */
interface TaskCheckbox extends Tokens.Checkbox {
  label?: string;
}

/** What a reader sees of inline tokens, as plain text (markup, raw HTML and the checkbox left out). */
function plainTextOf(tokens: readonly Token[]): string {
  return tokens
    .map((token) => {
      if (token.type === 'checkbox' || token.type === 'html') return '';
      if ('tokens' in token && Array.isArray(token.tokens)) return plainTextOf(token.tokens);
      if (token.type === 'br') return ' ';
      return 'text' in token && typeof token.text === 'string' ? token.text : '';
    })
    .join('');
}

/** Names a task item's checkbox by the item's first paragraph (marked puts the box before it, or in it). */
function labelTaskCheckbox(item: Tokens.ListItem): void {
  const lead = item.tokens.find((t) => t.type === 'paragraph' || t.type === 'text');
  const leadTokens = lead && 'tokens' in lead && Array.isArray(lead.tokens) ? lead.tokens : [];
  const box = [item.tokens[0], leadTokens[0]].find((t) => t?.type === 'checkbox') as TaskCheckbox | undefined;
  const label = plainTextOf(leadTokens).replace(/\s+/g, ' ').trim();
  if (box && label) box.label = label;
}

/** Alerts without an icon: marked-alert's icons are SVG, which feeds and mail clients would show bare. */
const ALERT_VARIANTS = ['note', 'tip', 'important', 'warning', 'caution'].map((type) => ({ type, icon: '' }));
/** `[!NAME]` opening a quote: an alert's marker, or what an author meant as one. */
const ALERT_MARKER = /^\[!([A-Za-z]+)\]/;

/**
 * A quote's alert marker, read as GitHub reads it: in any case (`[!note]` is a note; marked-alert knows
 * only capitals, so the marker is written in capitals for it), and a name GitHub does not know is said,
 * since it shows as text.
 */
function alertMarkerOf(quote: Tokens.Blockquote): void {
  const marker = ALERT_MARKER.exec(quote.text);
  if (!marker) return;
  const name = marker[1] as string;
  const upper = name.toUpperCase();
  const paragraph = quote.tokens[0];
  if (!paragraph || !('tokens' in paragraph) || !paragraph.tokens?.length) {
    // Not a paragraph's text (`> [!note]: https://…` defines a link, shown as nothing): no alert, and
    // marked-alert, which would fail on it, is not shown the marker.
    quote.text = quote.text.replace(ALERT_MARKER, '');
    note(
      `[!${name}] opens no text, so the quote is no alert (write its text on the lines below)`,
      `[!${name}]`,
    );
    return;
  }
  if (!ALERT_VARIANTS.some((v) => v.type === name.toLowerCase())) {
    note(
      `alert [!${name}] is not one GitHub knows (${ALERT_VARIANTS.map((v) => v.type.toUpperCase()).join(', ')}) and shows as text in a quote`,
      `[!${name}]`,
    );
    return;
  }
  if (name === upper) return;
  const text = paragraph.tokens[0];
  const capitals = (s: string) => s.replace(ALERT_MARKER, `[!${upper}]`);
  quote.text = capitals(quote.text);
  paragraph.raw = capitals(paragraph.raw);
  if (text?.type === 'text') {
    text.raw = capitals(text.raw);
    (text as Tokens.Text).text = capitals((text as Tokens.Text).text);
  }
}

// Marked escapes all text and attribute values it writes; the overrides below apply the URL policy and
// note whether the author wrote raw HTML, which only the sanitizer may let through.
function createMarkdown(): Marked {
  const instance = new Marked({
    gfm: true,
    async: false,
    renderer: {
      heading({ tokens, depth }) {
        const inner = this.parser.parseInline(tokens);
        // A heading of emoji or punctuation alone has no slug: it is a section all the same. A footnote's
        // number is left out, or adding a note above would move the section's address.
        const text = htmlToText(
          inner.includes('data-footnote-ref') ? inner.replace(FOOTNOTE_REF_HTML, '') : inner,
        );
        const slug = slugger.slug(slugOf(text) === '' ? 'section' : text);
        const id = escapeHtml(slug);
        // A heading links to itself, so a reader can copy the address of a section; a heading that already
        // holds a link keeps only its id (links do not nest).
        const href = safeUrl(`#${slug}`, linkBase, LINK_SCHEMES);
        const self =
          href === undefined || /<a\s/.test(inner) ? inner : `<a href="${escapeHtml(href)}">${inner}</a>`;
        return `<h${depth} id="${id}">${self}</h${depth}>\n`;
      },
      // Marked hands over a destination, title and alt text as written; CommonMark reads `&amp;` and
      // `&eacute;` in them as the characters they name, which are then escaped once, where they land.
      link({ href, title, tokens }) {
        const inner = this.parser.parseInline(tokens);
        const url = safeUrl(decodeHTMLStrict(href), linkBase, LINK_SCHEMES);
        if (url === undefined) return inner;
        return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(decodeHTMLStrict(title))}"` : ''}>${inner}</a>`;
      },
      image({ href, title, text }) {
        const alt = decodeHTMLStrict(text);
        const url = safeUrl(decodeHTMLStrict(href), linkBase, IMAGE_SCHEMES);
        if (url === undefined) return escapeHtml(alt);
        if (isMixedContent(url, linkBase.baseUrl)) note(mixedContentNote(`image ${url}`), href);
        return `<img src="${escapeHtml(url)}" alt="${escapeHtml(alt)}"${title ? ` title="${escapeHtml(decodeHTMLStrict(title))}"` : ''}>`;
      },
      code({ text, lang, raw }) {
        const language = fenceLanguage(lang);
        // A ```math fence is display math, as GitHub draws it (prepareMarkdown loads temml for "math").
        if (language === 'math' && mathOn) {
          if (!mathReady()) throw new MarkdownNotPreparedError('temml');
          return cleanMath(mathBlock(text, note));
        }
        if (language !== '' && !highlighterReady()) throw new MarkdownNotPreparedError('highlight.js');
        const drawn = drawnOnGitHub(language);
        // The fence's opening line: where the author names the language.
        const fence = raw.trimStart().split('\n', 1)[0];
        if (language === 'math') note(MATH_FENCE_OFF_NOTE, fence);
        else if (drawn)
          note(
            `code block in "${language}" is shown as its source, not drawn as a ${drawn} as on GitHub (add an image to show the ${drawn})`,
            fence,
          );
        else if (language !== '' && !isKnownLanguage(language))
          note(`code block in unknown language "${language}" is shown without highlighting`, fence);
        return codeBlockHtml(text, lang);
      },
      html({ text }) {
        hasRawHtml = true;
        // An id the page around it or the footnotes use would be repeated (a label pointing at the
        // author's element, a footnote link jumping to a fake note): dropped, and said.
        return text.replace(RESERVED_ID, (_match, space: string, id: string) => {
          note(
            `raw HTML id "${id.replace(/^["']|["']$/g, '')}" removed: the page or its footnotes use it`,
            id,
          );
          return space;
        });
      },
      checkbox(token) {
        const { checked, label } = token as TaskCheckbox;
        // Disabled: the page shows the author's ticks; a reader cannot change them.
        return `<input${checked ? ' checked=""' : ''} disabled="" type="checkbox"${label ? ` aria-label="${escapeHtml(label)}"` : ''}> `;
      },
    },
  });
  const math = mathExtensions(note);
  const extensions: MarkedExtension[] = [
    // Math before the footnotes: marked tries the newest extension's tokenizers first, and marked-footnote
    // must read a document's first block before any other extension does (with math first, a document
    // opening with a $$ block and holding a footnote reference could not be rendered).
    {
      extensions: [
        {
          ...math.inline,
          tokenizer(src, tokens) {
            return mathOn ? math.inline.tokenizer.call(this, src, tokens) : undefined;
          },
          renderer(token) {
            return cleanMath(math.inline.renderer.call(this, token));
          },
        },
        {
          ...math.block,
          tokenizer(src, tokens) {
            return mathOn ? math.block.tokenizer.call(this, src, tokens) : undefined;
          },
          renderer(token) {
            return cleanMath(math.block.renderer.call(this, token));
          },
        },
      ],
    },
    markedFootnote({ description: 'Footnotes', sectionClass: '', headingClass: '' }),
    markedAlert({ variants: ALERT_VARIANTS }),
    {
      // Alerts as quotes with a bold title: they read the same in a page, a feed and an email without CSS;
      // `data-alert` is the hook for a theme that wants colours (the theme's style.css).
      extensions: [
        { name: 'footnotes', renderer: footnotesHtml },
        {
          name: 'alert',
          renderer(token) {
            const { meta, tokens = [] } = token as AlertToken;
            return `<blockquote data-alert="${escapeHtml(meta.variant)}">\n<p><strong>${escapeHtml(words.alerts[meta.variant as keyof MarkdownWords['alerts']] ?? meta.title)}</strong></p>\n${this.parser.parse(tokens)}</blockquote>\n`;
          },
        },
      ],
      walkTokens(token) {
        if (token.type === 'list_item' && (token as Tokens.ListItem).task)
          labelTaskCheckbox(token as Tokens.ListItem);
        if (token.type === 'blockquote') alertMarkerOf(token as Tokens.Blockquote);
        if (token.type === 'footnote') footnoteDefinitions.push(token as unknown as FootnoteDefinition);
        // What renders as literal text: a footnote reference without a definition, math while math is off,
        // a shortcode that names no emoji.
        if (token.type !== 'text' || 'tokens' in token) return;
        if (emojiTable)
          for (const name of unknownShortcodes(token.raw, emojiTable))
            note(() => shortcodeNote(name), `:${name}:`);
        for (const [ref] of token.raw.matchAll(FOOTNOTE_REF))
          note(
            `footnote reference ${ref} has no definition ([${ref.slice(1, -1)}]: …) and shows as text`,
            ref,
          );
        if (!mathOn && looksLikeMath(token.raw))
          note(
            MATH_OFF_NOTE,
            token.raw.split('\n').find((line) => line.includes('$')),
          );
      },
    },
  ];
  if (emojiTable) extensions.push(emojiExtension(emojiTable));
  instance.use(...extensions);
  tokenCallbacks.set(instance, tokenCallbacksOf(extensions));
  return instance;
}

/**
 * temml's MathML through the sanitizer's MathML rules, whether or not the article holds raw HTML: TeX such
 * as `\rule{999em}{999em}` or `\kern{-999em}` writes lengths only those rules cap. The bytes are otherwise
 * the same (temml's output is written as the sanitizer writes it).
 */
function cleanMath<T extends string | false | undefined>(html: T): T {
  if (typeof html !== 'string' || !html.includes('<math')) return html;
  // The sanitizer trims; a block keeps the line break that ends it.
  return `${sanitize(html, linkBase)}${/\s*$/.exec(html)?.[0] ?? ''}` as T;
}

const RESERVED_ID_VALUE = `(?:footnote[^"'\\s>]*|${LAYOUT_IDS.map((id) => id.replace(/[-]/g, '\\-')).join('|')})`;
/** `id=` in raw HTML naming a layout id or a footnote's (`footnote-…`), quoted or not. */
const RESERVED_ID = new RegExp(
  `(\\s)id\\s*=\\s*("${RESERVED_ID_VALUE}"|'${RESERVED_ID_VALUE}'|${RESERVED_ID_VALUE}(?=[\\s>/]))`,
  'gi',
);

/** The extensions' token callbacks in the order marked calls them: the newest extension's first. */
export function tokenCallbacksOf(extensions: readonly MarkedExtension[]): TokenCallback[] {
  return extensions.flatMap((e) => (e.walkTokens ? [e.walkTokens] : [])).reverse();
}

export type TokenCallback = NonNullable<MarkedExtension['walkTokens']>;
const tokenCallbacks = new WeakMap<Marked, readonly TokenCallback[]>();

/**
 * The extensions' token callbacks over the tree, in marked's order (each token, then its children, by the
 * same rules as marked's walkTokens). marked wraps every extension's callback in another closure and
 * gathers their return values into arrays at every token, for async extensions; none of ours is, and that
 * bookkeeping cost about as much as the callbacks themselves.
 */
export function walkTokens(
  instance: Marked,
  tokens: readonly Token[],
  callbacks: readonly TokenCallback[],
): void {
  const childTokens = instance.defaults.extensions?.childTokens;
  for (const token of tokens) {
    for (const callback of callbacks) callback.call(instance, token);
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const cell of table.header) walkTokens(instance, cell.tokens, callbacks);
      for (const row of table.rows) for (const cell of row) walkTokens(instance, cell.tokens, callbacks);
    } else if (token.type === 'list') {
      walkTokens(instance, (token as Tokens.List).items, callbacks);
    } else {
      const keys = childTokens?.[token.type];
      const generic = token as Tokens.Generic;
      if (keys)
        for (const key of keys)
          walkTokens(instance, (generic[key] as Token[]).flat(Infinity) as Token[], callbacks);
      else if (generic.tokens) walkTokens(instance, generic.tokens, callbacks);
    }
  }
}

/** A `:` followed by what could be a shortcode and its closing `:`; the lookahead lets matches overlap. */
const SHORTCODE_CANDIDATE = /:(?=([+\w-]+):)/g;
/**
 * What an author meant as a shortcode: a name with a letter, standing apart from the words around it
 * (`10:30:00`, `std::vector`, `a:b:c` and the path of `https://x.example/:user:/` are not).
 */
const SHORTCODE_MEANT = /(?<![\w:/]):([+\w-]+):(?![\w:/])/g;

/** The shortcodes in `text` that name no emoji in `table`, each once. */
export function unknownShortcodes(text: string, table: Readonly<Record<string, string>>): string[] {
  if (!text.includes(':')) return [];
  const unknown = new Set<string>();
  // The letter is looked for apart: in the pattern, two runs around it would backtrack quadratically.
  for (const [, name = ''] of text.matchAll(SHORTCODE_MEANT))
    if (/[A-Za-z]/.test(name) && !Object.hasOwn(table, name.toLowerCase())) unknown.add(name);
  return [...unknown];
}

function shortcodeNote(name: string): string {
  // A name of one or two letters (`:D:`) is one edit from too many others to suggest one.
  const near =
    emojiTable && name.length > 2 ? typoOf(name.toLowerCase(), Object.keys(emojiTable)) : undefined;
  return `:${name}: is not an emoji shortcode and shows as text${near ? ` (did you mean :${near}:?)` : ''}`;
}

/** A shortcode at the start of the text: `:name:`. */
const SHORTCODE_AT_START = /^:([+\w-]+):/;

/**
 * marked-emoji, finding and reading a shortcode with one cheap pattern and a lookup in the table (whose names
 * are lowercase, as gemoji's are) instead of its case-insensitive alternation of every name (~1,900). marked
 * runs `start` over the rest of the paragraph and `tokenizer` at every inline token, and the alternation
 * costs tens of milliseconds to compile, twice (V8 interprets a new pattern first, then compiles it to
 * machine code). Same answers. Only the table's own names count: `:constructor:` is text.
 */
export function emojiExtension(table: Readonly<Record<string, string>>): MarkedExtension {
  const emojiOf = (name: string) => {
    const key = name.toLowerCase();
    return Object.hasOwn(table, key) ? table[key] : undefined;
  };
  const extension = markedEmoji({ emojis: table, renderer: (token) => token.emoji });
  for (const inline of extension.extensions ?? []) {
    if ('start' in inline) {
      inline.start = (src: string) => {
        for (const m of src.matchAll(SHORTCODE_CANDIDATE)) {
          if (emojiOf(m[1] as string) !== undefined) return m.index;
        }
        return undefined;
      };
    }
    if ('tokenizer' in inline) {
      inline.tokenizer = (src: string) => {
        const match = SHORTCODE_AT_START.exec(src);
        const name = match?.[1];
        const emoji = name === undefined ? undefined : emojiOf(name);
        return emoji === undefined ? undefined : { type: 'emoji', raw: match?.[0] ?? '', name, emoji };
      };
    }
  }
  return extension;
}

let markdown = createMarkdown();
let markdownHasEmoji = false;

const COLOR = [/^#[0-9a-f]{3,8}$/i, /^[a-z]{3,20}$/i];
/** The only CSS an article keeps: colours and italics (highlighted code, coloured math). */
const SAFE_STYLES: Record<string, RegExp[]> = {
  color: COLOR,
  'background-color': COLOR,
  'font-style': [/^(?:normal|italic)$/],
};

/** The elements an article may hold; every other is removed, keeping its text. */
const ALLOWED_TAGS: readonly string[] = [
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
  // Highlighted code, footnotes, and math (temml's MathML).
  'span',
  'section',
  ...MATHML_TAGS,
];
const ALLOWED_TAG_SET: ReadonlySet<string> = new Set(ALLOWED_TAGS);

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
  const imageUrlPolicy = applyUrlPolicy('src', IMAGE_SCHEMES);
  return {
    allowedTags: [...ALLOWED_TAGS],
    allowedAttributes: {
      a: [
        'href',
        'title',
        // Footnote references and back-references (marked-footnote).
        'id',
        'aria-describedby',
        'aria-label',
        'data-footnote-ref',
        'data-footnote-backref',
      ],
      section: ['data-footnotes'],
      li: ['id'],
      blockquote: ['data-alert'],
      // Colours of highlighted code; allowedStyles below keeps only colours and italics.
      pre: ['style'],
      span: ['style'],
      ...Object.fromEntries(MATHML_TAGS.map((tag) => [tag, [...MATHML_ATTRIBUTES]])),
      img: ['src', 'alt', 'title', 'width', 'height'],
      h1: ['id'],
      h2: ['id'],
      h3: ['id'],
      h4: ['id'],
      h5: ['id'],
      h6: ['id'],
      ol: ['start'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      abbr: ['title'],
      // GFM task lists render as disabled checkboxes; nothing else about inputs is allowed.
      input: ['type', 'checked', 'disabled', 'aria-label'],
    },
    allowedClasses: {
      ...Object.fromEntries(MATHML_TAGS.map((tag) => [tag, MATHML_CLASSES])),
      // temml's numbered equations.
      span: ['tml-*'],
    },
    allowedStyles: {
      '*': SAFE_STYLES,
      ...Object.fromEntries(MATHML_TAGS.map((tag) => [tag, MATHML_STYLES])),
      // temml writes no CSS on <math> itself; positioned, it would escape the theme's `contain: paint`.
      math: {},
    },
    allowedSchemes: ['https', 'http', 'mailto'],
    allowedSchemesByTag: { img: ['https', 'http'] },
    allowProtocolRelative: false,
    transformTags: {
      a: applyUrlPolicy('href', LINK_SCHEMES),
      // An image without alt is read out by its file name; alt="" marks it as decoration instead, as
      // Markdown's own images always carry an alt.
      img: (tagName, attribs) => {
        const image = imageUrlPolicy(tagName, attribs);
        return image.attribs.alt === undefined ? { ...image, attribs: { ...image.attribs, alt: '' } } : image;
      },
      // MathML lengths of the sizes temml writes: none to lay a box over the page.
      ...Object.fromEntries(
        MATHML_TAGS.map((tag): [string, sanitizeHtml.Transformer] => [
          tag,
          (tagName, attribs) => ({ tagName, attribs: withSmallLengths(attribs) }),
        ]),
      ),
    },
    // Browsers never show these elements' content (embeds load, frames are gone), so neither do the pages.
    // A <noscript> fallback stays: the scripts it stands in for are removed, so it is all a reader gets.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noembed', 'noframes'],
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

/**
 * Sanitizes, adding to `removed` what it took out: elements as `<iframe>`, attributes as `onclick on <div>`.
 * The pipeline's own markup passes the sanitizer unchanged (tests/unit/core/render.test.ts checks it), so
 * whatever it removes is the author's raw HTML. Its hooks tell: an element not allowed is named as it opens;
 * an allowed one's attributes are compared, as it closes, with those it opened with (the sanitizer deletes
 * those it refuses from the element's frame, or writes none for an element that may have none). A list of
 * names per element is all it costs.
 */
function sanitize(html: string, base: LinkBase, removed?: Set<string>): string {
  if (!sanitizer) throw new SanitizerNotLoadedError();
  const options = sanitizeOptions(base);
  if (!removed) return sanitizer(html, options).trim();
  const { exclusiveFilter, allowedAttributes } = options;
  // The attribute names of each open element; the parser closes every element it opens (some implied).
  const opened: string[][] = [];
  let closing: string[] | undefined;
  const once = sanitizer(html, {
    ...options,
    onOpenTag(name, attribs) {
      if (!ALLOWED_TAG_SET.has(name)) removed.add(`<${name}>`);
      opened.push(Object.keys(attribs));
    },
    onCloseTag() {
      closing = opened.pop();
    },
    // Called as an allowed element closes, right after onCloseTag, with the attributes it keeps.
    exclusiveFilter(frame) {
      const excluded = exclusiveFilter?.(frame) ?? false;
      if (excluded) removed.add(`<${frame.tag}>`);
      else {
        // An element with no attributes allowed keeps its frame's as they came, and writes none.
        const keeps = allowedAttributes && Object.hasOwn(allowedAttributes, frame.tag);
        for (const name of closing ?? [])
          if (!keeps || !(name in frame.attribs)) removed.add(`${name} on <${frame.tag}>`);
      }
      return excluded;
    },
  }).trim();
  // A removed element may have held a block, which now sits inside a paragraph (`A <font><p>x</p></font>`
  // gives `<p>A <p>x</p></p>`): a second pass closes the paragraph there, as a browser's parser does.
  for (const entry of removed) if (entry.startsWith('<')) return sanitizer(once, options).trim();
  return once;
}

/** Most removals a note names; the rest it counts. */
const REMOVED_NAMED = 4;

/** What `check` says when the sanitizer removed raw HTML (at the first removal), or nothing when it removed none. */
function noteRemovedHtml(removed: ReadonlySet<string>): void {
  const [first] = removed;
  if (first === undefined) return;
  const named = [...removed].slice(0, REMOVED_NAMED).join(', ');
  const more = removed.size > REMOVED_NAMED ? ` and ${removed.size - REMOVED_NAMED} more` : '';
  // `<script>` is found by its opening `<script`, `onclick on <div>` by the attribute.
  note(
    `raw HTML removed, as articles may not hold it: ${named}${more}`,
    first.startsWith('<') ? first.slice(0, -1) : first.split(' ', 1)[0],
  );
}

/** What `check` says of raw HTML moved to where it may stand: each move once, at its element's first `<name`. */
const noteMovedHtml = (text: string, at: string): void => note(`raw HTML ${text}`, at);

/** What one source may need loaded before it renders: bytes found anywhere in it (cheap, may overshoot). */
function includesText(source: string | Uint8Array, text: string): boolean {
  return typeof source === 'string'
    ? source.includes(text)
    : Buffer.from(source.buffer, source.byteOffset, source.byteLength).includes(text);
}

/**
 * Loads what rendering this Markdown may need and cannot load synchronously: the sanitizer (raw HTML),
 * highlight.js (fenced code), temml (a `$`) and the emoji table (a `:`). Each loads once, on first need,
 * so a cold start pays only for what its articles use. Idempotent.
 */
export async function prepareMarkdown(source: string | Uint8Array): Promise<void> {
  const loads: Promise<void>[] = [];
  if (mayHoldRawHtml(source)) loads.push(prepareSanitizer());
  if (!highlighterReady() && (includesText(source, '```') || includesText(source, '~~~')))
    loads.push(prepareHighlighter());
  // `$` may open a formula; "math" may name a ```math fence (or be a word: loading temml is all it costs).
  if (includesText(source, '$') || includesText(source, 'math')) {
    if (!mathReady()) loads.push(prepareMath());
    // Rendered math goes through the sanitizer's MathML rules (cleanMath).
    if (!sanitizer) loads.push(prepareSanitizer());
  }
  if (!emojiTable && includesText(source, ':')) loads.push(prepareEmoji());
  await Promise.all(loads);
}

/** Loads everything any Markdown may need (tests, and the preview, which renders what it cannot foresee). */
export async function prepareAllMarkdown(): Promise<void> {
  await Promise.all([prepareSanitizer(), prepareHighlighter(), prepareMath(), prepareEmoji()]);
}

/** Whether everything prepareMarkdown can load is loaded (then no source needs looking at). */
export const markdownFullyPrepared = (): boolean =>
  sanitizer !== undefined && highlighterReady() && mathReady() && emojiTable !== undefined;

let emojiLoading: Promise<void> | undefined;
/** The generated "name emoji" lines (scripts/emoji-table.ts) as a lookup table. */
export function emojiTableOf(lines: string): Record<string, string> {
  const table: Record<string, string> = {};
  for (const line of lines.split('\n')) {
    const space = line.indexOf(' ');
    table[line.slice(0, space)] = line.slice(space + 1);
  }
  return table;
}

/** Once per process: a parse of every source may start before the first load ends, and each would build it. */
function prepareEmoji(): Promise<void> {
  emojiLoading ??= import('./emoji-shortcodes.generated.js').then(({ EMOJI_SHORTCODES }) => {
    emojiTable = emojiTableOf(EMOJI_SHORTCODES);
  });
  // A failed load is not kept: the next source that needs the table tries again.
  emojiLoading.catch(() => {
    emojiLoading = undefined;
  });
  return emojiLoading;
}

/** What `check` says of a ```math fence while math is off. */
export const MATH_FENCE_OFF_NOTE =
  'a ```math block shows as code because math is off; set math: true (site.yaml or front matter) to render it';
/** What `check` says of math while math is off; the article's parser says which setting turned it off. */
export const MATH_OFF_NOTE =
  'math ($…$) shows as text: math is off (set math: true in the front matter or site.yaml)';

/** A caller rendered Markdown without awaiting prepareMarkdown (or prepareToParse) for it: a bug in the caller. */
export class MarkdownNotPreparedError extends Error {
  override name = 'MarkdownNotPreparedError';
  constructor(what: string) {
    super(`${what} needed before it was loaded: await prepareToParse(sources) before parseArticle`);
  }
}

/**
 * Most footnote definitions one article may have. marked-footnote looks each reference up by scanning every
 * definition, so references × definitions is the cost: 500 keeps the worst accepted article near a second.
 */
export const MAX_FOOTNOTES = 500;
const FOOTNOTE_DEFINITION = /^\[\^[^\]\n]+\]:/gm;

function checkFootnoteCount(source: string): void {
  let count = 0;
  for (const match of source.matchAll(FOOTNOTE_DEFINITION)) {
    if (++count > MAX_FOOTNOTES) {
      const line = source.slice(0, match.index).split('\n').length;
      throw new RenderLimitError(
        `has more than ${MAX_FOOTNOTES} footnote definitions (split the article)`,
        line,
      );
    }
  }
}

export interface RenderOptions {
  /** Render `$…$` and `$$` blocks as MathML (site.yaml or front matter `math: true`). */
  readonly math?: boolean;
  /** The site's language: the footnotes' heading and alerts' titles are written in it (default English). */
  readonly language?: string;
}

export interface RenderedMarkdown {
  readonly html: string;
  /** Markup that renders as literal text or plainer than meant, for `check` and `build` to warn about. */
  readonly notes: readonly RenderNote[];
}

export interface RenderNote {
  readonly text: string;
  /** The source text it is about (a fence's first line, `[^2]`, `<script`): its first place is its line. */
  readonly at?: string;
}

/**
 * Markdown (GFM plus footnotes, alerts, emoji, math and highlighted code) → HTML that is safe to put in a
 * page, a feed or an email, with absolute links and inline-styled code. Marked's own output and the
 * extensions' are safe by construction (escaped text, policed URLs), so only articles that contain raw HTML
 * pay for a pass through the sanitizer; that keeps most articles several times cheaper.
 * Throws RenderLimitError when the Markdown is nested too deeply or too costly to render (render-budget.ts).
 */
export function renderArticleMarkdown(
  source: string,
  base: LinkBase,
  options: RenderOptions = {},
): RenderedMarkdown {
  // Math needs temml only where a `$` may open a formula (prepareMarkdown loads it for those sources).
  if (options.math && !mathReady() && source.includes('$')) throw new MarkdownNotPreparedError('temml');
  slugger = new GithubSlugger();
  for (const id of LAYOUT_IDS) slugger.slug(id);
  linkBase = base;
  hasRawHtml = false;
  mathOn = options.math === true;
  words = markdownWordsFor(options.language);
  notes = [];
  notesLeftOut = 0;
  if (emojiTable && !markdownHasEmoji) {
    markdown = createMarkdown();
    markdownHasEmoji = true;
  }
  checkFootnoteCount(source);
  let rendered: string;
  try {
    const tokens = lexWithinBudget(source, markdown.defaults);
    footnoteDefinitions = [];
    walkTokens(markdown, tokens, tokenCallbacks.get(markdown) ?? []);
    noteFootnoteDefinitions();
    reserveFootnoteIds(tokens);
    rendered = markdown.parser(tokens).trim();
  } catch (error) {
    // marked-footnote keeps per-document state that only a finished render resets: start afresh.
    markdown = createMarkdown();
    throw error;
  }
  // Footnote links point into the page; like every other link, they are made absolute for feeds and email.
  rendered = rendered.replaceAll('href="#footnote-', `href="${escapeHtml(base.pageUrl)}#footnote-`);
  // Character references decode to any code point (`&#1;`), and a feed must stay well-formed XML.
  const removed = new Set<string>();
  const sanitized = hasRawHtml ? sanitize(rendered, base, removed) : rendered;
  noteRemovedHtml(removed);
  // What the sanitizer kept where HTML's content model does not let it stand is moved (content-model.ts).
  const html = stripHtmlForbidden(
    stripXmlInvalid(
      hasRawHtml ? conformHtml(sanitized, noteMovedHtml, { detailsSummary: words.details }) : sanitized,
    ),
  );
  // Raw HTML's images, as the Markdown ones are noted where they are rendered.
  if (hasRawHtml)
    for (const [, src = ''] of html.matchAll(RAW_HTTP_IMAGE))
      if (isMixedContent(src, base.baseUrl)) note(mixedContentNote(`image ${src}`), src);
  const more = notesLeftOut;
  if (more > 0)
    notes.push({
      text: `and ${more} more warning${more === 1 ? '' : 's'} about the body (fix these and check again)`,
    });
  return { html, notes };
}

/** A footnote's definition as marked-footnote types it: its references are filled in as they are lexed. */
interface FootnoteDefinition {
  readonly label: string;
  readonly raw: string;
  readonly refs: readonly unknown[];
}
/** This render's definitions, in the order of the source. */
let footnoteDefinitions: FootnoteDefinition[] = [];

/** What a footnote definition loses without a word: one never referenced, and one defined a second time. */
function noteFootnoteDefinitions(): void {
  const seen = new Set<string>();
  for (const { label, raw, refs } of footnoteDefinitions) {
    const at = raw.split('\n')[0];
    if (seen.has(label))
      note(`footnote [^${label}] is defined twice; only the first definition is shown`, at);
    else if (refs.length === 0)
      note(`footnote [^${label}] is never referenced ([^${label}] in the text), so it is not shown`, at);
    seen.add(label);
  }
}

/**
 * Takes the ids marked-footnote writes (`footnote-label`, `footnote-<label>`, `footnote-ref-<label>[-n]`)
 * out of the heading slugger's hands, so `## Footnote 1` does not get the id of footnote 1.
 */
function reserveFootnoteIds(tokens: readonly Token[]): void {
  // marked-footnote's walkTokens has moved its token to the end by now.
  const footnotes = tokens.findLast((t) => t.type === 'footnotes');
  if (!footnotes) return;
  slugger.slug('footnote-label');
  const items = (footnotes as { items?: { label: string; refs: unknown[] }[] }).items ?? [];
  for (const { label, refs } of items) {
    const id = encodeURIComponent(label);
    slugger.slug(`footnote-${id}`);
    for (let i = 0; i < refs.length; i++) slugger.slug(`footnote-ref-${id}${i > 0 ? `-${i + 1}` : ''}`);
  }
}

/** renderArticleMarkdown's HTML alone. */
export function renderMarkdown(source: string, base: LinkBase, options: RenderOptions = {}): string {
  return renderArticleMarkdown(source, base, options).html;
}

/** The sanitizer alone, for tests that check marked's output never contains what it would remove. */
export function sanitizeArticleHtml(html: string, base: LinkBase): string {
  return sanitize(html, base);
}

// Not words of the text: an alert's title (its kind: "Important") and footnote reference numbers.
const ALERT_TITLE = /(<blockquote data-alert="[^"]*">\n)<p><strong>[^<]*<\/strong><\/p>\n/g;
const FOOTNOTE_REF_HTML = /<sup><a [^>]*\bdata-footnote-ref\b[^>]*>[^<]*<\/a><\/sup>/g;

const IMAGE_HTML = /<img\b[^>]*>/g;
const ALT = /\balt="([^"]*)"/;

/** The text of the first paragraph, for articles that give no summary. */
export function firstParagraphText(html: string): string {
  const source = html.includes('data-alert') ? html.replace(ALERT_TITLE, '$1') : html;
  for (const match of source.matchAll(/<p>([\s\S]*?)<\/p>/g)) {
    const paragraph = mathAsTex((match[1] ?? '').replace(FOOTNOTE_REF_HTML, ''));
    // A paragraph of only an image (a cover at the top of the body) has no text to summarise: the next one.
    if (htmlToText(paragraph.replace(IMAGE_HTML, '')) === '') continue;
    // An image within a sentence reads as its alt text, as it does with images off.
    return htmlToText(paragraph.replace(IMAGE_HTML, (img) => ALT.exec(img)?.[1] ?? ''));
  }
  return '';
}
