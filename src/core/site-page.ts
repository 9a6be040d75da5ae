// Pages: content/pages/<name>.md becomes /<name>/. Same front matter and Markdown as an article, checked by
// the same parser with the same limits, but the date is optional and a page is never in a feed or a digest.
import { type ArticleSource, parseArticle } from './article.js';
import type { Problem } from './errors.js';
import { NEWSLETTER_DIR } from './newsletter.js';
import { shortHash } from './short-hash.js';
import type { SiteConfig } from './site.js';
import { decodeUtf8, typoOf } from './text.js';

/** A page as the index keeps it, body included (a site has a handful). */
export interface SitePage {
  readonly source: string;
  /** The file name without .md: the page is served at /<name>/. */
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly draft: boolean;
  /** Sanitized HTML with absolute links. */
  readonly html: string;
  /** Everything the page shows: its own output's key. */
  readonly renderKey: string;
}

/** Folders and files the site generates: a page may not take their address. */
const RESERVED = new Set(['posts', 'tags', 'archive', 'subscribe', 'api', 'index', '404', 'feed', 'sitemap']);

export const isPagePath = (path: string): boolean => /^pages\/[^/]+\.md$/.test(path);

/** Where a page is written in the site. */
export const pagePath = (name: string): string => `${name}/index.html`;

export type PageParseResult =
  | { readonly ok: true; readonly page: SitePage; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export function parsePage(source: ArticleSource, site: SiteConfig): PageParseResult {
  const name = (source.path.split('/').pop() ?? '').replace(/\.md$/, '');
  // The archive of sent digests is /newsletter/ while site.yaml keeps one (archive, on by default).
  const reserved = RESERVED.has(name) || (site.archive && name === NEWSLETTER_DIR);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || reserved) {
    return {
      ok: false,
      problems: [
        {
          file: source.path,
          field: 'file',
          reason:
            name === NEWSLETTER_DIR && reserved
              ? `/${name}/ is the archive of the digests sent (archive: true in site.yaml); name the page otherwise, or set archive: false`
              : reserved
                ? `/${name}/ is an address the site generates; name the page otherwise`
                : 'a page is named by its file: lowercase letters, digits and hyphens, then .md',
          severity: 'error',
        },
      ],
    };
  }
  // The article parser wants a date; a page has none of its own, so one is supplied after the opening line
  // (and problem lines after it are moved back by one).
  // Bytes that are not UTF-8 go to the parser as they are, which names the line (decoded, they would be
  // U+FFFD, re-encoded without a word).
  const decoded = decodeUtf8(source.bytes);
  const text = decoded.ok ? decoded.text : '';
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
  const hasDate = !decoded.ok || /^date\s*:/m.test(frontMatter);
  const bytes = hasDate
    ? source.bytes
    : new TextEncoder().encode(text.replace(/^---(\r?\n)/, '---$1date: 1970-01-01T00:00:00Z$1'));
  const shift = (p: Problem): Problem =>
    !hasDate && p.line !== undefined && p.line > 1 ? { ...p, line: p.line - 1 } : p;
  // Links within the page (heading anchors, footnotes) point at the page's own address.
  const result = parseArticle({ path: source.path, bytes }, site, undefined, `${site.baseUrl}/${name}/`);
  if (!result.ok) return { ok: false, problems: result.problems.map(shift) };
  const { article } = result;
  const warnings = result.warnings.map(shift).filter((p) => p.field !== 'date' || hasDate);
  const page = {
    source: source.path,
    name,
    title: article.title,
    summary: article.summary,
    draft: article.draft,
    html: article.html,
  };
  if (article.tags.length > 0) {
    warnings.push({
      file: source.path,
      field: 'tags',
      reason: 'ignored on a page (pages are in no tag list, feed or digest)',
      severity: 'warning',
    });
  }
  // A page's address is its file's name: these would move an article, and say nothing here.
  for (const field of ['slug', 'aliases'] as const)
    if (new RegExp(`^${field}\\s*:`, 'm').test(frontMatter))
      warnings.push({
        file: source.path,
        field,
        reason: `ignored on a page: it is served at /${name}/, from its file name`,
        severity: 'warning',
      });
  return { ok: true, page: { ...page, renderKey: shortHash(JSON.stringify(page)) }, warnings };
}

/** The pages in the navigation, in the order site.yaml's `nav:` gives; names without a page are problems. */
export function navPages(
  site: SiteConfig,
  pages: readonly SitePage[],
  /** The problems found in content/pages/: a page that failed is told there, not as one that is missing. */
  pageProblems: readonly Problem[] = [],
): { nav: { name: string; title: string }[]; problems: Problem[] } {
  const byName = new Map(pages.filter((p) => !p.draft).map((p) => [p.name, p]));
  const failed = new Set(
    pageProblems.filter((p) => p.severity === 'error').map((p) => p.file.replace(/^pages\/|\.md$/g, '')),
  );
  const nav: { name: string; title: string }[] = [];
  const problems: Problem[] = [];
  for (const name of site.nav) {
    const page = byName.get(name);
    if (page) nav.push({ name, title: page.title });
    else if (failed.has(name)) continue;
    else
      problems.push({
        file: 'site.yaml',
        field: 'nav',
        reason: missingNavPage(name, pages),
        severity: 'error',
      });
  }
  return { nav, problems };
}

/** Why `nav` cannot name `name`: a draft, or no such page (with the one it likely meant, or the pages there are). */
function missingNavPage(name: string, pages: readonly SitePage[]): string {
  if (pages.some((p) => p.name === name && p.draft))
    return `names "${name}", but pages/${name}.md is a draft (draft: true)`;
  const live = pages.filter((p) => !p.draft).map((p) => p.name);
  const near = typoOf(name, live);
  const hint = near
    ? ` (did you mean ${near}?)`
    : live.length > 0 && live.length <= 10
      ? ` (the pages: ${live.join(', ')})`
      : '';
  return `names "${name}", but there is no pages/${name}.md${hint}`;
}
