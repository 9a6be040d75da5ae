import { cp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { localBuild } from '../../src/local.js';
import { broadsheet, projectPaths, scratchProject, snapshot } from '../helpers/cli.js';
import { feedparser, newsboat } from '../helpers/clients.js';

const NOW = '2026-11-25T12:00:00Z';
const BASE = 'https://gazette.example.com';

async function digests(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'outbox')).catch(() => [])).sort();
}

describe('broadsheet build on the sample content', () => {
  let dir: string;
  let first: Awaited<ReturnType<typeof broadsheet>>;

  beforeAll(async () => {
    dir = await scratchProject();
    first = await broadsheet(dir, 'build', '--now', NOW);
  });

  it('builds the site and says what it did and where', () => {
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Built 3 of 5 articles \(1 draft, 1 scheduled\) into dist\//);
    expect(first.stdout).toMatch(/Digest ".*" for 1 recipient written to outbox\//);
  });

  it.each(['feed.xml', 'atom.xml'])('writes %s that feedparser reads cleanly', async (file) => {
    const feed = await feedparser(join(dir, 'dist', file));
    expect(feed.bozo_exception).toBe('');
    expect(feed.bozo).toBe(false);
    expect(feed.version).toBe(file === 'feed.xml' ? 'rss20' : 'atom10');
    expect(feed.title).toBe('The Broadsheet Gazette');
    expect(feed.entries.map((e) => e.title)).toEqual([
      'Café typography: “quotes”, naïve accents and 🎉',
      'One email per batch, never two',
      'Why we publish from plain text',
    ]);
    for (const entry of feed.entries) {
      expect(entry.link).toMatch(new RegExp(`^${BASE}/posts/[a-z-]+/$`));
      expect(entry.id).toBe(entry.link);
      for (const html of entry.content) {
        for (const [, url] of html.matchAll(/(?:href|src)="([^"]+)"/g))
          expect(url).toMatch(/^(https:|mailto:)/);
      }
    }
    const second = feed.entries[1];
    expect(second?.content.join('')).toContain(`src="${BASE}/images/digest-flow.svg"`);
    expect(feed.entries[0]?.tags).toEqual(['typography', 'Ünïcode']);
  });

  it('writes per-tag feeds that feedparser reads cleanly', async () => {
    const feed = await feedparser(join(dir, 'dist/tags/unicode/feed.xml'));
    expect(feed.bozo).toBe(false);
    expect(feed.title).toBe('The Broadsheet Gazette: Ünïcode');
    expect(feed.entries.map((e) => e.link)).toEqual([`${BASE}/posts/cafe-typography/`]);
  });

  it.each(['feed.xml', 'atom.xml', 'tags/email/feed.xml'])('writes %s that newsboat loads', async (file) => {
    const feed = await newsboat(join(dir, 'dist', file));
    expect(feed.title).toMatch(/^The Broadsheet Gazette/);
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) expect(item.url).toMatch(new RegExp(`^${BASE}/posts/`));
  });

  it('writes JSON Feed 1.1', async () => {
    const feed = JSON.parse(await readFile(join(dir, 'dist/feed.json'), 'utf8'));
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items).toHaveLength(3);
  });

  it('never publishes the draft or the scheduled article', async () => {
    const files = Object.keys(await snapshot(join(dir, 'dist')));
    expect(files.some((f) => f.includes('notes-on-feeds') || f.includes('summer-schedule'))).toBe(false);
    const rss = await readFile(join(dir, 'dist/feed.xml'), 'utf8');
    expect(rss).not.toMatch(/Notes on feed formats|summer schedule/i);
  });

  it('writes pages that advertise the feeds', async () => {
    for (const page of [
      'index.html',
      'archive/index.html',
      'posts/why-plain-text/index.html',
      'tags/email/index.html',
    ]) {
      const html = await readFile(join(dir, 'dist', page), 'utf8');
      expect(html).toContain(
        `<link rel="alternate" type="application/rss+xml" title="The Broadsheet Gazette (RSS)" href="${BASE}/feed.xml">`,
      );
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    }
    const tag = await readFile(join(dir, 'dist/tags/email/index.html'), 'utf8');
    expect(tag).toContain(`href="${BASE}/tags/email/feed.xml"`);
  });

  it('writes one .eml per recipient and an HTML preview, announcing only the newest article on the first run', async () => {
    const [id] = await digests(dir);
    const files = (await readdir(join(dir, 'outbox', id ?? ''))).sort();
    expect(files).toEqual(['0001-editors-gazette-example-com.eml', 'preview.html', 'preview.txt']);
    const mail = await simpleParser(await readFile(join(dir, 'outbox', id ?? '', files[0] ?? '')));
    expect(mail.subject).toBe('Café typography: “quotes”, naïve accents and 🎉 · The Broadsheet Gazette');
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(
      /^List-Unsubscribe: <https:\/\/gazette\.example\.com\/api\/unsubscribe\?token=[\w-]+\.[\w-]+>$/,
    );
    expect(mail.text).toContain(`${BASE}/posts/cafe-typography/`);
    expect(mail.text).not.toContain('one-email-per-batch');
  });

  it('writes nothing new and identical feeds when run again with nothing new', async () => {
    const before = await snapshot(join(dir, 'dist'));
    const again = await broadsheet(dir, 'build', '--now', NOW);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No new articles to announce: no email written.');
    expect(again.stdout).toMatch(/0 written/);
    expect(await snapshot(join(dir, 'dist'))).toEqual(before);
    expect(await digests(dir)).toHaveLength(1);
  });

  it('announces exactly the new article in the next digest', async () => {
    await writeFile(
      join(dir, 'content/posts/2026-11-24-fresh.md'),
      '---\ntitle: Fresh news\ndate: 2026-11-24\nsummary: Just in.\n---\nNew!\n',
    );
    const run = await broadsheet(dir, 'build', '--now', NOW);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Digest "Fresh news · The Broadsheet Gazette"');
    expect(await digests(dir)).toHaveLength(2);
  });

  it('publishes and announces a scheduled article once its date has passed, and only then', async () => {
    // Dated 2027-06-01T07:00:00+01:00, that is 06:00 UTC.
    const early = await broadsheet(dir, 'build', '--now', '2027-06-01T05:59:59Z');
    expect(early.stdout).toContain('No new articles');
    const due = await broadsheet(dir, 'build', '--now', '2027-06-01T06:00:00Z');
    expect(due.stdout).toContain('Digest "Our summer schedule · The Broadsheet Gazette"');
    const feed = await feedparser(join(dir, 'dist/feed.xml'));
    expect(feed.entries[0]?.title).toBe('Our summer schedule');
  });
});

describe('an article that moves is not announced again', () => {
  const post = (title: string, date: string) => `---\ntitle: ${title}\ndate: ${date}\n---\nBody.\n`;

  it('after its file is renamed, after base_url changes, and a new article of the same date and title still goes', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const posts = join(dir, 'content/posts');
    await writeFile(join(posts, 'big-news.md'), post('Big news', '2026-11-26T10:00:00Z'));
    expect((await broadsheet(dir, 'build', '--now', '2026-11-26T11:00:00Z')).code).toBe(0);
    const mailed = await digests(dir);

    // Renamed: a new address, the same article. check refuses the new id and names the alias that keeps it.
    await rename(join(posts, 'big-news.md'), join(posts, 'big-news-today.md'));
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-26T12:00:00Z');
    expect(checked.code).toBe(1);
    expect(`${checked.stdout}${checked.stderr}`).toContain(
      `under a new file name; it would now be ${BASE}/posts/big-news-today/`,
    );
    expect(`${checked.stdout}${checked.stderr}`).toContain('"aliases: [/posts/big-news/]"');
    const moved = await broadsheet(dir, 'build', '--now', '2026-11-26T12:00:00Z');
    expect(moved.code).toBe(0);
    expect(await digests(dir)).toEqual(mailed);

    // A new domain: every address changes, and check's advice is to record them afresh.
    const site = join(dir, 'content/site.yaml');
    await writeFile(site, (await readFile(site, 'utf8')).replace(BASE, 'https://news.example.org'));
    await rm(join(dir, 'content/published-ids.json'));
    expect((await broadsheet(dir, 'build', '--now', '2026-11-26T13:00:00Z')).code).toBe(0);
    expect(await digests(dir)).toEqual(mailed);

    // Another article that happens to share the date and title is an article of its own.
    await writeFile(join(posts, 'big-news-again.md'), post('Big news', '2026-11-26T10:00:00Z'));
    expect((await broadsheet(dir, 'build', '--now', '2026-11-26T14:00:00Z')).code).toBe(0);
    expect((await digests(dir)).length).toBe(mailed.length + 1);
  });
});

describe('an article that moves after it changed', () => {
  const post = (title: string, date: string, extra = '') =>
    `---\ntitle: ${title}\ndate: ${date}\n${extra}---\nBody.\n`;
  const at = (hour: number) => `2026-11-26T${String(hour).padStart(2, '0')}:00:00Z`;

  it('is not mailed again when renamed after a retitle, or after a new time zone and a new base_url', async () => {
    const dir = await scratchProject();
    const posts = join(dir, 'content/posts');
    const site = join(dir, 'content/site.yaml');
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    await writeFile(join(posts, 'fresh.md'), post('Fresh piece', '2026-11-26T09:00:00Z'));
    await writeFile(join(posts, 'floating.md'), post('Winter notes', '2026-11-26'));
    expect((await broadsheet(dir, 'build', '--now', at(10))).code).toBe(0);
    const mailed = await digests(dir);

    await writeFile(join(posts, 'fresh.md'), post('Fresh piece, revised', '2026-11-26T09:00:00Z'));
    const zone = (await readFile(site, 'utf8')).match(/^timezone: (.*)$/m)?.[1] ?? 'UTC';
    const text = await readFile(site, 'utf8');
    await writeFile(
      site,
      text.includes('timezone:')
        ? text.replace(`timezone: ${zone}`, 'timezone: America/New_York')
        : `${text}timezone: America/New_York\n`,
    );
    expect((await broadsheet(dir, 'build', '--now', at(11))).code).toBe(0);
    await rename(join(posts, 'fresh.md'), join(posts, 'renamed.md'));
    await writeFile(site, (await readFile(site, 'utf8')).replace(BASE, 'https://news.example.org'));
    await rm(join(dir, 'content/published-ids.json'));
    const moved = await broadsheet(dir, 'build', '--now', at(12));
    expect(moved.code).toBe(0);
    expect(await digests(dir)).toEqual(mailed);
  });

  it('lets a new article take the date and title of one moved with aliases, or in a grace window', async () => {
    for (const delay of ['', 'digest:\n  delay: 1h\n']) {
      const dir = await scratchProject();
      const posts = join(dir, 'content/posts');
      const site = join(dir, 'content/site.yaml');
      await writeFile(site, `${await readFile(site, 'utf8')}${delay}`);
      expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
      await writeFile(join(posts, 'v1-release.md'), post('Release notes', '2026-11-26T09:00:00Z'));
      expect((await broadsheet(dir, 'build', '--now', at(10))).code).toBe(0);
      expect((await broadsheet(dir, 'build', '--now', at(12))).code).toBe(0);
      const mailed = await digests(dir);
      expect(mailed.length, delay).toBeGreaterThan(1);

      await rm(join(posts, 'v1-release.md'));
      await writeFile(
        join(posts, 'release-v1.md'),
        post('Release notes', '2026-11-26T09:00:00Z', 'aliases: [/posts/v1-release/]\n'),
      );
      expect((await broadsheet(dir, 'build', '--now', at(13))).code).toBe(0);
      expect(await digests(dir), delay).toEqual(mailed);

      await writeFile(join(posts, 'v2-release.md'), post('Release notes', '2026-11-26T09:00:00Z'));
      expect((await broadsheet(dir, 'build', '--now', at(14))).code).toBe(0);
      expect((await broadsheet(dir, 'build', '--now', at(16))).code).toBe(0);
      expect((await digests(dir)).length, delay).toBe(mailed.length + 1);
    }
  });
});

describe('weekly digests in the local build', () => {
  it('writes one weekly digest for three articles and three instant ones, each to the right people', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    // Monday 30 November, 10:00 in Lisbon: the week of NOW ends with nobody on weekly, so nothing is written.
    const closed = await broadsheet(dir, 'build', '--now', '2026-11-30T10:00:00Z');
    expect(closed.stdout).not.toContain('Weekly digest');
    const person = (address: string, delivery: string) => ({
      address,
      status: 'confirmed',
      delivery,
      previousDelivery: delivery,
      deliveryChangedMs: 0,
    });
    await writeFile(
      join(dir, '.broadsheet/subscribers.json'),
      JSON.stringify({
        subscribers: [person('now@example.org', 'instant'), person('week@example.org', 'weekly')],
      }),
    );
    const before = await digests(dir);
    for (const day of ['01', '02', '03']) {
      await writeFile(
        join(dir, `content/posts/2026-12-${day}-december-${day}.md`),
        `---\ntitle: December ${day}\ndate: 2026-12-${day}T00:00:00Z\n---\nText.\n`,
      );
      const run = await broadsheet(dir, 'build', '--now', `2026-12-${day}T12:00:00Z`);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain(`Digest "December ${day} · The Broadsheet Gazette" for 1 recipient`);
    }
    const early = await broadsheet(dir, 'build', '--now', '2026-12-07T08:59:00Z');
    expect(early.stdout).not.toContain('Weekly digest');
    const due = await broadsheet(dir, 'build', '--now', '2026-12-07T09:01:00Z');
    expect(due.stdout).toContain(
      'Weekly digest "This week on The Broadsheet Gazette: 3 new articles" for 1 recipient',
    );
    const again = await broadsheet(dir, 'build', '--now', '2026-12-07T12:00:00Z');
    expect(again.stdout).not.toContain('Weekly digest');

    const received = new Map<string, string[]>();
    for (const folder of (await digests(dir)).filter((d) => !before.includes(d))) {
      for (const file of (await readdir(join(dir, 'outbox', folder))).filter((f) => f.endsWith('.eml'))) {
        const mail = await simpleParser(await readFile(join(dir, 'outbox', folder, file)));
        const to = mail.to && !Array.isArray(mail.to) ? (mail.to.value[0]?.address ?? '') : '';
        received.set(to, [...(received.get(to) ?? []), mail.subject ?? '']);
      }
    }
    expect(received.get('now@example.org')).toHaveLength(3);
    expect(received.get('week@example.org')).toEqual(['This week on The Broadsheet Gazette: 3 new articles']);
  }, 120_000); // eight builds, each its own process

  it('gives an instant digest nobody receives no issue page, and the weekly one its readers got a page', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const issues = async () =>
      (await readdir(join(dir, 'dist/newsletter'), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    // The first build mailed the site owner (no subscribers file yet): that issue is archived. Its week
    // ends with nobody on weekly: no weekly digest, no page.
    expect((await broadsheet(dir, 'build', '--now', '2026-11-30T10:00:00Z')).code).toBe(0);
    const first = await issues();
    expect(first).toHaveLength(1);
    await writeFile(
      join(dir, '.broadsheet/subscribers.json'),
      JSON.stringify({
        subscribers: [
          {
            address: 'week@example.org',
            status: 'confirmed',
            delivery: 'weekly',
            previousDelivery: 'weekly',
            deliveryChangedMs: 0,
          },
        ],
      }),
    );
    await writeFile(
      join(dir, 'content/posts/2026-12-01-december.md'),
      '---\ntitle: December\ndate: 2026-12-01T00:00:00Z\n---\nText.\n',
    );
    const instant = await broadsheet(dir, 'build', '--now', '2026-12-01T12:00:00Z');
    expect(instant.stdout).toContain(
      'Digest "December · The Broadsheet Gazette" reaches no one now: no confirmed subscriber takes instant mail about it',
    );
    expect(instant.stdout).toContain('weekly digest of 2026-12-07T09:00:00+00:00');
    expect(instant.stdout).not.toContain('0 recipients');
    expect(await issues()).toEqual(first);
    expect(await readFile(join(dir, 'dist/newsletter/index.html'), 'utf8')).not.toContain('December');

    const weekly = await broadsheet(dir, 'build', '--now', '2026-12-07T09:01:00Z');
    expect(weekly.stdout).toContain(
      'Weekly digest "This week on The Broadsheet Gazette: December" for 1 recipient',
    );
    const added = (await issues()).filter((id) => !first.includes(id));
    expect(added).toHaveLength(1);
    expect(await readFile(join(dir, `dist/newsletter/${added[0]}/index.html`), 'utf8')).toContain('December');
  }, 60_000); // four builds, each its own process

  it('two builds at once at the weekly send time write the weekly digest once, and both succeed', async () => {
    const dir = await scratchProject();
    const paths = projectPaths(dir);
    const { state } = paths;
    const site = await loadSiteConfig(paths.content);
    await localBuild(site, paths, new Date(NOW));
    await localBuild(site, paths, new Date('2026-11-30T10:00:00Z'));
    const subscriber = { address: 'week@example.org', status: 'confirmed', delivery: 'weekly' };
    await writeFile(join(state, 'subscribers.json'), JSON.stringify({ subscribers: [subscriber] }));
    await writeFile(
      join(dir, 'content/posts/2026-12-01-d.md'),
      '---\ntitle: December\ndate: 2026-12-01T00:00:00Z\n---\nText.\n',
    );
    await localBuild(site, paths, new Date('2026-12-01T12:00:00Z'));
    const before = await digests(dir);

    // Monday 7 December 09:01: the week's digest is due, for both.
    const reports = await Promise.all([
      localBuild(site, paths, new Date('2026-12-07T09:01:00Z')),
      localBuild(site, paths, new Date('2026-12-07T09:01:00Z')),
    ]);
    const weekly = reports.flatMap((r) => (r.weekly ? [r.weekly] : []));
    expect(weekly).toHaveLength(1);
    expect((await digests(dir)).filter((d) => !before.includes(d))).toEqual([weekly[0]?.id]);
    expect(await readdir(join(dir, 'outbox', weekly[0]?.id ?? ''))).toContain('0001-week-example-org.eml');
  }, 60_000);
});

describe('broadsheet build with invalid articles', () => {
  it('reports every bad file, exits non-zero and changes nothing in dist/ or outbox/', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const dist = await snapshot(join(dir, 'dist'));
    const outbox = await snapshot(join(dir, 'outbox'));

    const posts = join(dir, 'content/posts');
    await writeFile(join(posts, 'broken-yaml.md'), '---\ntitle: [oops\ndate: 2026-01-01\n---\n');
    await writeFile(join(posts, 'no-title.md'), '---\ndate: 2026-01-01\n---\n');
    await writeFile(join(posts, 'bad-date.md'), '---\ntitle: Bad\ndate: 2026-02-30\n---\n');
    await writeFile(
      join(posts, 'dupe.md'),
      '---\ntitle: Dupe\ndate: 2026-01-01\nslug: why-plain-text\n---\n',
    );
    await writeFile(
      join(posts, 'latin1.md'),
      Buffer.from('---\ntitle: Caf\xe9\ndate: 2026-01-01\n---\n', 'latin1'),
    );
    await writeFile(
      join(posts, 'huge.md'),
      `---\ntitle: Huge\ndate: 2026-11-01\n---\n${'x'.repeat(1_100_000)}`,
    );
    await writeFile(
      join(posts, 'new-but-valid.md'),
      '---\ntitle: Valid\ndate: 2026-11-01\nmood: happy\n---\n',
    );

    const run = await broadsheet(dir, 'build', '--now', NOW);
    expect(run.code).toBe(1);
    for (const expected of [
      /posts\/broken-yaml\.md:3: error in front matter: invalid YAML/,
      /posts\/no-title\.md: error in title: is required/,
      /posts\/bad-date\.md:3: error in date: "2026-02-30" is not a real date/,
      /posts\/dupe\.md: error in slug: "why-plain-text" is already used by posts\/2026-09-14-why-plain-text\.md/,
      /posts\/latin1\.md:2: error in file: is not valid UTF-8/,
      /posts\/huge\.md: error in file: is \d+ bytes; the limit is 1048576 bytes/,
      /posts\/new-but-valid\.md:4: warning in mood: unknown field/,
      /Nothing was written/,
    ]) {
      expect(run.stderr).toMatch(expected);
    }
    // The published article keeps its slug: only the newcomer is blamed.
    expect(run.stderr).not.toMatch(/why-plain-text\.md: error/);
    expect(await snapshot(join(dir, 'dist'))).toEqual(dist);
    expect(await snapshot(join(dir, 'outbox'))).toEqual(outbox);
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a broken site.yaml with the line, the field and the reason in plain words', async () => {
    const dir = await scratchProject();
    await writeFile(join(dir, 'content/site.yaml'), 'title: X\nbase_url: ftp://x\nauthor: 3\nsender:\n');
    const run = await broadsheet(dir, 'build');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('  - line 2: base_url: must use https');
    expect(run.stderr).toContain(
      '  - line 3: author: must be a mapping of fields (each indented under it), not a number',
    );
    expect(run.stderr).toContain('  - line 4: sender: is empty; it must be a mapping of fields');
    expect(run.stderr).not.toMatch(/Invalid input|expected object/);
    expect(await snapshot(join(dir, 'dist'))).toEqual({});
  });

  it('says where to run it, or --content, when there is no site.yaml', async () => {
    const dir = await scratchProject();
    const run = await broadsheet(join(dir, 'content'), 'check');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^content\/site\.yaml is invalid:\n {2}- does not exist: run broadsheet in the folder that holds content\/, or pass --content <folder>/,
    );
    // Named with --content, the folder is the mistake, not where the command ran; check has no --out to blame.
    const named = await broadsheet(dir, 'check', '--content', 'dist');
    expect(named.code).toBe(2);
    expect(named.stderr).toBe(
      'dist/site.yaml is invalid:\n  - does not exist: --content names the folder that holds site.yaml and posts/ (dist/ holds no site.yaml)\n',
    );
  });
});

describe('incremental builds', () => {
  it('give exactly the files a clean build of the same content gives', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);

    const posts = join(dir, 'content/posts');
    const plain = join(posts, '2026-09-14-why-plain-text.md');
    await writeFile(plain, (await readFile(plain, 'utf8')).replace('Why we publish', 'Why we still publish'));
    await rm(join(posts, '2026-11-03-cafe-typography.md'));
    await writeFile(
      join(posts, 'added.md'),
      '---\ntitle: Added later\ndate: 2026-11-10\ntags: [email]\n---\nHello.\n',
    );
    const incremental = await broadsheet(dir, 'build', '--now', NOW);
    expect(incremental.code).toBe(0);
    expect(incremental.stdout).toMatch(/removed/);

    const clean = await scratchProject();
    await rm(join(clean, 'content'), { recursive: true });
    await cp(join(dir, 'content'), join(clean, 'content'), { recursive: true });
    expect((await broadsheet(clean, 'build', '--now', NOW)).code).toBe(0);

    // The archive of issues (newsletter/) records the digests sent, which the clean copy never sent.
    const content = (files: Record<string, string>) =>
      Object.fromEntries(Object.entries(files).filter(([path]) => !path.startsWith('newsletter/')));
    const built = content(await snapshot(join(dir, 'dist')));
    expect(built).toEqual(content(await snapshot(join(clean, 'dist'))));
    expect(Object.keys(built).some((f) => f.includes('cafe-typography'))).toBe(false);
    expect(Object.keys(built)).not.toContain('tags/unicode/feed.xml');
    const feed = await feedparser(join(dir, 'dist/feed.xml'));
    expect(feed.entries.map((e) => e.title)).toEqual([
      'Added later',
      'One email per batch, never two',
      'Why we still publish from plain text',
    ]);
    await rm(dir, { recursive: true, force: true });
    await rm(clean, { recursive: true, force: true });
  });
});

describe('a site index deleted between builds', () => {
  it('still mails the articles that went live since: the ledger, not the cache, says what was announced', async () => {
    const dir = await scratchProject();
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const before = await digests(dir);
    for (const [name, time] of [
      ['n1', '2026-11-26T10:00:00Z'],
      ['n2', '2026-11-26T10:30:00Z'],
    ] as const)
      await writeFile(
        join(dir, `content/posts/${name}.md`),
        `---\ntitle: ${name.toUpperCase()}\ndate: ${time}\n---\nNews.\n`,
      );
    // What a damaged index's message tells the operator to do.
    for (const file of await readdir(join(dir, '.broadsheet')))
      if (file.startsWith('site-index')) await rm(join(dir, '.broadsheet', file));
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-26T12:00:00Z');
    expect(checked.stdout).toMatch(
      /The next build announces: "N2", "N1"|The next build announces: "N1", "N2"/,
    );
    const built = await broadsheet(dir, 'build', '--now', '2026-11-26T12:00:00Z');
    expect(built.code).toBe(0);
    expect(built.stdout).not.toContain('first run');
    const added = (await digests(dir)).filter((d) => !before.includes(d));
    expect(added).toHaveLength(1);
    const mail = await readFile(join(dir, 'outbox', added[0] as string, 'preview.txt'), 'utf8');
    expect(mail).toContain('N1');
    expect(mail).toContain('N2');
  });
});
