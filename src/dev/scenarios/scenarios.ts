// Scenarios on the local AWS: what production must survive, each on a fresh stack, each counted the same
// way: emails sent, duplicates, misses, dead letters and IAM denials, which must all be 0 but the first.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import { dynamoClient } from '../../adapters/aws/clients.js';
import { DynamoSubscribers } from '../../adapters/aws/dynamo/subscribers.js';
import { parseSiteConfig } from '../../core/site.js';
import type { Subscriber } from '../../core/subscribers.js';
import { nextWeeklySend } from '../../core/weekly-schedule.js';
import { FAN_OUT_PAGE, RECIPIENTS_PER_BATCH } from '../../pipeline/fanout.js';
import { weeklyDigestId } from '../../pipeline/weekly.js';
import { ManualClock } from '../local-aws/clock.js';
import { type StackUnderTest, startStackUnderTest } from '../local-aws/harness.js';
import type { CapturedEmail } from '../local-aws/ses.js';
import { type LocalAwsOptions, REPO_ROOT } from '../local-aws/stack.js';

export type Size = 'full' | 'reduced';

export interface ScenarioResult {
  readonly name: string;
  readonly sent: number;
  readonly duplicates: number;
  readonly missed: number;
  readonly deadLettered: number;
  readonly denied: number;
  /** Anything else that went wrong, in words. */
  readonly problems: readonly string[];
  /** What was measured besides the counts (send rate, continuations, …). */
  readonly notes: readonly string[];
  /** Grants no call used, as `Role action resource` keys (the runner intersects them across scenarios). */
  readonly unusedGrants: readonly string[];
}

export const passed = (r: ScenarioResult) =>
  r.duplicates === 0 && r.missed === 0 && r.deadLettered === 0 && r.denied === 0 && r.problems.length === 0;

export function line(r: ScenarioResult): string {
  return `scenario ${r.name}: sent ${r.sent}, duplicates ${r.duplicates}, missed ${r.missed}, dead-lettered ${r.deadLettered}, denied ${r.denied}`;
}

interface Scenario {
  readonly name: string;
  readonly options?: (size: Size) => LocalAwsOptions;
  run(stack: StackUnderTest, size: Size, report: Report): Promise<void>;
}

class Report {
  sent = 0;
  duplicates = 0;
  missed = 0;
  readonly problems: string[] = [];
  readonly notes: string[] = [];

  /** Counts mail against who should have it: each expected recipient once, nobody else. */
  mail(
    mails: readonly CapturedEmail[],
    expected: ReadonlySet<string>,
    match: (m: CapturedEmail) => boolean = () => true,
  ): void {
    const counts = new Map<string, number>();
    for (const m of mails.filter(match)) {
      this.sent++;
      for (const to of m.destination.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    for (const [to, n] of counts) {
      if (!expected.has(to))
        this.duplicates += n; // mail to someone who should get none counts as extra
      else if (n > 1) this.duplicates += n - 1;
    }
    for (const to of expected) if (!counts.has(to)) this.missed++;
  }

  check(condition: boolean, problem: string): void {
    if (!condition) this.problems.push(problem);
  }
}

const article = (title: string, date: string, tags = '[scenario]') =>
  `---\ntitle: ${title}\ndate: ${date}\ntags: ${tags}\n---\nText of ${title}.\n`;

async function seedSubscribers(
  stack: StackUnderTest,
  addresses: readonly string[],
  delivery: 'instant' | 'weekly' = 'instant',
): Promise<void> {
  const people = new DynamoSubscribers(dynamoClient({ dynamodb: stack.aws.endpoints.dynamodb }), stack.table);
  const now = stack.aws.clock.now();
  const subscribers: Subscriber[] = addresses.map((address) => ({
    address,
    status: 'confirmed',
    createdAtMs: now,
    updatedAtMs: now,
    ...(delivery === 'weekly' ? { delivery } : {}),
  }));
  await people.saveAll(subscribers);
}

async function siteYaml(stack: StackUnderTest): Promise<void> {
  // As a deploy does: site.json beside site.yaml, since the mail functions read only the JSON.
  await stack.deploySiteYaml(
    // The scenarios' articles are dated in 2026 and run on the wall clock: a window wide enough that each
    // is mailed as it arrives (announce_window is tested in tests/unit/pipeline/publish.test.ts).
    stack.localSiteYaml(
      `${await readFile(join(REPO_ROOT, 'content/site.yaml'), 'utf8')}announce_window: 36500\n`,
    ),
  );
  await stack.aws.settle();
}

/**
 * A site that has published before: its first content announces only the newest article (so installing
 * Broadsheet on a blog never mails the archive), and the scenarios below measure what follows that.
 */
async function establishedSite(stack: StackUnderTest): Promise<void> {
  await stack.upload('static/colophon.txt', 'Set in the default theme.\n');
  await stack.upload('posts/2025-12-31-established.md', article('Already here', '2025-12-31'));
  await stack.aws.settle();
  await stack.clearMailbox();
}

/** Runs tasks with at most `n` at once. */
async function limited<T>(
  items: readonly T[],
  n: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i] as T, i);
      }
    }),
  );
}

const HOUR = 3_600_000;

/** The site's configuration as the sample site.yaml gives it (the weekly send time and its time zone). */
const siteConfig = () => parseSiteConfig(parse(readFileSync(join(REPO_ROOT, 'content/site.yaml'), 'utf8')));

/** The first hh:mm UTC after `fromMs`. */
function nextUtcTime(fromMs: number, hour: number, minute: number): number {
  const at = new Date(fromMs);
  at.setUTCHours(hour, minute, 0, 0);
  return at.getTime() > fromMs ? at.getTime() : at.getTime() + 24 * HOUR;
}

const readers = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(5, '0')}@example.org`);

/** Article slugs linked from a digest's text. */
const linkedSlugs = (m: CapturedEmail) =>
  [...(m.body.text ?? '').matchAll(/\/posts\/([a-z0-9-]+)\//g)].map((x) => x[1] ?? '');

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'push-200-articles',
    async run(stack, size, report) {
      const count = size === 'full' ? 200 : 30;
      const people = readers(size === 'full' ? 20 : 5, 'push');
      await siteYaml(stack);
      await establishedSite(stack);
      await seedSubscribers(stack, people);
      const slugs = Array.from({ length: count }, (_, i) => `pushed-${String(i).padStart(3, '0')}`);
      // One commit of many files, deployed at once.
      await limited(slugs, 16, (slug, i) =>
        stack.upload(
          `posts/2026-0${1 + (i % 9)}-1${i % 10}-${slug}.md`,
          article(`Pushed ${i}`, `2026-0${1 + (i % 9)}-1${i % 10}`),
        ),
      );
      await stack.aws.settle(600_000);
      let pages = 0;
      for (const slug of slugs) if (await stack.siteObject(`posts/${slug}/index.html`)) pages++;
      report.missed += count - pages;
      // Each reader is told about each article exactly once, over however many digests it took.
      const mails = await stack.mailbox();
      report.sent += mails.length;
      for (const reader of people) {
        const told = mails.filter((m) => m.destination.to.includes(reader)).flatMap(linkedSlugs);
        const seen = new Map<string, number>();
        for (const slug of told) seen.set(slug, (seen.get(slug) ?? 0) + 1);
        // A digest links each article more than once (title and "read more"): count digests, not links.
        const digestsPer = new Map<string, number>();
        for (const m of mails.filter((x) => x.destination.to.includes(reader)))
          for (const slug of new Set(linkedSlugs(m))) digestsPer.set(slug, (digestsPer.get(slug) ?? 0) + 1);
        for (const slug of slugs) {
          const n = digestsPer.get(slug) ?? 0;
          if (n === 0) report.missed++;
          if (n > 1) report.duplicates += n - 1;
        }
      }
      const batches =
        stack.aws.mappings.find((m) => m.config.logicalId.startsWith('PublishFunction'))?.stats.batches ?? 0;
      report.notes.push(
        `${count} articles in ${batches} publish batch(es), ${mails.length / Math.max(1, people.length)} digest(s) a reader`,
      );
    },
  },
  {
    name: 'digest-10000-ses-throttling',
    options: (size) => ({ ses: { account: { maxSendRate: size === 'full' ? 100 : 50 } } }),
    async run(stack, size, report) {
      // Reduced: two send batches and twice the account's rate, with every third call throttled.
      const n = size === 'full' ? 10_000 : 100;
      const people = readers(n, 'bulk');
      await siteYaml(stack);
      await seedSubscribers(stack, people);
      // SES answers every third call with a throttling error, on top of the account's send rate.
      stack.aws.ses.faults.throttleEvery = 3;
      const started = Date.now();
      await stack.upload('posts/2026-06-01-bulk.md', article('For everyone', '2026-06-01'));
      await stack.aws.settle(1_800_000);
      const seconds = (Date.now() - started) / 1000;
      report.mail(await stack.mailbox(), new Set(people));
      const { stats, account } = stack.aws.ses;
      report.notes.push(
        `send rate: peak ${stack.aws.ses.peakRate()}/s against a maximum of ${account.maxSendRate}/s; ${n} emails in ${seconds.toFixed(0)} s; SES throttled ${stats.injectedThrottles} calls on purpose and ${stats.rateThrottled} for the rate`,
      );
      report.check(
        stack.aws.ses.peakRate() <= account.maxSendRate,
        `the account's send rate (${account.maxSendRate}/s) was exceeded: ${stack.aws.ses.peakRate()}/s`,
      );
      const send = stack.aws.fn('Send').stats;
      const pollers =
        stack.aws.mappings.find((m) => m.config.logicalId.startsWith('SendFunction'))?.pollers ?? 0;
      report.notes.push(
        `Send: ${send.invocations} invocations, ${send.throttles} throttled (reserved concurrency ${stack.aws.fn('Send').config.reservedConcurrency ?? 'none'}, ${pollers} pollers)`,
      );
    },
  },
  {
    name: 'send-killed-mid-batch',
    async run(stack, size, report) {
      const people = readers(size === 'full' ? 500 : 60, 'killed');
      await siteYaml(stack);
      await seedSubscribers(stack, people);
      // The send function's instance dies as it starts its 7th SES call of the run.
      stack.aws.fn('Send').armFault({ command: 'SendEmail', nth: 7, kind: 'kill' });
      await stack.upload('posts/2026-06-02-killed.md', article('Survives a crash', '2026-06-02'));
      await stack.aws.settle(600_000);
      report.mail(await stack.mailbox(), new Set(people));
      report.check(
        stack.aws.fn('Send').stats.crashes === 1,
        `expected one crashed invocation, saw ${stack.aws.fn('Send').stats.crashes}`,
      );
      report.notes.push(
        `stack time skipped: ${(stack.aws.waits.skippedMs / 60_000).toFixed(0)} min (visibility timeouts and the stale-claim takeover)`,
      );
    },
  },
  {
    name: 'publish-past-its-timeout',
    options: () => ({ functions: { Publish: { timeoutSeconds: 6 } } }),
    async run(stack, size, report) {
      const people = readers(size === 'full' ? 50 : 5, 'slow');
      await siteYaml(stack);
      await seedSubscribers(stack, people);
      // An S3 write that never returns: the publish runs into its (lowered) timeout, holding the lease.
      stack.aws.fn('Publish').armFault({ command: 'PutObject', nth: 3, kind: 'stall' });
      await stack.upload('posts/2026-06-03-slow.md', article('Published after a timeout', '2026-06-03'));
      await stack.aws.settle(600_000);
      report.check(
        stack.aws.fn('Publish').stats.timeouts === 1,
        `expected one timed-out publish, saw ${stack.aws.fn('Publish').stats.timeouts}`,
      );
      report.check(
        (await stack.siteObject('posts/slow/index.html')) !== undefined,
        'the article was never published',
      );
      report.mail(await stack.mailbox(), new Set(people));
    },
  },
  {
    name: 'digest-fanout-outlives-timeout',
    // One second is Lambda's shortest timeout: the fan-out must hand on, page by page.
    options: () => ({ functions: { Digest: { timeoutSeconds: 1 } }, ses: { account: { maxSendRate: 200 } } }),
    async run(stack, size, report) {
      // Reduced: one send batch past a fan-out page, so there is still a second page to hand on.
      const people = readers(size === 'full' ? 20_000 : FAN_OUT_PAGE + RECIPIENTS_PER_BATCH, 'fan');
      await siteYaml(stack);
      await seedSubscribers(stack, people);
      await stack.upload('posts/2026-06-04-fanout.md', article('To a long list', '2026-06-04'));
      await stack.aws.settle(1_800_000);
      report.mail(await stack.mailbox(), new Set(people));
      const continued = stack.logs.entries('Digest', 'digest fan-out continues').length;
      const digest = stack.aws.fn('Digest').stats;
      // At full size no second of work sends 20,000: the list is finished only if a fan-out handed on. The
      // reduced list may fit in one invocation on a fast machine, so there the count is a note alone.
      if (size === 'full')
        report.check(
          continued > 0,
          'the fan-out never handed on: 20,000 recipients in one invocation of 1 s',
        );
      report.notes.push(
        `fan-out in ${continued + 1} invocation(s) of at most 1 s (${digest.timeouts} timed out)`,
      );
    },
  },
  {
    name: 's3-events-twice-out-of-order',
    async run(stack, size, report) {
      const count = size === 'full' ? 40 : 8;
      const people = readers(size === 'full' ? 10 : 3, 'unordered');
      await siteYaml(stack);
      await establishedSite(stack);
      await seedSubscribers(stack, people);
      stack.aws.notifier.faults.duplicate = true;
      stack.aws.notifier.faults.shuffleWindowMs = 300;
      const slugs = Array.from({ length: count }, (_, i) => `unordered-${i}`);
      // Dates before December 2026, so no article is scheduled for later (it would rightly not be published).
      const dateOf = (i: number) =>
        `2026-${String(1 + (i % 11)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      const file = (slug: string) => `posts/${dateOf(slugs.indexOf(slug))}-${slug}.md`;
      await limited(slugs, 8, (slug, i) => stack.upload(file(slug), article(`Unordered ${i}`, dateOf(i))));
      // Then edits and deletions of some of them, their events as unordered as the rest.
      const edited = slugs.filter((_, i) => i % 3 === 0);
      const removed = slugs.filter((_, i) => i % 4 === 1);
      await limited(edited, 4, (slug) =>
        stack.upload(file(slug), article(`Edited ${slugs.indexOf(slug)}`, dateOf(slugs.indexOf(slug)))),
      );
      await limited(removed, 4, (slug) => stack.remove(file(slug)));
      await stack.aws.settle(600_000);
      for (const [i, slug] of slugs.entries()) {
        const page = await stack.siteObject(`posts/${slug}/index.html`);
        if (removed.includes(slug))
          report.check(page === undefined, `${slug} was deleted but is still online`);
        else if (!page) report.missed++;
        else
          report.check(
            page.body.includes(edited.includes(slug) ? `Edited ${i}` : `Unordered ${i}`),
            `${slug} shows an old version`,
          );
      }
      // Every reader told once about each article that stayed (an article deleted after its digest went is fine either way).
      const mails = await stack.mailbox();
      report.sent += mails.length;
      for (const reader of people) {
        const per = new Map<string, number>();
        for (const m of mails.filter((x) => x.destination.to.includes(reader)))
          for (const s of new Set(linkedSlugs(m))) per.set(s, (per.get(s) ?? 0) + 1);
        for (const slug of slugs) {
          const n = per.get(slug) ?? 0;
          if (n > 1) report.duplicates += n - 1;
          if (n === 0 && !removed.includes(slug)) report.missed++;
        }
      }
      report.notes.push(
        `${stack.aws.notifier.stats.delivered} notifications delivered for ${count + edited.length + removed.length} changes`,
      );
    },
  },
  {
    name: 'subscribe-confirm-unsubscribe-bounce',
    async run(stack, size, report) {
      const n = size === 'full' ? 40 : 6;
      const people = readers(n, 'flow');
      await siteYaml(stack);
      const site = stack.aws.endpoints.site ?? '';
      // Each reader from their own address (CloudFront tells the API who is asking).
      await limited(people, 4, async (address, i) => {
        const r = await post(`${site}/api/subscribe`, `email=${encodeURIComponent(address)}`, i);
        report.check(r.status === 200, `subscribe ${address}: ${r.status} ${r.body.slice(0, 200)}`);
      });
      await stack.aws.settle();
      const confirmations = await stack.mailbox();
      report.mail(confirmations, new Set(people), (m) => m.subject.startsWith('Confirm'));
      await limited(people, 4, async (address, i) => {
        const mail = confirmations.find((m) => m.destination.to.includes(address));
        const url = /(http:\/\/\S+\/api\/confirm\?token=[\w.-]+)/.exec(mail?.body.text ?? '')?.[1];
        if (!url) return void report.problems.push(`no confirmation link for ${address}`);
        const r = await post(url, 'delivery=instant', i);
        report.check(
          r.status === 200 && r.body.includes('You are subscribed'),
          `confirm ${address}: ${r.status}`,
        );
      });
      const bouncing = people.filter((_, i) => i % 3 === 1);
      for (const a of bouncing) stack.aws.ses.bouncing.add(a);
      await stack.clearMailbox();
      await stack.upload('posts/2026-08-01-first.md', article('First for the readers', '2026-08-01'));
      await stack.aws.settle();
      const first = await stack.mailbox();
      report.mail(first, new Set(people));
      // One-click unsubscribe from the first digest, for every third reader.
      const leaving = people.filter((_, i) => i % 3 === 2);
      await limited(leaving, 4, async (address, i) => {
        const mail = first.find((m) => m.destination.to.includes(address));
        const url = /Unsubscribe: (http:\/\/\S+)/.exec(mail?.body.text ?? '')?.[1];
        if (!url) return void report.problems.push(`no unsubscribe link for ${address}`);
        const r = await post(url, 'List-Unsubscribe=One-Click', i);
        report.check(r.status === 200, `unsubscribe ${address}: ${r.status}`);
      });
      await stack.clearMailbox();
      await stack.upload('posts/2026-08-02-second.md', article('Only for those still here', '2026-08-02'));
      await stack.aws.settle();
      const staying = new Set(people.filter((a) => !bouncing.includes(a) && !leaving.includes(a)));
      report.mail(await stack.mailbox(), staying);
      const suppressed = stack.logs
        .entries('Bounces', 'mail feedback')
        .reduce((sum, e) => sum + Number(e.suppressed ?? 0), 0);
      report.check(suppressed === bouncing.length, `${bouncing.length} bounced, ${suppressed} suppressed`);
    },
  },
  {
    // The paths that run on schedules: the daily reconcile (an upload whose notification was lost), the
    // one-shot wake-up for a scheduled article, and the weekly digest, each fired by its rule or schedule as
    // the stack's clock passes it.
    name: 'scheduled-reconcile-weekly',
    options: () => ({ clock: new ManualClock(nextWeeklySend(siteConfig(), Date.now()) - 6 * HOUR) }),
    async run(stack, size, report) {
      const clock = stack.aws.clock;
      if (!(clock instanceof ManualClock)) throw new Error('this scenario needs the manual clock');
      // The send time itself, six hours ahead (the clock has moved on a little since the options set it).
      const sendAt = nextWeeklySend(siteConfig(), clock.now());
      const reconcileAt = nextUtcTime(clock.now(), 3, 17); // the DailyReconcile rule's cron(17 3 * * ? *)
      const scheduledAt = reconcileAt + HOUR;
      const n = size === 'full' ? 100 : 3;
      const instant = readers(n, 'instant');
      const weekly = readers(n, 'weekly');
      await siteYaml(stack);
      await establishedSite(stack);
      await seedSubscribers(stack, instant);
      await seedSubscribers(stack, weekly, 'weekly');

      const quiet = 'arrived-quietly';
      stack.aws.notifier.faults.drop = true;
      await stack.upload(`posts/2026-01-02-${quiet}.md`, article('Arrived without an event', '2026-01-02'));
      stack.aws.notifier.faults.drop = false;
      const scheduled = 'due-later';
      const due = new Date(scheduledAt).toISOString();
      await stack.upload(`posts/2026-01-03-${scheduled}.md`, article('Due later', due));
      await stack.aws.settle();
      report.check(
        (await stack.siteObject(`posts/${scheduled}/index.html`)) === undefined,
        'the scheduled article went online before its time',
      );
      report.check((await stack.mailbox()).length === 0, 'mail went out before anything was due');

      await clock.set(new Date(reconcileAt + 2 * 60_000));
      await stack.aws.settle();
      report.check(
        (await stack.siteObject(`posts/${quiet}/index.html`)) !== undefined,
        'the daily reconcile did not publish the upload whose event was lost',
      );
      await clock.set(new Date(scheduledAt + 2 * 60_000));
      await stack.aws.settle();
      report.check(
        (await stack.siteObject(`posts/${scheduled}/index.html`)) !== undefined,
        'the scheduled article is not online after its time',
      );
      await clock.set(new Date(sendAt + 20 * 60_000));
      await stack.aws.settle();

      // Every reader, instant or weekly, is told once about each of the two articles; nobody else is mailed.
      const mails = await stack.mailbox();
      report.sent += mails.length;
      const people = new Set([...instant, ...weekly]);
      for (const m of mails) if (!m.destination.to.some((to) => people.has(to))) report.duplicates++;
      for (const reader of people) {
        const digests = mails.filter((m) => m.destination.to.includes(reader));
        for (const slug of [quiet, scheduled]) {
          const told = digests.filter((m) => linkedSlugs(m).includes(slug)).length;
          if (told === 0) report.missed++;
          if (told > 1) report.duplicates += told - 1;
        }
      }
      // The week's issue is in the public archive as soon as it went out, not at the next push.
      report.check(
        (await stack.siteObject(`newsletter/${weeklyDigestId(sendAt)}/index.html`)) !== undefined,
        'the weekly digest that went out has no archive page',
      );
      report.notes.push(
        `Weekly ran ${stack.aws.fn('Weekly').stats.invocations} times, Reconcile ${stack.aws.fn('Reconcile').stats.invocations}, Publish ${stack.aws.fn('Publish').stats.invocations}`,
      );
    },
  },
];

/** A form POST from loopback address 127.0.0.<2 + i>, so each reader is a different client. */
function post(url: string, body: string, i: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        localAddress: `127.0.0.${2 + (i % 250)}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      async (res) => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runScenario(
  scenario: Scenario,
  size: Size,
  log: (line: string) => void = () => {},
): Promise<ScenarioResult> {
  const stack = await startStackUnderTest(scenario.options?.(size) ?? {});
  const report = new Report();
  try {
    await scenario.run(stack, size, report);
  } catch (error) {
    report.problems.push(String(error));
  }
  const deadLettered = await stack.aws.deadLettered().catch(() => -1);
  // Why functions failed, when a scenario fails: the first failures of each (injected faults included).
  if (report.missed > 0 || report.problems.length > 0)
    for (const [name, fn] of stack.aws.functions)
      for (const failure of fn.stats.failures) report.notes.push(`${name} failed: ${failure}`);
  for (const lost of stack.aws.deliveries.lost)
    report.problems.push(`lost: ${lost.source} → ${lost.fn}: ${lost.reason}`);
  report.missed += stack.aws.deliveries.lost.length;
  const denied = stack.aws.iam.denials.length;
  for (const d of stack.aws.iam.denials.slice(0, 5))
    report.problems.push(`denied: ${d.action} on ${d.resource} (${d.role})`);
  const unusedGrants = stack.aws
    .unusedGrants()
    .map((g) => `${g.role.replace(/Role[0-9A-F]{8}$/, '')} ${g.action} ${shortResource(g.resource)}`);
  await stack.stop();
  for (const note of report.notes) log(`  ${note}`);
  for (const problem of report.problems) log(`  problem: ${problem}`);
  return {
    name: scenario.name,
    sent: report.sent,
    duplicates: report.duplicates,
    missed: report.missed,
    deadLettered,
    denied,
    problems: report.problems,
    notes: report.notes,
    unusedGrants,
  };
}

/** An ARN with the stack's generated names shortened to the construct's name. */
function shortResource(arn: string): string {
  return arn
    .replace(/Broadsheet-([A-Za-z]+?)[0-9A-F]{8}-[0-9A-F]{12}/g, '$1')
    .replace(/broadsheet-([a-z]+?)[0-9a-f]{8}-[0-9a-f]{12}/g, '$1');
}

/** The last line: how many passed, and the grants that every scenario left unused. */
export function summary(all: readonly ScenarioResult[]): string {
  const ok = all.filter(passed).length;
  const [first, ...rest] = all;
  const unused = (first?.unusedGrants ?? []).filter((g) => rest.every((r) => r.unusedGrants.includes(g)));
  return `scenarios: ${ok} passed, ${all.length - ok} failed; grants unused: ${unused.length > 0 ? unused.join(', ') : 'none'}`;
}
