// Math as MathML through temml: no fonts, no script, and it reads in browsers, feed readers and the mail
// clients that know MathML. On when `math: true` in site.yaml or an article's front matter. The delimiters
// are the ones GitHub and most Markdown tools use: `$…$` inline (no space inside either dollar, no digit
// right after the closing one, so "$5 and $6" stays text) and `$$` on lines of their own for a block.
import type { RendererExtension, TokenizerExtension, Tokens } from 'marked';
import type temmlModule from 'temml';

type Temml = typeof temmlModule;
let temml: Temml | undefined;

/** Loads temml. Idempotent. */
export async function prepareMath(): Promise<void> {
  temml ??= (await import('temml')).default as Temml;
}

export const mathReady = (): boolean => temml !== undefined;

const INLINE_MATH = /^\$(?![\s$])((?:\\[\s\S]|[^\\\n$])+?)(?<![\s\\])\$(?!\d)/;
const BLOCK_MATH = /^\$\$[ \t]*\n([\s\S]+?)\n[ \t]*\$\$[ \t]*(?:\n|$)/;
/** Anywhere in a text: what the inline rule would take for math. `check` uses it when math is off. */
export const MATH_IN_TEXT = /(?:^|[^\\$])\$(?![\s$])(?:\\[\s\S]|[^\\\n$])+?(?<![\s\\])\$(?!\d)/;
export const MATH_BLOCK_START = /^\$\$[ \t]*\n/;

interface MathToken extends Tokens.Generic {
  readonly type: 'inlineMath' | 'blockMath';
  readonly tex: string;
}

function render(tex: string, displayMode: boolean): string {
  if (!temml) throw new Error('math met before temml was loaded: await prepareToParse(sources) first');
  // trust: false (the default) refuses \href and \url; errors render as the source in red, not a throw.
  // Styles are written as the sanitizer writes them (no trailing `;`), so both paths give the same bytes.
  return temml
    .renderToString(tex, { displayMode, throwOnError: false, trust: false })
    .replace(/(style="[^"]*);"/g, '$1"');
}

export const inlineMath: TokenizerExtension & RendererExtension = {
  name: 'inlineMath',
  level: 'inline',
  start: (src) => src.indexOf('$'),
  tokenizer(src) {
    const match = INLINE_MATH.exec(src);
    if (!match?.[1]) return undefined;
    return { type: 'inlineMath', raw: match[0], tex: match[1] } satisfies MathToken;
  },
  renderer: (token) => render((token as MathToken).tex, false),
};

export const blockMath: TokenizerExtension & RendererExtension = {
  name: 'blockMath',
  level: 'block',
  start: (src) => src.indexOf('$$'),
  tokenizer(src) {
    const match = BLOCK_MATH.exec(src);
    if (!match?.[1]) return undefined;
    return { type: 'blockMath', raw: match[0], tex: match[1] } satisfies MathToken;
  },
  // display="block" says it already; the style would need `display` among the sanitizer's properties.
  renderer: (token) =>
    `${render((token as MathToken).tex, true).replace(' style="display:block math"', '')}\n`,
};

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
  'style',
  'class',
] as const;

/** Whether text holds what would be math if math were on: `$…$`, or a line starting `$$`. */
export function looksLikeMath(text: string): boolean {
  return MATH_IN_TEXT.test(text) || /(?:^|\n)[ \t]*\$\$/.test(text);
}
