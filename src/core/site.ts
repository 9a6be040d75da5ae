import { IANAZone } from 'luxon';
import * as z from 'zod';
import { DEFAULT_ANNOUNCE_WINDOW_DAYS } from './announce-window.js';
import { ConfigError } from './errors.js';
import { parseDuration } from './grace.js';
import { singleLine, slugify, typoOf } from './text.js';
import { topicsOf } from './topics.js';
import { weekdayNames } from './weekly-schedule.js';

const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

const MAX_SITE_URL_LENGTH = 250;

/** An absolute https URL (http is allowed for loopback, for local previews), without a trailing slash. */
const siteUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)), {
    message: 'must use https (http only for localhost)',
  })
  // An empty query or fragment (`https://example.com/?`, `…#`) reads as '' but stays in href: every link
  // would be `https://example.com/?/posts/…`, the home page.
  .refine((url) => !/[?#]/.test(url.href), 'must not have a query or fragment')
  // Every page, feed and email links to it: a user name or password there would be published with them.
  .refine((url) => !url.username && !url.password, 'must not hold a user name or password')
  .transform((url) => url.href.replace(/\/+$/, ''))
  // Each digest's List-Unsubscribe header holds an API link on one line, which cannot be folded: with the
  // longest address its token and this limit keep that line under RFC 5322's 998 characters.
  .refine((href) => href.length <= MAX_SITE_URL_LENGTH, `must be at most ${MAX_SITE_URL_LENGTH} characters`);

/** A link to elsewhere (the author's page): an absolute http(s) URL, kept as written. */
const linkUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === 'https:' || url.protocol === 'http:', 'must be an http or https URL')
  .transform((url) => url.href);

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * A BCP 47 tag whose language ICU knows (`xx` and `english` are typos, not languages); the private-use
 * range qaa–qtz is let through.
 */
const canonicalTag = (tag: string): string | undefined => {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
};

const language = z
  .string()
  .trim()
  .regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i, {
    message: 'must be a language tag like en or pt-BR',
    abort: true,
  })
  // Tags are case-insensitive (BCP 47): EN and pt-br are en and pt-BR, as feeds and pages write them.
  .transform((tag, ctx) => {
    const canonical = canonicalTag(tag);
    if (canonical === undefined) {
      ctx.issues.push({ code: 'custom', message: 'must be a language tag like en or pt-BR', input: tag });
      return z.NEVER;
    }
    return canonical;
  })
  .refine((tag) => {
    const base = tag.split('-')[0] as string;
    return /^q[a-t][a-z]$/.test(base) || languageNames.of(base) !== undefined;
  }, 'names no language (use a tag like en, de or pt-BR)');

const label = z.string().trim().min(1, 'must not be empty').transform(singleLine);
const address = z.email({ message: 'must be an email address' }).trim().toLowerCase();

export const siteSchema = z
  .object({
    title: label,
    description: z.string().trim().default('').transform(singleLine),
    base_url: siteUrl,
    language: language.default('en'),
    timezone: z
      .string()
      .default('UTC')
      .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone like Europe/Lisbon or UTC'),
    author: z.strictObject({ name: label, email: address.optional(), url: linkUrl.optional() }),
    sender: z.strictObject({ name: label, address }),
    reply_to: address.optional(),
    api_url: siteUrl.optional(),
    /** A WebSub hub (e.g. https://pubsubhubbub.appspot.com/): feeds declare it and each change is announced. */
    websub_hub: siteUrl.optional(),
    /** When subscribers who chose "a weekly digest" get it, in `timezone`. */
    weekly_digest: z
      .strictObject({
        day: z
          .enum(weekdayNames, { message: `must be a day of the week: ${weekdayNames.join(', ')}` })
          .default('monday'),
        time: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time like 09:00')
          .default('09:00'),
      })
      .default({ day: 'monday', time: '09:00' }),
    feed_items: z.number().int().min(1).max(500).default(20),
    home_items: z.number().int().min(1).max(500).default(10),
    copyright: label.optional(),
    /** A welcome email once a subscription is confirmed. */
    welcome: z.boolean().default(true),
    /** A theme folder under themes/ (bundled by `npm run theme`) to render with (its files over the default theme's). */
    theme: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_-]*$/,
        'must be a folder name under themes/ (lowercase letters, digits, - and _)',
      )
      .optional(),
    /** Single strings of the locale replaced for this site ("nav.archive": "Posts"). */
    strings: z
      .record(
        z.string(),
        z.union([z.string(), z.record(z.string(), z.string())], {
          message: 'must be text, or text by plural category ({ one: …, other: … })',
        }),
      )
      .optional(),
    /** Pages (content/pages/<name>.md) in the navigation, in this order. */
    nav: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a page name like about')).optional(),
    /** `$…$` and `$$` blocks in articles render as MathML (an article's own `math` overrides it). */
    math: z.boolean().default(false),
    /** The public archive of issues at /newsletter/. */
    archive: z.boolean().default(true),
    /** Days after its date within which an article going live is mailed; later ones are recorded silently. */
    announce_window: z.number().min(0).max(36_500).default(DEFAULT_ANNOUNCE_WINDOW_DAYS),
    /** Tags a subscriber may follow on the preferences page instead of every article. */
    topics: z
      .array(label)
      .max(50, 'lists at most 50 topics')
      .refine((names) => names.every((name) => slugify(name) !== ''), 'each topic needs a letter or digit')
      .default([]),
    /** The digest: how long it waits after its articles go live (the grace window). */
    digest: z
      .strictObject({
        // `delay: 0` is a number in YAML; every other value a string.
        delay: z.coerce
          .string()
          .default('0')
          .transform((value, ctx) => {
            const parsed = parseDuration(value);
            if (parsed.ok) return parsed.ms;
            ctx.addIssue({ code: 'custom', message: parsed.reason });
            return z.NEVER;
          }),
        /** `full`: the articles themselves in the email (within Gmail's clip); `summary`: summary and link. */
        content: z.enum(['full', 'summary']).default('summary'),
      })
      .default({ delay: 0, content: 'summary' }),
  })
  .strict()
  .transform((s) => ({
    title: s.title,
    description: s.description,
    baseUrl: s.base_url,
    language: s.language,
    timezone: s.timezone,
    author: s.author,
    sender: s.sender,
    replyTo: s.reply_to,
    // Subscribe, confirm and unsubscribe live under the API; by default beside the site.
    apiUrl: s.api_url ?? `${s.base_url}/api`,
    websubHub: s.websub_hub,
    weekly: {
      weekday: weekdayNames.indexOf(s.weekly_digest.day) + 1,
      hour: Number(s.weekly_digest.time.slice(0, 2)),
      minute: Number(s.weekly_digest.time.slice(3, 5)),
    },
    feedItems: s.feed_items,
    homeItems: s.home_items,
    copyright: s.copyright,
    welcome: s.welcome,
    theme: s.theme,
    strings: s.strings,
    nav: s.nav ?? [],
    math: s.math,
    announceWindowDays: s.announce_window,
    digest: { delayMs: s.digest.delay, content: s.digest.content },
    topics: topicsOf(s.topics),
    archive: s.archive,
  }));

export type SiteConfig = z.output<typeof siteSchema>;

/** Validates parsed site.yaml data, naming every bad field at once. */
export function parseSiteConfig(
  data: unknown,
  source = 'site.yaml',
  /** The line a field is on, where the caller has the text: each problem then names it. */
  lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined,
): SiteConfig {
  const result = siteSchema.safeParse(data);
  if (!result.success) {
    const at = (path: readonly PropertyKey[]) => {
      const line = lineOf(path);
      return line === undefined ? '' : `line ${line}: `;
    };
    const unknown = result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [],
    );
    const problems = result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? []
        : [`${at(issue.path)}${issue.path.join('.') || '(top level)'}: ${plainReason(issue.message)}`],
    );
    // A few unknown keys are typos worth a line each; thousands are a wrong file, and a count says so.
    for (const path of unknown.slice(0, MAX_UNKNOWN_KEYS)) {
      const parent = path.slice(0, -1);
      const meant = meantField(String(path.at(-1)), parent, fieldsAt(parent));
      problems.push(
        `${at(path)}${path.join('.')}: is not a setting${meant ? ` (did you mean ${[...parent, meant].join('.')}?)` : ' (README.md, "site.yaml reference", lists them)'}`,
      );
    }
    if (unknown.length > MAX_UNKNOWN_KEYS)
      problems.push(`and ${unknown.length - MAX_UNKNOWN_KEYS} more keys that are not settings`);
    throw new ConfigError(source, problems.sort(byLine));
  }
  return result.data;
}

const MAX_UNKNOWN_KEYS = 20;

/** Orders problems by the line they name (those naming none first). */
export const byLine = (a: string, b: string) => lineNumber(a) - lineNumber(b);
const lineNumber = (problem: string) => Number(/^line (\d+)/.exec(problem)?.[1] ?? 0);

/** The fields site.yaml may hold at `path` (the mapping's own schema, through defaults and transforms). */
function fieldsAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType = siteSchema;
  const unwrap = () => {
    for (;;) {
      if (schema instanceof z.ZodPipe) schema = schema.in;
      else if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap();
      else return;
    }
  };
  for (const key of path) {
    unwrap();
    if (!(schema instanceof z.ZodObject)) return [];
    const field: z.core.$ZodType | undefined = schema.shape[String(key)];
    if (!field) return [];
    schema = field;
  }
  unwrap();
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Other generators' names for site.yaml's fields (Hugo, Jekyll, Eleventy), by where they stand. */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  baseurl: 'base_url',
  url: 'base_url',
  languagecode: 'language',
  lang: 'language',
  locale: 'language',
  tz: 'timezone',
  subtitle: 'description',
  tagline: 'description',
  paginate: 'home_items',
  email: 'sender',
  from: 'sender',
  'sender.email': 'address',
  'sender.from': 'address',
  'author.mail': 'email',
  'author.website': 'url',
  'author.homepage': 'url',
};

/**
 * The field a key not in `fields` likely meant: another spelling (`baseURL`, `feed-items`), another
 * generator's name there (`url` at the top, `email` under `sender`), or a one-letter typo.
 */
function meantField(
  key: string,
  parent: readonly PropertyKey[],
  fields: readonly string[],
): string | undefined {
  const plain = (name: string) => name.toLowerCase().replace(/[-_\s]/g, '');
  const lower = plain(key);
  const named = [...parent, lower].join('.');
  const other = Object.hasOwn(OTHER_NAMES, named) ? OTHER_NAMES[named] : undefined;
  return (
    fields.find((field) => plain(field) === lower) ??
    (other && fields.includes(other) ? other : undefined) ??
    typoOf(key.toLowerCase(), fields)
  );
}

const KINDS: Readonly<Record<string, string>> = {
  object: 'a mapping of fields (each indented under it)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
};

/** zod's wording of a wrong type ("Invalid input: expected object, received number") in an author's terms. */
function plainReason(message: string): string {
  // "Too small: expected number to be >=0", "Too big: expected number to be <=500".
  const bound = /^Too (small|big): expected number to be ([<>]=?)(-?[\d.]+)$/.exec(message);
  if (bound) {
    const [, , op, n] = bound;
    return op === '>='
      ? `must be ${n} or more`
      : op === '<='
        ? `must be at most ${n}`
        : `must be ${op === '>' ? 'more' : 'less'} than ${n}`;
  }
  const wrongType = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (!wrongType) return message;
  const [, expected = '', received = ''] = wrongType;
  const kind = KINDS[expected] ?? expected;
  if (received === 'undefined') return 'is required';
  if (received === 'null') return `is empty; it must be ${kind}`;
  if (expected === 'int' && received === 'number') return `must be ${kind}`;
  return `must be ${kind}, not ${KINDS[received] ?? received}`;
}

/** Root-relative path of the site (e.g. '/blog' for https://example.com/blog, '' at the root). */
export function sitePath(site: SiteConfig): string {
  return new URL(`${site.baseUrl}/`).pathname.replace(/\/$/, '');
}
