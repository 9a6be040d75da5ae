// Reading content/ as more than one command needs it: its articles parsed, and what the build skips.
import { FsArticleSource, FsStaticAssets } from '../adapters/fs/article-source.js';
import { prepareToParse } from '../core/article.js';
import { parseCorpus } from '../core/corpus.js';
import type { Problem } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';

/** Every article under `dir`, parsed; the caller decides what its problems mean. */
export async function readCorpus(dir: string, site: SiteConfig) {
  const source = new FsArticleSource(dir);
  const sources = await Promise.all((await source.list()).map((entry) => source.read(entry.path)));
  await prepareToParse(sources);
  return parseCorpus(sources, site);
}

/**
 * Markdown files the build does not read (in a subfolder of posts/ or pages/, not named .md, a symbolic
 * link or a folder), and symbolic links in static/, which it does not copy, as warnings.
 */
export async function unreadSources(content: string): Promise<Problem[]> {
  const unread = await Promise.all(
    (['posts', 'pages'] as const).map((folder) => new FsArticleSource(content, folder).unread()),
  );
  const staticLinks = await new FsStaticAssets(content).links();
  const reasonFor = ({ path, link, folder: isFolder }: { path: string; link: boolean; folder: boolean }) => {
    const folder = path.split('/')[0];
    if (link)
      return `is not read: it is a symbolic link (never followed); put the file itself in content/${folder}/`;
    if (isFolder) return 'is not read: it is a folder, not a file';
    if (!/\.md$/.test(path)) return 'is not read: only files named .md are';
    return `is not read: ${folder === 'posts' ? 'articles' : 'pages'} go directly in content/${folder}/, not in a folder of it`;
  };
  return [
    ...unread.flat().map((entry) => ({
      file: entry.path,
      field: 'file',
      reason: reasonFor(entry),
      severity: 'warning' as const,
    })),
    ...staticLinks.map((path) => ({
      file: `static/${path}`,
      field: 'file',
      reason: 'is not copied: it is a symbolic link (never followed); put the file itself in content/static/',
      severity: 'warning' as const,
    })),
  ];
}
