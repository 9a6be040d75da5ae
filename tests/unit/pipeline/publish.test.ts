import { describe, expect, it } from 'vitest';
import { type ArticleSource, type ParseResult, parseArticleSafely } from '../../../src/core/article.js';
import type { ArticleParser } from '../../../src/core/ports.js';
import type { SiteConfig } from '../../../src/core/site.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { reconcile } from '../../../src/pipeline/reconcile.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemoryLock,
  MemorySite,
  MemorySource,
  MemoryStatic,
} from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

function setup() {
  const content = new MemorySource();
  const output = new MemorySite();
  const ledger = new MemoryLedger();
  const deps = {
    site: testSite,
    content,
    assets: new MemoryStatic(),
    output,
    index: new MemoryIndex(),
    mode: 'lenient' as const,
    lease: new MemoryLock(),
    announce: { ledger, digests: ledger, recipients: anInstantReader },
  };
  const post = (name: string, title: string, date: string, extra = '') =>
    content.files.set(
      `posts/${name}.md`,
      `---\ntitle: ${title}\ndate: ${date}\n${extra}---\nBody of ${title}.\n`,
    );
  return { deps, content, output, ledger, post };
}

const titles = (xml: string) => [...xml.matchAll(/<title><!\[CDATA\[(.*?)\]\]><\/title>/g)].map((m) => m[1]);

describe('publishChanges', () => {
  it('announces only the newest article on the first run, then every new one', async () => {
    const { deps, ledger, post } = setup();
    post('a', 'A', '2026-01-01');
    post('b', 'B', '2026-01-02');
    const first = await publishChanges(deps, ['posts/a.md', 'posts/b.md'], new Date('2026-02-01'));
    expect(first.digest?.articles).toEqual(['https://news.example.com/posts/b/']);
    expect(ledger.announcedUrls().length).toBe(2);
    post('c', 'C', '2026-01-30');
    post('d', 'D', '2026-01-31');
    const second = await publishChanges(deps, ['posts/c.md', 'posts/d.md'], new Date('2026-02-01'));
    expect(second.digest?.articles).toEqual([
      'https://news.example.com/posts/d/',
      'https://news.example.com/posts/c/',
    ]);
    expect(ledger.queued).toHaveLength(2);
  });

  it('records articles first seen past announce_window as announced, without mail', async () => {
    const { deps, ledger, post } = setup();
    post('a', 'A', '2026-01-01');
    await publishChanges(deps, ['posts/a.md'], new Date('2026-01-02'));
    // 35 backdated articles arrive a month later, beside one written that week.
    const paths = Array.from({ length: 35 }, (_, i) => {
      post(`old-${i}`, `Old ${i}`, `2025-06-${String((i % 28) + 1).padStart(2, '0')}`);
      return `posts/old-${i}.md`;
    });
    post('fresh', 'Fresh', '2026-01-28');
    const later = await publishChanges(deps, [...paths, 'posts/fresh.md'], new Date('2026-02-01'));
    expect(later.digest?.articles).toEqual(['https://news.example.com/posts/fresh/']);
    expect(ledger.announcedUrls().length).toBe(37);
    expect(ledger.queued).toHaveLength(2);
    // Only backdated ones: recorded, and no digest at all.
    post('older', 'Older', '2025-12-01');
    const none = await publishChanges(deps, ['posts/older.md'], new Date('2026-02-01'));
    expect(none.digest).toBeUndefined();
    expect(ledger.announcedUrls().length).toBe(38);
    expect(ledger.queued).toHaveLength(2);
  });

  it('still treats the first content as a first run after a publish over the empty bucket (S3 test event)', async () => {
    const { deps, ledger, post } = setup();
    await publishChanges(deps, [], new Date('2026-02-01'));
    post('a', 'A', '2026-01-01T10:00:00Z');
    post('b', 'B', '2026-01-02T10:00:00Z');
    const first = await publishChanges(deps, ['posts/a.md', 'posts/b.md'], new Date('2026-02-01'));
    expect(first.digest?.articles).toEqual(['https://news.example.com/posts/b/']);
    expect(ledger.announcedUrls().length).toBe(2);
  });

  it('publishes a scheduled article when its date has passed, and announces it then, once', async () => {
    const { deps, output, ledger, post } = setup();
    post('now', 'Now', '2026-01-01');
    post('later', 'Later', '2026-03-01T09:00:00Z');
    await publishChanges(deps, ['posts/now.md', 'posts/later.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/later/index.html')).toBe(false);
    expect(titles(output.text('feed.xml'))).toEqual(['Now']);

    const early = await publishChanges(deps, [], new Date('2026-03-01T08:59:59Z'));
    expect(early.published).toEqual([]);
    const due = await publishChanges(deps, [], new Date('2026-03-01T09:00:00Z'));
    expect(due.published).toEqual(['posts/later.md']);
    expect(due.digest?.articles).toEqual(['https://news.example.com/posts/later/']);
    expect(titles(output.text('feed.xml'))).toEqual(['Later', 'Now']);
    await publishChanges(deps, [], new Date('2026-03-02'));
    expect(ledger.queued).toHaveLength(2);
  });

  it('mails a scheduled article however late the publish that takes it live runs, unless its date moved or it was a draft', async () => {
    const { deps, post } = setup();
    post('now', 'Now', '2026-01-01');
    post('later', 'Later', '2026-03-01T09:00:00Z');
    post('moved', 'Moved', '2026-03-01T09:00:00Z');
    post('drafted', 'Drafted', '2026-03-01T09:00:00Z');
    const all = ['posts/now.md', 'posts/later.md', 'posts/moved.md', 'posts/drafted.md'];
    await publishChanges(deps, all, new Date('2026-02-01'));
    // Before its date: one brought forward into the past, one made a draft and published again.
    post('moved', 'Moved', '2026-01-15T09:00:00Z');
    post('drafted', 'Drafted', '2026-03-01T09:00:00Z', 'draft: true\n');
    const brought = await publishChanges(
      deps,
      ['posts/moved.md', 'posts/drafted.md'],
      new Date('2026-02-02'),
    );
    expect(brought.late?.map((a) => a.source)).toEqual(['posts/moved.md']);
    post('drafted', 'Drafted', '2026-03-01T09:00:00Z');
    // Nothing publishes for months (a laptop build), then one build runs far past the window.
    const late = await publishChanges(deps, ['posts/drafted.md'], new Date('2026-06-20'));
    expect(late.digest?.articles).toEqual(['https://news.example.com/posts/later/']);
    expect(late.late?.map((a) => a.source).sort()).toEqual(['posts/drafted.md']);
  });

  it('never publishes a draft, and takes an article down when it becomes one', async () => {
    const { deps, output, post } = setup();
    post('a', 'A', '2026-01-01');
    post('b', 'B', '2026-01-02', 'draft: true\n');
    await publishChanges(deps, ['posts/a.md', 'posts/b.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/b/index.html')).toBe(false);
    post('a', 'A', '2026-01-01', 'draft: true\n');
    await publishChanges(deps, ['posts/a.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/a/index.html')).toBe(false);
    expect(titles(output.text('feed.xml'))).toEqual([]);
  });

  it('refuses a second file that claims a published slug, keeping the first', async () => {
    const { deps, output, post } = setup();
    post('a', 'Original', '2026-01-01T00:00:00Z', 'slug: same\n');
    post('b', 'Impostor', '2026-01-02T00:00:00Z', 'slug: same\n');
    await publishChanges(deps, ['posts/a.md'], new Date('2026-02-01'));
    const outcome = await publishChanges(deps, ['posts/b.md'], new Date('2026-02-01'));
    expect(outcome.problems).toEqual([
      expect.objectContaining({
        file: 'posts/b.md',
        field: 'slug',
        reason: expect.stringMatching(/posts\/a\.md/),
      }),
    ]);
    expect(output.text('posts/same/index.html')).toContain('Original');
  });

  it('moves an article when its slug changes, and updates its tags’ pages and feeds', async () => {
    const { deps, output, post } = setup();
    post('a', 'A', '2026-01-01', 'tags: [x]\n');
    await publishChanges(deps, ['posts/a.md'], new Date('2026-02-01'));
    post('a', 'A', '2026-01-01', 'tags: [y]\nslug: moved\n');
    await publishChanges(deps, ['posts/a.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/a/index.html')).toBe(false);
    expect(output.files.has('posts/moved/index.html')).toBe(true);
    expect(output.files.has('tags/x/feed.xml')).toBe(false);
    expect(titles(output.text('tags/y/feed.xml'))).toEqual(['A']);
  });

  it('refills the feeds from older years when the newest articles are deleted', async () => {
    const { deps, content, output, post } = setup();
    const paths: string[] = [];
    for (let i = 0; i < 40; i++) {
      post(`p${i}`, `P${i}`, `${2000 + i}-01-01`);
      paths.push(`posts/p${i}.md`);
    }
    await publishChanges(deps, paths, new Date('2050-01-01'));
    const removed = paths.slice(10);
    for (const p of removed) content.files.delete(p);
    await publishChanges(deps, removed, new Date('2050-01-01'));
    expect(titles(output.text('feed.xml'))).toEqual([
      'P9',
      'P8',
      'P7',
      'P6',
      'P5',
      'P4',
      'P3',
      'P2',
      'P1',
      'P0',
    ]);
  });
});

describe('reconcile', () => {
  it('applies changes whose events were lost', async () => {
    const { deps, content, output, post } = setup();
    post('a', 'A', '2026-01-01');
    await publishChanges(deps, ['posts/a.md'], new Date('2026-02-01'));
    post('b', 'B', '2026-01-02');
    content.files.delete('posts/a.md');
    const outcome = await reconcile(deps, new Date('2026-02-01'));
    expect(outcome.drift).toEqual(['posts/a.md', 'posts/b.md']);
    expect(titles(output.text('feed.xml'))).toEqual(['B']);
  });
});

describe('WebSub from the incremental publisher', () => {
  it('tells the hub about exactly the feeds a publish changed', async () => {
    const { deps, post } = setup();
    const told: string[][] = [];
    const hub = {
      async notify(urls: readonly string[]) {
        told.push([...urls].sort());
        return { notified: urls.length, failed: 0 };
      },
    };
    const withHub = { ...deps, hub };
    post('a', 'A', '2026-01-01', 'tags: [x]\n');
    await publishChanges(withHub, ['posts/a.md'], new Date('2026-02-01'));
    post('b', 'B', '2026-01-02', 'tags: [y]\n');
    await publishChanges(withHub, ['posts/b.md'], new Date('2026-02-01'));
    await publishChanges(withHub, ['posts/b.md'], new Date('2026-02-01')); // a repeated event: nothing changed
    const feeds = (dir: string) =>
      ['atom.xml', 'feed.json', 'feed.xml'].map((f) => `https://news.example.com/${dir}${f}`);
    expect(told).toEqual([
      [...feeds(''), ...feeds('tags/x/')].sort(),
      [...feeds(''), ...feeds('tags/y/')].sort(),
    ]);
  });
});

describe('redirects from old addresses', () => {
  it('adds a redirect for each alias and removes it when the alias or the article goes', async () => {
    const { deps, output, post } = setup();
    post('moved', 'Moved', '2026-01-01', 'aliases: [/posts/first-name/, /posts/second-name/]\n');
    await publishChanges(deps, ['posts/moved.md'], new Date('2026-02-01'));
    expect(output.text('posts/first-name/index.html')).toContain('https://news.example.com/posts/moved/');
    expect(output.files.has('posts/second-name/index.html')).toBe(true);

    post('moved', 'Moved', '2026-01-01', 'aliases: [/posts/second-name/]\n');
    await publishChanges(deps, ['posts/moved.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/first-name/index.html')).toBe(false);
    expect(output.files.has('posts/second-name/index.html')).toBe(true);

    // An address freed and taken by another article in the same publish keeps the new page.
    post('second-name', 'Taken over', '2026-01-02');
    post('moved', 'Moved', '2026-01-01');
    await publishChanges(deps, ['posts/moved.md', 'posts/second-name.md'], new Date('2026-02-01'));
    expect(output.text('posts/second-name/index.html')).toContain('Taken over');
    deps.content.files.delete('posts/second-name.md');
    await publishChanges(deps, ['posts/second-name.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/second-name/index.html')).toBe(false);

    post('moved', 'Moved', '2026-01-01', 'aliases: [/posts/second-name/]\n');
    await publishChanges(deps, ['posts/moved.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/second-name/index.html')).toBe(true);
    deps.content.files.delete('posts/moved.md');
    await publishChanges(deps, ['posts/moved.md'], new Date('2026-02-01'));
    expect(output.files.has('posts/second-name/index.html')).toBe(false);
    expect(output.files.has('posts/moved/index.html')).toBe(false);
  });
});

describe('conditional GET', () => {
  it('leaves a feed untouched (same object, same Last-Modified) when an edit does not change it', async () => {
    const { deps, output, post } = setup();
    const puts: string[] = [];
    const put = output.put.bind(output);
    output.put = async (file) => {
      puts.push(file.path);
      return put(file);
    };
    for (let i = 0; i < 25; i++)
      post(`p${i}`, `P${i}`, `2026-01-${String(i + 1).padStart(2, '0')}`, 'tags: [x]\n');
    await publishChanges(
      deps,
      Array.from({ length: 25 }, (_, i) => `posts/p${i}.md`),
      new Date('2026-02-01'),
    );
    puts.length = 0;
    // p0 is the oldest of 25: outside both 20-item feeds, so only its page and the lists showing it change.
    // A second paragraph: the summary (the first paragraph) stays the same.
    deps.content.files.set('posts/p0.md', `${deps.content.files.get('posts/p0.md')}\nMore text.\n`);
    await publishChanges(deps, ['posts/p0.md'], new Date('2026-02-01'));
    expect(puts).toContain('posts/p0/index.html');
    expect(puts.filter((p) => /feed\.xml|atom\.xml|feed\.json/.test(p))).toEqual([]);
    // Its title, date and summary did not change: no list page is rewritten either.
    expect(puts).toEqual(['posts/p0/index.html']);
  });
});

describe('exact-time publishing', () => {
  it('keeps one wake-up at the next scheduled article, moving it only when that changes', async () => {
    const { deps, post, output } = setup();
    const wakes: (string | undefined)[] = [];
    const scheduler = { scheduleNext: async (at: Date | undefined) => void wakes.push(at?.toISOString()) };
    const withScheduler = { ...deps, scheduler };
    post('now', 'Now', '2026-01-01');
    post('later', 'Later', '2026-03-01T09:00:00Z');
    post('latest', 'Latest', '2026-04-01T09:00:00Z');
    await publishChanges(
      withScheduler,
      ['posts/now.md', 'posts/later.md', 'posts/latest.md'],
      new Date('2026-02-01'),
    );
    expect(wakes).toEqual(['2026-03-01T09:00:00.000Z']);
    await publishChanges(withScheduler, ['posts/now.md'], new Date('2026-02-02'));
    expect(wakes).toHaveLength(1);

    // The scheduled invocation: an empty batch at the due time publishes it and moves the wake-up on.
    const due = await publishChanges(withScheduler, [], new Date('2026-03-01T09:00:00Z'));
    expect(due.published).toEqual(['posts/later.md']);
    expect(output.files.has('posts/later/index.html')).toBe(true);
    expect(wakes).toEqual(['2026-03-01T09:00:00.000Z', '2026-04-01T09:00:00.000Z']);
    await publishChanges(withScheduler, [], new Date('2026-04-01T09:00:00Z'));
    expect(wakes.at(-1)).toBeUndefined();
    expect(wakes).toHaveLength(3);
  });
});

describe('publishChanges with a parser elsewhere (ArticleParser)', () => {
  /** Answers in reverse order of asking, each once every source is asked for or 300 are waiting. */
  function reversingParser(failOn?: string): ArticleParser & { asked: number; mostWaiting: number } {
    const waiting: (() => void)[] = [];
    const parser = {
      asked: 0,
      mostWaiting: 0,
      parse(source: ArticleSource, site: SiteConfig, hash: string) {
        parser.asked++;
        return new Promise<ParseResult>((resolve, reject) => {
          waiting.push(() => {
            if (source.path === failOn) reject(new Error(`no parse for ${source.path}`));
            else parseArticleSafely(source, site, hash).then(resolve, reject);
          });
          parser.mostWaiting = Math.max(parser.mostWaiting, waiting.length);
          // Released newest first, a turn later: the publish must not depend on the order of answers.
          setImmediate(() => {
            for (const release of waiting.splice(0).reverse()) release();
          });
        });
      },
    };
    return parser;
  }

  const corpus = (post: (name: string, title: string, date: string, extra?: string) => void) => {
    for (let i = 0; i < 400; i++)
      post(`p${String(i).padStart(3, '0')}`, `Post ${i}`, `2026-01-${String((i % 28) + 1).padStart(2, '0')}`);
    post('bad', 'Bad', 'not a date');
    post('dup', 'Dup', '2026-01-05', 'slug: p001\n');
  };

  it('publishes and reports exactly as parsing in order does, reading a bounded way ahead', async () => {
    const here = setup();
    const there = setup();
    corpus(here.post);
    corpus(there.post);
    const parser = reversingParser();
    const now = new Date('2026-02-01');
    const a = await publishChanges(here.deps, 'all', now);
    const b = await publishChanges({ ...there.deps, parser }, 'all', now);
    expect(parser.asked).toBe(402);
    expect(parser.mostWaiting).toBeLessThanOrEqual(256);
    expect(b).toEqual(a);
    // The older article keeps the slug both claim (p001, dated before dup).
    expect(a.problems.filter((p) => p.severity === 'error').map((p) => p.file)).toEqual([
      'posts/bad.md',
      'posts/dup.md',
    ]);
    expect(there.output.bytes()).toEqual(here.output.bytes());
  });

  it('fails the publish when a parse fails, and writes nothing', async () => {
    const { deps, output, post } = setup();
    corpus(post);
    await expect(
      publishChanges({ ...deps, parser: reversingParser('posts/p123.md') }, 'all', new Date('2026-02-01')),
    ).rejects.toThrow('no parse for posts/p123.md');
    expect(output.files.size).toBe(0);
  });
});
