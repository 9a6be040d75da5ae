/**
 * A fast reading of the common front matter: flat `key: value` lines, each value a plain, single- or
 * double-quoted scalar on one line, or a one-line flow list of them (`tags: [a, "b, c"]`). It gives the
 * fields exactly as the `yaml` package (YAML 1.2, core schema: no timestamps, dates stay strings) would,
 * with each key's line; for anything else it returns undefined and the caller parses with `yaml`, which
 * stays the authority for every error and every unusual document. A property test holds the two to the
 * same fields (tests/unit/core/front-matter-scan.test.ts).
 */
export interface ScannedFrontMatter {
  readonly fields: Record<string, unknown>;
  /** Each key's line in the file (the YAML starts on line 2, after the opening '---'). */
  readonly lines: ReadonlyMap<string, number>;
}

/** A top-level key the scanner reads: plain ASCII (and not null or a bool, see scanFrontMatter). */
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/**
 * Characters the scanner leaves to `yaml`: tabs and carriage returns (other separators and line breaks),
 * control characters, DEL and C1 controls, the BOM, U+2028/2029 and the non-characters U+FFFE/FFFF.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNUSUAL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/;
/** How a plain scalar may not start: YAML indicators, and '-', '.', '+' so that no number form needs care. */
const PLAIN_START = /^[-?:,[\]{}#&*!|>'"%@`.+]/;
/** The core schema's non-string plain scalars the scanner resolves itself; other numbers go to `yaml`. */
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
/** Written as JavaScript prints it back (no leading zero): a text field then reads as written. */
const INT = /^(?:0|[1-9][0-9]*)$/;
/** Plain scalars that could be a number in the core schema in a form the scanner does not resolve. */
const OTHER_NUMBER = /^(?:0o|0x)|^[0-9]*\.?[0-9]*(?:[eE][-+]?[0-9]+)?$|^\.(?:nan|NaN|NAN|inf|Inf|INF)$/;
const MAX_SCANNED_FIELDS = 50;
/** yaml refuses an implicit key whose ':' is more than 1024 characters in; long keys go to yaml to say so. */
const MAX_SCANNED_KEY = 256;

const BAIL = Symbol('bail');
type Value = unknown | typeof BAIL;

export function scanFrontMatter(yaml: string): ScannedFrontMatter | undefined {
  if (UNUSUAL.test(yaml)) return undefined;
  const fields: Record<string, unknown> = {};
  const lines = new Map<string, number>();
  let start = 0;
  for (let index = 0; start < yaml.length; index++) {
    let end = yaml.indexOf('\n', start);
    if (end === -1) end = yaml.length;
    const line = yaml.slice(start, end);
    start = end + 1;
    const first = line.charCodeAt(0);
    // Blank lines and comments at the start of a line; anything else indented (a nested block) goes to yaml.
    if (line.length === 0 || first === 0x23 /* # */) continue;
    if (first === 0x20 /* space */) {
      if (!/[^ ]/.test(line)) continue;
      return undefined;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > MAX_SCANNED_KEY) return undefined;
    const key = line.slice(0, colon);
    // A key the core schema reads as null or a bool is not a string key: yaml's to handle.
    if (!KEY.test(key) || resolvePlain(key) !== key || key === '__proto__' || lines.has(key))
      return undefined;
    const after = line.charCodeAt(colon + 1);
    if (colon + 1 < line.length && after !== 0x20) return undefined;
    const value = scanValue(line, colon + 1);
    if (value === BAIL) return undefined;
    fields[key] = value;
    lines.set(key, index + 2);
    if (lines.size > MAX_SCANNED_FIELDS) return undefined;
  }
  // An empty document is not a mapping: yaml says what is wrong with it.
  if (lines.size === 0) return undefined;
  return { fields, lines };
}

/** The value from `from` to the end of the line, or BAIL. */
function scanValue(line: string, from: number): Value {
  let at = skipSpaces(line, from);
  if (at === line.length || line.charCodeAt(at) === 0x23 /* # */) return null;
  const c = line[at];
  let value: Value;
  if (c === '"' || c === "'") {
    const quoted = scanQuoted(line, at);
    if (!quoted) return BAIL;
    value = quoted.value;
    at = quoted.end;
  } else if (c === '[') {
    const list = scanFlowList(line, at);
    if (!list) return BAIL;
    value = list.value;
    at = list.end;
  } else {
    // A plain scalar runs to the end of the line or to a comment (' #'); ': ' or a final ':' would make it a
    // mapping, which yaml refuses on one line, so those go to yaml.
    const comment = line.indexOf(' #', at);
    const raw = comment === -1 ? line.slice(at) : line.slice(at, comment);
    const text = trimSpacesEnd(raw);
    if (text.includes(': ') || text.endsWith(':')) return BAIL;
    return resolvePlain(text);
  }
  return restIsBlank(line, at) ? value : BAIL;
}

/** A quoted scalar starting at `at`, closed on this line; double-quoted ones only without escapes. */
function scanQuoted(line: string, at: number): { value: string; end: number } | undefined {
  const quote = line[at];
  if (quote === '"') {
    const close = line.indexOf('"', at + 1);
    if (close === -1) return undefined;
    const value = line.slice(at + 1, close);
    if (value.includes('\\')) return undefined;
    return { value, end: close + 1 };
  }
  let value = '';
  let from = at + 1;
  for (;;) {
    const close = line.indexOf("'", from);
    if (close === -1) return undefined;
    value += line.slice(from, close);
    if (line[close + 1] !== "'") return { value, end: close + 1 };
    value += "'";
    from = close + 2;
  }
}

/** A flow list `[a, "b", 'c']` starting at `at` and closed on this line, of scalars only. */
function scanFlowList(line: string, at: number): { value: unknown[]; end: number } | undefined {
  const value: unknown[] = [];
  let i = skipSpaces(line, at + 1);
  if (line[i] === ']') return { value, end: i + 1 };
  for (;;) {
    const c = line[i];
    if (c === '"' || c === "'") {
      const quoted = scanQuoted(line, i);
      if (!quoted) return undefined;
      value.push(quoted.value);
      i = skipSpaces(line, quoted.end);
    } else {
      // A plain item ends at ',' or ']'; the other flow indicators, ':' and '#' are left to yaml.
      let end = i;
      while (end < line.length && line[end] !== ',' && line[end] !== ']') end++;
      const text = trimSpacesEnd(line.slice(i, end));
      if (text === '' || /[[\]{}:#"']/.test(text)) return undefined;
      const item = resolvePlain(text);
      if (item === BAIL) return undefined;
      value.push(item);
      i = end;
    }
    if (line[i] === ']') return { value, end: i + 1 };
    if (line[i] !== ',') return undefined;
    i = skipSpaces(line, i + 1);
    // A trailing comma or an empty item: yaml decides.
    if (line[i] === ']' || line[i] === ',') return undefined;
  }
}

/** A plain scalar's value in the core schema: null, a bool, a decimal integer or a string; else BAIL. */
function resolvePlain(text: string): Value {
  if (text === '') return null;
  if (PLAIN_START.test(text)) return BAIL;
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (INT.test(text)) return text.length <= 15 ? Number.parseInt(text, 10) : BAIL;
  if (OTHER_NUMBER.test(text)) return BAIL;
  return text;
}

function skipSpaces(line: string, at: number): number {
  let i = at;
  while (line.charCodeAt(i) === 0x20) i++;
  return i;
}

function trimSpacesEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  return text.slice(0, end);
}

/** Only spaces, or spaces and then a comment, from `at` to the end of the line. */
function restIsBlank(line: string, at: number): boolean {
  const i = skipSpaces(line, at);
  return i === line.length || (i > at && line.charCodeAt(i) === 0x23);
}
