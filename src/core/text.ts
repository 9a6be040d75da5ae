import { decodeHTML } from 'entities';

// Characters XML 1.0 forbids even as references: C0 controls except tab/LF/CR, U+FFFE/U+FFFF,
// and UTF-16 surrogates that are not part of a pair.
const XML_INVALID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Drops characters that would make a feed ill-formed XML; everything else is kept exactly. */
export function stripXmlInvalid(text: string): string {
  return text.replace(XML_INVALID, '');
}

/** A single-line label (title, tag, author): XML-safe, no line breaks, runs of whitespace collapsed. */
export function singleLine(text: string): string {
  return stripXmlInvalid(text).replace(/\s+/g, ' ').trim();
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML/XML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * A URL-safe slug: lowercase ASCII letters, digits and single hyphens. Accents are folded
 * (é → e); anything else becomes a separator. Returns '' when nothing usable is left.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Plain text of a fragment of sanitized HTML, for summaries derived from the body. */
export function htmlToText(html: string): string {
  const spaced = html.replace(
    /<\/?(?:p|br|hr|h[1-6]|li|ul|ol|div|tr|td|th|blockquote|pre|figure)\b[^>]*>/gi,
    ' ',
  );
  return decodeHTML(spaced.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Shortens text at a word boundary to at most `max` characters, marking the cut with an ellipsis. */
export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
