// Issue 17, item 6 locally: with `digest.delay`, a build inside the window writes nothing to outbox/ and
// says when the digest is due; the first build after writes it, with the article as edited meanwhile.
// `broadsheet hold`, `release` and `cancel` on the state files.
import { access, appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { FileDigestHold } from '../../src/adapters/fs/digest-hold.js';
import { FilePublishLease } from '../../src/adapters/fs/publish-lease.js';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { FsSiteIndexStore } from '../../src/adapters/fs/site-index-store.js';
import { FileAnnouncementStore } from '../../src/adapters/fs/state.js';
import { localBuild } from '../../src/local.js';
import type { BuildReport } from '../../src/pipeline/build.js';
import { cancelDigest } from '../../src/pipeline/desk.js';
import { broadsheet, projectPaths, scratchProject } from '../helpers/cli.js';

const FIRST = '2026-11-25T12:00:00Z';
const article = (title: string) =>
  `---\ntitle: ${title}\ndate: 2026-11-25T12:30:00+00:00\nsummary: Just in.\n---\nHello.\n`;

async function withWindow(): Promise<{ dir: string; outbox: () => Promise<string[]> }> {
  const dir = await scratchProject();
  await appendFile(join(dir, 'content/site.yaml'), 'digest:\n  delay: 10m\n');
  expect((await broadsheet(dir, 'build', '--now', FIRST)).code).toBe(0);
  const outbox = async () => (await readdir(join(dir, 'outbox')).catch(() => [])).sort();
  return { dir, outbox };
}

/** A digest of one article held at 13:01, and a second article live at 13:02 that no build has seen yet. */
async function heldThenLater(): Promise<string> {
  const { dir } = await withWindow();
  await writeFile(join(dir, 'content/posts/2026-11-25-fresh.md'), article('A fresh note'));
  await broadsheet(dir, 'build', '--now', '2026-11-25T13:00:00Z');
  await broadsheet(dir, 'hold', '--now', '2026-11-25T13:01:00Z');
  await writeFile(join(dir, 'content/posts/2026-11-25-later.md'), article('Later').replace('12:30', '13:02'));
  return dir;
}

describe('the grace window, locally', () => {
  it('is not where a first run waits: check says the first build announces at once, as it does', async () => {
    const dir = await scratchProject();
    await appendFile(join(dir, 'content/site.yaml'), 'digest:\n  delay: 10m\n');
    expect((await broadsheet(dir, 'check', '--now', FIRST)).stdout).toMatch(/The next build announces: "/);
  });

  it('a desk command naming a digest when none waits says so, not an empty list', async () => {
    const dir = await scratchProject();
    const cancel = await broadsheet(dir, 'cancel', 'abc123', '--now', FIRST);
    expect(cancel.code).toBe(1);
    expect(cancel.stdout.trim()).toBe('No digest abc123 to cancel: none is waiting.');
    expect((await broadsheet(dir, 'release', 'abc123', '--now', FIRST)).stdout.trim()).toBe(
      'No digest abc123 to release: none is held.',
    );
  });

  it('writes nothing inside the window, says when it is due, then writes the edited article', async () => {
    const { dir, outbox } = await withWindow();
    const before = await outbox();
    const post = join(dir, 'content/posts/2026-11-25-fresh.md');
    await writeFile(post, article('A fersh note'));

    // Before the build: check says the build starts the window (a first run would announce at once).
    expect((await broadsheet(dir, 'check', '--now', '2026-11-25T13:00:00Z')).stdout).toContain(
      'The next build starts the digest.delay wait for: "A fersh note"',
    );
    const inside = await broadsheet(dir, 'build', '--now', '2026-11-25T13:00:00Z');
    expect(inside.code).toBe(0);
    const waiting =
      /Digest (\w+) of 1 article waits out its grace window: due at 2026-11-25T13:10:00\+00:00; the first build after that writes it/.exec(
        inside.stdout,
      );
    expect(waiting).not.toBeNull();
    const deskId = waiting?.[1] ?? '';
    expect(await outbox()).toEqual(before);
    expect((await broadsheet(dir, 'pending', '--now', '2026-11-25T13:01:00Z')).stdout).toContain(
      `Digest ${deskId}: due at 2026-11-25T13:10:00+00:00.`,
    );

    await writeFile(post, article('A fresh note'));
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T13:05:00Z')).stdout).toContain(
      'due at 2026-11-25T13:10:00+00:00',
    );
    expect(await outbox()).toEqual(before);

    // Past its window, pending and check say the next build sends it, not that it waits.
    expect((await broadsheet(dir, 'pending', '--now', '2026-11-25T13:12:00Z')).stdout).toContain(
      ': overdue since 2026-11-25T13:10:00+00:00; the next build sends it.',
    );
    expect((await broadsheet(dir, 'check', '--now', '2026-11-25T13:10:00Z')).stdout).toContain(
      'Due now, the next build sends the digest of 1 article:',
    );
    const after = await broadsheet(dir, 'build', '--now', '2026-11-25T13:10:00Z');
    // The digest that goes out is named with the id the desk showed while it waited.
    expect(after.stdout).toContain(
      `Digest "A fresh note · The Broadsheet Gazette" (waited as ${deskId}) for 1 recipient`,
    );
    const [added = ''] = (await outbox()).filter((f) => !before.includes(f));
    const [eml = ''] = (await readdir(join(dir, 'outbox', added))).filter((f) => f.endsWith('.eml'));
    const mail = await simpleParser(await readFile(join(dir, 'outbox', added, eml)));
    expect(mail.subject).toBe('A fresh note · The Broadsheet Gazette');
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T14:00:00Z')).stdout).toContain(
      'No new articles to announce',
    );
    expect((await outbox()).length).toBe(before.length + 1);
  }, 60_000);

  it('check names an article waiting in its window once, when an edit gives it a new address', async () => {
    const { dir } = await withWindow();
    const post = join(dir, 'content/posts/2026-11-25-fresh.md');
    await writeFile(post, article('A fresh note'));
    await broadsheet(dir, 'build', '--now', '2026-11-25T13:00:00Z');
    await writeFile(
      post,
      article('A fresh note').replace('summary:', 'slug: fresher\naliases: [/posts/fresh/]\nsummary:'),
    );
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-25T13:01:00Z');
    expect(checked.stdout).toContain('Waiting: digest of 1 article:');
    expect(checked.stdout).not.toContain('The next build starts the digest.delay wait');
    expect(checked.stdout.split('A fresh note')).toHaveLength(2);
  }, 60_000);

  it('hold keeps it past the window, release lets the next build send it; cancel drops one for good', async () => {
    const { dir, outbox } = await withWindow();
    const before = await outbox();
    await writeFile(join(dir, 'content/posts/2026-11-25-fresh.md'), article('A fresh note'));
    await broadsheet(dir, 'build', '--now', '2026-11-25T13:00:00Z');
    const held = await broadsheet(dir, 'hold', '--now', '2026-11-25T13:01:00Z');
    expect(held.stdout).toContain('Holding the digest of 1 article:');
    expect(held.stdout).toContain('A fresh note  https://gazette.example.com/posts/fresh/');
    // Holding again finds nothing unheld, and says where the held one is rather than that none waits.
    expect((await broadsheet(dir, 'hold', '--now', '2026-11-25T13:02:00Z')).stdout.trim()).toBe(
      'No digest waits unheld: nothing to hold (broadsheet pending lists any already held).',
    );
    // check tells what the next build will do with it: nothing, while it is held.
    const checked = await broadsheet(dir, 'check', '--now', '2026-11-25T15:00:00Z');
    expect(checked.stdout).toContain('Waiting: digest of 1 article:');
    expect(checked.stdout).toMatch(
      /: held \(its window closed at [^)]+\); nothing goes until broadsheet release/,
    );
    expect(checked.stdout).not.toContain('The next build announces');
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T15:00:00Z')).stdout).toMatch(
      /Digest \w+ of 1 article is held/,
    );
    expect(await outbox()).toEqual(before);
    expect((await broadsheet(dir, 'release', '--now', '2026-11-25T15:01:00Z')).stdout).toContain(
      'Released the digest of 1 article',
    );
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T15:02:00Z')).stdout).toMatch(
      /Digest "A fresh note · The Broadsheet Gazette"/,
    );
    expect((await outbox()).length).toBe(before.length + 1);

    await writeFile(
      join(dir, 'content/posts/2026-11-25-regret.md'),
      article('Regret').replace('12:30', '15:10'),
    );
    await broadsheet(dir, 'build', '--now', '2026-11-25T15:30:00Z');
    const cancelled = await broadsheet(dir, 'cancel', '--now', '2026-11-25T15:31:00Z');
    expect(cancelled.stdout).toContain('Cancelled: 1 article recorded as announced, never mailed:');
    const announced = JSON.parse(await readFile(join(dir, '.broadsheet/announced.json'), 'utf8'));
    expect(announced.announced['https://gazette.example.com/posts/regret/']).toBe('cancelled');
    expect((await broadsheet(dir, 'build', '--now', '2026-11-25T16:00:00Z')).stdout).toContain(
      'No new articles to announce',
    );
    expect((await outbox()).length).toBe(before.length + 1);
    expect((await broadsheet(dir, 'cancel')).code).toBe(1);
  }, 90_000);

  it('release says when the held articles join the digest waiting unheld, and under which id', async () => {
    const dir = await heldThenLater();
    // A build at a moment with milliseconds: times are still said to the second.
    await broadsheet(dir, 'build', '--now', '2026-11-25T13:03:00.250Z');
    const both = (await broadsheet(dir, 'pending', '--now', '2026-11-25T13:03:30Z')).stdout;
    expect(both).toMatch(/^2 digests are waiting:\n\nDigest of 1 article:\n {2}A fresh note /);
    expect(both).toMatch(/\n\nDigest of 1 article:\n {2}Later /);
    expect(both).not.toContain('Pending');
    const released = (await broadsheet(dir, 'release', '--now', '2026-11-25T13:04:00Z')).stdout;
    const [, joinedId] = released.match(/under the id (\w+)\./) ?? [];
    expect(released).toMatch(/^Released digest \w+ \(1 article\)\. It joins 1 article waiting unheld/);
    expect(released).toContain('Now waiting: the digest of 2 articles:');
    expect(released).toMatch(new RegExp(`Digest ${joinedId}: due at 2026-11-25T13:\\d\\d:\\d\\d\\+00:00\\.`));
    const pending = (await broadsheet(dir, 'pending', '--now', '2026-11-25T13:05:00Z')).stdout;
    expect(pending).toContain(`Digest ${joinedId}: due at`);
  }, 60_000);

  it('names the digest that goes out by the id pending showed, also after another was cancelled beside it', async () => {
    const dir = await heldThenLater();
    const second = (await broadsheet(dir, 'build', '--now', '2026-11-25T13:03:00Z')).stdout;
    const [, laterId = ''] = /Digest (\w+) of 1 article waits out its grace window/.exec(second) ?? [];
    expect(laterId).not.toBe('');
    expect((await broadsheet(dir, 'cancel', laterId, '--now', '2026-11-25T13:04:00Z')).code).toBe(0);
    expect((await broadsheet(dir, 'release', '--now', '2026-11-25T13:05:00Z')).code).toBe(0);
    const pending = (await broadsheet(dir, 'pending', '--now', '2026-11-25T13:06:00Z')).stdout;
    const [, shownId = ''] = /Digest (\w+): /.exec(pending) ?? [];
    expect(shownId).not.toBe('');
    const sent = (await broadsheet(dir, 'build', '--now', '2026-11-25T13:20:00Z')).stdout;
    expect(sent).toContain(
      `Digest "A fresh note · The Broadsheet Gazette" (waited as ${shownId}) for 1 recipient`,
    );
  }, 60_000);

  it('hold and build wait while another command holds the publish lock, then run', async () => {
    const { dir } = await withWindow();
    await writeFile(join(dir, 'content/posts/2026-11-25-fresh.md'), article('A fresh note'));
    await broadsheet(dir, 'build', '--now', '2026-11-25T13:00:00Z');
    // As a running build leaves it: held by a live process (this one).
    const lock = join(dir, '.broadsheet/publish.lock');
    await writeFile(
      lock,
      JSON.stringify({ owner: 'running build', pid: process.pid, host: hostname(), untilMs: 0 }),
    );
    const settled: string[] = [];
    const hold = broadsheet(dir, 'hold', '--now', '2026-11-25T13:01:00Z').then((r) => {
      settled.push('hold');
      return r;
    });
    const build = broadsheet(dir, 'build', '--now', '2026-11-25T13:02:00Z').then((r) => {
      settled.push('build');
      return r;
    });
    // `pending` takes no lock: once it has answered, the other two have had time to reach the lock.
    expect((await broadsheet(dir, 'pending', '--now', '2026-11-25T13:01:00Z')).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(settled).toEqual([]);
    await expect(access(join(dir, '.broadsheet/digest-hold.json'))).rejects.toThrow();

    await rm(lock);
    expect((await hold).stdout).toContain('Holding the digest of 1 article:');
    // Whichever took the lock first, the build ran whole: held, or still in its window (due 13:10).
    expect((await build).stdout).toMatch(/Digest \w+ of 1 article (is held|waits out its grace window)/);
    await expect(access(lock)).rejects.toThrow();
  }, 60_000);

  it('a build that starts while cancel holds the lock mails nothing of the cancelled digest, and keeps the record', async () => {
    const { dir, outbox } = await withWindow();
    const paths = projectPaths(dir);
    const { state } = paths;
    const site = await loadSiteConfig(paths.content);
    await writeFile(join(dir, 'content/posts/2026-11-25-regret.md'), article('Regret'));
    await localBuild(site, paths, new Date('2026-11-25T13:00:00Z'));
    const before = await outbox();

    // The real cancel, with the real lock: once it holds the lock and has read the desk, a build starts
    // (past the window) and waits for the lock; then the cancel records the articles and returns.
    let build: Promise<BuildReport> | undefined;
    const ledger = new FileAnnouncementStore(state);
    const markAnnounced = ledger.markAnnounced.bind(ledger);
    ledger.markAnnounced = async (urls, id) => {
      build = localBuild(site, paths, new Date('2026-11-25T13:20:00Z'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      return markAnnounced(urls, id);
    };
    const desk = {
      site,
      index: new FsSiteIndexStore(state),
      ledger,
      hold: new FileDigestHold(state),
      lease: new FilePublishLease(state),
    };
    expect((await cancelDigest(desk, Date.parse('2026-11-25T13:20:00Z'))).kind).toBe('done');
    const report = await build;

    expect(report?.digest).toBeUndefined();
    expect(await outbox()).toEqual(before);
    const announced = JSON.parse(await readFile(join(state, 'announced.json'), 'utf8'));
    expect(announced.announced['https://gazette.example.com/posts/regret/']).toBe('cancelled');
  }, 60_000);
});
