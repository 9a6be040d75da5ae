// What the weekly digest may carry, as every ledger answers it (WeeklyLedger.awaitingWeekly). Apart from
// digest.ts, which renders, so the weekly function's bundle holds no template engine.
import type { ArticleMeta } from './article.js';
import { audienceOfDigest } from './delivery.js';
import type { DigestRecord } from './ports.js';

/** The instant digests created in [sinceMs, beforeMs): those the weekly digest looks at. */
export const instantDigestsIn = (
  digests: Iterable<DigestRecord>,
  sinceMs: number,
  beforeMs: number,
): DigestRecord[] =>
  [...digests].filter(
    (d) => audienceOfDigest(d).delivery === 'instant' && d.createdAtMs >= sinceMs && d.createdAtMs < beforeMs,
  );

/**
 * The weekly digest's candidates among stored digests: articles of instant digests created in
 * [sinceMs, beforeMs) that went out (`wentOut`, announcement-marks.ts), oldest announcement first, that no
 * weekly digest has carried yet.
 */
export function articlesAwaitingWeekly(
  digests: Iterable<DigestRecord>,
  carried: (url: string) => boolean,
  sinceMs: number,
  beforeMs: number,
  wentOut: (id: string) => boolean,
): ArticleMeta[] {
  const byUrl = new Map<string, ArticleMeta>();
  for (const article of instantDigestsIn(digests, sinceMs, beforeMs)
    .filter((d) => wentOut(d.id))
    .sort((a, b) => a.createdAtMs - b.createdAtMs)
    .flatMap((d) => d.articles)) {
    // Once each, as the latest digest to carry it knew it (a digest handed on again, an article mailed
    // again after a cancel), in the order it first went out.
    if (!carried(article.url)) byUrl.set(article.url, article);
  }
  return [...byUrl.values()];
}
