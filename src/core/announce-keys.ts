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

/** An article that was live before at `announcedAs` and is now `article`, at another address or identity. */
export interface ArticleMove<A extends ArticleMeta = ArticleMeta> {
  readonly article: A;
  readonly announcedAs: string;
  /** The file it was live from (the same as the article's unless the file was renamed). */
  readonly from: string;
}

/** The date as its author wrote it: without the offset a time zone gave a date written with none. */
const dateAsWritten = (a: Pick<ArticleMeta, 'date' | 'floatingDate'>): string =>
  a.floatingDate ? a.date.slice(0, 19) : a.date;
const sameTitle = (a: Pick<ArticleMeta, 'title'>, b: Pick<ArticleMeta, 'title'>): boolean =>
  articleIdentity({ date: '', title: a.title }) === articleIdentity({ date: '', title: b.title });

type Comparable = Pick<ArticleMeta, 'url' | 'date' | 'title' | 'floatingDate' | 'bodyHash'>;

/** What a renamed and retitled file keeps: its date as written and its body (none for an empty body). */
const bodyKeyOf = (a: Pick<ArticleMeta, 'date' | 'floatingDate' | 'bodyHash'>): string[] =>
  a.bodyHash === undefined ? [] : [`body:${dateAsWritten(a)}:${a.bodyHash}`];

/** Each of `items` under each of its keys, or null under a key two of them share: no guess between them. */
export function byUniqueKey<T>(
  items: Iterable<T>,
  keys: (item: T) => readonly string[],
): Map<string, T | null> {
  const map = new Map<string, T | null>();
  for (const item of items) for (const key of keys(item)) map.set(key, map.has(key) ? null : item);
  return map;
}

/**
 * Whether the file that held `prior` still holds that article (`now`): its address, title, date as written
 * or body stayed. One whose slug, title, date and body all changed is another post written into the file.
 */
function stillInFile(prior: Comparable, now: Comparable): boolean {
  return (
    prior.url === now.url ||
    sameTitle(prior, now) ||
    dateAsWritten(prior) === dateAsWritten(now) ||
    // An index or a digest from before bodies were hashed has none: its body counts as the same.
    (prior.bodyHash ?? now.bodyHash) === now.bodyHash
  );
}

/**
 * The articles of `after` that were articles of `before` (both: what was live, each by its file): the same
 * file under a new address, date or title, as long as one of its date, title or body stayed (a file reused
 * for another post is a new article); or a renamed file, paired with the one taken off the site by the date
 * as written and either the title (a new time zone shifted a date written without one) or the body (a new
 * title too). A renamed file pairs only when one file gone and one arriving match. `waiting`: sources of
 * `after` that count as arriving although `before` had them (still in the grace window: the new copy of a
 * renamed file whose old copy left only now).
 */
export function movesBetween<A extends ArticleMeta>(
  before: readonly ArticleMeta[],
  after: readonly A[],
  waiting: ReadonlySet<string> = new Set(),
): ArticleMove<A>[] {
  const priorBySource = new Map(before.map((a) => [a.source, a]));
  const moves: ArticleMove<A>[] = [];
  for (const article of after) {
    const prior = priorBySource.get(article.source);
    if (!prior) continue;
    if (prior.url === article.url && articleIdentity(prior) === articleIdentity(article)) continue;
    if (stillInFile(prior, article)) moves.push({ article, announcedAs: prior.url, from: prior.source });
  }
  const afterSources = new Set(after.map((a) => a.source));
  const gone = before.filter((a) => !afterSources.has(a.source));
  const arriving = after.filter((a) => !priorBySource.has(a.source) || waiting.has(a.source));
  if (gone.length === 0 || arriving.length === 0) return moves;
  // Keys a renamed file keeps: its title across a zone change (dates written without one), or its body.
  const keysOf = (a: ArticleMeta): string[] => [
    ...(a.floatingDate ? [`title:${articleIdentity({ date: dateAsWritten(a), title: a.title })}`] : []),
    ...bodyKeyOf(a),
  ];
  const goneByKey = byUniqueKey(gone, keysOf);
  const arrivingByKey = byUniqueKey(arriving, keysOf);
  const paired = new Set<ArticleMeta>();
  for (const article of arriving) {
    for (const key of keysOf(article)) {
      const from = goneByKey.get(key);
      if (!from || arrivingByKey.get(key) !== article || paired.has(from)) continue;
      paired.add(from);
      moves.push({ article, announcedAs: from.url, from: from.source });
      break;
    }
  }
  return moves;
}

/** The keys that record an article's identity at its address, without the address itself (a retitle). */
export function identityKeys(article: Pick<ArticleMeta, 'url' | 'date' | 'title'>): string[] {
  const identity = articleIdentity(article);
  return [identity, identityAt(identity, article.url)];
}

/**
 * Where each announced article is on the site now (`live`), by the address it was announced at: that
 * address, one of its `aliases`, its file (a new slug, perhaps with a new title, unless another post was
 * written into it), or else its date and title, or its date as written and body (a renamed file, perhaps
 * retitled), when one live article alone has them. An article found nowhere was withdrawn and has no entry;
 * one edited since reads as it does now.
 */
export function whereNow(
  announced: readonly (Comparable & Pick<ArticleMeta, 'source'>)[],
  live: readonly ArticleMeta[],
): Map<string, ArticleMeta> {
  const byAddress = new Map<string, ArticleMeta>();
  const bySource = new Map<string, ArticleMeta>();
  for (const article of live) {
    for (const address of [article.url, ...(article.aliases ?? [])]) byAddress.set(address, article);
    bySource.set(article.source, article);
  }
  const byIdentity = byUniqueKey(live, (article) => [articleIdentity(article), ...bodyKeyOf(article)]);
  const found = new Map<string, ArticleMeta>();
  for (const article of announced) {
    const inFile = bySource.get(article.source);
    const now =
      byAddress.get(article.url) ??
      (inFile && stillInFile(article, inFile) ? inFile : undefined) ??
      byIdentity.get(articleIdentity(article)) ??
      bodyKeyOf(article).map((key) => byIdentity.get(key))[0];
    if (now) found.set(article.url, now);
  }
  return found;
}
