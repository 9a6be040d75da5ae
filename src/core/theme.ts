// Themes: Liquid templates, a stylesheet and locale files. The themes under themes/ are bundled into the code
// (theme-default.generated.ts, written by `npm run theme`), so the Lambda needs no folder; a site's own files
// (content/theme/) come in through the content ports and replace the theme's file of the same relative path.
// Pure: files in, a Theme out.
import { type Context, Drop, type Emitter, IncludeTag, Liquid, type Template } from 'liquidjs';
import { displayDate } from './dates.js';
import { ContentError, type Problem } from './errors.js';
import { SafeHtml } from './html.js';
import {
  newOut,
  RENDER_LIMITS,
  type RenderBudget,
  type RenderLimits,
  registerSyncTag,
  renderBudget,
  renderSync,
  rendersLikeLiquid,
  renderWithLiquid,
  templateLimitErrorOf,
} from './liquid-sync.js';
import type { NavPage } from './pages.js';
import { shortHash } from './short-hash.js';
import type { SiteConfig } from './site.js';
import { decodeUtf8, escapeHtml } from './text.js';
import { BUNDLED_THEMES } from './theme-default.generated.js';

/** A theme's files by relative path ('article.liquid', 'partials/pager.liquid', 'style.css', 'locales/de.json'). */
export type ThemeFiles = Readonly<Record<string, string>>;

/** One layer of a theme and where its files come from, for error messages ('theme/', 'themes/dark/'). */
export interface ThemeLayer {
  readonly origin: string;
  readonly files: ThemeFiles;
}

/** The templates that render one kind of site page each; everything else a page uses is shared. */
export const PAGE_TEMPLATES = [
  'home',
  'article',
  'tag',
  'tags',
  'archive',
  'archive-year',
  'page',
  '404',
  'subscribe',
  'newsletter',
  'newsletter-issue',
] as const;
export type PageTemplate = (typeof PAGE_TEMPLATES)[number];

const LAYOUT = 'layouts/base.liquid';
const STYLESHEET = 'style.css';

/** Files that are not part of any site page: emails and the subscription API's pages have no key in the plan. */
const notOnSitePages = (path: string) => path.startsWith('email/') || path.startsWith('subscription/');
const pageTemplateOf = (path: string): string | undefined => {
  const name = path.replace(/\.liquid$/, '');
  return (PAGE_TEMPLATES as readonly string[]).includes(name) ? name : undefined;
};

/** A string of a locale file: plain, or by plural category ({ "one": "…", "other": "…" }). */
export type LocaleString = string | Readonly<Record<string, string>>;
export type LocaleStrings = Readonly<Record<string, LocaleString>>;

/** Colours a theme declares as CSS custom properties on :root, light and (in prefers-color-scheme: dark) dark. */
export interface ThemeColors {
  readonly light: Readonly<Record<string, string>>;
  readonly dark: Readonly<Record<string, string>>;
}

function customProperties(block: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (block ?? '').matchAll(/--([a-z0-9-]+)\s*:\s*([^;}]+)/gi)) {
    out[(m[1] as string).replace(/-/g, '_')] = (m[2] as string).trim();
  }
  return out;
}

/** The first `:root{…}` outside any @media block is light; the one inside prefers-color-scheme: dark is dark. */
export function colorsOf(css: string): ThemeColors {
  const dark = /@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)\s*\{\s*:root\s*\{([^}]*)\}/i.exec(css);
  const withoutDark = dark ? css.replace(dark[0], '') : css;
  const light = /:root\s*\{([^}]*)\}/i.exec(withoutDark);
  const lightColors = customProperties(light?.[1]);
  return { light: lightColors, dark: { ...lightColors, ...customProperties(dark?.[1]) } };
}

/** Template problems as Broadsheet reports them: the file (as the author sees it), the line, the reason. */
function templateProblem(origin: string, path: string, error: unknown): Problem {
  const e = error as { message?: string; token?: { getPosition?: () => [number, number] } };
  const position = e.token?.getPosition?.();
  const reason = String(e.message ?? error).replace(/, file:[^,]*, line:\d+, col:\d+$/, '');
  return {
    file: `${origin}${path}`,
    field: 'template',
    reason,
    ...(position ? { line: position[0] } : {}),
    severity: 'error',
  };
}

/** Names a template includes, renders or lays itself out with, when written as a quoted literal. */
const REFERENCE = /\{%-?\s*(?:include|include_cached|render|layout)\s+['"]([^'"]+)['"]/g;

/** What include_cached keeps for one build: keyed by the build's `site` variable, so builds never share. */
const includeCache = new WeakMap<object, Map<string, string>>();

/**
 * `{% include_cached 'partials/x.liquid', a: a %}`: Jekyll's include_cached. Like include, but renders once per
 * build for the same file and arguments, for partials whose output depends on nothing else (and `site`): the
 * header and footer every page shares, an article's line in every list it is in. A build of thousands of
 * pages renders each of those once instead of on every page.
 */
class IncludeCachedTag extends IncludeTag {
  override *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const { hash, file } = this as unknown as { hash: { render(ctx: Context): unknown }; file: unknown };
    const cache = cacheFor(file, ctx);
    if (!cache) {
      yield* super.render(ctx, emitter);
      return;
    }
    // The same key as on the generator-free path below, so the two render and find the same entries.
    const key = cacheKey(file as string, (yield hash.render(ctx)) as Record<string, unknown>);
    if (key === undefined) {
      yield* super.render(ctx, emitter);
      return;
    }
    let html = cache.get(key);
    if (html === undefined) {
      // Written as liquidjs's own emitter writes (nil as nothing, a list's items joined), as include would.
      const out = newOut();
      yield* super.render(ctx, out as unknown as Emitter);
      html = out.buffer;
      cache.set(key, html);
    }
    emitter.write(html);
  }
}

/** The build's cache of include_cached output, or undefined when there is none (no `site`, a computed file). */
function cacheFor(file: unknown, ctx: Context): Map<string, string> | undefined {
  const site = (ctx.environments as Record<string, unknown>).site;
  if (typeof file !== 'string' || site === null || typeof site !== 'object') return undefined;
  let cache = includeCache.get(site);
  if (!cache) {
    cache = new Map();
    includeCache.set(site, cache);
  }
  return cache;
}

// The same tag on the generator-free path (liquid-sync.ts), sharing the cache. Object arguments are keyed by
// identity, not serialized: a list passes the same article object on every page it is on, and serializing it
// for the key cost more than rendering the item.
registerSyncTag(IncludeCachedTag, (node, ctx, { hashOf, renderAsParent }) => {
  const { hash, file } = node as unknown as { hash: unknown; file: unknown };
  const cache = cacheFor(file, ctx);
  if (!cache) return renderAsParent();
  const key = cacheKey(file as string, hashOf(hash));
  if (key === undefined) return renderAsParent();
  let html = cache.get(key);
  if (html === undefined) {
    html = renderAsParent();
    cache.set(key, html);
  }
  return html;
});

const objectIds = new WeakMap<object, number>();
let lastObjectId = 0;

/**
 * A key naming each object argument by identity (templates cannot change an object) and the rest by value;
 * undefined, so nothing is cached, when an argument is a drop: liquidjs's own change as a template runs
 * (`forloop` is one object, on in each round of a loop).
 */
function cacheKey(file: string, args: Readonly<Record<string, unknown>>): string | undefined {
  let key = `${file}\u0001`;
  for (const name of Object.keys(args)) {
    const value = args[name];
    if (value instanceof Drop) return undefined;
    if ((value !== null && typeof value === 'object') || typeof value === 'function') {
      let id = objectIds.get(value);
      if (id === undefined) {
        id = ++lastObjectId;
        objectIds.set(value, id);
      }
      key += `${JSON.stringify(name)}#${id};`;
    } else {
      // JSON escapes every control character, so no name or string can run into the next argument.
      key += `${JSON.stringify(name)}=${typeof value}:${typeof value === 'string' ? JSON.stringify(value) : String(value)};`;
    }
  }
  return key;
}

/** A theme's files as read (path under theme/, bytes) → their text; ThemeLoadError naming those not UTF-8. */
export function themeFilesOf(read: readonly (readonly [string, Uint8Array])[]): ThemeFiles {
  const files: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const [path, bytes] of read) {
    // A system's own files (.DS_Store, .gitkeep) are no part of a theme.
    if (path.split('/').some((part) => part.startsWith('.'))) continue;
    const decoded = decodeUtf8(bytes);
    if (decoded.ok) files[path] = decoded.text;
    else
      problems.push({
        file: `${THEME_OVERRIDES}${path}`,
        field: 'file',
        reason: 'is not valid UTF-8 (save it as UTF-8)',
        line: decoded.line,
        severity: 'error',
      });
  }
  if (problems.length > 0) throw new ThemeLoadError(problems);
  return files;
}

/** A theme that cannot be read, parsed or rendered: the author's to fix, like any other content. */
export class ThemeLoadError extends ContentError {
  override name = 'ThemeLoadError';
}

/** A theme ready to render: every template parsed once, the locale chosen, the keys of what each page uses. */
export class Theme {
  readonly files: ThemeFiles;
  readonly stylesheet: string;
  readonly stylesheetName: string;
  readonly colors: ThemeColors;
  readonly strings: LocaleStrings;
  /** What the theme cannot do for the site as asked: a language it has no words for, strings it lacks. */
  readonly warnings: readonly Problem[];
  /** Keys templates asked `t` for that no locale has (each shows as the key itself), for `check` to name. */
  readonly unknownKeys = new Set<string>();
  /** Everything every site page uses: layout, partials, stylesheet, strings. */
  readonly sharedKey: string;
  /** What feeds and emails show of the theme: its strings only. */
  readonly stringsKey: string;
  /** Renders that fell back to liquidjs's own renderer (tests check the default theme never does). */
  slowRenders = 0;
  /** Whether the engines' options are ones liquid-sync.ts renders as liquidjs does (decided once). */
  private readonly withoutGenerators: boolean;
  private readonly templateKeys = new Map<string, string>();
  private readonly parsed = new Map<string, Template[]>();
  private readonly liquid: Liquid;
  private readonly textLiquid: Liquid;
  private readonly plural: Intl.PluralRules;
  /** Where each file came from (`theme/` for the site's own), so a problem names the file to fix. */
  private readonly origins: Readonly<Record<string, string>>;

  constructor(
    layers: readonly ThemeLayer[],
    readonly language: string,
    overrides: Readonly<Record<string, LocaleString>> = {},
    /** How much one render may do (tests lower them). */
    private readonly limits: RenderLimits = RENDER_LIMITS,
  ) {
    const files: Record<string, string> = {};
    const origins: Record<string, string> = {};
    for (const layer of layers) {
      for (const [path, text] of Object.entries(layer.files)) {
        files[path] = text;
        origins[path] = layer.origin;
      }
    }
    this.files = files;
    this.origins = origins;
    this.stylesheet = files[STYLESHEET] ?? '';
    this.stylesheetName = `style.${shortHash(this.stylesheet)}.css`;
    this.colors = colorsOf(this.stylesheet);

    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const locale = (tag: string): LocaleStrings => {
      const path = `locales/${tag}.json`;
      const text = files[path];
      if (text === undefined) return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        problems.push({
          file: `${origins[path]}${path}`,
          field: 'locale',
          reason: `invalid JSON: ${(error as Error).message}`,
          severity: 'error',
        });
        return {};
      }
      const checked = checkLocale(parsed, `${origins[path]}${path}`);
      problems.push(...checked.problems);
      return checked.strings;
    };
    const base = language.split('-')[0] ?? language;
    const translated =
      base === 'en' || [base, language].some((tag) => files[`locales/${tag}.json`] !== undefined);
    if (!translated)
      warnings.push({
        file: 'site.yaml',
        field: 'language',
        reason: `is ${language}, but the theme has no locales/${base}.json: its own words (Archive, Subscribe, the emails) stay in English; add one under content/theme/locales/, or set them in site.yaml's strings`,
        severity: 'warning',
      });
    const fromLocales: LocaleStrings = {
      ...locale('en'),
      ...(base === 'en' ? {} : locale(base)),
      ...(language === base ? {} : locale(language)),
    };
    this.strings = { ...fromLocales, ...overrides };
    for (const key of Object.keys(overrides)
      .filter((key) => !Object.hasOwn(fromLocales, key))
      .sort())
      warnings.push({
        file: 'site.yaml',
        field: `strings.${key}`,
        reason: `names no string of the theme, so it changes nothing (a typo? the theme's keys are in its locales/en.json)`,
        severity: 'warning',
      });
    this.warnings = warnings;
    this.plural = new Intl.PluralRules(language);

    const templates: Record<string, string> = {};
    for (const [path, text] of Object.entries(files)) {
      // A template's final line break is not output, so files can end with one like any text file.
      if (path.endsWith('.liquid')) templates[path] = text.endsWith('\n') ? text.slice(0, -1) : text;
    }
    const engine = (escaped: boolean) => {
      const liquid = new Liquid({
        templates,
        ...(escaped ? { outputEscape: 'escape' as const } : {}),
        strictFilters: true,
        ownPropertyOnly: true,
        cache: true,
      });
      liquid.registerTag('include_cached', IncludeCachedTag);
      liquid.registerFilter('t', (key: unknown, ...args: unknown[]) => this.t(String(key), namedArgs(args)));
      liquid.registerFilter('display_date', (iso: unknown) =>
        typeof iso === 'string' && iso ? displayDate(iso, language) : '',
      );
      // The one way to output markup unescaped: only what Broadsheet produced or sanitized (article bodies, a
      // rendered page in the layout). Anything else is escaped, so a template cannot be tricked into raw output.
      liquid.registerFilter('sanitized', {
        handler: (value: unknown) =>
          value instanceof SafeHtml ? value.value : escapeHtml(value == null ? '' : String(value)),
        raw: true,
      });
      // Liquid's own `raw` would bypass escaping for any value; here it is an ordinary, escaped output.
      liquid.registerFilter('raw', (value: unknown) => value);
      return liquid;
    };
    this.liquid = engine(true);
    // Plain-text emails (*.txt.liquid) are not HTML: nothing in them is escaped.
    this.textLiquid = engine(false);
    this.withoutGenerators = rendersLikeLiquid(this.liquid) && rendersLikeLiquid(this.textLiquid);

    for (const [path, text] of Object.entries(templates)) {
      try {
        const liquid = path.endsWith('.txt.liquid') ? this.textLiquid : this.liquid;
        this.parsed.set(path, liquid.parse(text, path));
      } catch (error) {
        problems.push(templateProblem(origins[path] ?? '', path, error));
        continue;
      }
      for (const m of text.matchAll(REFERENCE)) {
        const name = m[1] as string;
        if (templates[name] === undefined) {
          problems.push({
            file: `${origins[path]}${path}`,
            field: 'template',
            reason: `includes "${name}", which the theme does not have`,
            line: text.slice(0, m.index).split('\n').length,
            severity: 'error',
          });
        }
      }
    }
    if (problems.length > 0) throw new ThemeLoadError(problems);

    this.stringsKey = shortHash(JSON.stringify(this.strings));
    const shared = Object.keys(files)
      .filter((path) => !notOnSitePages(path) && !pageTemplateOf(path) && !path.startsWith('locales/'))
      .sort()
      .map((path) => `${path}\u0000${files[path]}`);
    this.sharedKey = shortHash([this.stringsKey, ...shared].join('\u0001'));
    for (const name of PAGE_TEMPLATES) {
      this.templateKeys.set(name, shortHash(files[`${name}.liquid`] ?? ''));
    }
  }

  /** What one kind of site page depends on in the theme besides the shared files. */
  templateKey(name: PageTemplate): string {
    return this.templateKeys.get(name) ?? '';
  }

  has(path: string): boolean {
    return this.parsed.has(path);
  }

  /**
   * Renders one parsed template; output is escaped unless a value goes through `sanitized`. A render past
   * its limits (RENDER_LIMITS) is a ThemeLoadError naming the template and the page (`scope.page`).
   * `shows`: characters of HTML the scope hands the template to write (an article's body), allowed beyond
   * the output limit, which bounds what the template adds: a 1 MiB article may render to over 10 MB.
   */
  render(path: string, scope: Record<string, unknown>, shows = 0): string {
    const template = this.parsed.get(path);
    if (!template) throw new ThemeLoadError([missing(path)]);
    const liquid = path.endsWith('.txt.liquid') ? this.textLiquid : this.liquid;
    const limits = { ...this.limits, output: this.limits.output + shows };
    let budget: RenderBudget = renderBudget(limits);
    try {
      if (this.withoutGenerators) {
        // `increment` and `decrement` write into the scope: liquidjs must start from it as it was given.
        const given = { ...scope };
        try {
          return renderSync(liquid, template, scope, budget);
        } catch (error) {
          // Past a limit, liquidjs would only get there again, as slowly.
          if (templateLimitErrorOf(error)) throw error;
          // liquidjs renders it again: its output, or its error with the template's file and line. Within
          // what is left of the same time.
          this.slowRenders++;
          for (const key of Object.keys(scope)) if (!Object.hasOwn(given, key)) delete scope[key];
          Object.assign(scope, given);
          budget = renderBudget(limits, budget.deadline);
        }
      }
      return renderWithLiquid(liquid, template, scope, budget);
    } catch (error) {
      const limit = templateLimitErrorOf(error);
      if (limit) throw new ThemeLoadError([this.limitProblem(path, scope, limit.message)]);
      throw new ThemeLoadError([templateProblem(this.origins[path] ?? '', path, error)]);
    }
  }

  /** "rendering /posts/x/ wrote more than 8 MB; …": the page by its path when the scope has one. */
  private limitProblem(path: string, scope: Record<string, unknown>, what: string): Problem {
    const canonical = (scope.page as { canonical?: unknown } | undefined)?.canonical;
    let page = 'it';
    if (typeof canonical === 'string') {
      try {
        page = new URL(canonical).pathname;
      } catch {
        page = canonical;
      }
    }
    return {
      file: `${this.origins[path] ?? ''}${path}`,
      field: 'template',
      reason: `rendering ${page} ${what}; no page needs that much, so a loop or include in it does not end`,
      severity: 'error',
    };
  }

  /** A site page: its own template, then the base layout around it (`content`); `shows` as for render. */
  renderPage(name: PageTemplate, scope: Record<string, unknown>, shows = 0): string {
    const page = this.render(`${name}.liquid`, scope, shows);
    const out = this.render(LAYOUT, { ...scope, content: new SafeHtml(page) }, page.length);
    return out.endsWith('\n') ? out : `${out}\n`;
  }

  /** One string of the locale, with `{name}` placeholders filled in; by plural category when `count` is given. */
  t(key: string, values: Readonly<Record<string, unknown>> = {}): string {
    const entry = this.strings[key];
    let text: string;
    if (entry === undefined) {
      this.unknownKeys.add(key);
      text = key;
    } else if (typeof entry === 'string') text = entry;
    else {
      const count = Number(values.count ?? 0);
      text = entry[this.plural.select(count)] ?? entry.other ?? key;
    }
    return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) =>
      name in values ? String(values[name]) : whole,
    );
  }
}

const PLURAL_CATEGORIES = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);
/**
 * A locale file's strings, each text or plural forms of text: anything else would show its key on every
 * page, and is an error naming the key.
 */
function checkLocale(parsed: unknown, file: string): { strings: LocaleStrings; problems: Problem[] } {
  const problems: Problem[] = [];
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({ file, field: 'locale', reason: 'must be a JSON object of strings', severity: 'error' });
    return { strings: {}, problems };
  }
  const strings: Record<string, LocaleString> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const plural =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof (value as Record<string, unknown>).other === 'string' &&
      Object.entries(value).every(([form, text]) => PLURAL_CATEGORIES.has(form) && typeof text === 'string');
    if (typeof value !== 'string' && !plural) {
      problems.push({
        file,
        field: key,
        reason: `is ${JSON.stringify(value)}: it must be text, or plural forms of text ({"one": "…", "other": "…"})`,
        severity: 'error',
      });
      continue;
    }
    strings[key] = value as LocaleString;
  }
  return { strings, problems };
}

function missing(path: string): Problem {
  return { file: path, field: 'template', reason: 'the theme has no such template', severity: 'error' };
}

/** Liquid passes keyword arguments (`t: count: 3`) as [name, value] pairs. */
function namedArgs(args: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string') out[arg[0]] = arg[1];
  }
  return out;
}

/** The default theme as bundled. */
// Pure, so a bundle that imports this module without rendering (the bounce handler) leaves the themes out.
export const DEFAULT_THEME: ThemeFiles = /* @__PURE__ */ (() => BUNDLED_THEMES.default ?? {})();

/** Where a site's own theme files live, relative to the content folder (and the content bucket). */
export const THEME_OVERRIDES = 'theme/';

const themes = new Map<string, Theme>();

/**
 * The theme a site renders with: the default, then the bundled theme site.yaml names (`theme:`), then the
 * site's own files from content/theme/ (`overrides`), each replacing files of the same path. The same
 * inputs give the same (cached) theme, so a build parses its templates once. Throws ThemeLoadError.
 */
export function themeFor(
  site: Pick<SiteConfig, 'language' | 'strings' | 'theme'>,
  overrides: ThemeFiles = {},
): Theme {
  const key = shortHash(JSON.stringify([site.language, site.strings ?? {}, site.theme ?? '', overrides]));
  let theme = themes.get(key);
  if (theme) return theme;
  const layers: ThemeLayer[] = [{ origin: 'themes/default/', files: DEFAULT_THEME }];
  if (site.theme && site.theme !== 'default') {
    const named = BUNDLED_THEMES[site.theme];
    if (!named) {
      throw new ThemeLoadError([
        {
          file: 'site.yaml',
          field: 'theme',
          reason: `no theme "${site.theme}" in themes/ (there are: ${Object.keys(BUNDLED_THEMES).join(', ')}); after adding a folder there, run npm run theme`,
          severity: 'error',
        },
      ]);
    }
    layers.push({ origin: `themes/${site.theme}/`, files: named });
  }
  if (Object.keys(overrides).length > 0) layers.push({ origin: THEME_OVERRIDES, files: overrides });
  theme = new Theme(layers, site.language, site.strings ?? {});
  // A handful of themes per process at most (a preview beside a build, tests); keep the newest few.
  if (themes.size >= 16) themes.delete(themes.keys().next().value as string);
  themes.set(key, theme);
  return theme;
}

/**
 * What a publish hands to the functions that render mail and the subscription pages (send, subscribe),
 * which never read content/theme/ themselves: the site's own theme files as the publish loaded them, all
 * but the site-page templates (no email or subscription page uses one). They resolve it with themeFor over
 * the themes bundled with them, as the publish does, so there is one rule for what overrides what; and a
 * publish hands it on only after the theme loaded, so a broken template never reaches them.
 */
export interface PublishedTheme {
  readonly format: 1;
  /** A hash of `files` and `nav`: a publish writes it again only when this changes. */
  readonly key: string;
  readonly files: ThemeFiles;
  /** The navigation the site's pages show (site.yaml's `nav:`), for the subscription pages to show it too. */
  readonly nav?: readonly NavPage[];
}

export function publishedThemeOf(overrides: ThemeFiles, nav: readonly NavPage[] = []): PublishedTheme {
  const files: Record<string, string> = {};
  for (const path of Object.keys(overrides).sort()) {
    if (!pageTemplateOf(path)) files[path] = overrides[path] as string;
  }
  // Without a navigation, the key is what it was before the navigation was handed on: no needless write.
  if (nav.length === 0) return { format: 1, key: shortHash(JSON.stringify(files)), files };
  return { format: 1, key: shortHash(JSON.stringify({ files, nav })), files, nav };
}

/**
 * The theme mail and the subscription pages render with: the site's settings (site.json) over what the last
 * publish handed on, or the bundled theme as site.yaml names it before any publish has.
 */
export function publishedThemeFor(
  site: Pick<SiteConfig, 'language' | 'strings' | 'theme'>,
  published: PublishedTheme | undefined,
): Theme {
  return themeFor(site, published?.files ?? {});
}

/** "Mondays at 09:00 (Europe/Lisbon)" in the theme's language: when weekly subscribers get their digest. */
export function weeklyWhen(site: Pick<SiteConfig, 'weekly' | 'timezone'>, theme: Theme): string {
  const { weekday, hour, minute } = site.weekly;
  // 2024-01-01 was a Monday; weekday 1 is Monday.
  const name = new Intl.DateTimeFormat(theme.language, { weekday: 'long', timeZone: 'UTC' }).format(
    Date.UTC(2024, 0, weekday),
  );
  const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  return theme.t('weekly.when', { weekday: name, time, zone: site.timezone });
}

/** One line on what a delivery choice means (confirm and preferences pages, emails). */
export function deliveryText(
  site: Pick<SiteConfig, 'weekly' | 'timezone'>,
  theme: Theme,
  delivery: 'instant' | 'weekly',
): string {
  return delivery === 'weekly'
    ? theme.t('delivery.weekly', { when: weeklyWhen(site, theme) })
    : theme.t('delivery.instant');
}
