// Instant or weekly, the subscriber's choice: the real publisher, fan-out, sender and weekly planner over
// in-memory ports, with the clock injected. The site sends weekly digests on Mondays at 09:00 Lisbon time.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { chooseDelivery, type Delivery } from '../../../src/core/delivery.js';
import { parseSiteConfig } from '../../../src/core/site.js';

import { weekStartAt } from '../../../src/core/weekly-schedule.js';
import { onePage } from '../../../src/pipeline/fanout.js';
import { publishChanges } from '../../../src/pipeline/publish.js';
import { RateLimiter } from '../../../src/pipeline/send.js';
import { unsubscribe } from '../../../src/pipeline/subscriptions.js';
import { liveInIndex, runWeekly } from '../../../src/pipeline/weekly.js';
import { fanOutAndSend } from '../../helpers/deliver.js';
import {
  MemoryAttempts,
  MemoryIndex,
  MemoryLedger,
  MemoryLock,
  MemoryMailer,
  MemorySendLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
  MemorySubscribers,
} from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const secret = 'weekly-secret';
// May 2026 in Lisbon is UTC+1: Monday 4 May 09:00 local is 08:00Z.
const MONDAY_4 = '2026-05-04T08:00:00Z';
const MONDAY_11 = '2026-05-11T08:00:00Z';

function world(site = testSite) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const subscribers = new MemorySubscribers();
  const mailer = new MemoryMailer();
  const sends = new MemorySendLedger();
  const deps = {
    site,
    content,
    output: new MemorySite(),
    assets: new MemoryStatic(),
    index: new MemoryIndex(),
    mode: 'lenient' as const,
    lease: new MemoryLock(),
    announce: { ledger, digests: ledger, recipients: onePage(subscribers) },
  };

  /** What the digest and send functions do with the queued digests. */
  async function drain(now: Date) {
    const send = {
      site,
      digests: ledger,
      ledger: sends,
      mail: mailer,
      limiter: new RateLimiter(1e6),
      secret,
      now: () => now,
    };
    for (let id = ledger.queued.shift(); id !== undefined; id = ledger.queued.shift()) {
      await fanOutAndSend(id, { digests: ledger, recipients: subscribers, send });
    }
  }

  async function publish(name: string, at: string, title = name, dated = at, extra = '') {
    content.files.set(
      `posts/${name}.md`,
      `---\ntitle: ${title}\ndate: ${dated}\n${extra}---\nAbout ${name}.\n`,
    );
    await publishChanges(deps, [`posts/${name}.md`], new Date(at));
    await drain(new Date(at));
  }

  async function withdraw(name: string, at: string) {
    content.files.delete(`posts/${name}.md`);
    await publishChanges(deps, [`posts/${name}.md`], new Date(at));
  }

  /** Writes `to` from `from`'s text, edited, and publishes both in one commit; `keep` leaves `from` there. */
  async function rename(from: string, to: string, at: string, edit: (text: string) => string, keep = false) {
    const text = content.files.get(`posts/${from}.md`) ?? '';
    if (!keep) content.files.delete(`posts/${from}.md`);
    content.files.set(`posts/${to}.md`, edit(text));
    await publishChanges(deps, [`posts/${from}.md`, `posts/${to}.md`], new Date(at));
    await drain(new Date(at));
  }

  async function weekly(at: string) {
    const outcome = await runWeekly(
      {
        // As both editions read it: the publisher's index.
        live: liveInIndex(deps.index, Date.parse(at)),
        site,
        ledger,
        recipients: onePage(subscribers),
        deliver: (d) => ledger.enqueue(d.id),
      },
      new Date(at),
    );
    await drain(new Date(at));
    return outcome;
  }

  async function subscriber(address: string, delivery?: Delivery) {
    await subscribers.save({
      address,
      status: 'confirmed',
      createdAtMs: 0,
      updatedAtMs: 0,
      ...(delivery ? { delivery, previousDelivery: delivery, deliveryChangedMs: 0 } : {}),
    });
  }

  /** Article URLs each mail to `address` carried, one list per mail. */
  async function inbox(address: string) {
    const mails = await Promise.all(
      mailer.sent.filter((m) => m.to === address).map((m) => simpleParser(Buffer.from(m.data))),
    );
    return mails.map((m) => ({
      subject: m.subject ?? '',
      text: m.text ?? '',
      articles: [...(m.text ?? '').matchAll(/https:\/\/news\.example\.com\/posts\/([\w-]+)\//g)].map(
        (x) => x[1],
      ),
    }));
  }

  return { ledger, subscribers, mailer, publish, withdraw, rename, weekly, subscriber, inbox, drain };
}

/** A world where one article was announced before anyone subscribed (the first run). */
async function started() {
  const w = world();
  await w.publish('before', '2026-04-20T10:00:00Z');
  // The week of 'before' ends with nobody on weekly: no digest (and so no issue in the archive).
  expect((await w.weekly('2026-04-27T08:30:00Z')).kind).toBe('no-audience');
  expect((await w.weekly('2026-05-04T08:30:00Z')).kind).toBe('nothing-new');
  w.mailer.sent = [];
  return w;
}

describe('instant or weekly delivery', () => {
  it('carries an article retitled and given a new slug in its own file since its instant digest', async () => {
    const w = await started();
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('typo', '2026-05-05T10:00:00Z', 'Teh news');
    await w.publish('typo', '2026-05-06T10:00:00Z', 'The news', '2026-05-05T10:00:00Z', 'slug: the-news\n');
    expect((await w.weekly(MONDAY_11)).kind).toBe('delivered');
    const [mail] = await w.inbox('week@example.org');
    expect(mail?.text).toContain('The news');
    expect(mail?.articles).toEqual(['the-news']);
  });

  it('carries an article whose file was renamed and retitled in one commit since its instant digest', async () => {
    const w = await started();
    await w.subscriber('week@example.org', 'weekly');
    await w.subscriber('now@example.org', 'instant');
    await w.publish('typo', '2026-05-05T10:00:00Z', 'Teh news');
    // One commit: the file, and so its slug, and its title change; its date and body stay.
    await w.rename('typo', 'the-news', '2026-05-06T10:00:00Z', (text) =>
      text.replace('Teh news', 'The news'),
    );
    expect((await w.inbox('now@example.org')).map((m) => m.articles)).toEqual([['typo']]);
    expect((await w.weekly(MONDAY_11)).kind).toBe('delivered');
    const [mail] = await w.inbox('week@example.org');
    expect(mail?.articles).toEqual(['the-news']);
    expect(mail?.text).toContain('The news');
  });

  it('does not carry again an article a withdrawn copy of it shared a date and body with', async () => {
    const w = await started();
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('zed', '2026-05-05T10:00:00Z', 'Zed');
    expect((await w.weekly(MONDAY_11)).kind).toBe('delivered');
    // A copy under a new title is an article of its own (zed is still there), mailed; then withdrawn.
    await w.rename(
      'zed',
      'copy',
      '2026-05-12T10:00:00Z',
      (text) => text.replace('title: Zed', 'title: A copy'),
      true,
    );
    await w.withdraw('copy', '2026-05-13T10:00:00Z');
    await w.weekly('2026-05-18T08:00:00Z');
    const weeklies = (await w.inbox('week@example.org')).map((m) => m.articles);
    expect(weeklies.filter((articles) => articles.includes('zed'))).toHaveLength(1);
  });

  it('does not carry next week an article moved after a week nobody received', async () => {
    const w = await started();
    await w.publish('moving', '2026-05-05T10:00:00Z');
    await w.publish('moving', '2026-05-06T10:00:00Z', 'moving', '2026-05-05T10:00:00Z', 'slug: moved\n');
    expect((await w.weekly(MONDAY_11)).kind).toBe('no-audience');
    await w.subscriber('week@example.org', 'weekly');
    expect((await w.weekly('2026-05-18T08:30:00Z')).kind).toBe('nothing-new');
  });

  it('leaves out of the weekly digest what was withdrawn since, and carries the rest as it reads now', async () => {
    const w = await started();
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('regret', '2026-05-05T10:00:00Z');
    await w.publish('typo', '2026-05-06T10:00:00Z', 'Teh news');
    await w.withdraw('regret', '2026-05-07T10:00:00Z');
    await w.publish('typo', '2026-05-07T11:00:00Z', 'The news', '2026-05-06T10:00:00Z');
    expect(await w.weekly(MONDAY_11)).toMatchObject({ kind: 'delivered' });
    const [mail, ...more] = await w.inbox('week@example.org');
    expect(more).toEqual([]);
    expect(mail?.articles).toEqual(['typo']);
    expect(mail?.text).toContain('The news');
    expect(mail?.text).not.toContain('Teh news');
    // Not again the week after: it was carried under the address it was announced at.
    expect((await w.weekly('2026-05-18T08:30:00Z')).kind).toBe('nothing-new');
  });

  it('mails an instant subscriber three times and a weekly one once for three articles', async () => {
    const w = await started();
    await w.subscriber('now@example.org');
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('tuesday', '2026-05-05T10:00:00Z');
    await w.publish('wednesday', '2026-05-06T10:00:00Z');
    await w.publish('thursday', '2026-05-07T10:00:00Z');
    expect((await w.inbox('now@example.org')).map((m) => m.articles)).toEqual([
      ['tuesday'],
      ['wednesday'],
      ['thursday'],
    ]);
    expect(await w.inbox('week@example.org')).toEqual([]);

    // Not before the send time, then once at it, then nothing more however often the check runs.
    expect((await w.weekly('2026-05-11T07:59:00Z')).kind).toBe('not-due');
    const sent = await w.weekly('2026-05-11T08:05:00Z');
    expect(sent).toMatchObject({ kind: 'delivered', created: true });
    for (const at of ['2026-05-11T08:20:00Z', '2026-05-13T12:00:00Z', '2026-05-18T07:45:00Z'])
      expect((await w.weekly(at)).kind).toBe('not-due');

    const weekly = await w.inbox('week@example.org');
    expect(weekly).toHaveLength(1);
    expect(weekly[0]?.subject).toBe('This week on Test Gazette: 3 new articles');
    expect(weekly[0]?.articles).toEqual(['thursday', 'wednesday', 'tuesday']);
    expect(weekly[0]?.text).toContain('a weekly digest from Test Gazette, Mondays at 09:00 (Europe/Lisbon)');
    expect(weekly[0]?.text).toMatch(
      /Change how often: https:\/\/news\.example\.com\/api\/preferences\?token=/,
    );
    expect(await w.inbox('now@example.org')).toHaveLength(3);
  });

  it('lets both kinds unsubscribe with the link in their email', async () => {
    const w = await started();
    await w.subscriber('now@example.org');
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('one', '2026-05-05T10:00:00Z');
    await w.weekly('2026-05-11T08:05:00Z');
    const api = {
      site: testSite,
      subscribers: w.subscribers,
      limiter: new MemoryAttempts(),
      mail: w.mailer,
      secret,
    };
    for (const address of ['now@example.org', 'week@example.org']) {
      const [mail] = await w.inbox(address);
      const link = /Unsubscribe: (\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
      const token = new URL(link).searchParams.get('token') ?? '';
      expect(await unsubscribe(api, token, new Date('2026-05-12T00:00:00Z'))).toEqual({
        kind: 'unsubscribed',
        address,
      });
    }
    await w.publish('two', '2026-05-12T10:00:00Z');
    await w.weekly('2026-05-18T08:05:00Z');
    expect(await w.inbox('now@example.org')).toHaveLength(1);
    expect(await w.inbox('week@example.org')).toHaveLength(1);
  });

  it('applies a change of delivery from the next weekly send: every article once, none missed', async () => {
    const w = await started();
    await w.subscriber('to-weekly@example.org', 'instant');
    await w.subscriber('to-instant@example.org', 'weekly');
    const choose = async (address: string, delivery: Delivery, at: string) => {
      const current = await w.subscribers.get(address);
      if (!current) throw new Error(address);
      await w.subscribers.save(
        chooseDelivery(current, delivery, weekStartAt(testSite, Date.parse(at)), Date.parse(at), false),
      );
    };
    await w.publish('a', '2026-05-05T10:00:00Z');
    await choose('to-weekly@example.org', 'weekly', '2026-05-06T00:00:00Z');
    await choose('to-instant@example.org', 'instant', '2026-05-06T00:00:00Z');
    await w.publish('b', '2026-05-07T10:00:00Z');
    await w.weekly('2026-05-11T08:05:00Z');
    await w.publish('c', '2026-05-12T10:00:00Z');
    await w.publish('d', '2026-05-13T10:00:00Z');
    await w.weekly('2026-05-18T08:05:00Z');

    const toWeekly = (await w.inbox('to-weekly@example.org')).map((m) => m.articles);
    expect(toWeekly).toEqual([['a'], ['b'], ['d', 'c']]);
    const toInstant = (await w.inbox('to-instant@example.org')).map((m) => m.articles);
    expect(toInstant).toEqual([['b', 'a'], ['c'], ['d']]);
  });

  it('finishes a weekly run that crashed after creating the digest, without a second email', async () => {
    const w = await started();
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('x', '2026-05-05T10:00:00Z');
    const crashing = runWeekly(
      {
        live: async () => undefined,
        site: testSite,
        ledger: w.ledger,
        recipients: onePage(w.subscribers),
        deliver: async () => {
          throw new Error('killed before the digest reached the queue');
        },
      },
      new Date('2026-05-11T08:00:30Z'),
    );
    await expect(crashing).rejects.toThrow('killed');
    expect(w.ledger.cursor).toBe(Date.parse(MONDAY_4));
    const retried = await w.weekly('2026-05-11T08:15:00Z');
    expect(retried).toMatchObject({ kind: 'delivered', created: false });
    // The queue delivering the digest twice sends nothing more.
    await w.ledger.enqueue(retried.kind === 'delivered' ? retried.digest.id : '');
    await w.drain(new Date('2026-05-11T08:16:00Z'));
    expect((await w.inbox('week@example.org')).map((m) => m.articles)).toEqual([['x']]);
    expect(w.ledger.cursor).toBe(Date.parse(MONDAY_11));
  });

  it('carries an announcement that became visible after its week was sent in the next week, once', async () => {
    const w = await started();
    await w.subscriber('week@example.org', 'weekly');
    await w.publish('early', '2026-05-05T10:00:00Z');
    // An instant digest created before the send time whose record shows up only later (a lagging index).
    await w.publish('late', '2026-05-11T07:59:59Z');
    const late = [...w.ledger.digests.values()].find((d) => d.articles.some((a) => a.slug === 'late'));
    w.ledger.digests.delete(late?.id ?? fail());
    await w.weekly('2026-05-11T08:05:00Z');
    await w.ledger.createDigest(late ?? fail());
    await w.weekly('2026-05-18T08:05:00Z');
    await w.weekly('2026-05-25T08:05:00Z');
    expect((await w.inbox('week@example.org')).map((m) => m.articles)).toEqual([['early'], ['late']]);
  });

  it('reads the subscriber list a page at a time, only until the first weekly reader', async () => {
    const w = await started();
    await w.publish('paged', '2026-05-05T10:00:00Z');
    const pages = [
      [{ address: 'a@example.org' }, { address: 'b@example.org', delivery: 'instant' as const }],
      [{ address: 'c@example.org', delivery: 'weekly' as const }],
      [{ address: 'd@example.org', delivery: 'weekly' as const }],
    ];
    const asked: (string | undefined)[] = [];
    const recipients = {
      page: async (after: string | undefined) => {
        asked.push(after);
        const i = asked.length - 1;
        return { recipients: pages[i] ?? [], ...(i < pages.length - 1 ? { next: `after-${i}` } : {}) };
      },
    };
    const outcome = await runWeekly(
      { live: async () => undefined, site: testSite, ledger: w.ledger, recipients, deliver: async () => {} },
      new Date('2026-05-11T08:05:00Z'),
    );
    expect(outcome.kind).toBe('delivered');
    expect(asked).toEqual([undefined, 'after-0']);
  });

  it('sends nothing when a week had no new articles, and keeps the day configurable', async () => {
    const friday = parseSiteConfig({
      title: 'Test Gazette',
      base_url: 'https://news.example.com',
      timezone: 'America/New_York',
      author: { name: 'A' },
      sender: { name: 'S', address: 'digest@example.com' },
      weekly_digest: { day: 'friday', time: '17:30' },
    });
    const w = world(friday);
    await w.publish('first', '2026-05-01T22:00:00Z'); // 18:00 in New York, after that Friday's send
    await w.subscriber('week@example.org', 'weekly');
    expect((await w.weekly('2026-05-08T21:29:00Z')).kind).toBe('nothing-new'); // week ending Fri 1 May
    await w.publish('second', '2026-05-04T10:00:00Z');
    expect((await w.weekly('2026-05-08T21:29:00Z')).kind).toBe('not-due'); // 17:29 New York
    expect((await w.weekly('2026-05-08T21:30:00Z')).kind).toBe('delivered');
    expect((await w.inbox('week@example.org')).map((m) => m.articles)).toEqual([['second', 'first']]);
  });
});

function fail(): never {
  throw new Error('expected an announced article');
}
