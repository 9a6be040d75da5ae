// Math as mail clients can show it. Gmail and Outlook drop MathML's elements and run their letters together,
// so `$E = mc^2$` reads "E=mc2" there. In mail, a formula becomes plain HTML every client shows (italic
// letters, <sup>, <sub>, a/b, √) when it is made of nothing more than those, bracketed where the layout it
// loses would have grouped it; any other (a matrix, a binomial, a cancel, a colour, a box) is shown as the
// TeX its author wrote, in code, which a reader of math can read.

/** An element of temml's MathML, or a text between them (still escaped, as written). */
type MathNode =
  | { readonly name: string; readonly attrs: string; readonly children: MathNode[] }
  | { readonly text: string };

const TAG = /<(\/?)([a-z][a-z0-9-]*)((?:\s+[a-z][a-z0-9-]*="[^"<>]*")*)\s*(\/?)>|([^<]+)/gy;

/**
 * temml's output (as rendered, or as the sanitizer wrote it back) into a tree; undefined if it is anything
 * else. Not a general parser: the body is ours, every tag closed, every attribute quoted and escaped.
 */
function mathTree(markup: string): MathNode | undefined {
  const root: { name: string; attrs: string; children: MathNode[] } = { name: '', attrs: '', children: [] };
  const open = [root];
  TAG.lastIndex = 0;
  while (TAG.lastIndex < markup.length) {
    const at = TAG.lastIndex;
    const m = TAG.exec(markup);
    if (!m || m.index !== at) return undefined;
    const parent = open[open.length - 1] as (typeof open)[number];
    const [, closing, name, attrs = '', selfClosing, text] = m;
    if (text !== undefined) parent.children.push({ text });
    else if (closing) {
      if (parent.name !== name || open.length === 1) return undefined;
      open.pop();
    } else {
      const element = { name: name as string, attrs, children: [] };
      parent.children.push(element);
      if (!selfClosing) open.push(element);
    }
  }
  return open.length === 1 && root.children.length === 1 ? root.children[0] : undefined;
}

const attr = (attrs: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1];

type MathElement = Exclude<MathNode, { text: string }>;

/** Relations and binary operators: spaced on both sides when between operands, tight in scripts. */
const SPACED = new Set('=≠<>≤≥≈≡∼≃≅∝≪≫→←↔⇒⇐⇔↦∈∉∋⊂⊆⊃⊇+−±∓×÷⋅∗∘∪∩∧∨⊕⊗∖'.split(''));
/** Operators that stand for a value, not between two: after one, an operator is binary again. */
const ORDINARY = new Set('⋯…⋮⋱∇∂∞′″‴!'.split(''));
/** Accents over one letter, as combining characters (temml writes the spacing form in <mover>). */
const ACCENTS: Record<string, string> = {
  ˆ: '\u0302',
  '^': '\u0302',
  ˇ: '\u030c',
  '˜': '\u0303',
  '~': '\u0303',
  '‾': '\u0305',
  '¯': '\u0304',
  '→': '\u20d7',
  '˙': '\u0307',
  '¨': '\u0308',
  '´': '\u0301',
  '`': '\u0300',
  '˘': '\u0306',
  '˚': '\u030a',
};
const PRIMES = new Set(['′', '″', '‴', '⁗']);
/** Function application and invisible times/separator/plus: nothing to show. */
const INVISIBLE = /[\u2061-\u2064]/g;
/** Elements whose parts are scripts or stacked: as a base or a fraction's part, they need brackets. */
const SCRIPTED = new Set(['msup', 'msub', 'msubsup', 'mover', 'munder', 'munderover', 'mfrac']);
/** Rows: their children are shown one after another. */
const ROWS = new Set(['math', 'mrow', 'mstyle', 'mpadded']);

const textOf = (node: MathNode): string => ('text' in node ? node.text : node.children.map(textOf).join(''));
const elements = (node: MathNode): MathElement[] =>
  'text' in node ? [] : node.children.filter((c): c is MathElement => 'name' in c);

/** One character, counting a surrogate pair as one and an escaped one (`&lt;`) as one. */
const isOneCharacter = (text: string) => [...text.replace(/&[#a-z0-9]+;/gi, '_')].length === 1;
/** Latin and Greek letters: italic as variables. Others (ℝ, 𝐯) carry their style in the character. */
const VARIABLE = /^[A-Za-z\u0391-\u03a9\u03b1-\u03c9\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5]$/;
/** An operator's text for comparison: temml escapes <, > and &. */
const unescaped = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** A space attribute that spaces (temml writes `0em`, `0pt` or `0` for none). */
const spacing = (value: string | undefined) =>
  value !== undefined && !value.startsWith('-') && !/^0(?:\.0*)?[a-z]*$/.test(value);
const operatorText = (node: MathElement) => unescaped(textOf(node).replace(INVISIBLE, ''));

/** What is shown of a row: its elements less spaces and phantoms. */
const shownParts = (node: MathElement) =>
  elements(node).filter((c) => c.name !== 'mspace' && c.name !== 'mphantom');

/** More than one atom: a/b, a script's base or a root's radicand then needs brackets around it. */
function compound(node: MathElement): boolean {
  if (ROWS.has(node.name)) {
    const shown = shownParts(node);
    return shown.length > 1 || shown.some(compound) || shown.some((c) => SCRIPTED.has(c.name));
  }
  return node.name === 'mfrac';
}

/** Whether an element shows as a value (so an operator after it is binary): not an operator, or one that ends one. */
function endsOperand(node: MathElement | undefined): boolean {
  if (node === undefined) return false;
  if (node.name !== 'mo') return true;
  return attr(node.attrs, 'form') === 'postfix' || ORDINARY.has(operatorText(node));
}

/** Beside a/b, what keeps it from running into its neighbour: a spaced operator, a comma, a bracket. */
function separates(node: MathElement | undefined, side: 'before' | 'after'): boolean {
  if (node === undefined) return true;
  if (node.name === 'mspace') return true;
  if (node.name !== 'mo') return false;
  const text = operatorText(node);
  if (SPACED.has(text) || text === ',' || text === ';') return true;
  const form = attr(node.attrs, 'form');
  return attr(node.attrs, 'fence') === 'true' && form === (side === 'before' ? 'prefix' : 'postfix');
}

/** What plain HTML cannot show: colour, a box, a background (a red term may carry the meaning). */
const DRAWN = /\bcolor\b|border|background/;

class Unsupported extends Error {}

/** An element as HTML; Unsupported for what plain HTML cannot say (tables, stacked layouts, colour, boxes). */
function htmlOf(node: MathElement, inScript: boolean): string {
  if (
    attr(node.attrs, 'mathcolor') ||
    attr(node.attrs, 'mathbackground') ||
    DRAWN.test(attr(node.attrs, 'style') ?? '')
  )
    throw new Unsupported(`<${node.name}> drawn in colour or a box`);
  if (attr(node.attrs, 'stretchy') === 'true' && node.name === 'mo' && attr(node.attrs, 'fence') !== 'true')
    throw new Unsupported('a mark stretched over its base');
  const parts = elements(node);
  // Text outside token elements is not temml's (raw MathML): shown, it would lose its place.
  if (
    node.name !== 'mi' &&
    node.name !== 'mn' &&
    node.name !== 'mo' &&
    node.name !== 'mtext' &&
    node.name !== 'ms'
  )
    if (node.children.some((c) => 'text' in c && c.text.trim() !== '')) throw new Unsupported('loose text');
  /** Part i; a script (a sub- or superscript, a root's index) is set tight, as in print: x<sub>i=1</sub>. */
  const part = (i: number, script = false) => {
    const child = parts[i];
    if (!child) throw new Unsupported(`<${node.name}> without its part ${i + 1}`);
    return htmlOf(child, inScript || script);
  };
  /** A base or a fraction's part, bracketed when it is more than one atom or is scripted itself. */
  const grouped = (i: number) => {
    const child = parts[i];
    return child && (compound(child) || SCRIPTED.has(child.name)) ? `(${part(i)})` : part(i);
  };
  switch (node.name) {
    case 'math':
    case 'mrow':
    case 'mstyle':
    case 'mpadded':
      return row(parts, inScript);
    case 'semantics':
      return part(0);
    case 'annotation':
    case 'annotation-xml':
    case 'mphantom':
      return '';
    case 'mi': {
      const text = textOf(node);
      const variant = attr(node.attrs, 'mathvariant');
      // A single letter is a variable, in italics; a name (sin, max) stays upright, as in print.
      if (variant === 'bold') return `<b>${text}</b>`;
      return variant === undefined && VARIABLE.test(text) ? `<i>${text}</i>` : text;
    }
    case 'mn':
    case 'mtext':
    case 'ms':
      return textOf(node);
    case 'mo':
      return textOf(node).replace(INVISIBLE, '');
    case 'mspace':
      return spacing(attr(node.attrs, 'width')) ? ' ' : '';
    case 'msup':
    case 'mover': {
      const over = parts[1];
      const mark = over?.name === 'mo' ? textOf(over) : undefined;
      if (mark !== undefined && PRIMES.has(mark)) return `${grouped(0)}${mark}`;
      if (node.name === 'mover' && mark !== undefined && attr(over?.attrs ?? '', 'stretchy') === 'false') {
        // An accent (temml writes them unstretched): over one letter, or not at all.
        const base = textOf(parts[0] as MathElement);
        const combining = ACCENTS[mark];
        if (combining === undefined || !isOneCharacter(base))
          throw new Unsupported(`the accent "${mark}" over "${base}"`);
        const shownBase = part(0);
        // Composed where Unicode has the letter (î), which fonts draw better than a mark placed over it.
        const accented = `${base}${combining}`.normalize('NFC');
        const style = /^<([ib])>/.exec(shownBase)?.[1];
        return style ? `<${style}>${accented}</${style}>` : accented;
      }
      return `${grouped(0)}<sup>${part(1, true)}</sup>`;
    }
    case 'msub':
    case 'munder':
      return `${grouped(0)}<sub>${part(1, true)}</sub>`;
    case 'msubsup':
    case 'munderover':
      return `${grouped(0)}<sub>${part(1, true)}</sub><sup>${part(2, true)}</sup>`;
    case 'mfrac':
      // A binomial (\binom) is a fraction without its line: not a/b.
      if (!spacing(attr(node.attrs, 'linethickness') ?? '1')) throw new Unsupported('a binomial');
      return `${grouped(0)}/${grouped(1)}`;
    case 'msqrt':
      return `√${overlined(row(parts, inScript))}`;
    case 'mroot': {
      // Only the roots Unicode has a sign for: a raised index before √ reads as a power of what precedes.
      const sign = { '3': '∛', '4': '∜' }[textOf(parts[1] ?? node).trim()];
      if (!sign) throw new Unsupported('a root of another index');
      return `${sign}${overlined(part(0))}`;
    }
    case 'menclose': {
      const line = { top: 'overline', bottom: 'underline' }[attr(node.attrs, 'notation') ?? ''];
      if (!line) throw new Unsupported(`<menclose notation="${attr(node.attrs, 'notation')}">`);
      return `<span style="text-decoration:${line};">${row(parts, inScript)}</span>`;
    }
    default:
      throw new Unsupported(`<${node.name}>`);
  }
}

/** A radicand under the root's bar, so where the root ends is seen: √x̅y is not √(xy). */
const overlined = (html: string) => `<span style="text-decoration:overline;">${html}</span>`;

/**
 * A row's children one after another: relations and binary operators spaced between operands (tight in
 * scripts), a comma followed by a space, and a fraction bracketed unless operators or brackets set it apart
 * (½x would read 1/2x, which is 1/(2x)).
 */
function row(parts: readonly MathElement[], inScript: boolean): string {
  // Each part's nearest neighbours other than spaces, found in one pass each way (a row may be long).
  const before: (MathElement | undefined)[] = [];
  const after: (MathElement | undefined)[] = [];
  for (let i = 0, last: MathElement | undefined; i < parts.length; i++) {
    before.push(last);
    if (parts[i]?.name !== 'mspace') last = parts[i];
  }
  for (let i = parts.length - 1, next: MathElement | undefined; i >= 0; i--) {
    after[i] = next;
    if (parts[i]?.name !== 'mspace') next = parts[i];
  }
  return parts
    .map((child, i) => {
      const shown = htmlOf(child, inScript);
      if (child.name === 'mfrac')
        return separates(before[i], 'before') && separates(after[i], 'after') ? shown : `(${shown})`;
      if (child.name !== 'mo') return shown;
      const text = operatorText(child);
      const [lspace, rspace] = [attr(child.attrs, 'lspace'), attr(child.attrs, 'rspace')];
      // Spacing temml states (\bmod, \colon) is kept; otherwise relations and binary operators are spaced.
      if (!inScript && (lspace !== undefined || rspace !== undefined))
        return `${spacing(lspace) ? ' ' : ''}${shown}${spacing(rspace) ? ' ' : ''}`;
      if (text === ',' || text === ';') return inScript ? shown : `${shown} `;
      return SPACED.has(text) && endsOperand(parts[i - 1]) && !inScript ? ` ${shown} ` : shown;
    })
    .join('');
}

// A formula holding another <math> (raw MathML) is not one: the inner one, if any, is read alone.
const MATH = /<math\b([^>]*?)\balttext="([^"]*)"([^>]*)>(?:(?!<math\b)[\s\S])*?<\/math>/gi;

/**
 * Each formula of a rendered body (temml's MathML, with the alttext it is rendered with) as plain HTML, or
 * as its TeX in <code> (styled `codeStyle`) when it needs more than plain HTML has. Display math is a centred
 * line of its own.
 */
export function mathForMail(html: string, codeStyle: string): string {
  if (!html.includes('<math')) return html;
  return html.replace(MATH, (whole, before: string, tex: string, after: string) => {
    const display = /\bdisplay="block"/.test(before + after);
    let shown: string;
    try {
      const tree = mathTree(whole);
      if (!tree || 'text' in tree) throw new Unsupported('not temml output');
      shown = htmlOf(tree, false).replace(/ {2,}/g, ' ').trim();
    } catch {
      // Unsupported, or anything else this could not read (a formula nested past the stack): the TeX is
      // always right, and a digest must never fail to compose over a formula.
      shown = `<code style="${codeStyle}">${display ? `$$${tex}$$` : `$${tex}$`}</code>`;
    }
    return display ? `<span style="display:block;text-align:center;margin:8px 0;">${shown}</span>` : shown;
  });
}
