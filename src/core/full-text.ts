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
 * Readable plain text of a body for the text part: blocks on their own lines, code kept as written, math as
 * the TeX its author wrote, footnotes as [1] with their notes numbered at the end, a table's rows one a line
 * with their cells between bars, and a link's address after its text.
 */
export function bodyText(html: string): string {
  const text = linksAsText(mathAsTex(footnotesAsText(html), (tex) => `\n\n$$${tex}$$\n\n`))
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/(?<!\s)\s*<li\b[^>]*>/gi, '\n- ')
    .replace(/<tr\b[^>]*>([\s\S]*?)<\/tr>\s*/gi, (_row, cells: string) => `${rowText(cells)}\n`)
    .replace(/<\/?(?:thead|tbody)\b[^>]*>\s*/gi, '')
    .replace(/<\/(p|h[1-6]|pre|blockquote|ul|ol|table|figure|div)>/gi, '\n\n')
    .replace(/<img\b[^>]*\balt="([^"]*)"[^>]*>/gi, '[$1]')
    .replace(TASK_BOX, (box) => (/\schecked\b/i.test(box) ? '[x]' : '[ ]'))
    .replace(/<[^>]*>/g, '');
  return decodeBasicEntities(text)
    .replace(/(?<![ \t])[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A table row's cells, `a | b | c`. */
function rowText(cells: string): string {
  return [...cells.matchAll(/<t([hd])\b[^>]*>([\s\S]*?)<\/t\1>/gi)]
    .map((cell) => (cell[2] ?? '').replace(/\s+/g, ' ').trim())
    .join(' | ');
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

/** marked-footnote's references as [1], its back-links dropped, its notes numbered as the page shows them. */
function footnotesAsText(html: string): string {
  let n = 0;
  return (
    html
      .replace(/<sup><a\b[^>]*\bdata-footnote-ref\b[^>]*>([^<]*)<\/a><\/sup>/g, '[$1]')
      // (?<!\s): a run of spaces is tried once, not from each of its spaces (quadratic on a long run).
      .replace(/(?<!\s)\s*<a\b[^>]*\bdata-footnote-backref\b[^>]*>[\s\S]*?<\/a>/g, '')
      // Only the notes themselves: a list inside a note keeps its bullets.
      .replace(/(?<!\s)\s*<li id="footnote-[^"]*">\s*(?:<p>)?/g, () => `\n\n[${++n}] `)
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
  const shown = mathForMail(body, STYLES.code as string);
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
