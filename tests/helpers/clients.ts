import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const helper = fileURLToPath(new URL('./parse_feed.py', import.meta.url));

export interface ParsedFeed {
  bozo: boolean;
  bozo_exception: string;
  version: string;
  title: string | null;
  link: string | null;
  updated: string | null;
  entries: {
    id: string | null;
    title: string | null;
    link: string | null;
    published: string | null;
    updated: string | null;
    summary: string | null;
    content: string[];
    tags: string[];
    author: string | null;
    enclosures: { href: string | null; type: string | null; length: string | null }[];
    media_content: { url: string | null; medium: string | null; type: string | null }[];
    media_thumbnail: (string | null)[];
  }[];
}

/** Debian's python3-feedparser; /usr/bin/python3 because another python3 may come first on PATH. */
export async function feedparser(file: string): Promise<ParsedFeed> {
  const { stdout } = await run('/usr/bin/python3', [helper, file], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as ParsedFeed;
}

/** Many feeds in one Python process (property tests parse hundreds). */
export async function feedparserMany(files: readonly string[]): Promise<ParsedFeed[]> {
  if (files.length === 1) return [await feedparser(files[0] ?? '')];
  const { stdout } = await run('/usr/bin/python3', [helper, ...files], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as ParsedFeed[];
}

export interface NewsboatFeed {
  title: string;
  items: { title: string; url: string }[];
}

/** Loads one feed into newsboat (headless reload) and reads back what it stored in its cache. */
export async function newsboat(file: string): Promise<NewsboatFeed> {
  const home = await mkdtemp(join(tmpdir(), 'newsboat-'));
  try {
    const url = pathToFileURL(file).href;
    await writeFile(join(home, 'urls'), `${url}\n`);
    await writeFile(join(home, 'config'), '');
    const cache = join(home, 'cache.db');
    await run(
      'newsboat',
      ['-u', join(home, 'urls'), '-c', cache, '-C', join(home, 'config'), '-x', 'reload'],
      {
        env: { ...process.env, HOME: home },
        timeout: 60_000,
      },
    );
    const query = `
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
feed = c.execute('select title from rss_feed where rssurl = ?', (sys.argv[2],)).fetchone()
items = c.execute('select title, url from rss_item where feedurl = ? order by pubDate desc', (sys.argv[2],)).fetchall()
print(json.dumps({"title": feed[0] if feed else None, "items": [{"title": t, "url": u} for t, u in items]}, ensure_ascii=False))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', query, cache, url]);
    return JSON.parse(stdout) as NewsboatFeed;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
