// `diff <git-ref>`: what merging the working tree onto the ref would do (src/pipeline/diff.ts), as a
// summary for a pull request and the digest it would send.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FsStaticAssets, FsThemeFiles } from '../adapters/fs/article-source.js';
import { loadSiteConfig } from '../adapters/fs/site-config.js';
import { hasErrors } from '../core/corpus.js';
import { previewLinks } from '../core/digest.js';
import { ConfigError, ContentError } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';
import { diffCorpora, summaryMarkdown } from '../pipeline/diff.js';
import { loadTheme } from '../pipeline/publish.js';
import type { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import { printWarnings, show } from './output.js';
import { readCorpus } from './read-content.js';

/** site.yaml of a checked-out ref; the current one where it had none or one that no longer loads. */
async function siteAt(content: string, current: SiteConfig): Promise<SiteConfig> {
  try {
    return await loadSiteConfig(content);
  } catch (error) {
    if (error instanceof ConfigError) return current;
    throw error;
  }
}

export async function diffCommand(
  { site, paths, options, clock }: Invocation,
  ref: string | undefined,
): Promise<number> {
  const { content } = paths;
  if (!ref) throw new UsageError('diff needs the git ref to compare with: broadsheet diff origin/main');
  const [diffOut, givenOut] = [options['diff-out'], options.out];
  if (diffOut !== undefined && givenOut !== undefined && resolve(diffOut) !== resolve(givenOut))
    throw new UsageError('diff takes --out or --diff-out (the same option), not both with different folders');
  const git = (args: string[], cwd = content) =>
    execFileSync('git', args, { cwd, maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  // The repository's top, and the content folder's path inside it as git spells it (no symlink surprises).
  let top: string;
  let path: string;
  try {
    [top = '', path = ''] = git(['rev-parse', '--show-toplevel', '--show-prefix']).toString().split('\n');
    path = path.replace(/\/$/, '') || '.';
  } catch {
    throw new ConfigError('diff', [
      `${show(content)} is not inside a git repository, so there is nothing to compare with`,
    ]);
  }
  try {
    git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  } catch {
    throw new ConfigError('diff', [
      `"${ref}" is not a commit git knows here (try a branch, a tag or HEAD~1)`,
    ]);
  }
  const base = await mkdtemp(join(tmpdir(), 'broadsheet-diff-'));
  let before: Awaited<ReturnType<typeof readCorpus>>;
  let existed: boolean;
  try {
    // Content that did not exist yet at <ref> compares as an empty folder: every article is new.
    existed = path === '.' || git(['ls-tree', '-d', ref, '--', path], top).length > 0;
    if (existed)
      execFileSync('tar', ['-x', '-C', base], {
        input: git(['archive', '--format=tar', ref, '--', path], top),
      });
    await mkdir(join(base, path), { recursive: true });
    // The articles as they were, read with the settings they had (base_url, timezone): with today's, a
    // changed base_url would move no id in the comparison.
    before = await readCorpus(join(base, path), await siteAt(join(base, path), site));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  const after = await readCorpus(content, site);
  if (hasErrors(after.problems)) throw new ContentError(after.problems);
  printWarnings(after.problems);
  const assets = (await new FsStaticAssets(content).list()).map((a) => a.path);
  const theme = await loadTheme(site, new FsThemeFiles(content));
  const change = await diffCorpora(before.articles, after.articles, site, clock(), assets, theme);
  const out = resolve(options['diff-out'] ?? options.out ?? 'diff');
  await mkdir(out, { recursive: true });
  // Said first, or a wrong ref (one from before the content existed) reads as a site of new articles.
  const summary = `${existed ? '' : `_${path}/ did not exist at ${ref}: every article counts as added._\n\n`}${summaryMarkdown(change, ref)}`;
  await writeFile(join(out, 'summary.md'), summary);
  if (change.digest) {
    const links = previewLinks(site);
    await writeFile(join(out, 'digest.html'), change.digest.html(links));
    await writeFile(join(out, 'digest.txt'), change.digest.text(links));
  }
  console.log(summary);
  // On stderr: stdout is the summary alone, ready for a pull request's comment.
  console.error(`Written to ${show(out)}/: summary.md${change.digest ? ', digest.html and digest.txt' : ''}`);
  return change.idProblems.length > 0 ? 1 : 0;
}
