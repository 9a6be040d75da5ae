// Math as MathML through temml: no fonts, no script, and it reads in browsers, feed readers and the mail
// clients that know MathML. On when `math: true` in site.yaml or an article's front matter. The delimiters
// are the ones GitHub and most Markdown tools use: `$…$` inline (no space inside either dollar, no digit
// right after the closing one, so "$5 and $6" stays text), and `$$…$$` for display math: on lines of their
// own, on one line of its own, or within a paragraph's line.
import type { RendererExtension, TokenizerExtension, Tokens } from 'marked';
import type temmlModule from 'temml';
import { escapeHtml, truncateWords } from './text.js';

type Temml = typeof temmlModule;
let temml: Temml | undefined;

/** Loads temml. Idempotent. */
export async function prepareMath(): Promise<void> {
  temml ??= (await import('temml')).default as Temml;
}

export const mathReady = (): boolean => temml !== undefined;

const INLINE_MATH = /^\$(?![\s$])((?:\\[\s\S]|[^\\\n$])+?)(?<![\s\\])\$(?!\d)/;
/**
 * `$$…$$` within a line: display math, as GitHub and KaTeX read it, with the guards of `$…$` (no space just
 * inside either `$$`, no digit after the closing one), so "$$5 and $$10" and a shell's `$$` stay text.
 */
const INLINE_DISPLAY_MATH = /^\$\$(?![\s$])((?:\\[\s\S]|[^\\\n$])+?)(?<![\s\\])\$\$(?!\d)/;
/**
 * A block: `$$` and `$$` on lines of their own around the formula, or `$$…$$` alone on one line; indented
 * at most three spaces, as any Markdown block.
 */
const BLOCK_MATH = /^ {0,3}\$\$(?:[ \t]*\n([\s\S]+?)\n[ \t]*|((?:\\[\s\S]|[^\\\n$])+?))\$\$[ \t]*(?:\n|$)/;
/** A line opening a block of the first kind, which may interrupt a paragraph (as a code fence may). */
const BLOCK_OPENING_LINE = /\n {0,3}\$\$[ \t]*(?:\n|$)/;
/** A blank line: where the paragraph the block rule's `start` is asked about ends at the latest. */
const BLANK_LINE = /\n[ \t]*(?:\n|$)/;
/**
 * Anywhere in a text: what the inline rules would take for math, after a character no dollar or backslash.
 * `check` uses it when math is off. Made of the rules themselves, less their `^`, so it cannot drift.
 */
const MATH_IN_TEXT = new RegExp(
  `(?:^|[^\\\\$])(?:${INLINE_MATH.source.slice(1)}|${INLINE_DISPLAY_MATH.source.slice(1)})`,
);

interface MathToken extends Tokens.Generic {
  readonly type: 'inlineMath' | 'blockMath';
  readonly tex: string;
  readonly display: boolean;
}

/** Display math; display="block" says so already, and the style would need `display` in the sanitizer. */
function displayMath(tex: string, problem: (message: string, at?: string) => void): string {
  return render(tex, true, problem).replace(' style="display:block math"', '');
}

/**
 * TeX → MathML. A formula temml cannot read (`\frac{1}{`, an unknown command) is told to `problem` and shown
 * as the author wrote it, between its dollars: temml's own error output is the message in red, which would
 * reach feeds and email as text.
 */
function render(tex: string, displayMode: boolean, problem: (message: string, at?: string) => void): string {
  if (!temml) throw new Error('math met before temml was loaded: await prepareToParse(sources) first');
  try {
    // trust: false (the default) refuses \href and \url. The output is written as the sanitizer would
    // write it (no ids, bare quotes in text, compact CSS), so an article with raw HTML gives the same bytes.
    // Ids: `\label{intro}` would repeat a heading's id="intro". alttext: the TeX as written, for what cannot
    // show MathML (the digest's plain-text part, a screen reader without MathML).
    return temml
      .renderToString(tex, { displayMode, throwOnError: true, trust: false })
      .replace(/\sid="[^"]*"/g, '')
      .replace(/>[^<]*</g, (text) => text.replaceAll('&quot;', '"').replaceAll('&#x27;', "'"))
      .replace(/\sstyle="([^"]*)"/g, (_m, css: string) => ` style="${sanitizerCss(css)}"`)
      .replace(/^<math\b/, `<math alttext="${attributeText(tex.trim())}"`);
  } catch (error) {
    // temml's ParseError is a plain Error named so.
    if (!(error instanceof Error) || error.name !== 'ParseError') throw error;
    const reason = error.message.replace(/ at (?:position \d+|end of input):[\s\S]*$/, '').trim();
    const shown = displayMode ? `$$${tex}$$` : `$${tex}$`;
    problem(
      `math ${truncateWords(shown.replace(/\s+/g, ' '), 60)} cannot be read (${reason}) and shows as text`,
      tex
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim(),
    );
    return escapeHtml(shown);
  }
}

/** CSS as the sanitizer writes it back: `prop:value` joined by `;`, no spaces around either, none empty. */
function sanitizerCss(css: string): string {
  return css
    .split(';')
    .map((rule) => rule.split(':').map((part) => part.trim()))
    .filter(([name, value]) => name && value)
    .map(([name, value]) => `${name}:${value}`)
    .join(';');
}

/** Escaped for a double-quoted attribute as the sanitizer escapes it, so both paths give the same bytes. */
const attributeText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A block of display math (`$$` lines, a ```math fence); what temml cannot read shows as a paragraph. */
export function mathBlock(tex: string, problem: (message: string, at?: string) => void): string {
  const html = displayMath(tex, problem);
  return html.startsWith('<math') ? `${html}\n` : `<p>${html}</p>\n`;
}

/** The `$…$` and `$$` extensions; what cannot be rendered is told to `problem` (check's warnings). */
export function mathExtensions(problem: (message: string, at?: string) => void): {
  readonly inline: TokenizerExtension & RendererExtension;
  readonly block: TokenizerExtension & RendererExtension;
} {
  return {
    inline: {
      name: 'inlineMath',
      level: 'inline',
      start: (src) => src.indexOf('$'),
      tokenizer(src) {
        const display = INLINE_DISPLAY_MATH.exec(src);
        if (display?.[1])
          return { type: 'inlineMath', raw: display[0], tex: display[1], display: true } satisfies MathToken;
        const match = INLINE_MATH.exec(src);
        if (!match?.[1]) return undefined;
        return { type: 'inlineMath', raw: match[0], tex: match[1], display: false } satisfies MathToken;
      },
      renderer: (token) => {
        const { tex, display } = token as MathToken;
        return display ? displayMath(tex, problem) : render(tex, false, problem);
      },
    },
    block: {
      name: 'blockMath',
      level: 'block',
      // Where a paragraph's line opens a block (`$$` alone), so the block interrupts it. Only there:
      // marked cuts the paragraph at the index given and, when no block follows, joins the rest back on a
      // new line (`$\$$` became `$\`, a line break, `$$`). A one-line `$$…$$` within a paragraph is its
      // inline display math instead, so a wrapped line cannot split a code span or a link around it.
      // Searched only up to the paragraph's first blank line, as far as the render budget charges a block
      // step: marked asks at every paragraph, and a search of the whole rest each time was quadratic.
      start: (src) => {
        const blank = BLANK_LINE.exec(src);
        const paragraph = blank ? src.slice(0, blank.index + 1) : src;
        if (!paragraph.includes('$$')) return undefined;
        const opening = BLOCK_OPENING_LINE.exec(paragraph);
        return opening ? opening.index + 1 : undefined;
      },
      tokenizer(src) {
        const match = BLOCK_MATH.exec(src);
        const tex = match?.[1] ?? match?.[2];
        if (!match || !tex?.trim()) return undefined;
        return { type: 'blockMath', raw: match[0], tex, display: true } satisfies MathToken;
      },
      renderer: (token) => mathBlock((token as MathToken).tex, problem),
    },
  };
}

/** Every MathML element temml writes, and their attributes: the sanitizer's allowlist for math. */
export const MATHML_TAGS = [
  'math',
  'semantics',
  'annotation',
  'mrow',
  'mi',
  'mn',
  'mo',
  'ms',
  'mtext',
  'mspace',
  'msup',
  'msub',
  'msubsup',
  'mfrac',
  'msqrt',
  'mroot',
  'mover',
  'munder',
  'munderover',
  'mmultiscripts',
  'mprescripts',
  'none',
  'mtable',
  'mtr',
  'mtd',
  'mlabeledtr',
  'mpadded',
  'mphantom',
  'mstyle',
  'menclose',
  'merror',
] as const;

// Lengths as temml writes them, and no larger than ~10em: what raw HTML can do with them stays near its
// own line (a box of 999em with a white border would cover the rest of the page).
// (mpadded's pseudo-units too: `-1width` is its own width).
const SMALL = String.raw`(?:\d(?:\.\d+)?|\.\d+)(?:em|ex|mu|pt|width|height|depth)?|(?:100|\d{1,2}(?:\.\d+)?)%|(?:[01]|0?\.\d+)px`;
const small = new RegExp(`^(?:${SMALL})$`);
const signedSmall = new RegExp(`^[-+]?(?:${SMALL})$`);
const paddings = new RegExp(`^(?:${SMALL})(?: (?:${SMALL})){0,3}$`);
const BORDER = /^(?:0?\.\d+em|1px) (?:solid|dashed|double)(?: (?:#[0-9a-f]{3,8}|[a-z]{3,20}))?$/i;

/**
 * The layout temml writes as inline CSS (\boxed's border, a matrix's cell padding, \cancel's strike, \llap),
 * in the shapes and sizes temml writes it: an article with raw HTML passes through the sanitizer, which
 * keeps these on MathML elements and nothing else of CSS beyond colours.
 */
export const MATHML_STYLES: Record<string, RegExp[]> = {
  ...Object.fromEntries(
    ['padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left'].map((p) => [p, [paddings]]),
  ),
  ...Object.fromEntries(
    ['border', 'border-top', 'border-right', 'border-bottom', 'border-left'].map((p) => [p, [BORDER]]),
  ),
  'margin-left': [signedSmall],
  width: [small],
  height: [small],
  // Nudges of a fraction of an em.
  ...Object.fromEntries(['left', 'right', 'bottom'].map((p) => [p, [/^(?:0|0?\.\d+em)$/]])),
  position: [/^(?:relative|absolute)$/],
  display: [/^(?:block math|block|flex)$/],
  'justify-content': [/^center$/],
  'text-align': [/^(?:left|center|right)$/],
  transform: [/^scaleX\(-1\)$/],
  'white-space': [/^pre-line$/],
  'font-weight': [/^(?:normal|bold)$/],
  'math-depth': [/^\d$/],
};

/** MathML attributes that are lengths (mspace's size, mpadded's voffset). */
const LENGTH_ATTRIBUTES = new Set([
  'width',
  'height',
  'depth',
  'voffset',
  'lspace',
  'rspace',
  'minsize',
  'maxsize',
  'mathsize',
  'linethickness',
]);

/** A MathML element's attributes without the lengths larger than temml writes (see SMALL). */
export function withSmallLengths(attribs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attribs).filter(
      ([name, value]) => !LENGTH_ATTRIBUTES.has(name) || signedSmall.test(value.trim()),
    ),
  );
}

/** Class names temml gives MathML, for a theme's CSS. */
export const MATHML_CLASSES = [
  'tml-*',
  'chr-*',
  'wbk-*',
  'ff-*',
  'longdiv-*',
  'phasor-*',
  'mathcal',
  'mathscr',
  'upstrike',
  'downstrike',
  'sout',
  'actuarial',
  'circle-pad',
  'special-fraction',
  'textcircle',
  'mord',
];

export const MATHML_ATTRIBUTES = [
  'display',
  'displaystyle',
  'scriptlevel',
  'mathvariant',
  'mathsize',
  'mathcolor',
  'mathbackground',
  'stretchy',
  'fence',
  'separator',
  'form',
  'lspace',
  'rspace',
  'accent',
  'accentunder',
  'movablelimits',
  'largeop',
  'symmetric',
  'minsize',
  'maxsize',
  'width',
  'height',
  'depth',
  'voffset',
  'linethickness',
  'columnalign',
  'rowalign',
  'columnspacing',
  'rowspacing',
  'columnlines',
  'rowlines',
  'frame',
  'framespacing',
  'equalrows',
  'equalcolumns',
  'notation',
  'encoding',
  'alttext',
  'style',
  'class',
] as const;

const MATH_ELEMENT = /<math\b[^>]*?\balttext="([^"]*)"[^>]*>[\s\S]*?<\/math>/gi;

/**
 * Math in rendered HTML as the TeX its author wrote (the alttext every formula carries): `$…$` inline,
 * `$$…$$` for display math, and a block of display math as `block` writes it (`$$…$$` by default). For
 * text made of HTML: summaries, the digest's plain-text part. The TeX stays escaped as in the attribute.
 */
export function mathAsTex(html: string, block = (tex: string) => `$$${tex}$$`): string {
  if (!html.includes('<math')) return html;
  return html.replace(MATH_ELEMENT, (whole, tex: string, at: number) => {
    if (!/^<math\b[^>]*\bdisplay="block"/i.test(whole)) return `$${tex}$`;
    // A block stands on its own line; display math within a paragraph's line stays in the line.
    return at === 0 || html[at - 1] === '\n' ? block(tex) : `$$${tex}$$`;
  });
}

/** Whether text holds what would be math if math were on: `$…$`, `$$…$$`, or a line starting `$$`. */
export function looksLikeMath(text: string): boolean {
  return MATH_IN_TEXT.test(text) || /(?:^|\n)[ \t]*\$\$/.test(text);
}
