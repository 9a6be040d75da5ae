// The public archive of issues, planned by the one pipeline: each digest that went out to someone gets a
// page with what it carried (no personal links), the index lists them newest first, with a feed; a digest
// nobody received gets none; `archive: false` writes none of it.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/core/delivery.js';
import type { RecipientPages } from '../../../src/core/ports.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { onePage } from '../../../src/pipeline/fanout.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { runWeekly, weeklyDigestId } from '../../../src/pipeline/weekly.js';
import { feedparser } from '../../helpers/clients.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const siteWith = (extra: object) =>
  parseSiteConfig({
    title: testSite.title,
    base_url: testSite.baseUrl,
    author: { name: testSite.author.name },
    sender: testSite.sender,
    ...extra,
  });

/**
 * A publisher over memory adapters whose announcements are archived (the ledger is also the issue source);
 * `recipients`: the confirmed subscribers it reads to know whether an instant digest reaches anyone.
 */
function archiving(site: ReturnType<typeof siteWith>, recipients: RecipientPages = anInstantReader) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const output = new MemorySite();
  const deps = {
    site,
    content,
    output,
    assets: new MemoryStatic(),
    index: new MemoryIndex(),
    mode: 'lenient' as const,
    announce: { ledger, digests: ledger, issues: ledger, recipients },
  };
  return { content, ledger, output, deps };
}

/** Puts a subscriber in the store as a test's starting point. */
const readerIn =
  (subscribers: MemorySubscribers) =>
  (
    address: string,
    delivery: Delivery,
    followed?: string[],
    status: 'confirmed' | 'unsubscribed' = 'confirmed',
  ) =>
    subscribers.save({
      address,
      status,
      createdAtMs: 0,
      updatedAtMs: 0,
      delivery,
      previousDelivery: delivery,
      deliveryChangedMs: 0,
      ...(followed ? { topics: followed } : {}),
    });

async function twoIssues(site = siteWith({}), recipients?: RecipientPages) {
  const { content, ledger, output, deps } = archiving(site, recipients);
  const post = (slug: string, title: string, date: string) =>
    content.files.set(
      `posts/${slug}.md`,
      `---\ntitle: ${title}\ndate: ${date}\nsummary: About ${title}.\n---\nBody.\n`,
    );
  post('one', 'First & foremost', '2026-05-01');
  await publishChanges(deps, ['posts/one.md'], new Date('2026-05-01T12:00:00Z'));
  post('two', 'Second', '2026-05-02');
  post('three', 'Third', '2026-05-02T10:00:00Z');
  await publishChanges(deps, ['posts/two.md', 'posts/three.md'], new Date('2026-05-03T12:00:00Z'));
  return { output, ledger, deps };
}

/** One confirmed subscriber who chose weekly, following everything: every week with articles reaches someone. */
const weeklyReader: RecipientPages = {
  page: async () => ({ recipients: [{ address: 'week@example.org', delivery: 'weekly' }] }),
};

const files = (output: MemorySite) => [...output.files.keys()].filter((p) => p.startsWith('newsletter/'));
/** The issue pages alone (newsletter/<id>/index.html), without the index and the feed. */
const issuePages = (output: MemorySite) =>
  files(output).filter((p) => /^newsletter\/[^/]+\/index\.html$/.test(p));

describe('the public archive of issues', () => {
  it('writes no file inside a file the site writes on its second pass either (an alias /feed.xml/, lenient)', async () => {
    const { content, output, deps } = archiving(siteWith({}));
    content.files.set('posts/one.md', '---\ntitle: One\ndate: 2026-05-01\n---\nBody.\n');
    await publishChanges(deps, ['posts/one.md'], new Date('2026-05-01T12:00:00Z'));
    content.files.set(
      'posts/two.md',
      '---\ntitle: Two\ndate: 2026-05-02\naliases: [/feed.xml/]\n---\nBody.\n',
    );
    const outcome = await publishChanges(deps, ['posts/two.md'], new Date('2026-05-02T12:00:00Z'));
    // The digest went out, so the archive was written again with its page.
    expect(outcome.digest).toBeDefined();
    expect(issuePages(output)).toHaveLength(2);
    expect(outcome.problems.map((p) => `${p.file} ${p.field}`)).toContain('posts/two.md aliases');
    expect([...output.files.keys()].filter((path) => path.startsWith('feed.xml/'))).toEqual([]);
    expect(output.text('feed.xml')).toContain('<title><![CDATA[Two]]></title>');
  });

  it('gives each digest sent a page, listed newest first, with a feed, and no personal link', async () => {
    const { output, ledger } = await twoIssues();
    const [first, second] = [...ledger.digests.keys()];
    const page = output.text(`newsletter/${second}/index.html`);
    expect(page).toContain('<h1>2 new articles on Test Gazette</h1>');
    expect(page).toContain('<a href="https://news.example.com/posts/three/">Third</a>');
    expect(page).toContain('About Second.');
    expect(output.text(`newsletter/${first}/index.html`)).toContain('First &amp; foremost');
    for (const [path] of output.files)
      if (path.startsWith('newsletter/')) expect(output.text(path)).not.toMatch(/token=|unsubscribe\?/);
    const index = output.text('newsletter/index.html');
    expect(index.indexOf(String(second))).toBeLessThan(index.indexOf(String(first)));

    const dir = await mkdtemp(join(tmpdir(), 'issues-'));
    await writeFile(join(dir, 'feed.xml'), output.text('newsletter/issues.xml'));
    const feed = await feedparser(join(dir, 'feed.xml'));
    expect(feed.bozo).toBe(false);
    expect(feed.entries.map((e) => e.title)).toEqual([
      '2 new articles on Test Gazette',
      'First & foremost · Test Gazette',
    ]);
    expect(feed.entries[0]?.link).toBe(`https://news.example.com/newsletter/${second}/`);
  });

  it('names its own address in atom:link rel="self", as the article feeds do (RSS Best Practices)', async () => {
    const { output } = await twoIssues();
    const xml = output.text('newsletter/issues.xml');
    expect(xml).toContain(
      '<atom:link href="https://news.example.com/newsletter/issues.xml" rel="self" type="application/rss+xml"/>',
    );
    const dir = await mkdtemp(join(tmpdir(), 'issues-'));
    await writeFile(join(dir, 'feed.xml'), xml);
    const feed = await feedparser(join(dir, 'feed.xml'));
    expect(feed.bozo).toBe(false);
    expect(feed.link).toBe('https://news.example.com/newsletter/');
  });

  it('advertises the issues feed on the newsletter index, for readers that discover feeds from a page', async () => {
    const { output } = await twoIssues();
    expect(output.text('newsletter/index.html')).toContain(
      '<link rel="alternate" type="application/rss+xml" title="Test Gazette: Newsletter (RSS)" href="https://news.example.com/newsletter/issues.xml">',
    );
    expect(output.text('index.html')).not.toContain('issues.xml"');
  });

  it('reports a file written once however many passes the publish made (the archive is a second one)', async () => {
    const { content, deps } = archiving(siteWith({}));
    content.files.set('posts/one.md', '---\ntitle: One\ndate: 2026-05-01\n---\nBody.\n');
    const first = await publishChanges(deps, ['posts/one.md'], new Date('2026-05-01T12:00:00Z'));
    expect(first.site.written).toContain('newsletter/index.html');
    expect(first.site.unchanged).toBe(0);
    expect(first.site.written.length).toBe(deps.output.files.size);
  });

  it('gives each weekly digest that went out its page too, once, after the instant ones of its week', async () => {
    const { output, ledger, deps } = await twoIssues();
    const weekly = (now: string) =>
      runWeekly(
        {
          live: async () => undefined,
          site: deps.site,
          ledger,
          recipients: weeklyReader,
          deliver: async () => {},
        },
        new Date(now),
      );
    // Monday 4 May, 09:00 UTC: the week of both instant digests ends.
    expect((await weekly('2026-05-04T09:05:00Z')).kind).toBe('delivered');
    const id = weeklyDigestId(Date.parse('2026-05-04T09:00:00Z'));
    const next = await publishChanges(deps, [], new Date('2026-05-04T09:10:00Z'));
    expect(next.site.written).toEqual(
      expect.arrayContaining([
        `newsletter/${id}/index.html`,
        'newsletter/index.html',
        'newsletter/issues.xml',
      ]),
    );
    const page = output.text(`newsletter/${id}/index.html`);
    expect(page).toContain('<h1>This week on Test Gazette: 3 new articles</h1>');
    expect(page).toContain('<a href="https://news.example.com/posts/one/">First &amp; foremost</a>');
    const index = output.text('newsletter/index.html');
    expect(index.indexOf(id)).toBeGreaterThan(0);
    expect(index.indexOf(id)).toBeLessThan(index.indexOf(String([...ledger.digests.keys()][1])));
    expect(output.text('newsletter/issues.xml')).toContain(`https://news.example.com/newsletter/${id}/`);
    // Looked for once: a later publish finds nothing new to archive and rewrites nothing under newsletter/.
    const again = await publishChanges(deps, [], new Date('2026-05-04T10:00:00Z'));
    expect(again.site.written.filter((p) => p.startsWith('newsletter/'))).toEqual([]);
    expect(files(output)).toHaveLength(3 + 2);
  });

  it('archives a weekly digest at the next publish however many weeks later, and no empty week', async () => {
    const { output, ledger, deps } = await twoIssues();
    const weekly = (now: string) =>
      runWeekly(
        {
          live: async () => undefined,
          site: deps.site,
          ledger,
          recipients: weeklyReader,
          deliver: async () => {},
        },
        new Date(now),
      );
    await weekly('2026-05-04T09:05:00Z');
    await publishChanges(deps, [], new Date('2026-05-04T09:10:00Z'));
    deps.content.files.set('posts/four.md', '---\ntitle: Four\ndate: 2026-05-05T10:00:00Z\n---\nBody.\n');
    await publishChanges(deps, ['posts/four.md'], new Date('2026-05-05T10:00:00Z'));
    // Three weekly runs with no publish in between: one digest, then two weeks with nothing new.
    for (const day of ['11', '18', '25']) await weekly(`2026-05-${day}T09:05:00Z`);
    const before = files(output).length;
    await publishChanges(deps, [], new Date('2026-05-26T10:00:00Z'));
    const week = (day: string) =>
      `newsletter/${weeklyDigestId(Date.parse(`2026-05-${day}T09:00:00Z`))}/index.html`;
    expect(output.text(week('11'))).toContain('<h1>This week on Test Gazette: Four</h1>');
    expect(files(output)).not.toContain(week('18'));
    expect(files(output)).not.toContain(week('25'));
    expect(files(output).length).toBe(before + 1);
  });

  it('archives no weekly issue nobody received: none chose weekly, or no weekly reader follows its articles', async () => {
    const topics = siteWith({ topics: ['Rust'] });
    const { output, ledger, deps } = await twoIssues(topics);
    const subscribers = new MemorySubscribers();
    const reader = readerIn(subscribers);
    await reader('now@example.org', 'instant');
    await reader('gone@example.org', 'weekly', undefined, 'unsubscribed');
    await reader('rust@example.org', 'weekly', ['rust']);
    const handedOn: string[] = [];
    const weekly = (now: string) =>
      runWeekly(
        {
          live: async () => undefined,
          site: deps.site,
          ledger,
          recipients: onePage(subscribers),
          deliver: async (d) => void handedOn.push(d.id),
        },
        new Date(now),
      );
    // The week of both instant digests ends: its only weekly reader follows none of its three articles.
    const outcome = await weekly('2026-05-04T09:05:00Z');
    expect(outcome.kind).toBe('no-audience');
    const id = weeklyDigestId(Date.parse('2026-05-04T09:00:00Z'));
    expect(ledger.digests.has(id)).toBe(false);
    expect(handedOn).toEqual([]);
    const before = files(output);
    const next = await publishChanges(deps, [], new Date('2026-05-04T09:10:00Z'));
    expect(next.site.written.filter((p) => p.startsWith('newsletter/'))).toEqual([]);
    expect(files(output)).toEqual(before);
    expect(output.text('newsletter/index.html')).not.toContain(id);
    // Those articles are not carried into a later week, whose readers got them as they were published.
    await reader('late@example.org', 'weekly');
    expect((await weekly('2026-05-11T09:05:00Z')).kind).toBe('nothing-new');

    // A week whose one weekly reader follows an article gets its issue and its page.
    deps.content.files.set(
      'posts/crab.md',
      '---\ntitle: Crab\ndate: 2026-05-12T10:00:00Z\ntags: [rust]\n---\nBody.\n',
    );
    await reader('late@example.org', 'weekly', undefined, 'unsubscribed');
    await publishChanges(deps, ['posts/crab.md'], new Date('2026-05-12T10:00:00Z'));
    expect((await weekly('2026-05-18T09:05:00Z')).kind).toBe('delivered');
    const week = weeklyDigestId(Date.parse('2026-05-18T09:00:00Z'));
    expect(handedOn).toEqual([week]);
    await publishChanges(deps, [], new Date('2026-05-18T09:10:00Z'));
    expect(output.text(`newsletter/${week}/index.html`)).toContain('Crab');
  });

  it('archives no instant issue nobody received, while the weekly one its readers got gets its page', async () => {
    // Every confirmed subscriber chose weekly: the instant digests go to nobody.
    const subscribers = new MemorySubscribers();
    const reader = readerIn(subscribers);
    await reader('week@example.org', 'weekly');
    await reader('left@example.org', 'instant', undefined, 'unsubscribed');
    const { output, ledger, deps } = await twoIssues(siteWith({}), onePage(subscribers));
    // Their records are there all the same: the weekly digest collects its articles from them, and the
    // fan-out that reads them sends nothing.
    const instant = [...ledger.digests.keys()];
    expect(instant).toHaveLength(2);
    expect(ledger.queued).toEqual(instant);
    expect(issuePages(output)).toEqual([]);
    for (const id of instant) expect(output.text('newsletter/index.html')).not.toContain(id);

    const outcome = await runWeekly(
      {
        live: async () => undefined,
        site: deps.site,
        ledger,
        recipients: onePage(subscribers),
        deliver: async () => {},
      },
      new Date('2026-05-04T09:05:00Z'),
    );
    expect(outcome.kind).toBe('delivered');
    await publishChanges(deps, [], new Date('2026-05-04T09:10:00Z'));
    const week = weeklyDigestId(Date.parse('2026-05-04T09:00:00Z'));
    expect(issuePages(output)).toEqual([`newsletter/${week}/index.html`]);
    expect(output.text(`newsletter/${week}/index.html`)).toContain('First &amp; foremost');
    expect(output.text('newsletter/issues.xml')).toContain(week);
    for (const id of instant) expect(output.text('newsletter/issues.xml')).not.toContain(id);
  });

  it('archives no instant issue on a site without confirmed subscribers', async () => {
    const subscribers = new MemorySubscribers();
    await readerIn(subscribers)('pending@example.org', 'instant', undefined, 'unsubscribed');
    const { output, ledger } = await twoIssues(siteWith({}), onePage(subscribers));
    expect(ledger.digests.size).toBe(2);
    expect(issuePages(output)).toEqual([]);
  });

  it('archives an instant issue only when an instant reader follows one of its articles', async () => {
    const subscribers = new MemorySubscribers();
    const reader = readerIn(subscribers);
    await reader('rust@example.org', 'instant', ['rust']);
    await reader('week@example.org', 'weekly'); // follows everything, but not instantly
    const { content, ledger, output, deps } = archiving(
      siteWith({ topics: ['Rust', 'Go'] }),
      onePage(subscribers),
    );
    const post = (slug: string, tags: string) =>
      content.files.set(
        `posts/${slug}.md`,
        `---\ntitle: ${slug}\ndate: 2026-05-01\ntags: [${tags}]\n---\nBody.\n`,
      );
    post('seed', '');
    await publishChanges(deps, ['posts/seed.md'], new Date('2026-05-01T12:00:00Z'));
    post('gopher', 'go');
    const untagged = await publishChanges(deps, ['posts/gopher.md'], new Date('2026-05-02T12:00:00Z'));
    expect(ledger.digests.has(String(untagged.digest?.id))).toBe(true);
    post('crab', 'rust');
    post('both', 'go, rust');
    const matched = await publishChanges(
      deps,
      ['posts/crab.md', 'posts/both.md'],
      new Date('2026-05-03T12:00:00Z'),
    );
    // The one with a Rust article reaches its reader (with that article), so it is archived, whole.
    const id = String(matched.digest?.id);
    expect(issuePages(output)).toEqual([`newsletter/${id}/index.html`]);
    expect(output.text(`newsletter/${id}/index.html`)).toContain('crab');
    expect(output.text(`newsletter/${id}/index.html`)).toContain('both');
  });

  it('decides once per digest: a publish replayed after a crash archives as the first one decided', async () => {
    const subscribers = new MemorySubscribers();
    const reader = readerIn(subscribers);
    const { content, ledger, output, deps } = archiving(siteWith({}), onePage(subscribers));
    content.files.set('posts/seed.md', '---\ntitle: Seed\ndate: 2026-05-01\n---\nBody.\n');
    await publishChanges(deps, ['posts/seed.md'], new Date('2026-05-01T12:00:00Z'));
    // The digest is recorded, then the publish dies before handing it on (the queue refused).
    const crashing = (times: number) => {
      let left = times;
      return {
        ...deps,
        announce: {
          ...deps.announce,
          digests: {
            enqueue: async (id: string) => {
              if (left-- > 0) throw new Error('queue unavailable');
              await ledger.enqueue(id);
            },
          },
        },
      };
    };
    content.files.set('posts/lone.md', '---\ntitle: Lone\ndate: 2026-05-02\n---\nBody.\n');
    await expect(
      publishChanges(crashing(1), ['posts/lone.md'], new Date('2026-05-02T12:00:00Z')),
    ).rejects.toThrow('queue unavailable');
    const [, planned] = [...ledger.digests.values()];
    expect(planned?.articles.map((a) => a.slug)).toEqual(['lone']);
    // Someone confirms before the retry: the retry hands the same record on, and still archives nothing.
    await reader('late@example.org', 'instant');
    const retry = await publishChanges(deps, ['posts/lone.md'], new Date('2026-05-02T12:01:00Z'));
    expect(retry.digest).toMatchObject({ id: planned?.id, created: false });
    expect(ledger.queued).toContain(planned?.id);
    expect(issuePages(output)).toEqual([]);

    // And the other way: planned with a reader, who leaves before the retry; the issue is archived.
    content.files.set('posts/pair.md', '---\ntitle: Pair\ndate: 2026-05-03\n---\nBody.\n');
    await expect(
      publishChanges(crashing(1), ['posts/pair.md'], new Date('2026-05-03T12:00:00Z')),
    ).rejects.toThrow('queue unavailable');
    await reader('late@example.org', 'instant', undefined, 'unsubscribed');
    const again = await publishChanges(deps, ['posts/pair.md'], new Date('2026-05-03T12:01:00Z'));
    expect(again.digest?.created).toBe(false);
    expect(issuePages(output)).toEqual([`newsletter/${again.digest?.id}/index.html`]);
  });

  it('writes nothing under newsletter/ with archive: false', async () => {
    const { output } = await twoIssues(siteWith({ archive: false }));
    expect([...output.files.keys()].filter((p) => p.startsWith('newsletter/'))).toEqual([]);
  });
});

describe('an issue page of a full-text digest', () => {
  const full = siteWith({ digest: { content: 'full' } });
  async function world() {
    const { content, ledger, output, deps } = archiving(full);
    const write = (slug: string, date: string, body: string) =>
      content.files.set(
        `posts/${slug}.md`,
        `---\ntitle: ${slug}\ndate: ${date}\nsummary: About ${slug}.\n---\n${body}\n`,
      );
    write('seed', '2026-04-01', 'Seed.');
    await publishChanges(deps, ['posts/seed.md'], new Date('2026-04-01T12:00:00Z'));
    return { deps, ledger, output, write };
  }

  it('shows the bodies the digest carried, as mailed, without personal links', async () => {
    const { deps, ledger, output, write } = await world();
    write('code', '2026-05-01', 'Run `npm ci` first.\n\n```js\nconst answer = 42;\n```');
    const { digest } = await publishChanges(deps, ['posts/code.md'], new Date('2026-05-01T12:00:00Z'));
    const id = String(digest?.id);
    const record = ledger.digests.get(id);
    const mailed = record?.bodies?.['https://news.example.com/posts/code/'] ?? '';
    expect(mailed).toContain('answer');
    const page = output.text(`newsletter/${id}/index.html`);
    expect(page).toContain(mailed);
    expect(page).not.toContain('About code.'); // the body in place of the summary, as in the email
    // An edit after it went out changes the article's page, never what the issue shows it carried.
    write('code', '2026-05-01', 'Rewritten since.');
    await publishChanges(deps, ['posts/code.md'], new Date('2026-05-02T12:00:00Z'));
    expect(output.text('posts/code/index.html')).toContain('Rewritten since.');
    expect(output.text(`newsletter/${id}/index.html`)).toContain(mailed);
    expect(output.text(`newsletter/${id}/index.html`)).not.toContain('Rewritten since.');
    expect(output.text(`newsletter/${id}/index.html`)).not.toMatch(
      /token=|unsubscribe|preferences|@example\./,
    );
  });

  it('gives each article’s ids its own prefix, so two articles with footnotes and a same heading repeat none', async () => {
    const { deps, ledger, output, write } = await world();
    // Raw HTML sends the whole body through the sanitizer, which leaves quotes in text unescaped.
    const body =
      '## Intro\n\nSaid[^1], as in id="fake" and `<a id="code">`.\n\n<p>Raw id="x"</p>\n\n[^1]: A note.';
    write('one', '2026-05-01T10:00:00Z', body);
    write('two', '2026-05-01T11:00:00Z', body);
    const { digest } = await publishChanges(
      deps,
      ['posts/one.md', 'posts/two.md'],
      new Date('2026-05-01T12:00:00Z'),
    );
    const id = String(digest?.id);
    expect(Object.keys(ledger.digests.get(id)?.bodies ?? {})).toHaveLength(2);
    const page = output.text(`newsletter/${id}/index.html`);
    const tags = [...page.matchAll(/<[a-z][^>]*>/gi)].map(([tag]) => tag);
    const ids = tags.flatMap((tag) => [...(/\sid="([^"]*)"/.exec(tag)?.slice(1) ?? [])]);
    expect(ids).toEqual(expect.arrayContaining(['a1-intro', 'a2-intro', 'a1-footnote-1', 'a2-footnote-1']));
    expect(new Set(ids).size).toBe(ids.length);
    for (const tag of tags)
      for (const [, ref] of tag.matchAll(/aria-describedby="([^"]*)"/g)) expect(ids).toContain(ref);
    // What the author wrote in text and code is shown as written.
    expect(page.split('as in id="fake" and <code')).toHaveLength(3);
    expect(page.split('&lt;a id="code"&gt;</code>')).toHaveLength(3);
    expect(page.split('<p>Raw id="x"</p>')).toHaveLength(3);
  });

  it('drops a withdrawn article’s body, summary and link from the issue on the publish that withdraws it', async () => {
    const { deps, output, write } = await world();
    write('kept', '2026-05-01T08:00:00Z', 'Kept paragraph.');
    write('pulled', '2026-05-01T09:00:00Z', 'Confidential paragraph.');
    write('drafted', '2026-05-01T10:00:00Z', 'Unfinished paragraph.');
    const paths = ['posts/kept.md', 'posts/pulled.md', 'posts/drafted.md'];
    const { digest } = await publishChanges(deps, paths, new Date('2026-05-01T12:00:00Z'));
    const issue = `newsletter/${String(digest?.id)}/index.html`;
    expect(output.text(issue)).toContain('Confidential paragraph.');
    expect(output.text(issue)).toContain('Unfinished paragraph.');

    // One deleted, one made a draft again: both leave the site, and the issue re-renders in that publish.
    deps.content.files.delete('posts/pulled.md');
    deps.content.files.set(
      'posts/drafted.md',
      '---\ntitle: drafted\ndate: 2026-05-01T10:00:00Z\nsummary: About drafted.\ndraft: true\n---\nUnfinished paragraph.\n',
    );
    const retracting = await publishChanges(
      deps,
      ['posts/pulled.md', 'posts/drafted.md'],
      new Date('2026-05-02T12:00:00Z'),
    );
    expect(retracting.removed).toEqual(['posts/drafted.md', 'posts/pulled.md']);
    expect(retracting.site.written).toContain(issue);
    const page = output.text(issue);
    for (const gone of [
      'Confidential paragraph.',
      'About pulled.',
      'Unfinished paragraph.',
      'About drafted.',
    ])
      expect(page).not.toContain(gone);
    expect(page).not.toContain('href="https://news.example.com/posts/pulled/"');
    expect(page).not.toContain('href="https://news.example.com/posts/drafted/"');
    // The reader still sees that the issue carried them: the title, marked withdrawn.
    expect(page.match(/This article has been withdrawn\./g)).toHaveLength(2);
    expect(page).toMatch(/<h2>pulled<\/h2>/);
    expect(page).toContain('Kept paragraph.');
    expect(page).toContain('<a href="https://news.example.com/posts/kept/">kept</a>');
    // Nor does the feed of issues link to them.
    expect(output.text('newsletter/issues.xml')).not.toContain('posts/pulled/');

    // Published again: the issue shows what it carried again.
    write('drafted', '2026-05-01T10:00:00Z', 'Unfinished paragraph.');
    const back = await publishChanges(deps, ['posts/drafted.md'], new Date('2026-05-03T12:00:00Z'));
    expect(back.site.written).toContain(issue);
    expect(output.text(issue)).toContain('Unfinished paragraph.');
    expect(output.text(issue)).not.toContain('Confidential paragraph.');
  });

  it('shortens the articles the email shortened for Gmail’s clip, the oldest first, to their summary', async () => {
    const { deps, ledger, output, write } = await world();
    const long = (word: string) =>
      Array.from({ length: 1400 }, (_, i) => `${word} ${i} ${'x'.repeat(30)}.`).join('\n\n');
    write('older', '2026-05-01T08:00:00Z', long('older'));
    write('newer', '2026-05-01T09:00:00Z', long('newer'));
    const { digest } = await publishChanges(
      deps,
      ['posts/older.md', 'posts/newer.md'],
      new Date('2026-05-01T12:00:00Z'),
    );
    const id = String(digest?.id);
    expect(ledger.digests.get(id)?.shortened).toEqual(['https://news.example.com/posts/older/']);
    const page = output.text(`newsletter/${id}/index.html`);
    expect(page).toContain('About older.');
    expect(page).not.toContain('older 1399');
    expect(page).toContain('newer 1399');
    expect(page).not.toContain('About newer.');
  });
});
