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
 * Of `candidates`, those no announcement recorded under their address or `aliases` (`fresh` holds the
 * keys of announceKeysOf the ledger has not seen), split by their identity: `unannounced` ones are new,
 * `suspects` had their date and title announced, perhaps at an address still live (see `movedAmong`), and
 * `aliased` moved from an address they list in `aliases` that was announced.
 */
export function splitByIdentity<A extends Announceable>(
  candidates: readonly A[],
  fresh: ReadonlySet<string>,
): { readonly unannounced: A[]; readonly suspects: A[]; readonly aliased: A[] } {
  const unannounced: A[] = [];
  const suspects: A[] = [];
  const aliased: A[] = [];
  for (const article of candidates) {
    if (!fresh.has(article.url)) continue;
    if (!(article.aliases ?? []).every((key) => fresh.has(key))) aliased.push(article);
    else (fresh.has(articleIdentity(article)) ? unannounced : suspects).push(article);
  }
  return { unannounced, suspects, aliased };
}

/**
 * The other live articles of the same date as each suspect, as `identityAt` keys: if the ledger has one, the
 * article that announced that date and title is still on the site (since retitled), and the suspect is a new
 * article that took its old title, not a moved one.
 */
export function holderKeys(suspects: readonly Announceable[], live: readonly Announceable[]): string[] {
  const byDate = new Map<string, string[]>();
  for (const other of live) {
    const urls = byDate.get(other.date);
    if (urls) urls.push(other.url);
    else byDate.set(other.date, [other.url]);
  }
  return suspects.flatMap((suspect) => {
    const identity = articleIdentity(suspect);
    return (byDate.get(suspect.date) ?? [])
      .filter((url) => url !== suspect.url)
      .map((url) => identityAt(identity, url));
  });
}

/**
 * Of the suspects, those whose identity's holder is not live: `holders` is holderKeys(suspects, live), and
 * `unheld` those of them the ledger has not seen.
 */
export function movedAmong<A extends Announceable>(
  suspects: readonly A[],
  holders: readonly string[],
  unheld: ReadonlySet<string>,
): A[] {
  const held = holders.filter((key) => !unheld.has(key));
  const heldIdentities = new Set(held.map((key) => key.slice(0, key.indexOf('@'))));
  return suspects.filter((suspect) => !heldIdentities.has(articleIdentity(suspect)));
}

/** The keys that record an article's identity at its address, without the address itself (a retitle). */
export function identityKeys(article: Pick<ArticleMeta, 'url' | 'date' | 'title'>): string[] {
  const identity = articleIdentity(article);
  return [identity, identityAt(identity, article.url)];
}
