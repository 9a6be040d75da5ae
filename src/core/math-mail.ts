// Math as mail clients can show it. Gmail and Outlook drop MathML's elements and run their letters together,
// so `$E = mc^2$` reads "E=mc2" there. In mail, a formula becomes plain HTML every client shows (italic
// letters, <sup>, <sub>, a/b, √) when it is made of nothing more than those; any other (a matrix, a
// binomial, a cancel) is shown as the TeX its author wrote, in code, which a reader of math can read.

/** An element of temml's MathML, or a text between them (still escaped, as written). */
type MathNode =
  | { readonly name: string; readonly attrs: string; readonly children: MathNode[] }
  | { readonly text: string };

const TAG = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="[^"<>]*")*)\s*(\/?)>|([^<]+)/gy;

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

/** Spaced on both sides when between operands: relations and binary operators. */
const SPACED = new Set('=≠<>≤≥≈≡∼≃≅∝≪≫→←↔⇒⇐⇔↦∈∉∋⊂⊆⊃⊇+−±∓×÷⋅∗∘∪∩∧∨⊕⊗∖'.split(''));
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
};
const PRIMES = new Set(['′', '″', '‴', '⁗']);
/** Function application and invisible times/separator/plus: nothing to show. */
const INVISIBLE = /[\u2061-\u2064]/g;

const textOf = (node: MathNode): string => ('text' in node ? node.text : node.children.map(textOf).join(''));
const elements = (node: MathNode) =>
  'text' in node ? [] : node.children.filter((c): c is Exclude<MathNode, { text: string }> => 'name' in c);

/** One character, counting a surrogate pair as one and an escaped one (`&lt;`) as one. */
const isOneCharacter = (text: string) => [...text.replace(/&[#a-z0-9]+;/gi, '_')].length === 1;
/** Latin and Greek letters: italic as variables. Others (ℝ, 𝐯) carry their style in the character. */
const VARIABLE = /^[A-Za-z\u0391-\u03a9\u03b1-\u03c9\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5]$/;
/** An operator's text for comparison: temml escapes <, > and &. */
const unescaped = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** A space attribute that spaces (temml writes `0em`, `0pt` or `0` for none). */
const spacing = (value: string | undefined) =>
  value !== undefined && !value.startsWith('-') && !/^0(?:\.0*)?[a-z]*$/.test(value);

/** Whether a/b needs parentheses around a part: it shows more than one atom. */
function compound(node: MathNode): boolean {
  if ('text' in node) return false;
  if (node.name === 'mrow' || node.name === 'mstyle' || node.name === 'mpadded') {
    const shown = elements(node).filter((c) => c.name !== 'mspace' && c.name !== 'mphantom');
    return shown.length > 1 || shown.some(compound);
  }
  return node.name === 'mfrac';
}

class Unsupported extends Error {}

/** An element as HTML; Unsupported for what plain HTML cannot say (tables, stacked layouts, enclosures). */
function htmlOf(node: MathNode, inScript = false, siblings: readonly MathNode[] = [], index = 0): string {
  if ('text' in node) return node.text.trim() === '' ? '' : node.text;
  const parts = elements(node);
  const all = () => parts.map((child, i) => htmlOf(child, inScript, parts, i)).join('');
  /** Part i; a script (i > 0 of a sub- or superscript) is set tight, as in print: x<sub>i=1</sub>. */
  const part = (i: number, script = false) => {
    const child = parts[i];
    if (!child) throw new Unsupported(`<${node.name}> without its part ${i + 1}`);
    return htmlOf(child, inScript || script);
  };
  const grouped = (i: number) => {
    const child = parts[i];
    return child && compound(child) ? `(${part(i)})` : part(i);
  };
  switch (node.name) {
    case 'math':
    case 'mrow':
    case 'mstyle':
    case 'mpadded':
      return all();
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
    case 'mo': {
      const text = textOf(node).replace(INVISIBLE, '');
      const [lspace, rspace] = [attr(node.attrs, 'lspace'), attr(node.attrs, 'rspace')];
      // Spacing temml states (\bmod, \colon) is kept; otherwise relations and binary operators are spaced.
      if (lspace !== undefined || rspace !== undefined)
        return `${spacing(lspace) ? ' ' : ''}${text}${spacing(rspace) ? ' ' : ''}`;
      if (text === ',' || text === ';') return `${text} `;
      const previous = siblings[index - 1];
      const operand = previous !== undefined && !('name' in previous && previous.name === 'mo');
      if (SPACED.has(unescaped(text)) && operand && !inScript && attr(node.attrs, 'form') !== 'prefix')
        return ` ${text} `;
      return text;
    }
    case 'mspace':
      return spacing(attr(node.attrs, 'width')) ? ' ' : '';
    case 'msup':
    case 'mover': {
      const over = parts[1];
      const mark = over && 'name' in over && over.name === 'mo' ? textOf(over) : undefined;
      // A brace or arrow drawn the width of its base (\overbrace, \overrightarrow{AB}).
      if (over && 'name' in over && attr(over.attrs, 'stretchy') === 'true')
        throw new Unsupported('a stretched mark');
      if (mark !== undefined && PRIMES.has(mark)) return `${part(0)}${mark}`;
      if (node.name === 'mover' && mark !== undefined && ACCENTS[mark] !== undefined) {
        const shownBase = part(0);
        const base = textOf(parts[0] as MathNode);
        if (!isOneCharacter(base)) throw new Unsupported(`an accent over "${base}"`);
        // Composed where Unicode has the letter (î), which fonts draw better than a mark placed over it.
        const accented = `${base}${ACCENTS[mark]}`.normalize('NFC');
        const style = /^<([ib])>/.exec(shownBase)?.[1];
        return style ? `<${style}>${accented}</${style}>` : accented;
      }
      return `${part(0)}<sup>${part(1, true)}</sup>`;
    }
    case 'msub':
    case 'munder':
      if (parts[1] && attr(parts[1].attrs, 'stretchy') === 'true') throw new Unsupported('a stretched mark');
      return `${part(0)}<sub>${part(1, true)}</sub>`;
    case 'msubsup':
    case 'munderover':
      return `${part(0)}<sub>${part(1, true)}</sub><sup>${part(2, true)}</sup>`;
    case 'mfrac':
      // A binomial (\binom) is a fraction without its line: not a/b.
      if (attr(node.attrs, 'linethickness')?.match(/^0(?:\.0*)?[a-z]*$/)) throw new Unsupported('a binomial');
      return `${grouped(0)}/${grouped(1)}`;
    case 'msqrt':
      return parts.length === 1 && !compound(parts[0] as MathNode) ? `√${part(0)}` : `√(${all()})`;
    case 'mroot':
      return `<sup>${part(1, true)}</sup>√${grouped(0)}`;
    case 'menclose': {
      const line = { top: 'overline', bottom: 'underline' }[attr(node.attrs, 'notation') ?? ''];
      if (!line) throw new Unsupported(`<menclose notation="${attr(node.attrs, 'notation')}">`);
      return `<span style="text-decoration:${line};">${all()}</span>`;
    }
    default:
      throw new Unsupported(`<${node.name}>`);
  }
}

const MATH = /<math\b([^>]*?)\balttext="([^"]*)"([^>]*)>[\s\S]*?<\/math>/gi;

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
      if (!tree) throw new Unsupported('not temml output');
      shown = htmlOf(tree).replace(/ {2,}/g, ' ').trim();
    } catch {
      // Unsupported, or anything else this could not read (a formula nested past the stack): the TeX is
      // always right, and a digest must never fail to compose over a formula.
      shown = `<code style="${codeStyle}">${display ? `$$${tex}$$` : `$${tex}$`}</code>`;
    }
    return display ? `<span style="display:block;text-align:center;margin:8px 0;">${shown}</span>` : shown;
  });
}
