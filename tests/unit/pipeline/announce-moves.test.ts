// An article that moves (its file renamed, its slug or base_url changed) is announced once; an article that
// only shares a date and title with one announced before is its own, and is announced.
import { describe, expect, it } from 'vitest';
import type { ArticleMeta } from '../../../src/core/article.js';
import type { SiteConfig } from '../../../src/core/site.js';
import { announce, recordMoves } from '../../../src/pipeline/announce.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
} from '../../helpers/memory.js';
import { article, testSite } from '../../helpers/site.js';

const nowMs = Date.parse('2026-11-25T12:00:00Z');
const date = '2026-11-25T09:00:00Z';

/** As a publish runs it: what moved is recorded first, then the announce step reads the ledger. */
async function announced(ledger: MemoryLedger, wentLive: ArticleMeta[], live = wentLive) {
  await recordMoves(ledger, wentLive, [], live);
  const result = await announce(
    { site: testSite, ledger, digests: ledger, recipients: anInstantReader },
    wentLive,
    false,
    nowMs,
    live,
  );
  return result.digest?.articles ?? [];
}

describe('announcing an article that moved', () => {
  it('mails it once when its address changes, and records it at the new one', async () => {
    const ledger = new MemoryLedger();
    const first = article({ title: 'Big news', date, slug: 'big-news' });
    expect(await announced(ledger, [first])).toEqual([first.url]);
    const renamed = article({ title: 'Big  NEWS', date, slug: 'big-news-today' });
    expect(await announced(ledger, [renamed])).toEqual([]);
    expect(ledger.announced.get(renamed.url)).toBe('moved');
  });

  it('mails an article that took the title of one since retitled, which is still on the site', async () => {
    const ledger = new MemoryLedger();
    const one = article({ title: 'One', date, slug: 'p2' });
    expect(await announced(ledger, [one])).toEqual([one.url]);
    const retitled = article({ title: 'Fixed', date, slug: 'p2' });
    const taker = article({ title: 'One', date, slug: 'p0' });
    expect(await announced(ledger, [taker], [retitled, taker])).toEqual([taker.url]);
  });

  it('mails a second article of one date and title while the first is on the site', async () => {
    const ledger = new MemoryLedger();
    const a = article({ title: 'Notes', date, slug: 'notes' });
    expect(await announced(ledger, [a])).toEqual([a.url]);
    const b = article({ title: 'Notes', date, slug: 'notes-2' });
    expect(await announced(ledger, [b], [a, b])).toEqual([b.url]);
  });

  it('treats one taken off the site and another of its date and title as the same article', async () => {
    const ledger = new MemoryLedger();
    const gone = article({ title: 'Notes', date, slug: 'old-name' });
    expect(await announced(ledger, [gone])).toEqual([gone.url]);
    const back = article({ title: 'Notes', date, slug: 'new-name' });
    expect(await announced(ledger, [back], [back])).toEqual([]);
  });
});

/**
 * Publishes a seed (the first run), then `text` as posts/news.md, which is mailed; then applies `change` to
 * the files and publishes again, with `site` (another time zone, say), and returns that publish.
 */
async function republished(
  change: (files: Map<string, string>) => void,
  {
    seed = '---\ntitle: Seed\ndate: 2026-05-01T08:00:00Z\n---\nFirst.\n',
    text = '---\ntitle: News\ndate: 2026-05-02T08:00:00Z\n---\nA body long enough to be its own.\n',
    site = testSite,
    beforeEdit = () => {},
  }: { seed?: string; text?: string; site?: SiteConfig; beforeEdit?: (index: MemoryIndex) => void } = {},
) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const index = new MemoryIndex();
  const deps = {
    site: testSite,
    content,
    output: new MemorySite(),
    assets: new MemoryStatic(),
    index,
    mode: 'lenient' as const,
    announce: { ledger, digests: ledger, recipients: anInstantReader },
  };
  content.files.set('posts/seed.md', seed);
  await publishChanges(deps, 'all', new Date('2026-05-01T12:00:00Z'));
  content.files.set('posts/news.md', text);
  expect((await publishChanges(deps, 'all', new Date('2026-05-02T12:00:00Z'))).digest).toBeDefined();
  beforeEdit(index);
  change(content.files);
  return publishChanges({ ...deps, site }, 'all', new Date('2026-05-03T12:00:00Z'));
}

describe('an article moved in the same publish that moves the time zone (dates written without one)', () => {
  const announcedOnce = (change: (files: Map<string, string>) => void) =>
    republished(change, {
      seed: '---\ntitle: Seed\ndate: 2026-05-01\n---\nFirst.\n',
      text: '---\ntitle: News\ndate: 2026-05-02\n---\nBody.\n',
      site: { ...testSite, timezone: 'America/New_York' },
    });

  it('is not mailed again when its file is renamed', async () => {
    const moved = await announcedOnce((files) => {
      files.set('posts/news-renamed.md', files.get('posts/news.md') ?? '');
      files.delete('posts/news.md');
    });
    expect(moved.live.map((a) => a.slug)).toContain('news-renamed');
    expect(moved.digest).toBeUndefined();
  });

  it('is not mailed again when its slug is edited', async () => {
    const moved = await announcedOnce((files) => {
      files.set('posts/news.md', '---\ntitle: News\ndate: 2026-05-02\nslug: big-news\n---\nBody.\n');
    });
    expect(moved.live.map((a) => a.slug)).toContain('big-news');
    expect(moved.digest).toBeUndefined();
  });
});

describe('an announced article edited beyond its date and title', () => {
  it('is not mailed again when its file is renamed and retitled in one commit', async () => {
    const result = await republished((files) => {
      files.delete('posts/news.md');
      files.set(
        'posts/big-news.md',
        '---\ntitle: Big news, retitled\ndate: 2026-05-02T08:00:00Z\n---\nA body long enough to be its own.\n',
      );
    });
    expect(result.live.map((a) => a.slug)).toContain('big-news');
    expect(result.digest).toBeUndefined();
  });

  it('is mailed when its file is renamed and retitled and its body rewritten: nothing of it stayed', async () => {
    const result = await republished((files) => {
      files.delete('posts/news.md');
      files.set(
        'posts/big-news.md',
        '---\ntitle: Big news, retitled\ndate: 2026-05-02T08:00:00Z\n---\nSomething else entirely.\n',
      );
    });
    expect(result.digest?.articles).toEqual([`${testSite.baseUrl}/posts/big-news/`]);
  });

  it('mails a new post written over the file of an announced one (new slug, title, date and body)', async () => {
    const result = await republished((files) => {
      files.set(
        'posts/news.md',
        '---\ntitle: Another story\ndate: 2026-05-03T08:00:00Z\nslug: another-story\n---\nNew words.\n',
      );
    });
    expect(result.digest?.articles).toEqual([`${testSite.baseUrl}/posts/another-story/`]);
  });

  it('is not mailed again when its slug, title and body change but its date stays', async () => {
    const result = await republished((files) => {
      files.set(
        'posts/news.md',
        '---\ntitle: Better news\ndate: 2026-05-02T08:00:00Z\nslug: better-news\n---\nRewritten.\n',
      );
    });
    expect(result.live.map((a) => a.slug)).toContain('better-news');
    expect(result.digest).toBeUndefined();
  });

  it('is not mailed again when a post with no body gets a new slug, title and date in its own file', async () => {
    const result = await republished(
      (files) => {
        files.set(
          'posts/news.md',
          '---\ntitle: The link\ndate: 2026-05-02T09:00:00Z\nslug: the-link\nsummary: A link.\n---\n',
        );
      },
      { text: '---\ntitle: Teh link\ndate: 2026-05-02T08:00:00Z\nslug: teh-link\nsummary: A link.\n---\n' },
    );
    expect(result.live.map((a) => a.slug)).toContain('the-link');
    expect(result.digest).toBeUndefined();
  });

  it('is not mailed again when so edited in the first publish over an index from before bodies were hashed', async () => {
    const result = await republished(
      (files) => {
        files.set(
          'posts/news.md',
          '---\ntitle: Big news\ndate: 2026-05-02T09:00:00Z\nslug: big-news\n---\nA body long enough to be its own.\n',
        );
      },
      {
        beforeEdit: (index) => {
          // As RENDERER_VERSION 10 wrote it: no bodyHash, and another parse key, so every source is parsed again.
          const stored = JSON.parse(index.doc ?? '{}') as {
            parseKey: string;
            sources: Record<string, { article: { bodyHash?: string } }>;
          };
          stored.parseKey = 'renderer-10';
          for (const source of Object.values(stored.sources)) delete source.article.bodyHash;
          index.doc = JSON.stringify(stored);
        },
      },
    );
    expect(result.live.map((a) => a.slug)).toContain('big-news');
    expect(result.digest).toBeUndefined();
  });
});

describe('an announced article renamed and retitled, its old file gone one publish before the new arrives', () => {
  const text = '---\ntitle: News\ndate: 2026-05-02T08:00:00Z\n---\nA body long enough to be its own.\n';
  const retitled = text.replace('title: News', 'title: Big news, retitled');

  async function twoPublishes(gapMs: number) {
    const content = new MemorySource();
    const ledger = new MemoryLedger();
    const deps = {
      site: testSite,
      content,
      output: new MemorySite(),
      assets: new MemoryStatic(),
      index: new MemoryIndex(),
      mode: 'lenient' as const,
      announce: { ledger, digests: ledger, recipients: anInstantReader },
    };
    const t = Date.parse('2026-05-02T12:00:00Z');
    content.files.set('posts/seed.md', '---\ntitle: Seed\ndate: 2026-05-01T08:00:00Z\n---\nFirst.\n');
    await publishChanges(deps, 'all', new Date(t - 86_400_000));
    content.files.set('posts/news.md', text);
    expect((await publishChanges(deps, 'all', new Date(t))).digest).toBeDefined();
    content.files.delete('posts/news.md');
    expect((await publishChanges(deps, ['posts/news.md'], new Date(t + 60_000))).removed).toEqual([
      'posts/news.md',
    ]);
    content.files.set('posts/big-news.md', retitled);
    return publishChanges(deps, ['posts/big-news.md'], new Date(t + 60_000 + gapMs));
  }

  it('is not mailed again when the new copy arrives within the hour (no grace window)', async () => {
    const result = await twoPublishes(30_000);
    expect(result.live.map((a) => a.slug)).toContain('big-news');
    expect(result.digest).toBeUndefined();
  });

  it('is a new article when the new copy arrives more than an hour later', async () => {
    const result = await twoPublishes(3_600_000);
    expect(result.digest?.articles).toEqual([`${testSite.baseUrl}/posts/big-news/`]);
  });
});
