// Raw HTML put where HTML's content model lets it stand. The sanitizer keeps allowed elements wherever the
// author nested them, so `A <em><p>x</p></em>`, a link inside a link, a `<li>` with no list or a paragraph
// straight inside a `<table>` came out as written: browsers repair them as they parse, each its own way,
// and the page, the feeds and the digest failed the Nu HTML checker. Here the sanitized body is read into a
// tree and moved as a browser's reading suggests, keeping every word: a block inside an inline element is
// moved out of it (the inline formatting carried into the block), or unwrapped where it stood inside a
// heading, a summary or code; a link closes before a link or control it held and opens again after it;
// stray list items get a list, stray cells a row, and what a table cannot hold goes before the table.
// Only bodies that hold raw HTML come here (render.ts), after the sanitizer, whose output is regular; most
// have nothing to move, which a first reading finds without building the tree. A `<details>` with no
// `<summary>` is given one, worded in the site's language as a browser would word its own in the reader's.
// Not put right: HTML inside MathML, which is left as temml and the sanitizer wrote it.

import { markdownWordsFor } from './markdown-words.js';
import { escapeHtml } from './text.js';

/** An element as the sanitizer wrote it: its open tag as written, kept byte for byte. */
interface Element {
  readonly name: string;
  readonly tag: string;
  readonly children: readonly Node[];
}
/** Text, still escaped as the sanitizer wrote it. */
type Node = Element | string;

/** Says what was put right, and the source text its line is found by (`<p`). */
export type SayMoved = (text: string, at: string) => void;

const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Phrasing content: what a paragraph may hold (MathML's `<math>` is one). */
const PHRASING = new Set([
  'a',
  'abbr',
  'br',
  'cite',
  'code',
  'del',
  'em',
  'img',
  'input',
  'ins',
  'kbd',
  'mark',
  'math',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
]);
/** Blocks (flow content that is not phrasing) among the elements an article may hold. */
const BLOCKS = new Set([
  'p',
  'hr',
  ...HEADINGS,
  'blockquote',
  'pre',
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
  'section',
]);
/** Links, ins and del take the content model of where they stand. */
const TRANSPARENT = new Set(['a', 'ins', 'del']);
/** Blocks that hold phrasing content only. */
const TEXT_BLOCKS = new Set(['p', 'pre', 'summary', ...HEADINGS]);
const VOID = new Set(['br', 'hr', 'img', 'input']);
/** Elements that hold phrasing content only: the text blocks and the inline elements that are not transparent. */
const PHRASING_ONLY = new Set([
  ...TEXT_BLOCKS,
  ...[...PHRASING].filter((n) => !TRANSPARENT.has(n) && !VOID.has(n) && n !== 'math'),
]);
/**
 * Text blocks whose words a block inside belongs to (a heading's, a summary's, code's): such a block is
 * unwrapped where it stands, not moved out of them.
 */
const KEEPS_ITS_TEXT = new Set(['pre', 'summary', ...HEADINGS]);
/** Blocks that inline formatting is carried into when they move out of it, as browsers reopen it there. */
const TAKES_FORMATTING = new Set(['p', 'pre', ...HEADINGS]);
/** What may not stand inside a link: links and controls. */
const INTERACTIVE = new Set(['a', 'details', 'input']);
/** Elements that belong directly in one of a few others; anywhere else they are unwrapped, as browsers do. */
const PARENTS: Record<string, { readonly in: readonly string[]; readonly named: string }> = {
  td: { in: ['tr', 'table', 'thead', 'tbody', 'tfoot'], named: 'a table row' },
  th: { in: ['tr', 'table', 'thead', 'tbody', 'tfoot'], named: 'a table row' },
  tr: { in: ['table', 'thead', 'tbody', 'tfoot'], named: 'a table' },
  thead: { in: ['table'], named: 'a table' },
  tbody: { in: ['table'], named: 'a table' },
  tfoot: { in: ['table'], named: 'a table' },
  summary: { in: ['details'], named: '<details>' },
  figcaption: { in: ['figure'], named: '<figure>' },
};
/** Elements whose children are the parts of a structure, where stray lists and terms are not gathered. */
const STRUCTURES = new Set(['ul', 'ol', 'dl', 'table', 'thead', 'tbody', 'tfoot', 'tr']);
const TABLE_SECTIONS = new Set(['thead', 'tbody', 'tfoot']);
const CELLS = new Set(['td', 'th']);

/** Deeper raw HTML is left as the sanitizer wrote it: each level costs a few stack frames here. */
export const MAX_CONFORM_DEPTH = 256;
/** A block moves out through at most this many inline elements; deeper, it is unwrapped where it stands. */
const MAX_MOVE = 32;

const isElement = (node: Node): node is Element => typeof node !== 'string';
const isBlank = (node: Node) => typeof node === 'string' && !/[^ \t\n\f\r]/.test(node);
const isBlock = (node: Node) => isElement(node) && BLOCKS.has(node.name);
/** Phrasing content through and through: a link or `<ins>` may hold blocks where flow content stands. */
const isPhrasing = (node: Node): boolean =>
  !isElement(node) ||
  (!BLOCKS.has(node.name) && (!TRANSPARENT.has(node.name) || node.children.every(isPhrasing)));
/** HTML whose content model is checked; `<math>` is left as temml and the sanitizer wrote it. */
const isChecked = (node: Node): node is Element =>
  isElement(node) && ((PHRASING.has(node.name) && node.name !== 'math') || BLOCKS.has(node.name));
const withoutId = (tag: string) => tag.replace(/\sid="[^"]*"/, '');
/** An element as a note names it: a `<p>` may be one Markdown wrote around a line of raw HTML. */
const named = (name: string) => (name === 'p' ? 'a paragraph' : `<${name}>`);

/** Where a list of children stands, as far as what it may hold goes. */
interface Context {
  /** The element the children are in ('' for the body). */
  readonly name: string;
  /** Only phrasing content may stand here. */
  readonly phrasing: boolean;
  /** Where a block moved out of here lands: the nearest context that is not phrasing only. */
  readonly landing: Context | undefined;
  /** How many inline elements a block moved out of here passes. */
  readonly moves: number;
  /** The element named when a block cannot stand here (the nearest that is not transparent). */
  readonly owner: string;
  /** A heading, summary or code around here, whose words a block inside keeps. */
  readonly keepsText: string | undefined;
  /** Inside `<pre>`: an unwrapped block is set apart by a line break in the text, not `<br>`. */
  readonly pre: boolean;
  /** Inside a `<th>` or `<dt>`, which may hold no headings or sections. */
  readonly noHeadings: string | undefined;
}

const BODY: Context = {
  name: '',
  phrasing: false,
  landing: undefined,
  moves: 0,
  owner: '',
  keepsText: undefined,
  pre: false,
  noHeadings: undefined,
};

function childContext(element: Element, where: Context): Context {
  const { name } = element;
  const phrasing = PHRASING_ONLY.has(name) || (TRANSPARENT.has(name) && where.phrasing);
  return {
    name,
    phrasing,
    landing: phrasing ? (where.phrasing ? where.landing : where) : undefined,
    moves: phrasing ? (where.phrasing ? where.moves + 1 : 1) : 0,
    owner: phrasing && TRANSPARENT.has(name) && where.phrasing ? where.owner : name,
    // Only phrasing contexts have one, so one standing in flow content passes on none.
    keepsText: phrasing ? (KEEPS_ITS_TEXT.has(name) ? name : where.keepsText) : undefined,
    pre: where.pre || name === 'pre',
    noHeadings: where.noHeadings ?? (name === 'th' || name === 'dt' ? name : undefined),
  };
}

/** The sanitizer wrote more than the cost allowed for putting it right: left as written. */
class TooCostly extends Error {}

/**
 * Sanitized HTML made to follow HTML's content model, saying what moved; the same string when nothing had
 * to. Not a general parser: the sanitizer writes every tag closed, every attribute quoted, text escaped.
 */
export function conformHtml(
  html: string,
  say: SayMoved,
  options: {
    readonly always?: boolean;
    /** The summary a `<details>` without one is given: the site's word for "Details" (English by default). */
    readonly detailsSummary?: string;
  } = {},
): string {
  const read = treeOf(html, false);
  if (read === undefined) return html;
  if (read === 'too deep') {
    say(
      `nests elements more than ${MAX_CONFORM_DEPTH} deep, so where they stand was not put right (the page may not be valid HTML)`,
      '<',
    );
    return html;
  }
  // Tests run both passes whatever the reading found, to check it never misses what they would move.
  const { misplaced, nestedLinks } = options.always ? { misplaced: true, nestedLinks: true } : read;
  if (!misplaced && !nestedLinks) return html;
  const tree = treeOf(html, true) as Tree;
  const fixes = new Conformer(tree.elements, options.detailsSummary ?? markdownWordsFor().details);
  try {
    const placed = misplaced ? fixes.placeChildren(tree.children, BODY) : tree.children;
    const linked = nestedLinks ? fixes.linkChildren(placed, false, true) : placed;
    if (fixes.notes.size === 0) return html;
    for (const [text, at] of fixes.notes) say(text, at);
    return linked.map(serialize).join('');
  } catch (error) {
    if (!(error instanceof TooCostly)) throw error;
    say(
      'needs too many elements moved to put right, so it is left as written (the page may not be valid HTML)',
      '<',
    );
    return html;
  }
}

const TOKEN = /<(\/?)([a-z][a-z0-9-]*)\b[^>]*>|[^<]+/gy;

/** The body read into a tree, with what the passes over it will have to do. */
interface Tree {
  readonly children: Node[];
  readonly elements: number;
  /** Something may stand where it may not: the first pass runs. */
  readonly misplaced: boolean;
  /** A link or control stands inside a link: the second pass runs. */
  readonly nestedLinks: boolean;
}

/** An open element as the body is read, and what stood in it so far. */
interface Open {
  readonly name: string;
  /** Where its children go, when the tree is built. */
  readonly children: Node[] | undefined;
  readonly phrasing: boolean;
  readonly inLink: boolean;
  readonly noHeadings: boolean;
  /** Inside `<math>`, which is not looked into. */
  readonly math: boolean;
  /** Whether anything but whitespace stood in it yet. */
  content: boolean;
  /** The last element in it. */
  last: string;
  /** A `<summary>` stood in it. */
  summary: boolean;
}

/**
 * The sanitizer's output read (and built into a tree if `build`), undefined if it is not as the sanitizer
 * writes it. As it reads, it looks for anything the passes would move, by the rules they follow but erring
 * towards yes (a caption after a figure's image is looked at again): most bodies have nothing to move, and
 * cost a reading.
 */
function treeOf(html: string, build: boolean): Tree | 'too deep' | undefined {
  const root: Open = {
    name: '',
    children: build ? [] : undefined,
    phrasing: false,
    inLink: false,
    noHeadings: false,
    math: false,
    content: false,
    last: '',
    summary: false,
  };
  const open = [root];
  let elements = 0;
  let misplaced = false;
  let nestedLinks = false;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < html.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(html);
    if (!match || match.index !== at) return undefined;
    const parent = open[open.length - 1] as Open;
    const [token, closing, name] = match;
    if (name === undefined) {
      parent.children?.push(token);
      if (!isBlank(token)) {
        parent.content = true;
        if (STRUCTURES.has(parent.name)) misplaced = true;
      }
    } else if (closing) {
      if (parent.name !== name || open.length === 1) return undefined;
      open.pop();
      // A term without its description, a row without a cell.
      if ((name === 'dl' && parent.last === 'dt') || (name === 'tr' && !CELLS.has(parent.last)))
        misplaced = true;
      if (name === 'details' && !parent.summary && !parent.math) misplaced = true;
    } else {
      const children: Node[] | undefined = build ? [] : undefined;
      if (children) parent.children?.push({ name, tag: token, children });
      elements++;
      const checked = !parent.math && (BLOCKS.has(name) || PHRASING.has(name));
      if (checked && !misplaced) misplaced = isMisplaced(name, parent);
      if (checked && parent.inLink && INTERACTIVE.has(name)) nestedLinks = true;
      parent.content = true;
      parent.last = name;
      if (name === 'summary') parent.summary = true;
      if (!VOID.has(name))
        open.push({
          name,
          children,
          phrasing: PHRASING_ONLY.has(name) || (TRANSPARENT.has(name) && parent.phrasing),
          inLink: parent.inLink || name === 'a',
          noHeadings: parent.noHeadings || name === 'th' || name === 'dt',
          math: parent.math || name === 'math',
          content: false,
          last: '',
          summary: false,
        });
      if (open.length > MAX_CONFORM_DEPTH + 1) return 'too deep';
    }
  }
  if (open.length !== 1) return undefined;
  return { children: root.children ?? [], elements, misplaced, nestedLinks };
}

/** Whether an element opening in `parent` may be one the first pass moves (yes when in doubt). */
function isMisplaced(name: string, parent: Open): boolean {
  const where = parent.name;
  if (parent.phrasing && BLOCKS.has(name) && !(where === 'summary' && HEADINGS.has(name))) return true;
  const parents = PARENTS[name];
  if (parents && !parents.in.includes(where)) return true;
  if (parent.noHeadings && (HEADINGS.has(name) || name === 'section')) return true;
  switch (name) {
    case 'li':
      return where !== 'ul' && where !== 'ol';
    case 'dt':
      return where !== 'dl';
    case 'dd':
      return where !== 'dl' || (parent.last !== 'dt' && parent.last !== 'dd');
    case 'td':
    case 'th':
      return where !== 'tr';
    case 'thead':
      return parent.content;
    case 'tfoot':
      return true;
    case 'summary':
    case 'figcaption':
      return parent.content;
  }
  switch (where) {
    case 'ul':
    case 'ol':
      return name !== 'li';
    case 'dl':
      return name !== 'dt' && name !== 'dd';
    case 'table':
      return !TABLE_SECTIONS.has(name) && name !== 'tr';
    case 'thead':
    case 'tbody':
    case 'tfoot':
      return name !== 'tr';
    case 'tr':
      return !CELLS.has(name);
  }
  return false;
}

function serialize(node: Node): string {
  if (!isElement(node)) return node;
  if (VOID.has(node.name)) return node.tag;
  return `${node.tag}${node.children.map(serialize).join('')}</${node.name}>`;
}

/** The passes over one body, and what they cost. */
class Conformer {
  /** What was moved, each said once, with the source text its line is found by; said when all is done. */
  readonly notes = new Map<string, string>();
  /** Elements the passes may still make: a few per element of the body, then it is left as written. */
  private budget: number;

  constructor(
    elements: number,
    private readonly detailsSummary: string,
  ) {
    this.budget = 4 * elements + 1000;
  }

  private note(text: string, at: string): void {
    if (!this.notes.has(text)) this.notes.set(text, at);
  }

  /** A new element, within the budget. */
  private make(name: string, tag: string, children: readonly Node[]): Element {
    if (--this.budget < 0) throw new TooCostly();
    return { name, tag, children };
  }

  /**
   * Pieces of `element` around the nodes it may not hold (`apart`): each run of the rest in a copy of it,
   * the first with its own tag (and id). A run of whitespace alone stays as text; an empty run is dropped,
   * but for the element's own first piece when it has an id (a link's target).
   */
  private split(
    element: Element,
    children: readonly Node[],
    apart: (node: Node) => boolean,
    moved: (node: Element) => Node,
  ): Node[] {
    const pieces: Node[] = [];
    let run: Node[] = [];
    let own = true;
    const flush = () => {
      if (run.length === 0 || run.every(isBlank)) {
        if (own && /\sid="/.test(element.tag)) {
          pieces.push({ name: element.name, tag: element.tag, children: run });
          own = false;
        } else pieces.push(...run);
      } else {
        pieces.push(own ? { name: element.name, tag: element.tag, children: run } : this.copy(element, run));
        own = false;
      }
      run = [];
    };
    for (const child of children) {
      if (isElement(child) && apart(child)) {
        flush();
        pieces.push(moved(child));
      } else run.push(child);
    }
    flush();
    return pieces;
  }

  /** An unwrapped block's children where flow content stands: its words a paragraph, as its box showed them. */
  private ownParagraph(children: readonly Node[]): Node[] {
    if (!children.every(isPhrasing) || children.every(isBlank)) return [...children];
    return [this.make('p', '<p>', children)];
  }

  /** A copy of an element around other children, without its id (which must stay unique). */
  private copy(element: Element, children: readonly Node[]): Element {
    return this.make(element.name, withoutId(element.tag), children);
  }

  // --- Blocks where only phrasing content may stand, and the parts of lists, tables, details and figures.

  /** The children of an element placed where they may stand, in context `where`. */
  placeChildren(children: readonly Node[], where: Context): Node[] {
    const out: Node[] = [];
    /** Whether anything but whitespace stands in `out`; whether an unwrapped block's line break is owed. */
    let words = false;
    let owed = false;
    const pushOne = (node: Node) => {
      if (!isBlank(node)) {
        if (owed) out.push(where.pre ? '\n' : this.make('br', '<br>', []));
        owed = false;
        words = true;
      }
      out.push(node);
    };
    // Nodes in an array, not as arguments: an element may hold more than a call takes (about 100,000).
    const push = (nodes: readonly Node[]) => {
      for (const node of nodes) pushOne(node);
    };
    const unwrap = (element: Element, why: string) => {
      this.note(`<${element.name}> ${why}`, `<${element.name}`);
      const inner = this.placeChildren(element.children, where);
      if (inner.every(isBlank)) push(inner);
      else if (where.phrasing) {
        // On a line of its own, as the block's box set it apart from the words before and after it.
        owed = words;
        push(inner);
        owed = true;
      } else push(this.ownParagraph(inner));
    };
    for (const child of children) {
      if (!isChecked(child)) {
        pushOne(child);
        continue;
      }
      const parents = PARENTS[child.name];
      if (parents && !parents.in.includes(where.name)) {
        unwrap(
          child,
          `outside ${parents.named} unwrapped, its text kept: it belongs directly in ${parents.named}`,
        );
      } else if (where.noHeadings && (HEADINGS.has(child.name) || child.name === 'section')) {
        unwrap(
          child,
          `inside <${where.noHeadings}> unwrapped, its text kept: <${where.noHeadings}> may not hold headings or sections`,
        );
      } else if (
        where.phrasing &&
        BLOCKS.has(child.name) &&
        !(where.name === 'summary' && HEADINGS.has(child.name))
      ) {
        const owner = named(where.keepsText ?? where.owner);
        const reason = `${owner} holds only text and inline elements`;
        if (where.keepsText || where.moves > MAX_MOVE || !where.landing)
          unwrap(child, `inside ${owner} unwrapped, its text kept: ${reason}`);
        else {
          this.note(`<${child.name}> inside ${owner} moved out: ${reason}`, `<${child.name}`);
          // It lands beside the inline elements around it; each splits around it as it passes.
          const placed = this.place(child, where.landing);
          push(child.name === 'table' ? this.travelling(placed) : placed);
        }
      } else push(this.place(child, where));
    }
    return where.phrasing || STRUCTURES.has(where.name) ? out : this.gatherStrays(out);
  }

  /** An element placed in context `where`: itself, or pieces of it around the blocks it may not hold. */
  private place(element: Element, where: Context): Node[] {
    const inside = childContext(element, where);
    let children = this.placeChildren(element.children, inside);
    switch (element.name) {
      case 'ul':
      case 'ol':
        children = this.listItems(element, children);
        break;
      case 'dl':
        children = this.terms(children);
        break;
      case 'table':
        return this.table(element, children);
      case 'details':
        children = this.summaryFirst(children);
        break;
      case 'figure':
        children = this.captionFirstOrLast(children);
        break;
    }
    // A summary may hold a heading (placeChildren left it there): it is no block to split around.
    const headsSummary = (node: Node) =>
      element.name === 'summary' && isElement(node) && HEADINGS.has(node.name);
    const moving = (node: Node) => (isBlock(node) && !headsSummary(node)) || this.fostered.has(node);
    if (!inside.phrasing || !children.some(moving)) return [{ ...element, children }];
    // Blocks came out of the children: this element splits around them, its formatting carried into them.
    const carries = PHRASING.has(element.name);
    return this.split(element, children, moving, (block) =>
      carries && TAKES_FORMATTING.has(block.name) && block.children.length > 0
        ? { ...block, children: [this.copy(element, block.children)] }
        : block,
    );
  }

  /** What a table moving out of inline elements held that goes before it, as flow content. */
  private readonly fostered = new Set<Node>();

  /**
   * A table moving out of inline elements, with what goes before it: that was placed as flow content, and
   * moves out with the table, its words as paragraphs (blocks move out by themselves), a link or `<ins>`
   * around blocks marked to move as they do.
   */
  private travelling(placed: readonly Node[]): Node[] {
    const out: Node[] = [];
    let run: Node[] = [];
    const flush = () => {
      out.push(...this.ownParagraph(run));
      run = [];
    };
    for (const node of placed) {
      if (isPhrasing(node)) run.push(node);
      else {
        flush();
        if (!isBlock(node)) this.fostered.add(node);
        out.push(node);
      }
    }
    flush();
    return out;
  }

  /** Runs of list items outside a list get a `<ul>`; of terms and descriptions, a `<dl>`. */
  private gatherStrays(nodes: Node[]): Node[] {
    if (!nodes.some((n) => isElement(n) && (n.name === 'li' || n.name === 'dt' || n.name === 'dd')))
      return nodes;
    const out: Node[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as Node;
      const kind = isElement(node)
        ? node.name === 'li'
          ? 'li'
          : node.name === 'dt' || node.name === 'dd'
            ? 'dl'
            : ''
        : '';
      if (kind === '') {
        out.push(node);
        continue;
      }
      const belongs = (n: Node | undefined) =>
        n !== undefined &&
        isElement(n) &&
        (kind === 'li' ? n.name === 'li' : n.name === 'dt' || n.name === 'dd');
      let end = i + 1;
      for (let j = i + 1; j < nodes.length; j++) {
        const next = nodes[j] as Node;
        if (belongs(next)) end = j + 1;
        else if (!isBlank(next)) break;
      }
      const run = nodes.slice(i, end);
      if (kind === 'li') {
        this.note('<li> outside a list put in a <ul>: a list item belongs in <ul> or <ol>', '<li');
        out.push(this.make('ul', '<ul>', run));
      } else {
        const name = (node as Element).name;
        this.note(`<${name}> outside a <dl> put in one: terms and descriptions belong in <dl>`, `<${name}`);
        out.push(this.make('dl', '<dl>', this.termGroups(run)));
      }
      i = end - 1;
    }
    return out;
  }

  /** A list's children, each in a list item: what stands between items joins the item before it. */
  private listItems(list: Element, children: readonly Node[]): Node[] {
    const out: Node[] = [];
    let item: { element: Element; children: Node[]; at: number } | undefined;
    for (const child of children) {
      if (isBlank(child) || (isElement(child) && child.name === 'li')) {
        out.push(child);
        if (isElement(child)) item = { element: child, children: [...child.children], at: out.length - 1 };
        continue;
      }
      this.note(
        `${isElement(child) ? `<${child.name}>` : 'text'} inside <${list.name}> put in a list item: <${list.name}> holds only <li>`,
        isElement(child) ? `<${child.name}` : `<${list.name}`,
      );
      if (!item) {
        const element = this.make('li', '<li>', []);
        out.push(element);
        item = { element, children: [], at: out.length - 1 };
      }
      // Whitespace between the item and what joins it goes in with it.
      item.children.push(...out.splice(item.at + 1), child);
      out[item.at] = { ...item.element, children: this.gatherStrays(item.children) };
    }
    return out;
  }

  /** A description list's children: terms and descriptions, anything else in the description before it. */
  private terms(children: readonly Node[]): Node[] {
    const out: Node[] = [];
    for (const child of children) {
      if (isBlank(child) || (isElement(child) && (child.name === 'dt' || child.name === 'dd'))) {
        out.push(child);
        continue;
      }
      this.note(
        `${isElement(child) ? `<${child.name}>` : 'text'} inside <dl> put in a <dd>: <dl> holds only <dt> and <dd>`,
        isElement(child) ? `<${child.name}` : '<dl',
      );
      const last = out.findLastIndex((n) => !isBlank(n));
      const before = out[last];
      if (before && isElement(before) && before.name === 'dd')
        out[last] = {
          ...before,
          children: this.gatherStrays([...before.children, ...out.splice(last + 1), child]),
        };
      else out.push(this.make('dd', '<dd>', this.gatherStrays([child])));
    }
    return this.termGroups(out);
  }

  /** Terms and descriptions in groups: every description after a term, every term followed by one. */
  private termGroups(nodes: readonly Node[]): Node[] {
    const out: Node[] = [];
    let last = '';
    for (const node of nodes) {
      if (isElement(node) && node.name === 'dd' && last !== 'dt' && last !== 'dd') {
        this.note('<dd> without a <dt> before it given an empty one: a description follows its term', '<dd');
        out.push(this.make('dt', '<dt>', []));
      }
      out.push(node);
      if (isElement(node)) last = node.name;
    }
    if (last === 'dt') {
      this.note(
        '<dt> without a <dd> after it given an empty one: a term is followed by its description',
        '<dt',
      );
      out.push(this.make('dd', '<dd>', []));
    }
    return out;
  }

  /**
   * A table's rows and cells; what else it held goes before it, as browsers show it. Cells outside a row
   * get one, empty rows go, the head comes first and the foot last.
   */
  private table(table: Element, children: readonly Node[]): Node[] {
    const before: Node[] = [];
    const foster = (node: Node) => {
      const what = isElement(node) ? `<${node.name}>` : 'text';
      this.note(
        `${what} inside <table> moved before it: a table holds only rows and cells`,
        isElement(node) ? `<${node.name}` : '<table',
      );
      before.push(node);
    };
    const rowOf = (row: Element): Element => ({
      ...row,
      children: row.children.filter((cell) => {
        if (isBlank(cell) || (isElement(cell) && CELLS.has(cell.name))) return true;
        foster(cell);
        return false;
      }),
    });
    /** Rows of a table or section; cells standing loose in it go into rows of their own. */
    const rowsOf = (nodes: readonly Node[], loose: (node: Node) => Node | undefined): Node[] => {
      const out: Node[] = [];
      let row: Node[] | undefined;
      const endRow = () => {
        if (row) out.push(this.make('tr', '<tr>', row));
        row = undefined;
      };
      for (const node of nodes) {
        if (isElement(node) && CELLS.has(node.name)) {
          if (!row)
            this.note(
              `<${node.name}> directly in a table put in a row: cells belong in <tr>`,
              `<${node.name}`,
            );
          row ??= [];
          row.push(node);
        } else if (isBlank(node)) (row ?? out).push(node);
        else {
          endRow();
          if (isElement(node) && node.name === 'tr') out.push(rowOf(node));
          else {
            const kept = loose(node);
            if (kept) out.push(kept);
          }
        }
      }
      endRow();
      // A row with no cell is no row; it held no text (what else it held went before the table).
      return out.filter((n) => {
        if (!isElement(n) || n.name !== 'tr' || n.children.some((c) => !isBlank(c))) return true;
        this.note('<tr> with no cell removed: a row holds cells', '<tr');
        return false;
      });
    };
    const parts = rowsOf(children, (node) => {
      if (isElement(node) && TABLE_SECTIONS.has(node.name))
        return { ...node, children: rowsOf(node.children, (n) => void foster(n)) };
      foster(node);
      return undefined;
    });
    // One head, first; one foot, last; any other becomes a body, as browsers lay them out.
    const head = parts.find((n) => isElement(n) && n.name === 'thead');
    const foot = parts.find((n) => isElement(n) && n.name === 'tfoot');
    const middle: Node[] = [];
    for (const part of parts) {
      if (part === head || part === foot) continue;
      if (isElement(part) && (part.name === 'thead' || part.name === 'tfoot')) {
        this.note(`second <${part.name}> in a table made a <tbody>: a table has one`, `<${part.name}`);
        middle.push(this.make('tbody', part.tag.replace(/^<t(?:head|foot)/, '<tbody'), part.children));
      } else middle.push(part);
    }
    const firstPart = parts.findIndex((n) => !isBlank(n));
    if (head && parts[firstPart] !== head)
      this.note('<thead> after rows moved to the start of its table: the head comes first', '<thead');
    const lastPart = parts.findLastIndex((n) => !isBlank(n));
    if (foot && parts[lastPart] !== foot)
      this.note('<tfoot> before rows moved to the end of its table: the foot comes last', '<tfoot');
    const rows = [...(head ? [head] : []), ...middle, ...(foot ? [foot] : [])];
    return [...before, { ...table, children: rows }];
  }

  /** A details' summary first, as browsers show the first one; any other unwrapped. */
  private summaryFirst(children: readonly Node[]): Node[] {
    const summaries = children.filter((n): n is Element => isElement(n) && n.name === 'summary');
    const [first] = summaries;
    if (!first) {
      // Browsers show a summary of their own ("Details", in the reader's language); the Nu checker wants one.
      this.note(
        `<details> given a <summary> ("${this.detailsSummary}"): a <details> begins with its summary`,
        '<details',
      );
      return [this.make('summary', '<summary>', [escapeHtml(this.detailsSummary)]), ...children];
    }
    const rest: Node[] = [];
    for (const child of children) {
      if (child === first) continue;
      if (isElement(child) && child.name === 'summary') {
        this.note(
          'second <summary> in <details> unwrapped, its text kept: <details> has one summary',
          '<summary',
        );
        for (const node of this.ownParagraph(child.children)) rest.push(node);
      } else rest.push(child);
    }
    if (children.findIndex((n) => !isBlank(n)) !== children.indexOf(first))
      this.note('<summary> moved to the start of its <details>: the summary comes first', '<summary');
    return [first, ...rest];
  }

  /** A figure's caption, first or last; any other unwrapped where it stands. */
  private captionFirstOrLast(children: readonly Node[]): Node[] {
    const content = children.filter((n) => !isBlank(n));
    const ends = [content[0], content[content.length - 1]];
    const kept = content.find((n) => isElement(n) && n.name === 'figcaption' && ends.includes(n));
    return children.flatMap((child) => {
      if (!isElement(child) || child.name !== 'figcaption' || child === kept) return [child];
      this.note(
        '<figcaption> inside <figure> unwrapped, its text kept: a figure has one caption, first or last',
        '<figcaption',
      );
      return this.ownParagraph(child.children);
    });
  }

  // --- Links and controls inside links.

  /**
   * Children in a link or not (`inLink`), in flow content or phrasing (`flow`). A link or control inside a
   * link comes out of it: the elements around it, up to the link, close before it and open again after.
   */
  linkChildren(children: readonly Node[], inLink: boolean, flow: boolean): Node[] {
    const out: Node[] = [];
    for (const child of children) {
      if (!isChecked(child)) {
        out.push(child);
        continue;
      }
      if (child.name === 'a' && flow && child.children.some(isInteractiveBlock)) {
        // A link around blocks that hold a link: it goes inside those blocks, where it can close around it.
        for (const node of this.linkChildren(
          this.spread(child, child.children, { first: true }),
          inLink,
          flow,
        ))
          out.push(node);
        continue;
      }
      for (const piece of this.linked(child, inLink, flow)) {
        if (inLink && isElement(piece) && INTERACTIVE.has(piece.name) && !this.leaving.has(piece)) {
          this.note(
            `<${piece.name}> inside <a> moved out: a link may not hold links or form controls`,
            `<${piece.name}`,
          );
          this.leaving.add(piece);
        }
        out.push(piece);
      }
    }
    return out;
  }

  /** Links and controls on their way out of the link around them. */
  private readonly leaving = new Set<Node>();

  private linked(element: Element, inLink: boolean, flow: boolean): Node[] {
    const phrasing = PHRASING_ONLY.has(element.name) || (TRANSPARENT.has(element.name) && !flow);
    const inside = inLink || element.name === 'a';
    const children = this.linkChildren(element.children, inside, !phrasing);
    if (!children.some((c) => this.leaving.has(c))) return [{ ...element, children }];
    return this.split(
      element,
      children,
      (c) => this.leaving.has(c),
      (out) => {
        if (element.name === 'a') {
          // Out of this link; still leaving if another is around it.
          if (!inLink) this.leaving.delete(out);
          return out;
        }
        // The formatting around it stays around it (as browsers reopen it), outside.
        this.leaving.delete(out);
        const wrapped = this.copy(element, [out]);
        this.leaving.add(wrapped);
        return wrapped;
      },
    );
  }

  /**
   * A link's children with the link spread over them: runs without a link or control stay in a copy of
   * it; it goes inside the blocks that hold one (into their text, their items, their cells); a control
   * that is a block (`<details>`) stands outside it.
   */
  private spread(link: Element, children: readonly Node[], own: { first: boolean }): Node[] {
    const out: Node[] = [];
    let run: Node[] = [];
    const wrap = (nodes: Node[]): Element => {
      const tag = own.first ? link.tag : withoutId(link.tag);
      own.first = false;
      return this.make('a', tag, nodes);
    };
    const flush = () => {
      if (run.some((n) => !isBlank(n))) out.push(wrap(run));
      else out.push(...run);
      run = [];
    };
    for (const child of children) {
      if (!isInteractiveBlock(child)) {
        run.push(child);
        continue;
      }
      flush();
      if (INTERACTIVE.has(child.name))
        this.note(
          `<${child.name}> inside <a> moved out: a link may not hold links or form controls`,
          `<${child.name}`,
        );
      out.push(this.into(link, child, own, wrap));
    }
    flush();
    return out;
  }

  /** A block holding a link or control, with `link` spread inside it. */
  private into(
    link: Element,
    block: Element,
    own: { first: boolean },
    wrap: (nodes: Node[]) => Element,
  ): Node {
    if (INTERACTIVE.has(block.name) || VOID.has(block.name)) return block;
    if (STRUCTURES.has(block.name))
      return {
        ...block,
        children: block.children.map((c) =>
          isElement(c) && BLOCKS.has(c.name) ? this.into(link, c, own, wrap) : c,
        ),
      };
    if (TEXT_BLOCKS.has(block.name) || !holdsInteractive(block))
      return block.children.some((n) => !isBlank(n))
        ? { ...block, children: [wrap([...block.children])] }
        : block;
    return { ...block, children: this.spread(link, block.children, own) };
  }
}

/** Whether an element holds a link or a control anywhere inside. */
function holdsInteractive(element: Element): boolean {
  return element.children.some((c) => isElement(c) && (INTERACTIVE.has(c.name) || holdsInteractive(c)));
}

/** A block (or a link or `<ins>` around blocks) that is a control or holds a link or control. */
const isInteractiveBlock = (node: Node): node is Element =>
  isElement(node) && !isPhrasing(node) && (INTERACTIVE.has(node.name) || holdsInteractive(node));
