// `build`: the local pipeline (src/local.ts) from the command line, and the --out it refuses before reading
// anything.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { FileDigestHold } from '../adapters/fs/digest-hold.js';
import { ConfigError } from '../core/errors.js';
import { localBuild } from '../local.js';
import { waitingDigests } from '../pipeline/desk.js';
import { localDesk } from './desk.js';
import type { Invocation, Paths } from './invocation.js';
import { printBuild, printWarnings } from './output.js';
import { unreadSources } from './read-content.js';

/** `build`: the site into --out, the digest of what went live into --outbox. */
export async function buildCommand({ site, paths, clock }: Invocation): Promise<number> {
  printWarnings(await unreadSources(paths.content));
  const now = clock();
  // The digests as `pending` shows them, to name one that waited by its id when it goes out. Only a
  // delay or a hold makes a digest wait: without either, the build reads no more than it did.
  const waited =
    site.digest.delayMs > 0 || existsSync(new FileDigestHold(paths.state).path)
      ? await waitingDigests(localDesk(site, paths.state), now.getTime())
      : [];
  const start = performance.now();
  const report = await localBuild(site, paths, now);
  printBuild(report, site, clock, paths.out, (performance.now() - start) / 1000, waited);
  return 0;
}

/**
 * The built site inside content/ would be read back as articles, pages and static files by the next build
 * (compared with links resolved: a link to content/ is content/).
 */
export function refuseOutInsideContent(paths: Paths): void {
  const [realOut, realContent] = [realPath(paths.out), realPath(paths.content)];
  if (realOut === realContent || realOut.startsWith(`${realContent}${sep}`))
    throw new ConfigError('--out', [
      `${relative(process.cwd(), paths.out) || '.'} is inside --content ${relative(process.cwd(), paths.content) || '.'}: the next build would read the built site as content; choose a folder outside it (the default is dist)`,
    ]);
}

/** A path with its links resolved, as far as it exists (the rest as written). */
function realPath(path: string): string {
  const missing: string[] = [];
  let head = path;
  while (!existsSync(head) && dirname(head) !== head) {
    missing.unshift(basename(head));
    head = dirname(head);
  }
  return join(realpathSync(head), ...missing);
}
