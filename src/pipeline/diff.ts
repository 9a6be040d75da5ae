import { articleIdentity, classifyAnnouncements, movesBetween, recordedKeys } from '../core/announce-keys.js';
import { lateArticlesNote, splitByAnnounceWindow } from '../core/announce-window.js';
import type { Article } from '../core/article.js';
import { publishedAt } from '../core/corpus.js';
import { composeDigest, type Digest, planDigest } from '../core/digest.js';
import type { Problem } from '../core/errors.js';
import { planFullText } from '../core/full-text-plan.js';
import { checkPublished, publishedIdsOf } from '../core/published-ids.js';
import type { SiteConfig } from '../core/site.js';
import type { Theme } from '../core/theme.js';

export interface ChangeSummary {
  readonly added: readonly Article[];
  readonly removed: readonly Article[];
  readonly changed: readonly Article[];
  /** Articles at a new address (a renamed file, a new slug or base_url): not mailed again. */
  readonly moved: readonly { readonly from: Article; readonly to: Article }[];
  /** Published ids that would change: errors unless declared with `aliases`. */
  readonly idProblems: readonly Problem[];
  /** The digest merging this change would send, if any. */
  readonly digest?: Digest;
  /** New articles past `announce_window`: recorded as announced without mail. */
  readonly late: readonly Article[];
  readonly lateWindowDays: number;
}

/** What merging `head` onto `base` would do to the feeds and the inbox, at `now`. */
export async function diffCorpora(
  base: readonly Article[],
  head: readonly Article[],
  site: SiteConfig,
  now: Date,
  staticPaths: readonly string[] = [],
  /** The site's theme (its own templates over the bundled ones), as the digest will be rendered with. */
  theme?: Theme,
): Promise<ChangeSummary> {
  const before = publishedAt(base, now.getTime());
  const after = publishedAt(head, now.getTime());
  const beforeByUrl = new Map(before.map((a) => [a.url, a]));
  const afterUrls = new Set(after.map((a) => a.url));
  // What was published at `base` counts as announced, as the ledger records it (announce-keys.ts): an
  // article renamed since, or under a new base_url, moved and is not mailed again; one whose file was
  // edited, or renamed and retitled, is recorded by the publish that sees it move (movesBetween).
  const renamed = movesBetween(before, after).flatMap(({ article: to, announcedAs }) => {
    const from = beforeByUrl.get(announcedAs);
    return from && to.url !== from.url ? [{ from, to }] : [];
  });
  const recorded = new Set([
    ...before.flatMap((a) => [...recordedKeys(a), ...(a.aliases ?? [])]),
    ...renamed.flatMap(({ to }) => recordedKeys(to)),
  ]);
  const announcements = await classifyAnnouncements(
    after,
    after,
    async (keys) => new Set(keys.filter((key) => !recorded.has(key))),
  );
  const unannounced = announcements.unannounced;
  const byIdentity = new Map(before.map((a) => [articleIdentity(a), a]));
  // Where each moved from: an address it lists in `aliases`, or the one its date and title had.
  const moved = [
    ...renamed,
    ...announcements.moved.flatMap((to) => {
      const from = [
        ...(to.aliases ?? []).map((url) => beforeByUrl.get(url)),
        byIdentity.get(articleIdentity(to)),
      ].find((a) => a !== undefined && !afterUrls.has(a.url));
      return from ? [{ from, to }] : [];
    }),
  ];
  const movedFrom = new Set([...after.flatMap((a) => a.aliases ?? []), ...moved.map((m) => m.from.url)]);
  const movedTo = new Set(moved.map((m) => m.to.url));
  const { timely, late } = splitByAnnounceWindow(unannounced, {
    nowMs: now.getTime(),
    days: site.announceWindowDays,
  });
  const plan = planDigest(timely, new Set());
  // As the build would send it: full text where site.yaml asks for it, shortened past Gmail's clip.
  const bodies =
    plan && site.digest.content === 'full'
      ? planFullText(plan.id, plan.articles, new Map(timely.map((a) => [a.url, a.html])), site, theme).bodies
      : undefined;
  const digest = plan && composeDigest(bodies ? { ...plan, bodies } : plan, site, 'instant', theme);
  return {
    added: after.filter((a) => !beforeByUrl.has(a.url) && !movedTo.has(a.url)),
    moved,
    removed: before.filter((a) => !afterUrls.has(a.url) && !movedFrom.has(a.url)),
    changed: after.filter((a) => beforeByUrl.has(a.url) && beforeByUrl.get(a.url)?.hash !== a.hash),
    idProblems: checkPublished(publishedIdsOf(before), head, after, site, staticPaths).filter(
      (p) => p.severity === 'error',
    ),
    ...(digest ? { digest } : {}),
    late,
    lateWindowDays: site.announceWindowDays,
  };
}

/** The change as Markdown, for a pull request comment. */
export function summaryMarkdown(change: ChangeSummary, ref: string): string {
  const list = (articles: readonly Article[]) =>
    articles.length === 0
      ? '_none_'
      : articles.map((a) => `- [${a.title.replace(/[[\]]/g, '\\$&')}](${a.url})`).join('\n');
  return [
    `## What merging this does (compared with \`${ref}\`)`,
    '',
    `**Feed items added** (${change.added.length})`,
    list(change.added),
    '',
    `**Feed items changed** (${change.changed.length})`,
    list(change.changed),
    '',
    `**Feed items removed** (${change.removed.length})`,
    list(change.removed),
    '',
    ...(change.moved.length > 0
      ? [
          `**Moved** (${change.moved.length}): not mailed again; feed readers may show them as new, and the old address answers 404 unless the article lists it in \`aliases\``,
          change.moved.map(({ from, to }) => `- ${from.url} → ${to.url}`).join('\n'),
          '',
        ]
      : []),
    change.idProblems.length === 0
      ? '**Published ids**: none would change.'
      : `**Published ids that would change (errors)**\n${change.idProblems.map((p) => `- \`${p.file}\`: ${p.reason}`).join('\n')}`,
    '',
    change.digest
      ? `**Digest**: “${change.digest.subject}” (see digest.html and digest.txt)`
      : '**Digest**: none would be sent.',
    '',
    ...(change.late.length > 0 ? [lateArticlesNote(change.late, change.lateWindowDays), ''] : []),
  ].join('\n');
}
