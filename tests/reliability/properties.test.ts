// Property tests (fast-check): whatever authors write in titles, summaries and bodies, the feeds stay
// well-formed for feedparser, the JSON Feed stays valid JSON, and email headers stay single-line and
// RFC 2047-safe.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseArticle } from '../../src/core/article.js';
import { composeDigest, planDigest } from '../../src/core/digest.js';
import { renderDigestMessage } from '../../src/core/email.js';
import { buildFeeds, siteFeedScope } from '../../src/core/feeds.js';
import { parseSiteConfig } from '../../src/core/site.js';
import { singleLine } from '../../src/core/text.js';
import { cancelDigest, holdDigest, releaseDigest, waitingDigests } from '../../src/pipeline/desk.js';
import { onePage } from '../../src/pipeline/fanout.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import { RateLimiter } from '../../src/pipeline/send.js';
import { runWeekly } from '../../src/pipeline/weekly.js';
import { feedparserMany } from '../helpers/clients.js';
import { fanOutAndSend } from '../helpers/deliver.js';
import { deskSite } from '../helpers/desk-site.js';
import { lintMessage } from '../helpers/mail-lint.js';
import {
  MemoryIndex,
  MemoryLedger,
  MemoryMailer,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from '../helpers/memory.js';
import { bytes, testSite } from '../helpers/site.js';

// Ordinary text mixed with what breaks naive code: markup, CDATA ends, CR/LF, controls, lone surrogates,
// U+FFFE, emoji and combining marks.
const nasty = fc.constantFrom(
  '<',
  '&',
  ']]>',
  '\r\n',
  '\u0000',
  '\u0007',
  '\uD800',
  '\uDFFF',
  '\uFFFE',
  '🎉',
  'é',
  'é',
  '"',
  "'",
  '=?utf-8?q?x?=',
);
const text = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), nasty), { maxLength: 12 })
  .map((parts) => parts.join(''));
const title = text.filter((t) => singleLine(t) !== '');

function article(t: string, summary: string, body: string, i: number) {
  // Front matter written by a YAML library, so any string survives the trip into the article.
  const yaml = stringify({ title: t, date: '2026-05-01', summary, slug: `p${i}` });
  const result = parseArticle(
    { path: `posts/p${i}.md`, bytes: bytes(`---\n${yaml}---\n${body}\n`) },
    testSite,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.article;
}

describe('properties', () => {
  it('feeds are well-formed for feedparser and the JSON Feed is valid, for any text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prop-'));
    const cases = fc.sample(fc.tuple(title, text, text), { numRuns: 60, seed: 20261125 });
    const files: string[] = [];
    const expected: string[] = [];
    for (const [i, [t, summary, body]] of cases.entries()) {
      const a = article(t, summary, body, i);
      const feeds = buildFeeds([a], testSite, siteFeedScope(testSite));
      const json = JSON.parse(feeds.json) as { items: { title: string; id: string }[] };
      expect(json.items[0]?.title).toBe(a.title);
      await writeFile(join(dir, `${i}.rss.xml`), feeds.rss);
      await writeFile(join(dir, `${i}.atom.xml`), feeds.atom);
      files.push(join(dir, `${i}.rss.xml`), join(dir, `${i}.atom.xml`));
      expected.push(a.title, a.title);
    }
    const parsed = await feedparserMany(files);
    parsed.forEach((feed, i) => {
      expect(feed.bozo, `${files[i]}: ${feed.bozo_exception}`).toBe(false);
      expect(feed.entries).toHaveLength(1);
      if (files[i]?.endsWith('.rss.xml')) expect(feed.entries[0]?.title).toBe(expected[i]);
    });
  }, 60_000);

  it('email headers stay single-line, 7-bit, RFC 2047-safe and within line limits, for any title', async () => {
    await fc.assert(
      fc.asyncProperty(title, title, async (t, siteTitle) => {
        const site = {
          ...testSite,
          title: singleLine(siteTitle) || 'Site',
          sender: { ...testSite.sender, name: singleLine(siteTitle) || 'Site' },
        };
        const a = article(t, 'summary', 'body', 0);
        const plan = planDigest([a], new Set());
        if (!plan) throw new Error('no plan');
        const digest = composeDigest(plan, site);
        const message = await renderDigestMessage(
          digest,
          {
            address: 'reader@example.org',
            links: {
              unsubscribe: 'https://news.example.com/api/unsubscribe?token=abc.def',
              preferences: 'https://news.example.com/api/preferences?token=abc.def',
            },
          },
          site,
          new Date('2026-05-01T00:00:00Z'),
        );
        const raw = Buffer.from(message.data).toString('latin1');
        expect(lintMessage(raw, { bulk: true })).toEqual([]);
        const parsed = await simpleParser(Buffer.from(message.data));
        expect(parsed.subject).toBe(digest.subject);
      }),
      { numRuns: 150, seed: 20261125 },
    );
  }, 60_000);
});

// Exactly once through the grace window: whatever authors push (new articles, edits, drafts and back) and
// whatever the operator does (hold, release, cancel), with wake-ups, crashes before the index is saved,
// and digests delivered twice, every (article, subscriber) pair is mailed once, or never when its digest
// was cancelled or the article is off the site; and what is mailed is the article as it was when the
// window closed.
type DeskOp =
  | { kind: 'push'; which: number; title: string; hold: boolean }
  | { kind: 'draft'; which: number }
  | { kind: 'wait'; minutes: number }
  | { kind: 'hold' | 'release' | 'cancel'; which: number }
  | { kind: 'crash' };

const deskOp: fc.Arbitrary<DeskOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('push'),
      which: fc.nat(4),
      title: fc.constantFrom('One', 'Two', 'Fixed'),
      // Held at once, as an author who pushed and thought again: several digests then wait held.
      hold: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('draft'), which: fc.nat(4) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('wait'), minutes: fc.integer({ min: 1, max: 25 }) }),
  },
  {
    weight: 2,
    // Which waiting digest the command names (by its id), or none (the one it can mean, if only one).
    arbitrary: fc.record({
      kind: fc.constantFrom('hold', 'release', 'cancel'),
      which: fc.integer({ min: -1, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash') }) },
);

describe('exactly once through the grace window', () => {
  it('mails each (article, subscriber) pair once, or never by choice', async () => {
    const site = parseSiteConfig({
      title: testSite.title,
      base_url: testSite.baseUrl,
      author: { name: testSite.author.name },
      sender: testSite.sender,
      digest: { delay: '10m' },
    });
    const readers = ['a@example.org', 'b@example.org'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(deskOp, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        async (ops, twice) => {
          const { content, ledger, sends, subscribers, deps, desk, crashNextSave } = await deskSite(
            site,
            readers,
          );
          const titles = new Map<string, string>();
          /** url → the title each digest carried it with, checked against the title when it was planned. */
          const planned = new Map<string, string>();
          let now = Date.parse('2026-06-01T00:00:00Z');
          const write = (i: number, title: string, draft: boolean) => {
            content.files.set(
              `posts/p${i}.md`,
              // A date of its own per file: two files of one date and title are one article moved
              // (announce-keys.ts), which the move test in local-build.test.ts covers.
              `---\ntitle: ${title}\ndate: 2026-05-31T00:${String(i).padStart(2, '0')}:00Z\n${draft ? 'draft: true\n' : ''}---\nBody ${i}.\n`,
            );
            titles.set(`${testSite.baseUrl}/posts/p${i}/`, draft ? '' : title);
          };
          const publish = async (paths: string[]) => {
            const queuedBefore = ledger.digests.size;
            // A crashed publish's event comes back (SQS redelivers it).
            await publishChanges(deps, paths, new Date(now)).catch(async (error: Error) => {
              if (!error.message.startsWith('crashed')) throw error;
              await publishChanges(deps, paths, new Date(now));
            });
            for (const record of [...ledger.digests.values()].slice(queuedBefore))
              for (const a of record.articles) {
                expect(a.title, 'a digest carries the article as it is when its window closes').toBe(
                  titles.get(a.url),
                );
                planned.set(a.url, a.title);
              }
            for (let id = ledger.queued.shift(); id !== undefined; id = ledger.queued.shift()) {
              for (let n = 0; n < (twice ? 2 : 1); n++)
                await fanOutAndSend(id, {
                  digests: ledger,
                  recipients: subscribers,
                  send: {
                    site,
                    digests: ledger,
                    ledger: sends,
                    mail: new MemoryMailer(),
                    limiter: new RateLimiter(1e6),
                    secret: 's'.repeat(32),
                    now: () => new Date(now),
                  },
                });
            }
          };
          write(9, 'Already there', false);
          await publish(['posts/p9.md']); // the first run
          for (const step of ops) {
            if (step.kind === 'push') {
              write(step.which, step.title, false);
              await publish([`posts/p${step.which}.md`]);
              if (step.hold) await holdDigest(desk, now);
            } else if (step.kind === 'draft') {
              write(step.which, 'Draft', true);
              await publish([`posts/p${step.which}.md`]);
            } else if (step.kind === 'wait') {
              now += step.minutes * 60_000;
              await publish([]); // the wake-up
            } else if (step.kind === 'crash') crashNextSave(true);
            else {
              const waiting = await waitingDigests(desk, now);
              const id = step.which < 0 ? undefined : waiting[step.which % Math.max(1, waiting.length)]?.id;
              const command = { hold: holdDigest, release: releaseDigest, cancel: cancelDigest }[step.kind];
              await command(desk, now, id);
            }
          }
          crashNextSave(false);
          for (const held of (await waitingDigests(desk, now)).filter((d) => d.held))
            await releaseDigest(desk, now, held.id);
          now += 60 * 60_000;
          await publish([]);

          const mailed = new Map<string, number>();
          for (const [key, record] of sends.records) {
            if (record.state !== 'sent') continue;
            const [digestId = '', address] = key.split('|');
            for (const a of ledger.digests.get(digestId)?.articles ?? []) {
              const pair = `${a.url}|${address}`;
              mailed.set(pair, (mailed.get(pair) ?? 0) + 1);
            }
          }
          for (const [url, title] of titles) {
            const cancelled = ledger.announced.get(url) === 'cancelled';
            for (const address of readers) {
              const count = mailed.get(`${url}|${address}`) ?? 0;
              if (url.endsWith('/p9/')) expect(count).toBe(1);
              else if (cancelled || (title === '' && !planned.has(url))) expect(count).toBe(0);
              else expect(count, `${url} to ${address}`).toBe(1);
            }
          }
        },
      ),
      { numRuns: 60, seed: 20261201 },
    );
  }, 120_000);
});

// Exactly once with topics: subscribers instant or weekly, following everything or some topics; articles
// with any tags, published over weeks, weekly runs at any time and digests fanned out twice. Every
// (article, subscriber) pair is mailed once when the subscriber follows the article, else never.
describe('exactly once with topics', () => {
  it('mails each article once to each subscriber who follows it, and never to the others', async () => {
    const TOPICS = ['email', 'feeds', 'go'];
    const site = parseSiteConfig({
      title: testSite.title,
      base_url: testSite.baseUrl,
      timezone: testSite.timezone,
      author: { name: testSite.author.name },
      sender: testSite.sender,
      topics: TOPICS,
    });
    const reader = fc.record({
      weekly: fc.boolean(),
      topics: fc.option(fc.subarray(TOPICS), { nil: undefined }),
    });
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('publish' as const),
        tags: fc.subarray(TOPICS),
        hours: fc.integer({ min: 1, max: 60 }),
      }),
      fc.record({ kind: fc.constant('weekly' as const), hours: fc.integer({ min: 1, max: 100 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(reader, { minLength: 1, maxLength: 4 }),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (readers, steps, twice) => {
          const content = new MemorySource();
          const ledger = new MemoryLedger();
          const sends = new MemorySendLedger();
          const mailer = new MemoryMailer();
          const subscribers = new MemorySubscribers();
          const addresses = readers.map((_, i) => `r${i}@example.org`);
          for (const [i, r] of readers.entries())
            await subscribers.save({
              address: addresses[i] ?? '',
              status: 'confirmed',
              createdAtMs: 0,
              updatedAtMs: 0,
              ...(r.weekly ? { delivery: 'weekly', previousDelivery: 'weekly', deliveryChangedMs: 0 } : {}),
              ...(r.topics ? { topics: r.topics } : {}),
            });
          const deps = {
            site,
            content,
            assets: new MemoryStatic(),
            output: new MemorySite(),
            index: new MemoryIndex(),
            mode: 'lenient' as const,
            announce: { ledger, digests: ledger, recipients: onePage(subscribers) },
          };
          let now = Date.parse('2026-06-01T12:00:00Z');
          const drain = async () => {
            for (let id = ledger.queued.shift(); id !== undefined; id = ledger.queued.shift())
              for (let n = 0; n < (twice ? 2 : 1); n++)
                await fanOutAndSend(id, {
                  digests: ledger,
                  recipients: subscribers,
                  send: {
                    site,
                    digests: ledger,
                    ledger: sends,
                    mail: mailer,
                    limiter: new RateLimiter(1e6),
                    secret: 's'.repeat(32),
                    now: () => new Date(now),
                  },
                });
          };
          const weekly = async () => {
            await runWeekly(
              {
                live: async () => undefined,
                site,
                ledger,
                recipients: onePage(subscribers),
                deliver: (d) => ledger.enqueue(d.id),
              },
              new Date(now),
            );
            await drain();
          };
          const tagsOf = new Map<string, string[]>();
          const publish = async (i: number, tags: string[]) => {
            const date = new Date(now).toISOString();
            content.files.set(
              `posts/p${i}.md`,
              `---\ntitle: P${i}\ndate: ${date}\ntags: [${tags.join(', ')}]\n---\nBody.\n`,
            );
            tagsOf.set(`${testSite.baseUrl}/posts/p${i}/`, tags);
            await publishChanges(deps, [`posts/p${i}.md`], new Date(now));
            await drain();
          };
          await publish(0, []); // the first run
          for (const [i, s] of steps.entries()) {
            now += s.hours * 3_600_000;
            if (s.kind === 'publish') await publish(i + 1, s.tags);
            else await weekly();
          }
          for (let day = 0; day < 15; day++) {
            now += 86_400_000;
            await weekly();
          }

          const mailed = new Map<string, number>();
          for (const message of mailer.sent) {
            const text = (await simpleParser(Buffer.from(message.data))).text ?? '';
            for (const [url] of text.matchAll(/https:\/\/news\.example\.com\/posts\/p\d+\//g)) {
              const pair = `${url}|${message.to}`;
              mailed.set(pair, (mailed.get(pair) ?? 0) + 1);
            }
          }
          for (const [url, tags] of tagsOf)
            for (const [i, r] of readers.entries()) {
              const follows = r.topics === undefined || tags.some((t) => r.topics?.includes(t));
              // The text part names each article's URL once.
              expect(mailed.get(`${url}|${addresses[i]}`) ?? 0, `${url} to ${addresses[i]}`).toBe(
                follows ? 1 : 0,
              );
            }
          // The list never changes here, so a digest is recorded as reaching nobody exactly when the fan-out
          // mailed it to nobody (and the archive shows exactly the digests someone received).
          const sentFor = new Set([...sends.records.keys()].map((key) => key.split('|')[0]));
          for (const digest of ledger.digests.values())
            expect(digest.unreached === true, digest.id).toBe(!sentFor.has(digest.id));
        },
      ),
      { numRuns: 40, seed: 20261201 },
    );
  }, 180_000);
});
