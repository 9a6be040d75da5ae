// What the announcement ledger records for an article, so that an article is announced once whatever
// address it moves to: a renamed file, an edited slug or a new base_url gives it a new URL, and the URL alone
// would make it a new article to mail.
import type { ArticleMeta } from './article.js';
import { shortHash } from './short-hash.js';

export type Announceable = Pick<ArticleMeta, 'url' | 'aliases' | 'date' | 'title'>;

/** What stays when an article moves: its date and its title (case, spacing and Unicode form aside). */
export function articleIdentity(article: Pick<ArticleMeta, 'date' | 'title'>): string {
  const title = article.title.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return `article:${article.date}:${shortHash(title, 24)}`;
}

/** The identity as one address announced it: whether that address still holds it tells a move apart. */
export const identityAt = (identity: string, url: string): string => `${identity}@${url}`;

/** What marking an article announced records: its address, its identity, and the identity at the address. */
export function recordedKeys(article: Pick<ArticleMeta, 'url' | 'date' | 'title'>): string[] {
  return [article.url, ...identityKeys(article)];
}

/** The keys that say whether an article was announced: its address, the addresses it had, its identity. */
export function announceKeysOf(article: Announceable): string[] {
  return [article.url, ...(article.aliases ?? []), articleIdentity(article)];
}

/**
 * Of `candidates` (`live`: every article on the site now), those no announcement carried and those that
 * moved; `unseen` answers which of the keys it is given nothing recorded (the ledger, or a base ref). An
 * article whose address, or an address in its `aliases`, was recorded is not new. One whose date and title
 * were recorded moved, unless another live article still holds them at an address that recorded them (one
 * retitled since, or a second article of the same day and title): then it is a new article that took that
 * title. Holders are looked up only for articles whose identity was recorded, in a second read.
 */
export async function classifyAnnouncements<A extends Announceable>(
  candidates: readonly A[],
  live: readonly Announceable[],
  unseen: (keys: readonly string[]) => Promise<ReadonlySet<string>>,
): Promise<{ readonly unannounced: A[]; readonly moved: A[] }> {
  if (candidates.length === 0) return { unannounced: [], moved: [] };
  const fresh = await unseen(candidates.flatMap(announceKeysOf));
  const unannounced = new Set<A>();
  const moved = new Set<A>();
  const suspects: A[] = [];
  for (const article of candidates) {
    if (!fresh.has(article.url)) continue;
    if (!(article.aliases ?? []).every((key) => fresh.has(key))) moved.add(article);
    else if (fresh.has(articleIdentity(article))) unannounced.add(article);
    else suspects.push(article);
  }
  const holders = holderKeys(suspects, live);
  const unheld = holders.length > 0 ? await unseen(holders) : new Set<string>();
  const held = new Set(
    holders.filter((key) => !unheld.has(key)).map((key) => key.slice(0, key.indexOf('@'))),
  );
  for (const suspect of suspects) (held.has(articleIdentity(suspect)) ? unannounced : moved).add(suspect);
  return {
    unannounced: candidates.filter((a) => unannounced.has(a)),
    moved: candidates.filter((a) => moved.has(a)),
  };
}

/**
 * The other live articles of the same date as each of `articles`, as `identityAt` keys: if the ledger has
 * one, the article that announced that date and title is still on the site.
 */
function holderKeys(articles: readonly Announceable[], live: readonly Announceable[]): string[] {
  const byDate = new Map<string, string[]>();
  for (const other of live) {
    const urls = byDate.get(other.date);
    if (urls) urls.push(other.url);
    else byDate.set(other.date, [other.url]);
  }
  return articles.flatMap((article) => {
    const identity = articleIdentity(article);
    return (byDate.get(article.date) ?? [])
      .filter((url) => url !== article.url)
      .map((url) => identityAt(identity, url));
  });
}

/** The keys that record an article's identity at its address, without the address itself (a retitle). */
export function identityKeys(article: Pick<ArticleMeta, 'url' | 'date' | 'title'>): string[] {
  const identity = articleIdentity(article);
  return [identity, identityAt(identity, article.url)];
}

/**
 * Where each announced article is on the site now (`live`), by the address it was announced at: that
 * address, one of its `aliases`, its file (a new slug, perhaps with a new title), or else its date and title
 * when one live article alone has them (a renamed file). An article found nowhere was withdrawn and has no
 * entry; one edited since reads as it does now.
 */
export function whereNow(
  announced: readonly Pick<ArticleMeta, 'url' | 'date' | 'title' | 'source'>[],
  live: readonly ArticleMeta[],
): Map<string, ArticleMeta> {
  const byAddress = new Map<string, ArticleMeta>();
  const bySource = new Map<string, ArticleMeta>();
  const byIdentity = new Map<string, ArticleMeta | null>();
  for (const article of live) {
    for (const address of [article.url, ...(article.aliases ?? [])]) byAddress.set(address, article);
    bySource.set(article.source, article);
    const identity = articleIdentity(article);
    byIdentity.set(identity, byIdentity.has(identity) ? null : article);
  }
  const found = new Map<string, ArticleMeta>();
  for (const article of announced) {
    const now =
      byAddress.get(article.url) ?? bySource.get(article.source) ?? byIdentity.get(articleIdentity(article));
    if (now) found.set(article.url, now);
  }
  return found;
}
