// Marks the announce step (pipeline/announce.ts) records in the announcement ledger beside the articles it
// announced, so that what became of a digest it began can be told later: by the next step, which finishes
// or drops it, and by the weekly digest, which carries only what went out.

/** Recorded just before a digest is handed on: the queue may have taken it. */
export const handedOnKey = (id: string): string => `handed-on:${id}`;

/** Recorded when a stopped step's digest, never handed on, is dropped: it never goes out. */
export const droppedKey = (id: string): string => `dropped:${id}`;

/** The marks that tell what became of these digests. */
export const outcomeKeys = (ids: readonly string[]): string[] =>
  ids.flatMap((id) => [handedOnKey(id), droppedKey(id)]);

/**
 * Whether a stored instant digest went out, as far as the ledger tells: not dropped, and not one a stopped
 * step left open before handing it on (the next step decides; the weekly digest looks back far enough to
 * carry it the week after, if it goes). `open`: the digest a step began and did not finish, if any.
 */
export function wentOut(id: string, open: string | undefined, marked: (key: string) => boolean): boolean {
  if (marked(droppedKey(id))) return false;
  return id !== open || marked(handedOnKey(id));
}
