import transliterate from '@sindresorhus/transliterate';
import { decodeHTML } from 'entities';
import { fromCodePoint, replaceCodePoint } from 'entities/decode';
import { slug as githubSlug } from 'github-slugger';

// Characters XML 1.0 forbids even as references: C0 controls except tab/LF/CR, U+FFFE/U+FFFF,
// and UTF-16 surrogates that are not part of a pair.
const XML_INVALID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Drops characters that would make a feed ill-formed XML; everything else is kept exactly. */
export function stripXmlInvalid(text: string): string {
  return text.replace(XML_INVALID, '');
}

/** DEL and the C1 controls, raw or as a numeric character reference: HTML forbids them. */
const HTML_FORBIDDEN = /[\u007F-\u009F]|&#(?:[xX]0*(7[fF]|[89][0-9a-fA-F])|0*(12[7-9]|1[3-5][0-9]));/g;

/**
 * HTML without the code points it forbids (the Nu checker's "Forbidden code point"). A C1 control, as a
 * reference (&#x80;) or as text pasted from a file read with the wrong encoding, stands for the Windows-1252
 * character a browser reads the reference as (€); DEL and those with no such character are dropped.
 */
export function stripHtmlForbidden(html: string): string {
  return html.replace(HTML_FORBIDDEN, (match, hex?: string, decimal?: string) => {
    const code =
      hex !== undefined
        ? Number.parseInt(hex, 16)
        : decimal !== undefined
          ? Number(decimal)
          : match.charCodeAt(0);
    return windows1252(code);
  });
}

/** The Windows-1252 character a C1 control stands for when text was decoded with the wrong encoding, or ''. */
function windows1252(code: number): string {
  const meant = replaceCodePoint(code);
  return meant > 0x9f ? fromCodePoint(meant) : '';
}

/** A single-line label (title, tag, author): XML-safe, no line breaks, runs of whitespace collapsed. */
export function singleLine(text: string): string {
  const line = stripXmlInvalid(text)
    // A C1 control is the Windows-1252 character it stands for, as in bodies; the rest draws nothing.
    .replace(LABEL_INVISIBLE, (c) => (c >= '\u0080' && c <= '\u009F' ? windows1252(c.charCodeAt(0)) : ''))
    .replace(/\s+/g, ' ')
    .trim();
  // Zero-width spaces and joiners alone would make a label that shows nothing: it is empty.
  return VISIBLE.test(line) ? line : '';
}

const VISIBLE = /[^\s\p{Default_Ignorable_Code_Point}]/u;

/**
 * What a label never needs and only hides or spoofs with: DEL and the C1 controls (HTML forbids them), and
 * the bidi embeddings, overrides and isolates, which a label cannot close before the text put after it
 * (` · site name`, a file extension) and so turn around; and the Hangul fillers (U+3164 and its kin) and the
 * Braille blank (U+2800), letters that draw nothing, which make a title or tag look empty or like another. The marks (U+200E, U+200F) stay.
 */
const LABEL_INVISIBLE = /[\u007F-\u009F\u202A-\u202E\u2066-\u2069\u115F\u1160\u3164\uFFA0\u2800]/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Longest name a slug or an alias segment may give a folder of the built site, in UTF-8 bytes: file systems
 * allow 255, and a name in Thai or Chinese takes three bytes a letter.
 */
export const MAX_FOLDER_NAME_BYTES = 255;

const encoder = new TextEncoder();
export const utf8Length = (text: string): number => encoder.encode(text).length;

/** Escapes text for HTML/XML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * What draws nothing (joiners, variation selectors, Hangul fillers): in an address two slugs would look
 * alike, or one look empty. (`test` on the global pattern would keep state between calls.)
 */
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
/**
 * What a joiner shapes after: a letter or mark of any script but those that never join or form conjuncts,
 * read by Script_Extensions (scx) so the marks a script shares count as its own (Arabic's shadda and
 * tatweel, Vedic signs), while a mark of any script (a combining acute) does not.
 */
const SHAPES =
  '[[\\p{L}\\p{M}]--[\\p{scx=Latin}\\p{scx=Cyrillic}\\p{scx=Greek}\\p{scx=Armenian}\\p{scx=Georgian}' +
  '\\p{scx=Hebrew}\\p{scx=Thai}\\p{scx=Lao}\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}' +
  '\\p{scx=Bopomofo}\\p{scx=Inherited}\\p{scx=Common}]]';
/** What an emoji ZWJ sequence joins: pictographs, skin tones, and the emoji presentation selector. */
const EMOJI = '[\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\uFE0F]';
/**
 * What draws nothing and does nothing in a name: soft hyphens, zero-width spaces, bidi controls, fillers.
 * A joiner stays after a letter that shapes by it (ZWNJ in Persian, ZWJ in Devanagari, a Malayalam chillu
 * at a word's end) and between two emoji of a sequence; after a Latin or Cyrillic letter, a digit, a space
 * or nothing it joins nothing. Variation selectors and a flag's tag characters stay.
 */
const INERT_IGNORABLE = new RegExp(
  `(?!\\u200C|\\u200D|\\p{Variation_Selector}|[\\u{E0020}-\\u{E007F}])\\p{Default_Ignorable_Code_Point}|(?<!${SHAPES})(?<!${EMOJI})[\\u200C\\u200D]|(?<!${SHAPES})[\\u200C\\u200D](?!${EMOJI})`,
  'gv',
);

/** A tag's name as shown: without what would draw nothing in it (a pasted soft hyphen, a stray joiner). */
export const visibleName = (name: string): string => name.replace(INERT_IGNORABLE, '');
const HAS_DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const MARK_FIRST = /^\p{M}/u;

/**
 * A slug for a URL and a folder name: lowercase letters, digits and single hyphens. Names in Latin script
 * keep the ASCII rule Broadsheet always had (accents folded, é → e, ö → o; anything else a separator), so no
 * published address moves; a Latin letter that is no letter plus accent is spelled out (ß → ss, æ → ae,
 * ø → o, ł → l, þ → th, ı → i), and digits of any script are kept (١٢٣). A name with letters of another
 * script (日本語, Москва) gets github-slugger's Unicode slug (the one GitHub gives headings: the script kept,
 * lowercased, punctuation dropped), since a transliteration would mangle or drop it. Returns '' when nothing
 * usable is left.
 */
export function slugify(raw: string): string {
  const text = raw.replace(DEFAULT_IGNORABLE, '');
  const unicode = NON_LATIN_LETTER.test(text);
  // Compatibility forms (half-width kana, Arabic ligatures, half-width Hangul) and the tatweel would give a
  // name that looks like another its own address: NFKC folds them, as the Latin fold below always did.
  const slug = unicode
    ? githubSlug(foldVariants(text).replaceAll(TATWEEL, '')).replace(/_/g, '-')
    : asciiSlug(text);
  return slug.replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
}

const TATWEEL = '\u0640';
/**
 * Hangul jamo as Koreans type them (ㅋ): NFKC would make them conjoining jamo (ᄏ), which draw as fragments
 * and cannot be typed. They are left as written; the text around them is composed (NFC) first, so a syllable
 * written as its jamo apart is still one syllable.
 */
const TYPED_JAMO = /[\u3131-\u318E]/u;
const foldVariants = (text: string): string =>
  TYPED_JAMO.test(text)
    ? [...text.normalize('NFC')].map((c) => (TYPED_JAMO.test(c) ? c : c.normalize('NFKC'))).join('')
    : text.normalize('NFKC');
const NON_LATIN_LETTER = /(?!\p{Script=Latin})\p{L}/u;

function asciiSlug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      // Only letters the fold above left (ß, ø, ł…): transliterating the whole name would move addresses
      // already published (its German rule makes ü → ue where the fold made ü → u).
      .replace(/(?![a-z])\p{Script=Latin}/gu, (letter) => transliterate(letter).toLowerCase())
      .replace(/[^a-z\p{Nd}]+/gu, '-')
  );
}

/** Lowercase letters of any script (and their marks), digits and single hyphens. */
export const SLUG_PATTERN = /^[\p{Ll}\p{Lm}\p{Lo}\p{M}\p{Nd}]+(?:-[\p{Ll}\p{Lm}\p{Lo}\p{M}\p{Nd}]+)*$/u;

/**
 * Two tag names that are one tag: they differ at most in case and spacing ("Email", "email"; "İstanbul",
 * "istanbul"; "Straße", "STRASSE"), never in accents ("Café" and "Cafe" are two names).
 */
export function sameTagName(a: string, b: string): boolean {
  const [x, y] = [caseFoldable(a), caseFoldable(b)];
  return caseBlind().some((collator) => collator.compare(x, y) === 0);
}

// ß is ss in any case (Unicode case folding: 'Straße'.toUpperCase() is 'STRASSE'), where collation tells
// them apart as it does accents. The dot of İ is the one i has in lowercase, no accent: İstanbul is Istanbul.
const caseFoldable = (name: string) =>
  name
    .normalize('NFD')
    .replace(/([Ii])\u0307/g, '$1')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .replace(/[ßẞ]/g, 'ss');

// Compared at the accent level: case and width do not count, accents do. Turkish collation also pairs I with
// ı (Işık, ışık), a letter of its own in English collation. Each is asked in an explicit locale (the default
// is the user's, and under Turkish "EMAIL" would not be "email"). Made on first use: building them takes ~10 ms.
let collators: readonly Intl.Collator[] | undefined;
const caseBlind = () =>
  (collators ??= ['en', 'tr'].map((locale) => new Intl.Collator(locale, { sensitivity: 'accent' })));

/** Scripts a word of a slug may not mix (Han, kana and Hangul count as one: Japanese and Korean mix them). */
const SCRIPTS: readonly RegExp[] = [
  /\p{Script=Latin}/u,
  /\p{Script=Cyrillic}/u,
  /\p{Script=Greek}/u,
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u,
  /\p{Script=Arabic}/u,
  /\p{Script=Hebrew}/u,
  /\p{Script=Armenian}/u,
  /\p{Script=Georgian}/u,
];

/**
 * A slug: SLUG_PATTERN, and no word (between hyphens) mixing scripts, so `pаypal` with a Cyrillic а cannot
 * pass for `paypal` in an address.
 */
export function isSlug(text: string): boolean {
  return slugFlaw(text) === undefined;
}

const codePoint = (c: string) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `text` is no slug, where a reason more exact than the pattern's helps: a character that draws
 * nothing, a form that looks like another string (not NFC), a word opening with a combining mark.
 */
export function slugFlaw(text: string): string | undefined {
  const invisible = HAS_DEFAULT_IGNORABLE.exec(text)?.[0];
  if (invisible) return `holds ${codePoint(invisible)}, which draws nothing`;
  if (!SLUG_PATTERN.test(text)) return SLUG_RULE;
  if (text !== text.normalize('NFC'))
    return 'has letters written as letter and accent apart: write each as one character (NFC)';
  // Half-width ｶ and カ, the ligature ﻻ and لا, a stretched عـربي and عربي look alike: one address each.
  const variant = [...text].find((c) => c === TATWEEL || (c !== c.normalize('NFKC') && !TYPED_JAMO.test(c)));
  if (variant)
    return variant === TATWEEL
      ? `holds the tatweel U+0640, which only stretches a word: leave it out`
      : `holds ${variant} (${codePoint(variant)}), a variant form of ${variant.normalize('NFKC')}: write that instead`;
  const mark = text.split('-').find((word) => MARK_FIRST.test(word));
  if (mark) return `has a word opening with the mark ${codePoint(mark)}`;
  return text.split('-').every((word) => SCRIPTS.filter((script) => script.test(word)).length <= 1)
    ? undefined
    : SLUG_RULE;
}

const SLUG_RULE =
  'must be lowercase letters, digits and single hyphens, each word in one script (e.g. my-first-post)';

/** A slug as it goes in a URL: percent-encoded (an ASCII slug is unchanged). */
export const slugInUrl = (slug: string): string => encodeURIComponent(slug);

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

let graphemes: Intl.Segmenter | undefined;

/** The longest start of `text` that is at most `max` UTF-16 units and never splits a character (🎉, é, 👩‍💻). */
function wholeCharacters(text: string, max: number): string {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (end + segment.length > max) break;
    end += segment.length;
  }
  return text.slice(0, end);
}

/**
 * Most characters of a title in a digest's subject: mail clients show about the first 60–80 of a subject,
 * and a whole 400-character title would push the site's name out of sight.
 */
export const SUBJECT_TITLE = 100;

/**
 * Shortens text at a word boundary to at most `max` UTF-16 units, marking the cut with an ellipsis. A cut
 * inside a word (text without spaces, like Japanese) falls between characters, never inside one: half an
 * emoji is an invalid character in a feed.
 */

export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = wholeCharacters(text, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export type Decoded =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly line: number };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes as UTF-8 text, or the line of the first byte that is not UTF-8: never a silent U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    // Counted in the lossy decoding, where the first bad byte is the first U+FFFD.
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const bad = lossy.indexOf('\uFFFD');
    return { ok: false, line: lossy.slice(0, Math.max(bad, 0)).split('\n').length };
  }
}

/** The 1-based line of `text` where `needle` first appears as written, else in any case, if it does. */
export function lineOf(text: string | undefined, needle: string): number | undefined {
  if (!text || !needle) return undefined;
  // As written first: ```Mermaid is the line that says so, not an earlier ```mermaid.
  const exact = text.indexOf(needle);
  // Lower case can change a string's length (İ), never its line breaks: count them in the same string.
  const [within, at] =
    exact >= 0 ? [text, exact] : [text.toLowerCase(), text.toLowerCase().indexOf(needle.toLowerCase())];
  if (at < 0) return undefined;
  let line = 1;
  for (let i = within.indexOf('\n'); i >= 0 && i < at; i = within.indexOf('\n', i + 1)) line++;
  return line;
}

/** The first of `known` one edit from `name` (`name` is likely a typo of it), if any. */
export function typoOf(name: string, known: Iterable<string>): string | undefined {
  for (const candidate of known) if (oneEditApart(candidate, name)) return candidate;
  return undefined;
}

/** Whether one insertion, deletion, substitution or swap of neighbours turns `a` into `b`. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const rest = (x: number, y: number) => a.slice(i + x) === b.slice(i + y);
  const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  return rest(1, 1) || rest(1, 0) || rest(0, 1) || (a.length === b.length && swapped);
}

/**
 * Whether an image at `url` is plain http on an https site: browsers upgrade it to https or block it as
 * mixed content, so it shows only if its host also serves https.
 */
export function isMixedContent(url: string, baseUrl: string): boolean {
  return /^http:\/\//i.test(url) && /^https:/i.test(baseUrl);
}
