// `broadsheet check` and `build` on scratch projects, part two; part one is check.test.ts.
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadsheet, builtSampleProject, scratchProject, snapshot } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';

const builtProject = builtSampleProject(NOW);

describe('static CSS and HTML, pages (issue 15)', () => {
  it('copies CSS and HTML as they are, and refuses a static file at a page’s address', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/static/css'), { recursive: true });
    await mkdir(join(dir, 'content/pages'), { recursive: true });
    await writeFile(join(dir, 'content/static/css/extra.css'), 'body{letter-spacing:.01em}\n');
    await writeFile(
      join(dir, 'content/static/legacy.html'),
      '<!doctype html><title>Old</title><p>Old page</p>\n',
    );
    await writeFile(join(dir, 'content/pages/about.md'), '---\ntitle: About\n---\nWho we are.\n');
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    expect(await readFile(join(dir, 'dist/css/extra.css'), 'utf8')).toBe('body{letter-spacing:.01em}\n');
    expect(await readFile(join(dir, 'dist/legacy.html'), 'utf8')).toContain('<p>Old page</p>');
    expect(await readFile(join(dir, 'dist/about/index.html'), 'utf8')).toContain('<p>Who we are.</p>');

    await mkdir(join(dir, 'content/static/about'), { recursive: true });
    await writeFile(join(dir, 'content/static/about/index.html'), '<p>Mine</p>\n');
    // check, the CI gate, refuses it as the build does (it passed before: only the build planned the site).
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(
      'static/about/index.html: error in file: would overwrite the generated page',
    );
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(1);
    expect(built.stderr).toContain(
      'static/about/index.html: error in file: would overwrite the generated page',
    );
    expect(await readFile(join(dir, 'dist/about/index.html'), 'utf8')).toContain('<p>Who we are.</p>');
  });

  it('refuses an alias inside a file the site writes (/feed.xml/), in check and build, and leaves the site as it was', async () => {
    const dir = await builtProject();
    const feed = await readFile(join(dir, 'dist/feed.xml'), 'utf8');
    const post = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    const text = await readFile(post, 'utf8');
    await writeFile(
      post,
      text.replace('\ndate:', '\naliases: [/feed.xml/, /images/digest-flow.svg/]\ndate:'),
    );
    const reason = (path: string) =>
      `posts/2026-09-14-why-plain-text.md: error in aliases: /${path}/ is inside /${path}, a file the site writes: no redirect can be written there`;
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code, command).toBe(1);
      expect(run.stderr).toContain(reason('feed.xml'));
      expect(run.stderr).toContain(reason('images/digest-flow.svg'));
    }
    expect(await readFile(join(dir, 'dist/feed.xml'), 'utf8')).toBe(feed);
    // An alias refused as the file is read: the article's own error says it all; it is not also "gone".
    await writeFile(post, text.replace('\ndate:', '\naliases: [/tags/x/]\ndate:'));
    const refused = await broadsheet(dir, 'check', '--now', NOW);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error in aliases: /tags/x/ is under /tags/');
    expect(refused.stderr).not.toContain('is gone');
    await writeFile(post, text);
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
  });
});

describe('the header of a refused check or build', () => {
  it('counts problems and the files they are in, and names site.yaml when the problem is there', async () => {
    const dir = await scratchProject();
    const post = join(dir, 'content/posts/2026-11-24-two-problems.md');
    await writeFile(post, '---\ndate: 2026-02-30\n---\nTwo problems.\n');
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('2 problems in posts/2026-11-24-two-problems.md:\n');
      expect(run.stderr).toMatch(/two-problems\.md: error in title: is required/);
      expect(run.stderr).toMatch(/two-problems\.md:2: error in date: "2026-02-30" is not a real date/);
      // check never writes; build promises that the last good site stands.
      expect(run.stderr).toContain(
        command === 'check'
          ? '\nFix the problems above and run again.'
          : 'Nothing was written: fix the problems above and run again.',
      );
      if (command === 'check') expect(run.stderr).not.toContain('Nothing was written');
      expect(run.stderr).not.toMatch(/invalid article/);
    }

    await writeFile(join(dir, 'content/posts/2026-11-24-one-problem.md'), '---\ntitle: One\n---\n');
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('3 problems in 2 files:\n');
    }

    await rm(join(dir, 'content/posts/2026-11-24-two-problems.md'));
    await rm(join(dir, 'content/posts/2026-11-24-one-problem.md'));
    const site = join(dir, 'content/site.yaml');
    await writeFile(site, (await readFile(site, 'utf8')).replace('nav: [about]', 'nav: [about, missing]'));
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        '1 problem in site.yaml:\n  site.yaml: error in nav: names "missing", but there is no pages/missing.md',
      );
      expect(run.stderr).not.toMatch(/invalid article/);
    }
    await expect(readFile(join(dir, 'dist/index.html'))).rejects.toThrow();
  });
});

describe('tag clashes under check and build', () => {
  it('reports a clash within one article and its clashes with other articles in the same run', async () => {
    const dir = await scratchProject();
    const post = (name: string, tags: string) =>
      writeFile(
        join(dir, `content/posts/${name}.md`),
        `---\ntitle: ${name}\ndate: 2026-11-24T10:00:00Z\ntags: ${tags}\n---\nBody.\n`,
      );
    await post('2026-11-24-a', '[cafe]');
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const dist = await snapshot(join(dir, 'dist'));

    // The build's index holds a.md's earlier tags; the clashes are those of its tags as they are now.
    await post('2026-11-24-a', '[cafe, c, "C#"]');
    await post('2026-11-24-b', '[Café]');
    await post('2026-11-24-c', '["C++"]');
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        [
          '3 problems in 3 files:',
          '  posts/2026-11-24-a.md:4: error in tags: "c" and "C#" would share the address /tags/c/; rename one',
          '  posts/2026-11-24-b.md: error in tags: "Café" would share the address /tags/cafe/ with "cafe" (posts/2026-11-24-a.md); rename one',
          '  posts/2026-11-24-c.md: error in tags: "C++" would share the address /tags/c/ with "c" (posts/2026-11-24-a.md); rename one',
        ].join('\n'),
      );
    }
    expect(await snapshot(join(dir, 'dist'))).toEqual(dist);
  });
});

describe('math on for the whole site', () => {
  it('builds articles that hold no formula: temml loads only for a `$`', async () => {
    // Crashed before: with math on, every article asked for temml, which loads only for sources with a `$`.
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'content/site.yaml'),
      `${await readFile(join(dir, 'content/site.yaml'), 'utf8')}\nmath: true\n`,
    );
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.stderr).not.toMatch(/temml|prepareToParse/);
    expect(checked.code).toBe(0);
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
  });
});

describe('files that are not UTF-8, wherever they are', () => {
  it.each([
    ['site.yaml', 'site.yaml is invalid:\n  - line', 'is not valid UTF-8'],
    [
      'theme/partials/site-footer.liquid',
      'theme/partials/site-footer.liquid:1: error in file',
      'is not valid UTF-8',
    ],
    ['pages/about.md', 'pages/about.md:4: error in file', 'is not valid UTF-8'],
  ])('refuses %s, naming it, where it was read as "Caf\uFFFD" before', async (file, where, why) => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content', file, '..'), { recursive: true });
    const path = join(dir, 'content', file);
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    if (file === 'site.yaml')
      await writeFile(path, Buffer.concat([await readFile(path), latin1('copyright: Caf\u00e9\n')]));
    else if (file.startsWith('pages/'))
      await writeFile(path, latin1('---\ntitle: About\n---\nCaf\u00e9 society.\n'));
    else await writeFile(path, latin1('<footer>Caf\u00e9</footer>\n'));
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.stderr).toContain(where);
      expect(run.stderr).toContain(why);
      expect(run.code).not.toBe(0);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    await expect(readFile(join(dir, 'dist/index.html'))).rejects.toThrow();
  });
});

describe('Markdown the build does not read', () => {
  it('is named by check and build: an article in a subfolder, a file not named .md', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/posts/2026'), { recursive: true });
    const text = '---\ntitle: Lost\ndate: 2026-11-20T10:00:00Z\n---\nLost.\n';
    await writeFile(join(dir, 'content/posts/2026/lost.md'), text);
    await writeFile(join(dir, 'content/posts/also-lost.markdown'), text);
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        'posts/2026/lost.md: warning in file: is not read: articles go directly in content/posts/, not in a folder of it',
      );
      expect(run.stderr).toContain(
        'posts/also-lost.markdown: warning in file: is not read: only files named .md are',
      );
    }
  });
});

describe('pages and the addresses around them', () => {
  it('names what was silently dropped: a page at /newsletter/, an alias onto a page, slug and aliases on a page', async () => {
    const dir = await scratchProject();
    await writeFile(join(dir, 'content/pages/newsletter.md'), '---\ntitle: Our newsletter\n---\nAbout it.\n');
    const archive = await broadsheet(dir, 'check', '--now', NOW);
    expect(archive.code).toBe(1);
    expect(archive.stderr).toContain(
      'pages/newsletter.md: error in file: /newsletter/ is the archive of the digests sent (archive: true in site.yaml)',
    );
    // Without the archive, the name is free.
    const yaml = join(dir, 'content/site.yaml');
    await writeFile(yaml, `${await readFile(yaml, 'utf8')}\narchive: false\n`);
    expect((await broadsheet(dir, 'check', '--now', NOW)).code).toBe(0);

    await writeFile(
      join(dir, 'content/pages/plans.md'),
      '---\ntitle: Plans\nslug: later\naliases: [/old-plans/]\n---\nSoon.\n',
    );
    const post = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    await writeFile(post, (await readFile(post, 'utf8')).replace('title:', 'aliases: [/about/]\ntitle:'));
    const run = await broadsheet(dir, 'check', '--now', NOW);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'posts/2026-09-14-why-plain-text.md: error in aliases: /about/ is the address of the page pages/about.md',
    );
    expect(run.stderr).toContain(
      'pages/plans.md: warning in slug: ignored on a page: it is served at /plans/',
    );
    expect(run.stderr).toContain('pages/plans.md: warning in aliases: ignored on a page');
  });
});

describe('check and a rename split across two builds', () => {
  it('says the next build announces nothing when the new file is the old article retitled', async () => {
    const dir = await scratchProject();
    const post = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    // Dated this morning: the newest article, mailed by the first build, and inside announce_window.
    const original = (await readFile(post, 'utf8')).replace(
      '2026-09-14T09:00:00+01:00',
      '2026-11-25T08:00:00Z',
    );
    await writeFile(post, original);
    expect((await broadsheet(dir, 'build', '--now', NOW)).stdout).toMatch(/Why we publish from plain text/);
    await rm(post);
    const later = '2026-11-25T12:10:00Z';
    expect((await broadsheet(dir, 'build', '--now', later)).code).toBe(0);
    await writeFile(
      join(dir, 'content/posts/2026-09-14-plain-text.md'),
      original.replace(
        'title: Why we publish from plain text',
        'title: Plain text, and why we publish from it',
      ),
    );
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-25T12:20:00Z');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('The next build announces nothing.');
    const built = await broadsheet(dir, 'build', '--now', '2026-11-25T12:20:00Z');
    expect(built.stdout).not.toMatch(/Plain text, and why/);
  });
});

describe('check across a rename split over two builds, the article still waiting', () => {
  it('check says what the next build does with the new copy of a waiting article', async () => {
    const dir = await scratchProject();
    await appendFile(join(dir, 'content/site.yaml'), 'digest:\n  delay: 10m\n');
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T11:00:00Z')).code).toBe(0);
    const text =
      '---\ntitle: Fresh news\ndate: 2026-11-25T11:30:00Z\n---\nA body long enough to be its own, about news.\n';
    const old = join(dir, 'content/posts/2026-11-25-fresh.md');
    await writeFile(old, text);
    const waited = await broadsheet(dir, 'build', '--now', '2026-11-25T12:00:00Z');
    expect(waited.stdout).toMatch(/waits out its grace window/);
    await rm(old);
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:05:00Z')).code).toBe(0);
    await writeFile(
      join(dir, 'content/posts/2026-11-25-fresher.md'),
      text.replace('title: Fresh news', 'title: Fresher news'),
    );
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-25T12:20:00Z');
    const built = await broadsheet(dir, 'build', '--now', '2026-11-25T12:20:00Z');
    // The build pairs the new copy with the waiting article (its window closed at 12:10) and writes it now.
    expect(built.stdout).toMatch(/Digest "Fresher news/);
    expect(checked.stdout).not.toMatch(/starts the digest.delay wait for: "Fresher news"/);
    expect(checked.stdout).toMatch(/next build (announces|sends)/);
  }, 120_000);
});

const post = (title: string, date: string, body: string) =>
  `---\ntitle: ${title}\ndate: ${date}\n---\n${body}\n`;

describe('check and pending with an article whose file was deleted in its window', () => {
  it('check does not say the next build sends an away article whose copy has not arrived', async () => {
    const dir = await scratchProject();
    await appendFile(join(dir, 'content/site.yaml'), 'digest:\n  delay: 10m\n');
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T11:00:00Z')).code).toBe(0);
    const fresh = join(dir, 'content/posts/2026-11-25-fresh.md');
    await writeFile(
      fresh,
      post('Fresh news', '2026-11-25T11:30:00Z', 'A body long enough to be its own, about news.'),
    );
    await writeFile(
      join(dir, 'content/posts/2026-11-25-other.md'),
      post('Other news', '2026-11-25T11:31:00Z', 'Something else entirely, with its own words.'),
    );
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:00:00Z')).code).toBe(0);
    await rm(fresh);
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:05:00Z')).code).toBe(0);
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-25T12:20:00Z');
    const built = await broadsheet(dir, 'build', '--now', '2026-11-25T12:20:00Z');
    expect(built.stdout).toMatch(/Digest "Other news · /); // the build sends Other news alone
    // check announced a digest of 2 articles, Fresh news among them
    expect(checked.stdout).not.toMatch(/next build sends the digest of 2 articles/);
  }, 120_000);

  it('pending: a held digest and the open one never share an id (new article at the freed path)', async () => {
    const dir = await scratchProject();
    await appendFile(join(dir, 'content/site.yaml'), 'digest:\n  delay: 10m\n');
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T11:00:00Z')).code).toBe(0);
    const path = join(dir, 'content/posts/2026-11-25-fresh.md');
    const text = post('Fresh news', '2026-11-25T11:30:00Z', 'A body long enough to be its own, about news.');
    await writeFile(path, text);
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:00:00Z')).code).toBe(0);
    expect((await broadsheet(dir, 'hold', '--now', '2026-11-25T12:01:00Z')).code).toBe(0);
    await rm(path);
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:02:00Z')).code).toBe(0);
    await writeFile(
      join(dir, 'content/posts/2026-11-25-fresher.md'),
      text.replace('Fresh news', 'Fresher news'),
    );
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:03:00Z')).code).toBe(0);
    await writeFile(path, post('Unrelated', '2026-11-25T11:40:00Z', 'Nothing like the other one at all.'));
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T12:04:00Z')).code).toBe(0);
    const shown = await broadsheet(dir, 'pending', '--now', '2026-11-25T12:05:00Z');
    const ids = [...shown.stdout.matchAll(/Digest ([0-9a-f]{8}):/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size, shown.stdout).toBe(2);
  }, 120_000);
});

describe('a build after an article moved without an alias', () => {
  it('builds, warns, and leaves published-ids.json as it was, so check still fails until an alias', async () => {
    const dir = await builtProject();
    const ids = join(dir, 'content/published-ids.json');
    const recorded = await readFile(ids, 'utf8');
    const post = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    const text = await readFile(post, 'utf8');
    await writeFile(post, text.replace(/^title:/m, 'slug: plain-text\ntitle:'));

    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(0);
    expect(built.stderr).toMatch(
      /2026-09-14-why-plain-text\.md: warning in slug: was published at .*\/posts\/why-plain-text\/; .*published-ids\.json is left as it was, so check fails until then/,
    );
    expect(await readFile(ids, 'utf8')).toBe(recorded);
    expect((await broadsheet(dir, 'check', '--now', NOW)).code).toBe(1);

    await writeFile(
      post,
      text.replace(/^title:/m, 'slug: plain-text\naliases: [/posts/why-plain-text/]\ntitle:'),
    );
    expect((await broadsheet(dir, 'build', '--now', NOW)).stderr).not.toContain('published-ids.json');
    expect(await readFile(ids, 'utf8')).not.toBe(recorded);
    expect((await broadsheet(dir, 'check', '--now', NOW)).code).toBe(0);
  });
});

describe('an alias at the address of a page', () => {
  it('stops the build as it fails check, instead of dropping the redirect without a word', async () => {
    const dir = await scratchProject();
    const post = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    await writeFile(post, (await readFile(post, 'utf8')).replace(/^title:/m, 'aliases: [/about/]\ntitle:'));
    const why =
      /2026-09-14-why-plain-text\.md: error in aliases: \/about\/ is the address of the page pages\/about\.md/;
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(why);
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(why);
    expect(await snapshot(join(dir, 'dist'))).toEqual({});
  });
});

describe('check before the first build', () => {
  it('says the first build mails only the newest article and records the older ones without mail, as the build then does', async () => {
    const dir = await scratchProject();
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(
      '  first run: only the newest article is mailed; 2 older articles will be recorded as already announced, without mail',
    );
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.stdout).toContain(
      '  first run: announced only the newest article; 2 older articles recorded as already announced, without mail',
    );
    expect((await broadsheet(dir, 'check', '--now', NOW)).stdout).not.toContain('first run');
  });
});

describe('check, build and the topics readers may follow', () => {
  it('warns about a topic no article is tagged with, with the tag it likely meant, and not one that is used', async () => {
    const dir = await scratchProject();
    const site = join(dir, 'content/site.yaml');
    await appendFile(site, 'topics: [Publishing, Markdwn, Gardening]\n');
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(0);
    expect(checked.stderr).toContain(
      'site.yaml: warning in topics: "Markdwn" is a tag no article has, so a reader who follows it gets nothing (did you mean the tag "markdown"?)',
    );
    expect(checked.stderr).toContain(
      'site.yaml: warning in topics: "Gardening" is a tag no article has, so a reader who follows it gets nothing\n',
    );
    expect(checked.stderr).not.toContain('"Publishing"');
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(0);
    expect(built.stderr).toContain('site.yaml: warning in topics: "Markdwn" is a tag no article has');
  });
});

describe('a slug two articles share', () => {
  it('stays with the published one in check and build alike, though the newcomer is dated earlier', async () => {
    const dir = await builtProject();
    await writeFile(
      join(dir, 'content/posts/2020-01-01-old-essay.md'),
      '---\ntitle: An old essay\ndate: 2020-01-01T00:00:00Z\nslug: why-plain-text\n---\nImported.\n',
    );
    const blame =
      'posts/2020-01-01-old-essay.md: error in slug: "why-plain-text" is already used by posts/2026-09-14-why-plain-text.md; slugs must be unique';
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code, command).toBe(1);
      expect(run.stderr, command).toContain(blame);
      expect(run.stderr, command).not.toContain('posts/2026-09-14-why-plain-text.md: error in slug');
    }
  });
});
