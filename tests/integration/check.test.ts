// `broadsheet check` and `build` on scratch projects, part one; part two is check-more.test.ts (two files, so
// the two vitest workers share them).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadsheet, builtSampleProject, scratchProject, snapshot } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';

const builtProject = builtSampleProject(NOW);

describe('static files under check and build (issue 14, item 4)', () => {
  it('refuses an SVG with a script in check, the CI gate, and in the build, which writes nothing', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/static/images'), { recursive: true });
    await writeFile(
      join(dir, 'content/static/images/evil.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>',
    );
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/static\/images\/evil\.svg: error in file: an SVG may not hold script/);
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(/static\/images\/evil\.svg/);
    await expect(readFile(join(dir, 'dist/images/evil.svg'))).rejects.toThrow();
  });
});

describe('broadsheet check and published ids', () => {
  it('fails when a published article would move, until it declares the old path; then the old URL redirects', async () => {
    const dir = await builtProject();
    const lock = JSON.parse(await readFile(join(dir, 'content/published-ids.json'), 'utf8'));
    expect(Object.keys(lock.articles)).toContain('https://gazette.example.com/posts/why-plain-text/');

    const post = join(dir, 'content/posts/2026-09-14-why-plain-text.md');
    const original = await readFile(post, 'utf8');
    await writeFile(
      post,
      original.replace('tags: [publishing, markdown]', 'tags: [publishing, markdown]\nslug: plain-text'),
    );
    const refused = await broadsheet(dir, 'check', '--now', NOW);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /posts\/2026-09-14-why-plain-text\.md: error in slug: was published at https:\/\/gazette\.example\.com\/posts\/why-plain-text\/.*add "aliases: \[\/posts\/why-plain-text\/\]"/,
    );

    await writeFile(
      post,
      original.replace(
        'tags: [publishing, markdown]',
        'tags: [publishing, markdown]\nslug: plain-text\naliases: [/posts/why-plain-text/]',
      ),
    );
    const accepted = await broadsheet(dir, 'check', '--now', NOW);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('The next build announces nothing.');

    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const redirect = await readFile(join(dir, 'dist/posts/why-plain-text/index.html'), 'utf8');
    expect(redirect).toContain(
      '<meta http-equiv="refresh" content="0; url=https://gazette.example.com/posts/plain-text/">',
    );
    expect(await readFile(join(dir, 'dist/feed.xml'), 'utf8')).toContain(
      'https://gazette.example.com/posts/plain-text/',
    );
    const updated = JSON.parse(await readFile(join(dir, 'content/published-ids.json'), 'utf8'));
    expect(Object.keys(updated.articles)).toContain('https://gazette.example.com/posts/plain-text/');
  });

  it('warns about links that lead nowhere, dates without a time zone, and removed articles', async () => {
    const dir = await builtProject();
    await writeFile(
      join(dir, 'content/posts/2026-11-24-links.md'),
      '---\ntitle: Links\ndate: 2026-11-24T10:00:00Z\n---\nSee [nothing](/posts/no-such-post/) and ![gone](/images/missing.png) and [fine](/posts/one-email-per-batch/).\n',
    );
    await writeFile(
      join(dir, 'content/posts/2026-11-23-floating.md'),
      '---\ntitle: Floating\ndate: 2026-11-23\n---\nNo zone.\n',
    );
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'content/posts/2026-11-03-cafe-typography.md'));
    const run = await broadsheet(dir, 'check', '--now', NOW);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /posts\/2026-11-24-links\.md:5: warning in body: link to \/posts\/no-such-post\/ leads nowhere on this site\n/,
    );
    expect(run.stderr).toMatch(
      /posts\/2026-11-24-links\.md:5: warning in body: image \/images\/missing\.png leads nowhere on this site \(there is no file static\/images\/missing\.png\)/,
    );
    expect(run.stderr).not.toMatch(/one-email-per-batch\/ leads nowhere/);
    expect(run.stderr).toMatch(/2026-11-23-floating\.md:3: warning in date: has no time zone/);
    expect(run.stderr).toMatch(/cafe-typography\.md: warning in file: the published article .* is gone/);
    expect(run.stdout).toContain('The next build announces: "Links"');
  });

  it('warns about Markdown that renders as literal text, and names articles past announce_window', async () => {
    const dir = await builtProject();
    await writeFile(
      join(dir, 'content/posts/2026-11-24-literal.md'),
      '---\ntitle: Literal\ndate: 2026-11-24T10:00:00Z\n---\nA claim[^1] and $E = mc^2$.\n\n```klingon\nqapla\n```\n',
    );
    await writeFile(
      join(dir, 'content/posts/2026-10-01-backdated.md'),
      '---\ntitle: Backdated\ndate: 2026-10-01T10:00:00Z\n---\nFrom the archive.\n',
    );
    const run = await broadsheet(dir, 'check', '--now', NOW);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /2026-11-24-literal\.md:5: warning in body: footnote reference \[\^1\] has no definition/,
    );
    expect(run.stderr).toMatch(
      /2026-11-24-literal\.md:5: warning in body: math \(\$…\$\) shows as text: math is off/,
    );
    expect(run.stderr).toMatch(
      /2026-11-24-literal\.md:7: warning in body: code block in unknown language "klingon"/,
    );
    expect(run.stdout).toContain(
      'Past the announce window (dated more than 7 days ago), recorded as announced without mail: "Backdated"',
    );
    expect(run.stdout).toContain('The next build announces: "Literal"');

    // The build that follows says the same, and mails only the timely one.
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(0);
    expect(built.stdout).toContain(
      'Past the announce window (dated more than 7 days ago), recorded as announced without mail: "Backdated"',
    );
    expect(built.stdout).toMatch(/Digest "[^"]*Literal[^"]*" for/);
  });

  it('counts an article scheduled at the last build as written ahead, however late the next build runs', async () => {
    const dir = await builtProject();
    // The sample "Our summer schedule" is dated 2027-06-01; the next build runs three weeks after that.
    const later = '2027-06-22T12:00:00Z';
    const checked = await broadsheet(dir, 'check', '--now', later);
    expect(checked.stdout).not.toContain('Past the announce window');
    expect(checked.stdout).toContain('The next build announces: "Our summer schedule"');
    const built = await broadsheet(dir, 'build', '--now', later);
    expect(built.stdout).toMatch(/Digest "[^"]*summer schedule[^"]*" for/i);
  });
});

describe('warnings about pages (content/pages/)', () => {
  it('are printed by build as by check, on the build that parses the page and on those after', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/pages'), { recursive: true });
    await writeFile(join(dir, 'content/pages/about.md'), '---\ntitle: About\n---\nA claim[^1] here.\n');
    const warning = /pages\/about\.md:4: warning in body: footnote reference \[\^1\] has no definition/;
    expect((await broadsheet(dir, 'check', '--now', NOW)).stderr).toMatch(warning);
    const first = await broadsheet(dir, 'build', '--now', NOW);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(warning);
    // Nothing changed: the page is not parsed again, and its warning still stands.
    expect((await broadsheet(dir, 'build', '--now', NOW)).stderr).toMatch(warning);
  });
});

describe('theme templates under check and build (issue 15)', () => {
  it('reports a broken template with its file, line and reason, and the build writes nothing', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/theme'), { recursive: true });
    await writeFile(join(dir, 'content/theme/article.liquid'), '<h1>{{ article.title }}</h1>\n{% iff x %}\n');
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('theme/article.liquid:2: error in template: tag "iff" not found');
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(1);
    expect(built.stderr).toContain('theme/article.liquid:2');
    await expect(readFile(join(dir, 'dist/index.html'))).rejects.toThrow();
  });

  it.each([
    [
      'home.liquid',
      '{{ "x" | display_date }}\n',
      'theme/home.liquid:1: error in template: Invalid time value',
    ],
    ['home.liquid', '{% assign n = "partials/none" %}{% include n %}\n', 'theme/home.liquid:1'],
    ['email/digest.html.liquid', '{% include nothere %}\n', 'theme/email/digest.html.liquid:1'],
    // Only the weekly digest fails: check and publish render both deliveries.
    [
      'email/digest.txt.liquid',
      '{% if delivery == "weekly" %}{{ "x" | display_date }}{% endif %}\n',
      'theme/email/digest.txt.liquid:1',
    ],
    ['email/welcome.txt.liquid', '{{ "x" | display_date }}\n', 'theme/email/welcome.txt.liquid:1'],
    // Only the weekly subscriber's note fails: check renders it for both deliveries.
    [
      'email/already.html.liquid',
      '{% if delivery == "weekly" %}{{ "x" | display_date }}{% endif %}\n',
      'theme/email/already.html.liquid:1',
    ],
    [
      'subscription/preferences.liquid',
      '{% if topics_note %}{% endif %}{{ unsubscribe_url | display_date }}\n',
      'theme/subscription/preferences.liquid:1',
    ],
  ])(
    'finds %s failing only as it renders (%s): check says where, and a build changes nothing',
    async (file, text, where) => {
      const dir = await builtProject();
      const site = await snapshot(join(dir, 'dist'));
      const outbox = await snapshot(join(dir, 'outbox'));
      await mkdir(join(dir, 'content/theme', dirname(file)), { recursive: true });
      await writeFile(join(dir, 'content/theme', file), text);
      // A new article, so a digest is due: its templates must not fail once the site is written.
      await writeFile(
        join(dir, 'content/posts/fresh.md'),
        '---\ntitle: Fresh\ndate: 2026-11-25T11:00:00Z\n---\nNew.\n',
      );
      const checked = await broadsheet(dir, 'check', '--now', NOW);
      expect(checked.stderr).toContain(where);
      expect(checked.stderr).not.toMatch(/\n\s+at /);
      expect(checked.code).toBe(1);
      // The welcome, the "already subscribed" note and the subscription pages render in the subscription function, not in a build:
      // check is where they show.
      if (['email/welcome', 'email/already', 'subscription/'].some((p) => file.startsWith(p))) return;
      const built = await broadsheet(dir, 'build', '--now', NOW);
      expect(built.stderr).toContain(where);
      expect(built.stderr).not.toMatch(/\n\s+at /);
      expect(built.code).toBe(1);
      expect(await snapshot(join(dir, 'dist'))).toEqual(site);
      expect(await snapshot(join(dir, 'outbox'))).toEqual(outbox);
    },
  );

  it('finds a template failing on one article’s data; the build writes no listing, feed or mail, and says so', async () => {
    const dir = await builtProject();
    const before = await snapshot(join(dir, 'dist'));
    const outbox = await snapshot(join(dir, 'outbox'));
    await mkdir(join(dir, 'content/theme'), { recursive: true });
    await writeFile(
      join(dir, 'content/theme/article.liquid'),
      '<h1>{{ article.title }}</h1>{% if article.title contains "Boom" %}{% include article.summary %}{% endif %}\n',
    );
    const post = (title: string, date: string, summary: string) =>
      `---\ntitle: ${title}\ndate: ${date}\nsummary: ${summary}\n---\nBody.\n`;
    // The oldest fails, so the build's probe (the first page of each template) passes on the newest.
    await writeFile(join(dir, 'content/posts/boom.md'), post('Boom time', '2026-01-01T11:00:00Z', 'nothere'));
    await writeFile(join(dir, 'content/posts/fine.md'), post('Fine', '2026-11-25T11:00:00Z', 'fine'));
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('theme/article.liquid:1');
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(/The build stopped after writing \d+ files?; no feed and no email changed/);
    expect(built.stderr).not.toContain('Nothing was written');
    const after = await snapshot(join(dir, 'dist'));
    for (const path of [
      'index.html',
      'archive/index.html',
      'sitemap.xml',
      'feed.xml',
      'atom.xml',
      'feed.json',
    ])
      expect(after[path], path).toEqual(before[path]);
    expect(after['posts/boom/index.html']).toBeUndefined();
    expect(await snapshot(join(dir, 'outbox'))).toEqual(outbox);
  });

  it('stops a template loop that does not end at once, naming the template and the page; a build changes nothing', async () => {
    const dir = await builtProject();
    const site = await snapshot(join(dir, 'dist'));
    await mkdir(join(dir, 'content/theme'), { recursive: true });
    const article = join(dir, 'content/theme/article.liquid');
    // Without a limit, check ran this for 79 s and wrote a page of 100 MB.
    await writeFile(article, '{% for i in (1..100000000) %}x{% endfor %}\n');
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      /theme\/article\.liquid: error in template: rendering \/posts\/[^/]+\/ built ranges, lists or text of more than 20,000,000 items; no page needs that much, so a loop or include in it does not end/,
    );
    expect(checked.stderr).not.toMatch(/\n\s+at /);
    await writeFile(article, '{% for i in (1..1000000) %}0123456789{% endfor %}\n');
    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(
      /theme\/article\.liquid: error in template: rendering \/posts\/[^/]+\/ wrote more than 8 MB/,
    );
    expect(await snapshot(join(dir, 'dist'))).toEqual(site);
  });

  it('names a string a template asks for that no locale has, which the mail would show as its key', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/theme/email'), { recursive: true });
    await writeFile(join(dir, 'content/theme/email/digest.txt.liquid'), "{{ 'email.weekly_intro' | t }}\n");
    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(0);
    expect(checked.stderr).toContain('theme: warning in strings: a template asks for "email.weekly_intro"');
  });

  it('builds with a site’s own template in place of the default’s', async () => {
    const dir = await scratchProject();
    await mkdir(join(dir, 'content/theme'), { recursive: true });
    await writeFile(
      join(dir, 'content/theme/article.liquid'),
      '<article class="mine"><h1>{{ article.title }}</h1>{{ article.body | sanitized }}</article>\n',
    );
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const page = await readFile(join(dir, 'dist/posts/why-plain-text/index.html'), 'utf8');
    expect(page).toContain('<article class="mine"><h1>');
    expect(await readFile(join(dir, 'dist/index.html'), 'utf8')).not.toContain('class="mine"');
  });
});
