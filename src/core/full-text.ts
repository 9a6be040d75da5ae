// Full-text digests (`digest.content: full`): the sanitized article bodies in the email, styled inline
// (mail clients drop <style>), under the size at which Gmail clips a message. Kept apart from the digest's
// own markup so a theme can take it over.
import type { ArticleMeta } from './article.js';
import { html, type SafeHtml, trusted } from './html.js';
import { mathAsTex } from './math.js';
import { mathForMail } from './math-mail.js';

/** Gmail shows "[Message clipped]" and hides the rest (the unsubscribe link included) past this much HTML. */
export const GMAIL_CLIP_BYTES = 102 * 1024;
/**
 * The budget for the HTML as composed with preview links: the signed per-recipient links are longer
 * than the stand-ins, and the headers and plain-text part do not count towards the clip.
 */
export const FULL_TEXT_BUDGET_BYTES = GMAIL_CLIP_BYTES - 2 * 1024;

const MONO = 'font-family:Menlo,Consolas,Liberation Mono,monospace;';
/** Inline styles per element: code wraps instead of widening the message, images fit the column. */
const STYLES: Record<string, string> = {
  pre: `${MONO}font-size:13px;line-height:1.45;background:#f6f8fa;color:#1d1d1f;padding:12px;border-radius:4px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere;`,
  code: `${MONO}font-size:90%;background:#f6f8fa;color:#1d1d1f;`,
  img: 'max-width:100%;height:auto;border:0;',
  blockquote: 'margin:0 0 8px 0;padding:0 0 0 12px;border-left:3px solid #d9d9de;color:#5b5b66;',
  table: 'border-collapse:collapse;',
  th: 'border:1px solid #d9d9de;padding:4px 8px;text-align:left;',
  td: 'border:1px solid #d9d9de;padding:4px 8px;',
};

/** A task list item's box (`- [x]`), as marked writes it. */
const TASK_BOX = /<input\b[^>]*\btype="checkbox"[^>]*>/gi;

/**
 * An article's rendered body (sanitized, links and images already absolute) made fit for mail: each element
 * that needs one gets an inline style. Highlighted code already carries its colours in a style attribute;
 * ours goes in front of them there, so the highlighter's colours win.
 */
export function emailBody(html: string): string {
  // A task list's boxes as characters: mail clients drop form fields, and with them whether it is done.
  return html
    .replace(TASK_BOX, (box) => (/\schecked\b/i.test(box) ? '☑' : '☐'))
    .replace(
      /<(pre|code|img|blockquote|table|th|td)(?=[\s/>])([^>]*)>/gi,
      (_m, tag: string, rest: string) => {
        const name = tag.toLowerCase();
        let style = STYLES[name];
        if (!style) return `<${tag}${rest}>`;
        // A table column's alignment (`|--:|`) is an align attribute, which the style's own text-align beats.
        const align = /\salign="(left|right|center)"/i.exec(rest)?.[1];
        if (align) style += `text-align:${align.toLowerCase()};`;
        // A quote's grey must turn light where the digest goes dark (the template's .bs-muted).
        if (name === 'blockquote' && !/\sclass="/i.test(rest)) rest = ` class="bs-muted"${rest}`;
        const own = /\sstyle="([^"]*)"/.exec(rest);
        if (!own) return `<${tag} style="${style}"${rest}>`;
        return `<${tag}${rest.replace(own[0], ` style="${style}${own[1]}"`)}>`;
      },
    );
}

/**
 * Readable plain text of a body for the text part: blocks on their own lines, lists numbered as the page
 * numbers them (from an `<ol start>`) with nested items and their code indented under their item, code kept
 * as written, math as the TeX its author wrote, footnotes as [1] with their notes numbered at the end, a
 * table's rows one a line with their cells between bars, and a link's address after its text.
 */
export function bodyText(html: string): string {
  const source = linksAsText(mathAsTex(footnotesAsText(html), (tex) => `<div>$$${tex}$$</div>`));
  const out = new PlainText();
  for (const [, close, name, attributes, text] of source.matchAll(HTML_TOKEN)) {
    if (name === undefined) {
      if (text !== undefined) out.text(decodeBasicEntities(text));
    } else if (close) out.close(name.toLowerCase());
    else out.open(name.toLowerCase(), attributes ?? '');
  }
  return out
    .done()
    .replace(/(?<![ \t])[ \t]+\n/g, '\n')
    .trim();
}

/**
 * A tag (its name, and its attributes as written) or a run of text: sanitized bodies hold `<` only in tags.
 * (Not htmlparser2: its entry point would add 150 KB to the send function, which composes mail.)
 */
const HTML_TOKEN = /<(\/?)([a-z][a-z0-9-]*)\b([^>]*)>|<!--[\s\S]*?-->|([^<]+|<)/gi;
/** Blocks set apart by a blank line; within a list item, all but a paragraph by a line break alone. */
const PARAGRAPHS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'dl',
  'table',
  'figure',
  'details',
  'section',
  'div',
  'hr',
]);
/** Blocks on lines of their own. */
const LINES = new Set(['li', 'tr', 'summary', 'figcaption', 'caption', 'dt', 'dd']);
/** Elements whose own text is only the whitespace between their children. */
const CONTAINERS = new Set(['ul', 'ol', 'dl', 'table', 'thead', 'tbody', 'tfoot', 'tr']);

interface Open {
  readonly name: string;
  /** The indent to go back to as it closes. */
  readonly indent: string;
  /** An ordered list's next number; a row's cells so far. */
  count: number;
  /** A footnote (a list item), numbered [1] and not indented under its number. */
  note?: boolean;
}

/** How many of `text`'s last characters are among `chars` (an anchored regex would scan all of `text`). */
function trailing(text: string, chars: string): number {
  let n = 0;
  while (n < text.length && chars.includes(text[text.length - 1 - n] as string)) n++;
  return n;
}

/**
 * The text of a body as it is walked, tag by tag. Line breaks a block asks for are owed until text follows,
 * so empty elements and the whitespace between blocks leave no blank lines, and a list item's marker waits
 * for its first text. Lines within a list item are indented under its text.
 */
/**
 * The text as it grows, in pieces: reading back from one long string built by `+=` makes V8 flatten it each
 * time, which made a long body take seconds. The walk only ever looks at the last few characters.
 */
class Output {
  private readonly pieces: string[] = [];
  /** The last characters written: more than any look back needs (two line breaks, a cell's spaces). */
  private tail = '';

  get empty(): boolean {
    return this.pieces.length === 0;
  }

  last(): string | undefined {
    return this.tail.at(-1);
  }

  trailing(chars: string): number {
    return trailing(this.tail, chars);
  }

  append(text: string): void {
    if (text === '') return;
    this.pieces.push(text);
    this.tail = (this.tail + text).slice(-TAIL);
  }

  /** Drops `chars` at the end, across pieces. */
  trimEnd(chars: string): void {
    while (this.pieces.length > 0) {
      const piece = this.pieces.at(-1) as string;
      const kept = piece.length - trailing(piece, chars);
      if (kept > 0) {
        this.pieces[this.pieces.length - 1] = piece.slice(0, kept);
        break;
      }
      this.pieces.pop();
    }
    let tail = '';
    for (let i = this.pieces.length - 1; i >= 0 && tail.length < TAIL; i--) tail = this.pieces[i] + tail;
    this.tail = tail.slice(-TAIL);
  }

  toString(): string {
    return this.pieces.join('');
  }
}
const TAIL = 64;
/** How far list items indent their lines at most: raw HTML can nest lists hundreds deep for a few bytes. */
const MAX_INDENT = 12;

class PlainText {
  private readonly out = new Output();
  private pending = 0;
  private indent = '';
  private marker = '';
  private readonly stack: Open[] = [];
  private pre = 0;
  private cell = 0;
  private notes = 0;

  text(raw: string): void {
    if (this.pre > 0) {
      // The block's own line breaks stand for blank lines at the code's start.
      this.write(this.pending > 0 ? raw.replace(/^\n+/, '') : raw);
      return;
    }
    const top = this.stack.at(-1)?.name;
    if (top && CONTAINERS.has(top) && raw.trim() === '') return;
    // A table's cell on one line: its text's whitespace collapsed, and none at its start.
    let text = this.cell > 0 ? raw.replace(/\s+/g, ' ') : raw;
    const last = this.out.last();
    if (this.pending > 0 || last === undefined || last === '\n' || (this.cell > 0 && last === ' '))
      text = text.replace(/^\s+/, '');
    if (text !== '') this.write(text);
  }

  open(name: string, attributes: string): void {
    switch (name) {
      case 'br':
        if (this.cell > 0) this.text(' ');
        else if (this.pending === 0 && !this.out.empty) this.out.append('\n');
        return;
      case 'img': {
        const alt = /\salt="([^"]*)"/i.exec(attributes)?.[1];
        if (alt) this.text(`[${decodeBasicEntities(alt)}]`);
        return;
      }
      case 'input':
        if (/\stype="checkbox"/i.test(attributes)) this.text(/\schecked\b/i.test(attributes) ? '[x]' : '[ ]');
        return;
      case 'hr':
        this.block(2);
        return;
    }
    const frame: Open = { name, indent: this.indent, count: 0 };
    if (name === 'li') this.item(frame, attributes);
    else if (PARAGRAPHS.has(name) || LINES.has(name)) this.block(this.gap(name));
    if (name === 'ol') frame.count = Number(/\sstart="(\d+)"/i.exec(attributes)?.[1] ?? 1);
    if (name === 'pre') this.pre++;
    if (name === 'td' || name === 'th') {
      const row = this.stack.findLast((o) => o.name === 'tr');
      if (row && row.count++ > 0) this.write(' | ');
      this.cell++;
    }
    this.stack.push(frame);
  }

  close(name: string): void {
    const at = this.stack.findLastIndex((o) => o.name === name);
    if (at < 0) return;
    // Those left open inside it close first (the sanitizer closes every element, so only in principle).
    while (this.stack.length > at + 1) this.close((this.stack.at(-1) as Open).name);
    const frame = this.stack.pop() as Open;
    if (name === 'pre') {
      this.pre--;
      this.out.trimEnd(' \t\r\n');
    }
    if (name === 'td' || name === 'th') {
      this.cell--;
      this.out.trimEnd(' \t');
    }
    if (name === 'li') {
      if (this.marker !== '') this.write('');
      this.indent = frame.indent;
    }
    if (PARAGRAPHS.has(name) || LINES.has(name)) this.block(this.gap(name));
  }

  done(): string {
    return this.out.toString();
  }

  /** A list item: its marker (`- `, its number, or a footnote's [1]), and the indent of its lines. */
  private item(frame: Open, attributes: string): void {
    // An item that opens before its parent wrote any text: the parent's marker goes on a line of its own.
    if (this.marker !== '') this.write('');
    if (/\sid="footnote-/.test(attributes)) {
      this.block(2);
      this.marker = `${this.indent}[${++this.notes}] `;
      frame.note = true;
      return;
    }
    this.block(1);
    const list = this.stack.findLast((o) => o.name === 'ol' || o.name === 'ul');
    const marker = list?.name === 'ol' ? `${list.count++}. ` : '- ';
    this.marker = this.indent + marker;
    if (this.indent.length < MAX_INDENT) this.indent += ' '.repeat(marker.length);
  }

  /** The line breaks around a block: within a list item, only a paragraph stands a blank line apart. */
  private gap(name: string): number {
    if (LINES.has(name)) return 1;
    const item = this.stack.findLast((o) => o.name === 'li');
    return item && !item.note && name !== 'p' ? 1 : 2;
  }

  private block(breaks: number): void {
    this.pending = Math.max(this.pending, breaks);
  }

  /** Text at its place: after the line breaks owed, and on a new line after the marker or the indent. */
  private write(text: string): void {
    if (this.pending > 0 && !this.out.empty) {
      this.out.append('\n'.repeat(Math.max(0, this.pending - this.out.trailing('\n'))));
    }
    this.pending = 0;
    if (this.out.empty || this.out.last() === '\n') {
      this.out.append(this.marker === '' ? this.indent : this.marker);
      this.marker = '';
    }
    this.out.append(this.indent === '' ? text : text.replace(/\n(?=[^\n])/g, `\n${this.indent}`));
  }
}

/**
 * A link as its text and its address, `text (https://…)`, unless the text is the address; a mail link by
 * its address alone. A heading's link to itself (to an anchor; its id may be percent-encoded there) is only
 * its text.
 */
function linksAsText(html: string): string {
  return html
    .replace(
      /(<h[1-6]\b[^>]*\bid="[^"]*"[^>]*>)<a\b[^>]*\bhref="[^"#]*#[^"]*"[^>]*>([\s\S]*?)<\/a>/gi,
      '$1$2',
    )
    .replace(
      /<a\b[^>]*?\shref="((?:https?|mailto):[^"]*)"[^>]*>([\s\S]*?)<\/a>/gi,
      (_link, href: string, inner: string) => {
        const address = href.replace(/^mailto:/i, '');
        const shown = inner.replace(/<[^>]*>/g, '').trim();
        const bare = shown === address || `${shown}/` === address || (shown === '' && !/<img\b/i.test(inner));
        return bare ? inner : `${inner} (${address})`;
      },
    );
}

/** marked-footnote's references as [1] and its back-links dropped (PlainText numbers its notes). */
function footnotesAsText(html: string): string {
  return (
    html
      .replace(/<sup><a\b[^>]*\bdata-footnote-ref\b[^>]*>([^<]*)<\/a><\/sup>/g, '[$1]')
      // (?<!\s): a run of spaces is tried once, not from each of its spaces (quadratic on a long run).
      .replace(/(?<!\s)\s*<a\b[^>]*\bdata-footnote-backref\b[^>]*>[\s\S]*?<\/a>/g, '')
  );
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * The entities sanitized bodies hold: the sanitizer writes text with only these and numeric references.
 * (Not the `entities` package: its tables would add 37 KB to the send function, which composes mail.)
 */
function decodeBasicEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

export interface FullTextChoice {
  /** Article URL → mail-ready body, for the articles that go in full. */
  readonly bodies: Record<string, string>;
  /** URLs switched to summary and link to stay under the clip, oldest first. */
  readonly shortened: string[];
}

/**
 * Which articles go in full: all of them, unless the composed message (`measure`, in bytes) would pass
 * the budget; then, article by article from the oldest, a body gives way to its summary and link until it
 * fits (or only summaries are left).
 */
export function fitFullText(
  articles: readonly ArticleMeta[],
  bodyOf: ReadonlyMap<string, string>,
  measure: (bodies: Readonly<Record<string, string>>) => number,
  budget = FULL_TEXT_BUDGET_BYTES,
): FullTextChoice {
  const bodies: Record<string, string> = {};
  for (const a of articles) {
    const html = bodyOf.get(a.url);
    if (html !== undefined) bodies[a.url] = emailBody(html);
  }
  const oldestFirst = [...articles].sort((a, b) => a.dateMs - b.dateMs || a.url.localeCompare(b.url));
  const shortened: string[] = [];
  for (const a of oldestFirst) {
    if (measure(bodies) <= budget) break;
    if (bodies[a.url] === undefined) continue;
    delete bodies[a.url];
    shortened.push(a.url);
  }
  return { bodies, shortened };
}

/** The preview's note on what was shortened, or nothing. */
export function shortenedNote(
  articles: readonly ArticleMeta[],
  shortened: readonly string[] | undefined,
): string | undefined {
  if (!shortened || shortened.length === 0) return undefined;
  const titles = shortened.map((url) => `"${articles.find((a) => a.url === url)?.title ?? url}"`);
  return `Full text would pass Gmail's 102 KB clip: ${shortened.length} article${shortened.length === 1 ? '' : 's'} shortened to summary and link, oldest first: ${titles.join(', ')}`;
}

/** The article's body in the HTML part, in place of its summary (the digest's markup wraps it). */
export function fullTextHtml(body: string): SafeHtml {
  // Math only here, as the HTML is composed: the plain-text part reads the same body's MathML as its TeX.
  // Ids go: a digest of several articles would repeat them (two "Intro" headings, every footnote 1), and
  // its links point at the articles' pages, not into the mail. (An issue page scopes them instead.)
  const withoutIds = body.replace(START_TAG, (tag) => tag.replace(ID_ATTRIBUTE, ''));
  const shown = mathForMail(withoutIds, STYLES.code as string);
  // bs-fg: the digest's template turns it light in dark mode, as it does the summaries.
  return html`<div class="bs-fg" style="margin:0 0 8px 0;font-size:16px;line-height:1.5;color:#1d1d1f;">${trusted(shown)}</div>`;
}

/** A start tag: text and code hold `<` only as `&lt;`, so this is markup, never text. */
const START_TAG = /<[a-z][^>]*>/gi;
/** An attribute naming ids of the same page: an element's own, or those it refers to. */
const ID_ATTRIBUTE = /(\s(?:id|aria-describedby|aria-labelledby)=")([^"]*)"/gi;

/**
 * A body's ids made its own on a page that shows several (a newsletter issue): `footnote-1` of the second
 * article is `a2-footnote-1`, and what refers to it follows, so no two articles repeat an id or point at
 * each other's notes. Only in tags: `id="x"` written in text or code stays as written. Links are absolute
 * (to the article's page) and stay as they are.
 */
export function scopedIds(body: string, scope: string): string {
  const scoped = (ids: string) =>
    ids
      .split(/\s+/)
      .filter((id) => id !== '')
      .map((id) => `${scope}-${id}`)
      .join(' ');
  return body.replace(START_TAG, (tag) =>
    tag.replace(ID_ATTRIBUTE, (_m, attribute: string, ids: string) => `${attribute}${scoped(ids)}"`),
  );
}
