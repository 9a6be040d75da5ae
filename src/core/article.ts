import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
} from 'yaml';
import * as z from 'zod';
import { aliasPath, MAX_ALIAS_LENGTH, MAX_ALIASES, reservedAliasReason } from './aliases.js';
import type { Problem } from './errors.js';
import { scanFrontMatter } from './front-matter-scan.js';
import {
  coverImageUrl,
  firstParagraphText,
  MATH_OFF_NOTE,
  MarkdownNotPreparedError,
  markdownFullyPrepared,
  mixedContentNote,
  prepareMarkdown,
  renderArticleMarkdown,
  SanitizerNotLoadedError,
} from './render.js';
import { RenderLimitError } from './render-budget.js';
import { shortHash } from './short-hash.js';
import type { SiteConfig } from './site.js';
import {
  decodeUtf8,
  isMixedContent,
  isSlug,
  lineOf,
  MAX_FOLDER_NAME_BYTES,
  SUBJECT_TITLE,
  sameTagName,
  singleLine,
  slugFlaw,
  slugInUrl,
  slugify,
  stripXmlInvalid,
  truncateWords,
  typoOf,
  utf8Length,
  visibleName,
} from './text.js';
import { readZonedDate, ZonedDate } from './zoned-date.js';

/** A Markdown file as read from wherever articles live; `path` is relative to the content root. */
export interface ArticleSource {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** The store's version of these bytes (an S3 ETag), when it has one. */
  readonly version?: string;
}

export interface Tag {
  readonly name: string;
  readonly slug: string;
}

/** A valid article, plain data (JSON-serializable) so it can be cached and stored in an index. */
export interface Article {
  readonly source: string;
  /** Hash of the source bytes: unchanged hash, unchanged article. */
  readonly hash: string;
  readonly slug: string;
  /** Absolute permalink; also the feed id/guid, so it must never change once published. */
  readonly url: string;
  readonly title: string;
  /** Plain text. */
  readonly summary: string;
  /** ISO 8601 with offset, and the same instant in epoch milliseconds for sorting. */
  readonly date: string;
  readonly dateMs: number;
  readonly updated?: string;
  readonly updatedMs?: number;
  readonly tags: readonly Tag[];
  readonly draft: boolean;
  readonly author: string;
  readonly image?: string;
  /** Old addresses of this article (absolute URLs, from site paths like /posts/old-slug/): they redirect here,
   * count as its id for the published-ids check, and an announcement under them counts as its own. */
  readonly aliases?: readonly string[];
  /** True when the date was written without an offset and read in the site's time zone. */
  readonly floatingDate?: boolean;
  /** Hash of the Markdown body, front matter aside: what stays when a file is renamed and retitled at once. */
  readonly bodyHash?: string;
  /** Sanitized HTML with absolute links. */
  readonly html: string;
}

/** An article without its rendered body: what lists, indexes and archive pages need. */
export type ArticleMeta = Omit<Article, 'html'>;

export const MAX_ARTICLE_BYTES = 1024 * 1024;
/** Front matter is a handful of short fields; the YAML parser's cost grows faster than its size. */
export const MAX_FRONT_MATTER_BYTES = 16 * 1024;
/** Fields in the front matter, known or not (each unknown one is a warning). */
export const MAX_FIELDS = 50;
/** YAML aliases (`*name`) in the front matter; the ten fields need none. */
export const MAX_YAML_ALIASES = 50;
/** How deep lists and mappings may nest in the front matter (tags are a list: depth 2). */
export const MAX_YAML_NESTING = 8;
/** Tags per article: each adds a page and three feeds that carry the article. */
export const MAX_TAGS = 20;
/** Longest tag name. Slugs (article or tag) are folder names in the built site: MAX_FOLDER_NAME_BYTES. */
export const MAX_TAG_LENGTH = 100;
const SUMMARY_LENGTH = 280;
const KNOWN_FIELDS = [
  'title',
  'date',
  'updated',
  'summary',
  'tags',
  'draft',
  'author',
  'image',
  'slug',
  'aliases',
  'math',
];
const REQUIRED_FIELDS = new Set(['title', 'date']);
/** What other generators (Hugo, Jekyll, Eleventy, Ghost exports) call our fields, for "did you mean". */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  tag: 'tags',
  categories: 'tags',
  category: 'tags',
  keywords: 'tags',
  description: 'summary',
  excerpt: 'summary',
  lastmod: 'updated',
  modified: 'updated',
  last_modified_at: 'updated',
  updated_at: 'updated',
  published: 'draft (draft: true keeps it off the site)',
  cover: 'image',
  cover_image: 'image',
  featured_image: 'image',
  feature_image: 'image',
  authors: 'author',
  permalink: 'slug',
};

/** The known field an unknown one most likely meant: another case, another generator's name, a typo. */
function meantField(field: string): string | undefined {
  const lower = field.toLowerCase();
  return KNOWN_FIELDS.find((known) => known === lower) ?? OTHER_NAMES[lower] ?? typoOf(lower, KNOWN_FIELDS);
}

const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const text = z
  .union([z.string(), z.number()], { error: 'must be text, not a list or a mapping' })
  .transform((v) => String(v));
/** `tags` written as one text, `email, feeds`: the tags between its commas. */
const tagsOfText = (value: string): string[] => value.split(',').filter((tag) => tag.trim() !== '');
// The value is quoted back: `date: 20261201` is read by YAML as a number, and the author sees which.
const notIsoDate = (issue: { input?: unknown }) =>
  `${JSON.stringify(issue.input)} is not an ISO 8601 date: write it like 2026-03-01 or 2026-03-01T09:30:00+01:00`;
const isoDate = z.string({ error: notIsoDate }).trim().regex(ISO_DATE, { error: notIsoDate });

/** ISO 8601 date or date-time; without an offset it is read in the site's time zone. */
const zonedDate = (zone: string) =>
  isoDate.transform((value, ctx) => {
    const read = readZonedDate(value, zone);
    if (read.ok) return read.date;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a real date and time (${read.reason})` });
    return z.NEVER;
  });

const schemas = new Map<string, ReturnType<typeof buildFrontMatterSchema>>();

function buildFrontMatterSchema(zone: string) {
  return z
    .object({
      title: text.transform(singleLine).pipe(z.string().min(1, 'must not be empty')),
      date: zonedDate(zone),
      updated: zonedDate(zone).optional(),
      summary: text.transform(singleLine).optional(),
      tags: z
        // The list first: it is the common case, and the options never both succeed.
        // `tags: email, feeds` is two tags, as its author meant (a tag holding a comma is written in a list).
        .union([z.array(text), text.transform(tagsOfText)], { error: 'must be a list of tags' })
        .default([])
        .transform((tags) => tags.map(singleLine))
        .check((ctx) => {
          const tags = ctx.value;
          if (tags.length > MAX_TAGS) {
            ctx.issues.push({
              code: 'custom',
              input: tags,
              message: `has ${tags.length} tags; the limit is ${MAX_TAGS}`,
            });
          }
          const long = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
          if (long !== undefined) {
            ctx.issues.push({
              code: 'custom',
              input: tags,
              message: `"${truncateWords(long, 41)}" is ${long.length} characters long; the limit is ${MAX_TAG_LENGTH}`,
            });
          }
        }),
      draft: z.boolean({ error: 'must be true or false' }).default(false),
      /** `$…$` and `$$` blocks as MathML; default: `math` in site.yaml. */
      math: z.boolean({ error: 'must be true or false' }).optional(),
      author: text.transform(singleLine).pipe(z.string().min(1, 'must not be empty')).optional(),
      image: z
        .string()
        .trim()
        .refine(
          // Whether an image is acceptable does not depend on the site's address, only where it resolves.
          (v) => coverImageUrl(v, 'https://example.invalid') !== undefined,
          'must be an http(s) URL or a path on the site, without control characters',
        )
        .optional(),
      // YAML reads `slug: 2026` as a number, and `007` as 7: only quotes keep what was written.
      slug: z
        .string({ error: 'must be text: write a slug of digits in quotes (slug: "2026")' })
        .pipe(
          z
            .string()
            .superRefine((slug, ctx) => {
              const flaw = slugFlaw(slug);
              if (flaw) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(slug)} ${flaw}` });
            })
            .refine((slug) => utf8Length(slug) <= MAX_FOLDER_NAME_BYTES, {
              error: (issue) =>
                `is ${utf8Length(String(issue.input))} bytes in UTF-8; the limit is ${MAX_FOLDER_NAME_BYTES}, as it names a folder`,
            }),
        )
        .optional(),
      aliases: z
        .array(
          z
            .string()
            .max(MAX_ALIAS_LENGTH, `each must be at most ${MAX_ALIAS_LENGTH} characters`)
            .transform((written, ctx) => {
              const alias = aliasPath(written);
              if ('path' in alias) return alias.path;
              ctx.addIssue({ code: 'custom', message: `${JSON.stringify(written)} ${alias.reason}` });
              return z.NEVER;
            }),
          { error: 'must be a list of site paths like [/posts/old-slug/]' },
        )
        .max(MAX_ALIASES, `must list at most ${MAX_ALIASES} old addresses`)
        .optional(),
    })
    .refine(
      // zod runs this even when date or updated failed, with the raw text in it: they have their own problem.
      (fm) =>
        !(fm.updated instanceof ZonedDate) || !(fm.date instanceof ZonedDate) || fm.updated.ms >= fm.date.ms,
      {
        path: ['updated'],
        message: 'is before date',
      },
    );
}

type FrontMatterFields = z.output<ReturnType<typeof buildFrontMatterSchema>>;

/** Front matter fields the common reading handles; any other field present sends the fields to zod. */
const COMMON_FIELDS = new Set(['title', 'date', 'updated', 'summary', 'tags', 'draft', 'author', 'math']);

/**
 * What the schema makes of the fields most articles have (title, dates, summary, tags, draft, author,
 * math), read directly; undefined for anything else or anything wrong, which zod then reads, with its
 * messages. zod cost ~0.1 ms an article, a tenth of a cold parse; a property test holds the two equal.
 */
export function readCommonFrontMatter(
  fields: Record<string, unknown>,
  zone: string,
): FrontMatterFields | undefined {
  for (const key in fields) if (!COMMON_FIELDS.has(key) || fields[key] === undefined) return undefined;
  const line = (value: unknown) =>
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
      ? singleLine(String(value))
      : undefined;
  const date = (value: unknown) => {
    if (typeof value !== 'string') return undefined;
    const trimmed = value.trim();
    if (!ISO_DATE.test(trimmed)) return undefined;
    const read = readZonedDate(trimmed, zone);
    return read.ok ? read.date : undefined;
  };
  const title = line(fields.title);
  const published = date(fields.date);
  if (!title || !published) return undefined;
  const fm: Record<string, unknown> = { title, date: published };
  if ('updated' in fields) {
    const updated = date(fields.updated);
    if (!updated || updated.ms < published.ms) return undefined;
    fm.updated = updated;
  }
  if ('summary' in fields) {
    const summary = line(fields.summary);
    if (summary === undefined) return undefined;
    fm.summary = summary;
  }
  // Absent (an empty field was dropped before), the schema's defaults.
  const raw = 'tags' in fields ? fields.tags : [];
  const listed = Array.isArray(raw) ? raw : typeof raw === 'string' ? tagsOfText(raw) : [raw];
  const tags: string[] = [];
  for (const tag of listed) {
    const name = line(tag);
    if (name === undefined || name.length > MAX_TAG_LENGTH) return undefined;
    tags.push(name);
  }
  if (tags.length > MAX_TAGS) return undefined;
  fm.tags = tags;
  const draft = 'draft' in fields ? fields.draft : false;
  if (typeof draft !== 'boolean') return undefined;
  fm.draft = draft;
  if ('math' in fields) {
    if (typeof fields.math !== 'boolean') return undefined;
    fm.math = fields.math;
  }
  if ('author' in fields) {
    const author = line(fields.author);
    if (!author) return undefined;
    fm.author = author;
  }
  return fm as FrontMatterFields;
}

/** Each field the schema found no fault with, read alone; the whole-object check (updated ≥ date) is the caller's. */
function validFrontMatterFields(
  zone: string,
  fields: Record<string, unknown>,
  issues: readonly { path: readonly PropertyKey[] }[],
): Partial<FrontMatterFields> {
  const faulty = new Set(issues.map((issue) => issue.path[0]));
  const { shape } = frontMatterSchema(zone);
  const valid: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(shape)) {
    if (faulty.has(field)) continue;
    const read = schema.safeParse(fields[field]);
    if (read.success && read.data !== undefined) valid[field] = read.data;
  }
  return valid as Partial<FrontMatterFields>;
}

export function frontMatterSchema(zone: string) {
  let schema = schemas.get(zone);
  if (!schema) {
    schema = buildFrontMatterSchema(zone);
    schemas.set(zone, schema);
  }
  return schema;
}

/**
 * Loads what parseArticle may need for these sources and cannot load synchronously (the HTML sanitizer,
 * highlighting, math, emoji: each only if some source may use it). Await it before parsing; it is cheap
 * when already done.
 */
export async function prepareToParse(sources: Iterable<ArticleSource>): Promise<void> {
  for (const source of sources) {
    if (markdownFullyPrepared()) return;
    await prepareMarkdown(source.bytes);
  }
}

/** A source's tags: what the tag rule across articles (corpus.ts) reads. */
export type SourceTags = Pick<ArticleMeta, 'source' | 'tags'>;

export type ParseResult =
  | { readonly ok: true; readonly article: Article; readonly warnings: readonly Problem[] }
  | {
      readonly ok: false;
      readonly problems: readonly Problem[];
      /** Its valid tags, when it failed after reading them: they clash with other articles' all the same. */
      readonly tagged?: SourceTags;
    };

/** Parses, validates and renders one article. Never throws on bad input: it reports every problem found. */
/** `hash` may be passed when the caller already computed it (to look up a cache). */
export function parseArticle(
  source: ArticleSource,
  site: SiteConfig,
  hash = contentHash(source.bytes),
  /** Where the text is published, when not at an article's address (a page of content/pages/). */
  publishedAt?: string,
): ParseResult {
  const problems: Problem[] = [];
  const report = (field: string, reason: string, line?: number, severity: Problem['severity'] = 'error') =>
    problems.push({ file: source.path, field, reason, severity, ...(line === undefined ? {} : { line }) });
  const tagged: Tag[] = [];
  // In the order of the file, so an author fixes them top to bottom; those of no line come last.
  const inFileOrder = () =>
    problems.sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
  const fail = (): ParseResult => ({
    ok: false,
    problems: inFileOrder(),
    ...(tagged.length === 0 ? {} : { tagged: { source: source.path, tags: tagged } }),
  });

  if (source.bytes.byteLength > MAX_ARTICLE_BYTES) {
    report('file', `is ${source.bytes.byteLength} bytes; the limit is ${MAX_ARTICLE_BYTES} bytes (1 MiB)`);
    return fail();
  }
  const decoded = decodeUtf8(source.bytes);
  if (!decoded.ok) {
    report('file', 'is not valid UTF-8 (save it as UTF-8)', decoded.line);
    return fail();
  }
  const split = splitFrontMatter(decoded.text);
  if (!split) {
    // Opened but never closed: the fields are there, the line after them is not.
    if (/^---[ \t]*\r?\n/.test(decoded.text))
      report('front matter', 'is not closed: add a line "---" after the last field, before the text', 1);
    else
      report(
        'front matter',
        'missing: the file must start with a line "---", the YAML fields, and a line "---"',
        1,
      );
    return fail();
  }

  const frontMatter = readFrontMatter(split.yaml, report);
  if (!frontMatter) return fail();
  const { fieldLine } = frontMatter;
  // An optional field left empty (`tags:` in a template) means "none", as it does in Hugo and Jekyll;
  // an empty title or date is still reported as required.
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(frontMatter.fields))
    if (value !== null || REQUIRED_FIELDS.has(field)) fields[field] = value;

  for (const field of Object.keys(frontMatter.fields)) {
    // YAML 1.2 has no merge keys: `<<: *defaults` would leave out every field the author meant to merge.
    if (field === '<<') {
      report(
        field,
        'YAML merge keys are not supported in front matter: write the fields out',
        fieldLine(field),
      );
    } else if (!KNOWN_FIELDS.includes(field)) {
      const meant = meantField(field);
      report(
        field,
        meant
          ? `unknown field, ignored: did you mean ${meant}?`
          : `unknown field, ignored (known: ${KNOWN_FIELDS.join(', ')})`,
        fieldLine(field),
        'warning',
      );
    }
  }
  const common = readCommonFrontMatter(fields, site.timezone);
  const parsed = common
    ? ({ success: true, data: common } as const)
    : frontMatterSchema(site.timezone).safeParse(fields);
  let fm: FrontMatterFields | undefined;
  let valid: Partial<FrontMatterFields>;
  if (parsed.success) valid = fm = parsed.data;
  else {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'front matter');
      const missing = issue.path.length === 1 && (fields[field] === undefined || fields[field] === null);
      report(issue.path.join('.') || field, missing ? 'is required' : issue.message, fieldLine(field));
    }
    // The fields that passed still get the checks below, so one run names every problem in the file.
    valid = validFrontMatterFields(site.timezone, fields, parsed.error.issues);
    if (valid.date && valid.updated && valid.updated.ms < valid.date.ms)
      report('updated', 'is before date', fieldLine('updated'));
  }

  const fileName = source.path.split('/').pop() ?? source.path;
  const slug = valid.slug ?? slugify(fileName.replace(/\.md$/i, '').replace(/^\d{4}-\d{2}-\d{2}-/, ''));
  if (slug === '') report('slug', `cannot be derived from the file name "${fileName}"; add a slug field`);
  else if (!isSlug(slug))
    report('slug', `"${slug}" from the file name mixes scripts in one word; add a slug field`);
  else if (utf8Length(slug) > MAX_FOLDER_NAME_BYTES) {
    report(
      'slug',
      `derived from the file name is ${utf8Length(slug)} bytes in UTF-8; the limit is ${MAX_FOLDER_NAME_BYTES}, as it names a folder (add a shorter slug field)`,
    );
  }
  for (const alias of new Set(valid.aliases ?? [])) {
    const reason = reservedAliasReason(alias, slug);
    if (reason)
      report(
        'aliases',
        `${reason}; an alias may only name an address no page of the site uses`,
        fieldLine('aliases'),
      );
  }

  const tags = new Map<string, string>();
  let emptyTags = 0;
  for (const name of (valid.tags ?? []).map(visibleName)) {
    const tagSlug = slugify(name);
    // An empty tag (`""`, or only spaces) is said once, however many there are.
    if (name.trim() === '') {
      if (emptyTags++ === 0) report('tags', 'holds an empty tag; remove it', fieldLine('tags'));
    } else if (tagSlug === '')
      report('tags', `"${name}" has no letters or digits to make a URL from`, fieldLine('tags'));
    else if (!isSlug(tagSlug))
      report(
        'tags',
        `"${name}" mixes scripts in one word (a lookalike address); rename it`,
        fieldLine('tags'),
      );
    else if (utf8Length(tagSlug) > MAX_FOLDER_NAME_BYTES)
      report(
        'tags',
        `"${truncateWords(name, 41)}" makes an address of ${utf8Length(tagSlug)} bytes in UTF-8; the limit is ${MAX_FOLDER_NAME_BYTES}, as it names a folder (shorten the tag)`,
        fieldLine('tags'),
      );
    else {
      const other = tags.get(tagSlug);
      if (other === undefined) tags.set(tagSlug, name);
      // Names that differ only in case are one tag; others that would share an address are a mistake.
      else if (!sameTagName(other, name))
        report(
          'tags',
          `"${other}" and "${name}" would share the address /tags/${tagSlug}/; rename one`,
          fieldLine('tags'),
        );
    }
  }
  tagged.push(...[...tags].map(([tagSlug, name]) => ({ name, slug: tagSlug })));

  if (!fm || problems.some((p) => p.severity === 'error')) return fail();

  const url = publishedAt ?? `${site.baseUrl}/posts/${slugInUrl(slug)}/`;
  let html: string;
  try {
    const rendered = renderArticleMarkdown(
      stripXmlInvalid(split.body),
      { baseUrl: site.baseUrl, pageUrl: url },
      { math: fm.math ?? site.math, language: site.language },
    );
    html = rendered.html;
    for (const note of rendered.notes) {
      // Off by this article's own `math: false`, site.yaml's math: true cannot be the advice.
      if (note.text === MATH_OFF_NOTE && fm.math === false)
        report(
          'math',
          'is false, so math ($…$) in the body shows as text; set it to true to render it',
          fieldLine('math'),
          'warning',
        );
      else report('body', note.text, bodyLineOf(split, note.at), 'warning');
    }
  } catch (error) {
    // One article that cannot be rendered is that article's problem, never the whole build's.
    const { reason, line } = renderFailure(error);
    report('body', reason, line === undefined ? undefined : split.bodyLine + line - 1);
    return fail();
  }
  const image = fm.image === undefined ? undefined : coverImageUrl(fm.image, site.baseUrl);
  const body = split.body.replace(/\r\n?/g, '\n').trim();
  const article: Article = {
    source: source.path,
    hash,
    slug,
    url,
    title: fm.title,
    summary: fm.summary || truncateWords(firstParagraphText(html), SUMMARY_LENGTH),
    date: fm.date.iso,
    dateMs: fm.date.ms,
    ...(fm.updated ? { updated: fm.updated.iso, updatedMs: fm.updated.ms } : {}),
    tags: tagged,
    draft: fm.draft,
    author: fm.author ?? site.author.name,
    ...(image === undefined ? {} : { image }),
    ...(fm.aliases?.length ? { aliases: [...new Set(fm.aliases.map((p) => `${site.baseUrl}${p}`))] } : {}),
    ...(hasOffset(fields.date) ? {} : { floatingDate: true }),
    // An empty body is no evidence: two posts with none are not one article.
    ...(body === '' ? {} : { bodyHash: shortHash(body, 24) }),
    html,
  };
  // Said by every build, not only `check`: the index keeps a source's warnings with it.
  if (fm.title.length > SUBJECT_TITLE)
    report(
      'title',
      `is ${fm.title.length} characters long; the digest's subject cuts it at a word within ${SUBJECT_TITLE} (keep the title short and the rest for summary)`,
      fieldLine('title'),
      'warning',
    );
  // A file saved before its text was written would go out as a title and nothing else, in the feeds and the mail.
  if (html.trim() === '' && !fm.draft)
    report(
      'body',
      'is empty: the article is published with its title only (write the text, or set draft: true)',
      split.bodyLine,
      'warning',
    );
  if (image !== undefined && isMixedContent(image, site.baseUrl))
    report('image', mixedContentNote('the cover image'), fieldLine('image'), 'warning');
  if (article.floatingDate)
    report(
      'date',
      `has no time zone; read as ${site.timezone} (${article.date})`,
      fieldLine('date'),
      'warning',
    );
  if (article.updated !== undefined && !hasOffset(fields.updated))
    report(
      'updated',
      `has no time zone; read as ${site.timezone} (${article.updated})`,
      fieldLine('updated'),
      'warning',
    );
  return { ok: true, article, warnings: inFileOrder() };
}

/** Whether a front matter date-time, as written, says its offset (moving the site's zone would not move it). */
const hasOffset = (written: unknown): boolean =>
  /\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/.test(String(written).trim());

/** The file's line where `text` first appears in the body (any case), if it does. */
function bodyLineOf(split: { body: string; bodyLine: number }, text: string | undefined): number | undefined {
  const line = text === undefined ? undefined : lineOf(split.body, text);
  return line === undefined ? undefined : split.bodyLine + line - 1;
}

/**
 * Parses one source after loading what its body needs; an exception from any step (a renderer's bug, a
 * resource limit) is this file's problem, never the batch's.
 */
export async function parseArticleSafely(
  source: ArticleSource,
  site: SiteConfig,
  hash = contentHash(source.bytes),
): Promise<ParseResult> {
  await prepareToParse([source]);
  try {
    return parseArticle(source, site, hash);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [
        { file: source.path, field: 'body', reason: `cannot be rendered: ${reason}`, severity: 'error' },
      ],
    };
  }
}

export function contentHash(bytes: Uint8Array): string {
  return shortHash(bytes, 32);
}

function splitFrontMatter(text: string): { yaml: string; body: string; bodyLine: number } | undefined {
  const match = /^---[ \t]*\r?\n([\s\S]*?\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return undefined;
  const yaml = match[1] ?? '';
  // The body starts after '---', the YAML lines and '---'.
  const bodyLine = 3 + (yaml.match(/\n/g)?.length ?? 0);
  return { yaml, body: text.slice(match[0].length), bodyLine };
}

export interface FrontMatter {
  readonly fields: Record<string, unknown>;
  /** The file line of a top-level field's key. */
  fieldLine(field: string): number | undefined;
}

/**
 * The front matter's fields, or undefined after reporting why not. Bounded in time whatever the YAML: its
 * size is limited before parsing, and everything after is linear (yaml's own duplicate-key check is
 * quadratic, so keys are checked here; collection keys are refused before yaml would stringify them).
 */
export function readFrontMatter(
  yaml: string,
  report: (field: string, reason: string, line?: number) => void,
): FrontMatter | undefined {
  // A UTF-16 code unit is at most three bytes of UTF-8: short front matter needs no encoding to measure.
  const size = yaml.length * 3 <= MAX_FRONT_MATTER_BYTES ? 0 : utf8Length(yaml);
  if (size > MAX_FRONT_MATTER_BYTES) {
    report('front matter', `is ${size} bytes; the limit is ${MAX_FRONT_MATTER_BYTES} bytes`, 2);
    return undefined;
  }
  // The common flat front matter is read without building a YAML document; anything else, and every
  // error, is yaml's.
  const scanned = scanFrontMatter(yaml);
  if (scanned)
    return { fields: scannedAsText(scanned.fields), fieldLine: (field) => scanned.lines.get(field) };
  return readFrontMatterWithYaml(yaml, report);
}

/** What an author usually meant, for the yaml package's errors that name YAML's grammar rather than the fix. */
function yamlHint(code: string): string {
  // `title: Broken: YAML: here`: a second ": " reads as a mapping inside the value.
  if (code === 'BLOCK_AS_IMPLICIT_KEY')
    return ' (a value holding ": " must be quoted: title: "Part one: the start")';
  return '';
}

/** readFrontMatter by the `yaml` package: the authority for every document and every error. */
export function readFrontMatterWithYaml(
  yaml: string,
  report: (field: string, reason: string, line?: number) => void,
): FrontMatter | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter, prettyErrors: false, uniqueKeys: false });
  // The YAML starts on line 2 of the file, after the opening '---'.
  const fileLine = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line + 1;
  if (doc.errors.length > 0) {
    // The yaml package may find the same error twice at one place (a compact mapping's key and value).
    const reported = new Set<string>();
    for (const error of doc.errors) {
      const line = fileLine(error.pos[0]);
      const reason = `invalid YAML: ${error.message.split('\n')[0]}${yamlHint(error.code)}`;
      if (reported.has(`${line}:${reason}`)) continue;
      reported.add(`${line}:${reason}`);
      report('front matter', reason, line);
    }
    return undefined;
  }
  if (!isMap(doc.contents)) {
    report('front matter', 'must be a YAML mapping of fields (title: …, date: …)', 2);
    return undefined;
  }
  const shapeProblem = yamlShapeProblem(doc);
  if (shapeProblem) {
    report('front matter', `invalid YAML: ${shapeProblem.reason}`, fileLine(shapeProblem.offset));
    return undefined;
  }

  const lines = new Map<string, number | undefined>();
  for (const { key } of doc.contents.items) {
    const name = isScalar(key) ? String(key.value) : '';
    const line = isScalar(key) ? fileLine(key.range?.[0]) : undefined;
    const first = lines.get(name);
    if (lines.has(name)) {
      report(
        'front matter',
        `invalid YAML: "${name}" appears twice${first === undefined ? '' : ` (first on line ${first})`}; map keys must be unique`,
        line,
      );
      return undefined;
    }
    lines.set(name, line);
  }
  // `!!binary`, `!!timestamp`, `!!set` or a tag of one's own would turn a field into a Buffer, a Date or a
  // set, and its error would then describe that value, not the tag that made it.
  // Every node of a field is looked at, keys too: `!!merge x: {…}` merges as `<<` does, and an anchor's tag
  // nested in one field (`x: {y: &a !!binary …}`) reaches another by its alias. yamlShapeProblem has
  // bounded the document's depth, so this walk is bounded too.
  for (const { key, value } of doc.contents.items) {
    const name = isScalar(key) ? (typeof key.value === 'symbol' ? '<<' : String(key.value)) : '';
    const tagged = refusedTagIn([key, value]);
    if (tagged) {
      const written = tagged.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      report(
        name,
        `has the YAML tag ${written}, which front matter does not support: write the value as text`,
        fileLine(tagged.range?.[0]) ?? lines.get(name),
      );
      return undefined;
    }
  }
  if (lines.size > MAX_FIELDS) {
    report('front matter', `has ${lines.size} fields; the limit is ${MAX_FIELDS}`, 2);
    return undefined;
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    report('front matter', `invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    report('front matter', 'must be a YAML mapping of fields (title: …, date: …)', 2);
    return undefined;
  }
  const fields = data as Record<string, unknown>;
  // `title: 3.10` is the title "3.10", not the number 3.1; `tags: [0x1F]` the tag "0x1F", not 31.
  // An alias (`summary: *a`) stands for the node it names, written where the anchor is.
  const node = (n: unknown) => (isAlias(n) ? n.resolve(doc) : n);
  const written = (n: unknown) => {
    const resolved = node(n);
    return isScalar(resolved) && typeof resolved.value === 'number' ? resolved.source : undefined;
  };
  for (const { key, value } of doc.contents.items) {
    const name = isScalar(key) ? String(key.value) : '';
    if (!TEXT_FIELDS.has(name)) continue;
    const scalar = written(value);
    const resolved = node(value);
    if (scalar !== undefined) fields[name] = scalar;
    else if (isSeq(resolved) && Array.isArray(fields[name]))
      fields[name] = resolved.items.map((item, i) => written(item) ?? (fields[name] as unknown[])[i]);
  }
  return { fields, fieldLine: (field) => lines.get(field) };
}

/** The first node among `roots` and all they hold (keys included) whose YAML tag is refused. */
function refusedTagIn(
  roots: unknown[],
): { tag: string; range?: [number, number, number] | null } | undefined {
  const pending = [...roots].reverse();
  while (pending.length > 0) {
    const n = pending.pop();
    if (isPair(n)) pending.push(n.value, n.key);
    else if (isScalar(n) || isCollection(n)) {
      if (n.tag !== undefined && !PLAIN_YAML_TAGS.has(n.tag)) return n as { tag: string };
      if (isCollection(n)) for (let i = n.items.length - 1; i >= 0; i--) pending.push(n.items[i]);
    }
  }
  return undefined;
}

/**
 * Tags that name what YAML reads anyway (`!!str 3.10`, or `! 3.10`, YAML's non-specific tag, which makes a
 * scalar text): every other one is refused.
 */
const PLAIN_YAML_TAGS = new Set([
  '!',
  ...['str', 'int', 'float', 'bool', 'null', 'seq', 'map'].map((t) => `tag:yaml.org,2002:${t}`),
]);

/** Fields that are text however they look: YAML would read a title like 3.10 or 1e3 as a number. */
const TEXT_FIELDS = new Set(['title', 'summary', 'author', 'tags']);

/**
 * The scanner's fields with TEXT_FIELDS' numbers as text. It resolves only integers JavaScript prints as
 * written (12, not 012 or 1.50), so String() gives back the text; yaml's path keeps each number's source.
 */
export function scannedAsText(fields: Record<string, unknown>): Record<string, unknown> {
  const asText = (v: unknown) => (typeof v === 'number' ? String(v) : v);
  const out = { ...fields };
  for (const name of TEXT_FIELDS) {
    const value = out[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(asText) : asText(value);
  }
  return out;
}

/** The first thing in the YAML that could make converting it costly: deep nesting, aliases, collection keys. */
function yamlShapeProblem(doc: Document.Parsed): { reason: string; offset?: number } | undefined {
  let aliases = 0;
  // Iterative, so even input nested past the limit cannot overflow the stack here.
  const pending: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, depth } = next;
    if (isAlias(node) && ++aliases > MAX_YAML_ALIASES) {
      return { reason: `more than ${MAX_YAML_ALIASES} aliases`, offset: node.range?.[0] };
    }
    if (!isCollection(node)) continue;
    if (depth >= MAX_YAML_NESTING) {
      return {
        reason: `lists and mappings nested more than ${MAX_YAML_NESTING} deep`,
        offset: node.range?.[0],
      };
    }
    for (const item of node.items) {
      if (!isPair(item)) {
        pending.push({ node: item, depth: depth + 1 });
        continue;
      }
      if (isCollection(item.key) || isAlias(item.key)) {
        return {
          reason: 'a key must be plain text, not a list, mapping or alias',
          offset: item.key.range?.[0],
        };
      }
      pending.push({ node: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** What to tell the author about an exception from rendering. */
function renderFailure(error: unknown): { reason: string; line?: number } {
  // The caller's mistake, not the article's.
  if (error instanceof SanitizerNotLoadedError || error instanceof MarkdownNotPreparedError) throw error;
  if (error instanceof RenderLimitError) return { reason: error.reason, line: error.line };
  if (error instanceof RangeError) {
    return { reason: 'cannot be rendered: it nests too deeply (maximum call stack size exceeded)' };
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return { reason: `cannot be rendered: ${message}` };
}
