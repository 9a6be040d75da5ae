import { describe, expect, it } from 'vitest';
import type { Article } from '../../../src/core/article.js';
import { checkPublished, publishedIdsOf } from '../../../src/core/published-ids.js';
import { article, bytes, planOf, testSite } from '../../helpers/site.js';

const base = testSite.baseUrl;
const one = article(
  {
    title: 'One',
    date: '2026-03-01T10:00:00Z',
    slug: 'one',
    tags: '[email, 日本語, C++]',
    aliases: '[/old-one/]',
  },
  'Text.',
);
const statics = [{ path: 'images/a.png', bytes: bytes('png') }];

/** The "leads nowhere" warnings of an article whose body links `targets` (and whose cover is `image`). */
function nowhere(
  targets: readonly string[],
  image?: string,
  pages: readonly { source: string; name: string; html: string; draft: boolean }[] = [],
  site = testSite,
): string[] {
  const body = targets.map((t, i) => `[link ${i}](${t})`).join(' ');
  const linking = article(
    { title: 'Links', date: '2026-03-02T10:00:00Z', slug: 'links', ...(image ? { image } : {}) },
    body,
  );
  const corpus: Article[] = [one, linking];
  return checkPublished(
    undefined,
    corpus,
    corpus,
    site,
    statics.map((s) => s.path),
    pages,
  )
    .filter((p) => p.reason.includes(' leads nowhere on this site'))
    .map((p) => `${p.field} ${p.reason.replace(/ leads nowhere on this site.*$/, '')}`);
}

describe('checkPublished: links and images that lead nowhere', () => {
  it('finds nothing wrong with a link to any file the build writes', () => {
    const paths = planOf([one], testSite, statics).map((f) => `/${f.path}`);
    // The plan holds articles, their aliases, tags with their feeds, the archive, the home page and feeds.
    expect(paths).toEqual(expect.arrayContaining(['/posts/one/index.html', '/tags/email/feed.xml']));
    const asWritten = paths.flatMap((p) => [p, p.replace(/index\.html$/, '')]);
    expect(nowhere(asWritten)).toEqual([]);
  });

  it('keeps a control character encoded in the message, which stays on one line', () => {
    expect(nowhere(['/nowhere%0Aelse/', 'java%0Ascript:x'])).toEqual([
      'body link to /nowhere%0Aelse/',
      'body link to /java%0Ascript:x',
    ]);
  });

  it('warns about a page, tag, article, image or cover that does not exist, wherever it points', () => {
    expect(
      nowhere(
        [
          '/posts/one/',
          '/posts/none/',
          // Relative links resolve against base_url: from /posts/links/, "../one/" is /one/.
          '../one/',
          '/about/',
          '/tags/email/',
          '/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/',
          '/tags/nope/',
          '/tags/nope/feed.xml',
          '/archive/2026/',
          '/subscribe/',
          '/api/subscribe',
          '/posts/',
          '/one/?x=1#top',
          '/one/?x=1&y=2',
          '/images/a.png',
          'https://elsewhere.example/anything/',
        ],
        '/images/missing.png',
      ),
    ).toEqual([
      'body link to /posts/none/',
      'body link to /one/',
      'body link to /about/',
      'body link to /tags/nope/',
      'body link to /tags/nope/feed.xml',
      'body link to /posts/',
      'body link to /one/?x=1#top',
      // As written, not as the attribute escapes it (&amp;).
      'body link to /one/?x=1&y=2',
      'image /images/missing.png',
    ]);
  });

  it('knows the pages of content/pages/ by name, with or without the closing slash, and checks their links', () => {
    const about = {
      source: 'pages/about.md',
      name: 'about',
      draft: false,
      html: `<p><a href="${base}/posts/one/">ok</a> <a href="${base}/nowhere-from-a-page/">gone</a></p>`,
    };
    expect(nowhere(['/about/', '/about', '/about/index.html'], undefined, [about])).toEqual([
      'body link to /nowhere-from-a-page/',
    ]);
    // A draft page is not on the site.
    expect(nowhere(['/about/'], undefined, [{ ...about, html: '', draft: true }])).toEqual([
      'body link to /about/',
    ]);
  });

  it('gives each its line where the caller has the text: the cover in the front matter, links in the body', () => {
    const text =
      '---\ntitle: L\nimage: /images/gone.png\n---\nFine.\n\nSee [x](/posts/none/) and [y](up/).\n';
    const linking = article(
      { title: 'L', date: '2026-03-02T10:00:00Z', slug: 'l', image: '/images/gone.png' },
      'Fine.\n\nSee [x](/posts/none/) and [y](up/).',
    );
    const problems = checkPublished(undefined, [linking], [linking], testSite, [], [], (file) =>
      file === linking.source ? text : undefined,
    );
    expect(problems.map((p) => [p.field, p.line, p.reason.split(' leads')[0]])).toEqual([
      ['body', 7, 'link to /posts/none/'],
      // Written relative: not found as written, so no line rather than a wrong one.
      ['body', undefined, 'link to /up/'],
      ['image', 3, '/images/gone.png'],
    ]);
  });

  it('names a link as written, plain or percent-encoded, each at its own line', () => {
    const body =
      'Moscow:\n\n[a](/tags/Москва/)\n\nAgain:\n\n[b](/tags/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/)';
    const text = `---\ntitle: M\n---\n${body}\n`;
    const linking = article({ title: 'M', date: '2026-03-02T10:00:00Z', slug: 'm' }, body);
    const problems = checkPublished(undefined, [linking], [linking], testSite, [], [], (file) =>
      file === linking.source ? text : undefined,
    );
    expect(problems.map((p) => [p.line, p.reason.split(' leads')[0]])).toEqual([
      [6, 'link to /tags/Москва/'],
      [10, 'link to /tags/Москва/'],
    ]);
  });

  it('reads an article of thousands of links that lead nowhere once, not once a link', () => {
    // A table of 3,000 rows linking one missing page, then 1,500 rows each linking a page of its own: the
    // text was lowered and split for every link, so the check took as long as the square of their number.
    const rows = [
      ...Array.from({ length: 3000 }, () => '| [x](/gone/) |'),
      ...Array.from({ length: 1500 }, (_, i) => `| [y](/gone-${i}/) |`),
    ];
    const body = `| links |\n| - |\n${rows.join('\n')}`;
    const text = `---\ntitle: T\n---\n${body}\n`;
    const linking = article({ title: 'T', date: '2026-03-02T10:00:00Z', slug: 't' }, body);
    let reads = 0;
    const problems = checkPublished(undefined, [linking], [linking], testSite, [], [], (file) => {
      reads += 1;
      return file === linking.source ? text : undefined;
    }).filter((p) => p.reason.includes(' leads nowhere'));
    expect(reads).toBe(1);
    expect(problems).toHaveLength(4500);
    // The nth link to a page at the nth line that holds it (the table's rows start at line 6).
    expect(problems[0]?.line).toBe(6);
    expect(problems[2999]?.line).toBe(3005);
    // The first thousand pages (/gone/ and /gone-0/ to /gone-998/) have their lines searched; the rest
    // are named without a line.
    expect(problems[3001]?.line).toBe(3007);
    expect(problems[3000 + 998]?.line).toBe(6 + 3000 + 998);
    expect(problems[3000 + 999]?.line).toBeUndefined();
    expect(problems[4499]?.reason).toBe('link to /gone-1499/ leads nowhere on this site');
  });

  it('knows the archive years that have articles, and the newsletter only while its archive is on', () => {
    expect(
      nowhere(['/archive/2026/', '/archive/2026/index.html', '/archive/1999/', '/newsletter/x/']),
    ).toEqual(['body link to /archive/1999/']);
    expect(
      nowhere(['/newsletter/', '/newsletter/x/'], undefined, [], { ...testSite, archive: false }),
    ).toEqual(['body link to /newsletter/', 'body link to /newsletter/x/']);
  });
});

describe('checkPublished: a site that moved', () => {
  it.each([
    ['another host', 'https://elsewhere.example'],
    ['a path on the same host', `${base}/blog`],
  ])('says once, on base_url, that every id moved to %s, and suggests no alias', (_what, moved) => {
    const recorded = { version: 1 as const, articles: { [one.url]: { source: one.source } } };
    const site = { ...testSite, baseUrl: moved };
    const problems = checkPublished(recorded, [one], [one], site, []).filter((p) => p.severity === 'error');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'site.yaml', field: 'base_url' });
    expect(problems[0]?.reason).toContain(`1 published article has its id under ${base}, not ${moved}`);
    expect(problems[0]?.reason).not.toContain('aliases');
  });
});

describe('checkPublished: a published article whose file was renamed', () => {
  const was = article(
    { title: 'Story', date: '2026-03-03T10:00:00Z', slug: 'story' },
    'Text.',
    'posts/story.md',
  );
  const now = article(
    { title: 'Story', date: '2026-03-03T10:00:00Z', slug: 'tale' },
    'Text.',
    'posts/tale.md',
  );
  const problemsFor = (recorded: Parameters<typeof checkPublished>[0], corpus: Article[]) =>
    checkPublished(recorded, corpus, corpus, testSite, []).map((p) => `${p.file} ${p.severity}: ${p.reason}`);

  it('is an error naming both files and the alias that keeps its id, not a deleted article', () => {
    const problems = problemsFor(publishedIdsOf([was]), [now]);
    expect(problems).toEqual([
      expect.stringMatching(
        /^posts\/tale\.md error: is the published article \S+\/posts\/story\/ \(posts\/story\.md\) under a new file name;.*"aliases: \[\/posts\/story\/\]"/,
      ),
    ]);
    expect(problemsFor(publishedIdsOf([was]), [{ ...now, aliases: [was.url] }])).toEqual([]);
  });

  it('is a deleted article when the record has no date and title (a file from before they were kept)', () => {
    const recorded = { version: 1 as const, articles: { [was.url]: { source: was.source } } };
    expect(problemsFor(recorded, [now])).toEqual([
      expect.stringMatching(/^posts\/story\.md warning: .* is gone/),
    ]);
  });
});

describe('checkPublished: two published posts of one date and title, one renamed', () => {
  const date = '2026-03-03T10:00:00Z';
  const a = article({ title: 'Notes', date, slug: 'notes' }, 'First notes.', 'posts/notes.md');
  const b = article({ title: 'Notes', date, slug: 'notes-2' }, 'Second notes.', 'posts/notes-2.md');
  const errorsOf = (corpus: Article[]) =>
    checkPublished(publishedIdsOf([a, b]), corpus, corpus, testSite, []).filter(
      (p) => p.severity === 'error',
    );

  it('finds no renamed file when the new one names its old address in aliases', () => {
    const renamed = article(
      { title: 'Notes', date, slug: 'renamed', aliases: '[/posts/notes/]' },
      'First notes.',
      'posts/renamed.md',
    );
    expect(errorsOf([renamed])).toEqual([]);
  });

  it('makes no guess when two files of that date and title are gone', () => {
    const renamed = article({ title: 'Notes', date, slug: 'renamed' }, 'First notes.', 'posts/renamed.md');
    expect(errorsOf([renamed])).toEqual([]);
  });
});

describe('checkPublished: a published article whose date is now in the future', () => {
  it('is a warning that it is withdrawn until its date, not an address that moved to itself', () => {
    const story = article({ title: 'Story', date: '2026-03-03T10:00:00Z', slug: 'story' }, 'Text.');
    const later = { ...story, date: '2099-01-01T00:00:00.000Z' };
    const problems = checkPublished(publishedIdsOf([story]), [later], [], testSite, []);
    expect(problems.map((p) => `${p.file} ${p.field} ${p.severity}: ${p.reason}`)).toEqual([
      `${story.source} date warning: the published article ${story.url} is dated 2099-01-01T00:00:00.000Z, after this run's time: it is withdrawn until then, and its address answers 404 meanwhile`,
    ]);
  });
});

describe('checkPublished: a published article in another script given a new slug', () => {
  const was = article(
    { title: 'Nihongo', date: '2026-03-03T10:00:00Z', slug: '日本語' },
    'Text.',
    'posts/a.md',
  );
  const moved = (aliases?: string) =>
    article(
      { title: 'Nihongo', date: '2026-03-03T10:00:00Z', slug: 'nihongo', ...(aliases ? { aliases } : {}) },
      'Text.',
      'posts/a.md',
    );
  const problemsFor = (now: Article) => checkPublished(publishedIdsOf([was]), [now], [now], testSite, []);

  it('suggests the alias that keeps its id, which is then taken, and its redirect written at the old folder', () => {
    const [problem] = problemsFor(moved());
    const suggested = /"aliases: \[([^\]]+)\]"/.exec(problem?.reason ?? '')?.[1];
    expect(suggested).toBe('/posts/%E6%97%A5%E6%9C%AC%E8%AA%9E/');
    for (const written of [suggested, '/posts/日本語/']) {
      const now = moved(`[${written}]`);
      expect(problemsFor(now)).toEqual([]);
      expect(planOf([now]).map((f) => f.path)).toContain('posts/日本語/index.html');
    }
  });
});
