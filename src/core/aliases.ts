// An alias (an article's old address) becomes a redirect page. It may only name a path that no generated
// page uses: otherwise the redirect replaces that page, and removing the alias later deletes it.
import type { ArticleMeta } from './article.js';
import type { Problem } from './errors.js';
import { MAX_FOLDER_NAME_BYTES, slugInUrl, utf8Length } from './text.js';

/** Most old addresses an article may declare (each is a page written on every build). */
export const MAX_ALIASES = 20;
/** Longest alias path; every segment becomes a folder name in the built site. */
export const MAX_ALIAS_LENGTH = 1000;

/**
 * First path segments the site generates pages under or routes elsewhere, and what it keeps there. The home
 * page `/` cannot be an alias: the alias pattern needs a segment.
 */
const RESERVED_PREFIXES: Readonly<Record<string, string>> = {
  tags: 'the tag pages',
  archive: 'the archive',
  api: 'the subscription API',
  subscribe: 'the Subscribe page',
  newsletter: 'the archive of issues',
};

/** Why `path` (a site path like /posts/old-slug/) cannot be an alias of the article at /posts/<slug>/. */
export function reservedAliasReason(path: string, slug: string): string | undefined {
  const first = path.split('/')[1] ?? '';
  const owner = Object.hasOwn(RESERVED_PREFIXES, first) ? RESERVED_PREFIXES[first] : undefined;
  if (owner) return `${path} is under /${first}/, where the site keeps ${owner}`;
  if (path === `/posts/${slugInUrl(slug)}/`) return `${path} is this article's own address`;
  return undefined;
}

/**
 * An old address as `aliases` gives it → the path as it goes in a URL (each segment percent-encoded, as the
 * site's own Unicode slugs are), or why it cannot be one. Written either way, `/posts/日本語/` and
 * `/posts/%E6%97%A5%E6%9C%AC%E8%AA%9E/` are one address; an imported site's `/2019/05/Old_Post/` is kept
 * as it was. Each segment becomes a folder, so it holds letters, digits, `-`, `_`, `.` and `~` only.
 */
export function aliasPath(written: string): { path: string } | { reason: string } {
  if (!/^\/(?:[^/]+\/)+$/.test(written))
    return { reason: 'must be a site path from / to a closing /, like /posts/old-slug/' };
  const segments: string[] = [];
  for (const segment of written.slice(1, -1).split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { reason: `has "${segment}", which is not valid percent-encoding` };
    }
    if (decoded === '.' || decoded === '..' || !ALIAS_SEGMENT.test(decoded))
      return {
        reason: `has the segment "${decoded}": a segment holds letters, digits, -, _, . and ~ only`,
      };
    // Hidden names are the build's own (dist/.broadsheet-manifest.v8), never a page's.
    if (decoded.startsWith('.'))
      return { reason: `has the segment "${decoded}": a segment may not start with .` };
    if (decoded !== decoded.normalize('NFC'))
      return { reason: `has "${decoded}" with letters written as letter and accent apart (write it in NFC)` };
    if (utf8Length(decoded) > MAX_FOLDER_NAME_BYTES)
      return { reason: `has a segment longer than ${MAX_FOLDER_NAME_BYTES} bytes` };
    segments.push(encodeURIComponent(decoded));
  }
  return { path: `/${segments.join('/')}/` };
}

const ALIAS_SEGMENT = /^[\p{L}\p{N}\p{M}_.~-]+$/u;

/**
 * Aliases that collide across articles: one naming another article's address, or two articles naming the
 * same old address. Also re-checks the reserved paths, for articles that were validated before this rule
 * (a cache, an index). Aliases and URLs are absolute, under the site's base URL.
 */
export function aliasProblems(articles: readonly ArticleMeta[]): Problem[] {
  const problems: Problem[] = [];
  const byUrl = new Map(articles.map((a) => [a.url, a]));
  const claimed = new Map<string, ArticleMeta[]>();
  for (const article of articles) {
    for (const alias of new Set(article.aliases ?? [])) {
      const list = claimed.get(alias);
      if (list) list.push(article);
      else claimed.set(alias, [article]);
    }
  }
  const report = (article: ArticleMeta, reason: string) =>
    problems.push({ file: article.source, field: 'aliases', reason, severity: 'error' });
  for (const [alias, claimants] of claimed) {
    for (const article of claimants) {
      const path = sitePathOf(alias, article);
      const reserved = reservedAliasReason(path, article.slug);
      if (reserved) {
        report(article, reserved);
        continue;
      }
      const owner = byUrl.get(alias);
      if (owner && owner !== article) report(article, `${path} is the address of ${owner.source}`);
      const others = claimants.filter((other) => other !== article).map((other) => other.source);
      if (others.length > 0) report(article, `${path} is also an alias of ${others.join(', ')}`);
    }
  }
  return problems;
}

/** The site path of an absolute URL under the site of `article` (whose URL ends in /posts/<slug>/). */
function sitePathOf(url: string, article: ArticleMeta): string {
  const base = article.url.slice(0, article.url.length - `/posts/${slugInUrl(article.slug)}/`.length);
  return url.startsWith(`${base}/`) ? url.slice(base.length) : url;
}
