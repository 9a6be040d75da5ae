// How the CLI tells an operator what happened: warnings, a build's report, a waiting digest, and the times
// and paths in them.
import { join, relative } from 'node:path';
import { DateTime } from 'luxon';
import { lateArticlesNote } from '../core/announce-window.js';
import { formatProblem, type Problem } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';
import { nextWeeklySend } from '../core/weekly-schedule.js';
import type { BuildReport } from '../pipeline/build.js';
import type { WaitingDigest } from '../pipeline/desk.js';
import type { Invocation } from './invocation.js';

/** A path relative to where the command runs, as the operator would type it. */
export const show = (path: string) => relative(process.cwd(), path) || '.';

/**
 * A time as ISO 8601 in the site's zone (the times an operator reads are the site's wall clock), to the
 * second: what --now takes back.
 */
const moment = (ms: number, zone: string) => {
  // Up to the next second: `--now <it>` is then at or past the moment, never just before it.
  const second = Math.ceil(ms / 1000) * 1000;
  return (
    DateTime.fromMillis(second, { zone }).toISO({ suppressMilliseconds: true }) ??
    new Date(second).toISOString()
  );
};

/** Warnings of one kind are said in full this many times; `check` says every one. */
const WARNINGS_OF_A_KIND = 3;

/** A warning's reason without the details in brackets at its end: warnings alike in it are of one kind. */
const generalReason = (reason: string) => reason.replace(/\s*\([^()]*\)$/, '');

export function printWarnings(problems: readonly Problem[], { all = false } = {}): void {
  // A corpus imported from elsewhere can have the same warning on every article (dates with no time zone):
  // ten thousand lines would hide the one that is new.
  const kinds = new Map<string, { field: string; reason: string; count: number }>();
  const lines: string[] = [];
  for (const p of problems) {
    if (p.severity !== 'warning') continue;
    const reason = generalReason(p.reason);
    const key = `${p.field}\u0000${reason}`;
    const kind = kinds.get(key) ?? { field: p.field, reason, count: 0 };
    kinds.set(key, kind);
    // formatProblem says "warning in <field>" already.
    if (all || kind.count < WARNINGS_OF_A_KIND) lines.push(formatProblem(p));
    kind.count++;
  }
  for (const { field, reason, count } of kinds.values()) {
    if (all || count <= WARNINGS_OF_A_KIND) continue;
    lines.push(
      `${count - WARNINGS_OF_A_KIND} more with the same warning in ${field} (${reason}); broadsheet check lists every one`,
    );
  }
  // One write for all of them: ten thousand console calls cost a tenth of a second.
  if (lines.length > 0) console.warn(lines.join('\n'));
}

export function printBuild(
  report: BuildReport,
  config: SiteConfig,
  clock: () => Date,
  out: string,
  seconds: number,
  /** The digests that were waiting before the build, as `pending` showed them. */
  waited: readonly WaitingDigest[] = [],
): void {
  printWarnings(report.warnings);
  const { site } = report;
  console.log(
    `Built ${report.published} of ${report.articles} articles (${report.drafts} draft, ${report.scheduled} scheduled) into ${show(out)}/ in ${seconds.toFixed(2)} s`,
  );
  console.log(
    `  files: ${site.written.length} written, ${site.unchanged} unchanged, ${site.removed.length} removed`,
  );
  console.log(`  feeds: ${['feed.xml', 'atom.xml', 'feed.json'].map((f) => show(join(out, f))).join('  ')}`);
  console.log(`  pages: ${show(join(out, 'index.html'))}`);
  if (report.hub) {
    console.log(
      `  websub: hub told about ${report.hub.notified} changed feed(s)${report.hub.failed ? `, ${report.hub.failed} failed` : ''}`,
    );
  }
  if (report.digest) {
    const d = report.digest;
    const sent = new Set(d.articles);
    const ids = waited.filter((w) => w.articles.some((a) => sent.has(a.url))).map((w) => w.id);
    const waitedAs = ids.length > 0 ? ` (waited as ${ids.join(', ')})` : '';
    console.log(
      d.recipients > 0
        ? `Digest "${d.subject}"${waitedAs} for ${d.recipients} recipient${d.recipients === 1 ? '' : 's'} written to ${show(d.location)}/`
        : // Everyone chose weekly, follows other topics or has not confirmed: nothing was mailed, and saying
          // "for 0 recipients" reads like a fault. The articles are announced and wait for the weekly digest.
          `Digest "${d.subject}"${waitedAs} reaches no one now: no confirmed subscriber takes instant mail about it (they chose the weekly digest, follow other topics, or none has confirmed). Its articles go into the weekly digest of ${moment(nextWeeklySend(config, clock().getTime()), config.timezone)} for those who take it; the preview is in ${show(d.location)}/`,
    );
    if (d.note) console.log(`  ${d.note}`);
    if (d.silenced > 0) console.log(`  ${firstRunNote(d.silenced, 'built')}`);
  } else if (report.pendingDigest) {
    const p = report.pendingDigest;
    const what = `${p.articles.length} article${p.articles.length === 1 ? '' : 's'}`;
    console.log(
      p.held
        ? `Digest ${p.id} of ${what} is held (broadsheet release lets it go; cancel drops it): nothing written to the outbox.`
        : `Digest ${p.id} of ${what} waits out its grace window: due at ${moment(p.dueAtMs, config.timezone)}; the first build after that writes it (nothing written to the outbox now).`,
    );
    const others = (report.pendingDigests ?? []).length - 1;
    if (others > 0)
      console.log(
        `  ${others} more digest${others === 1 ? '' : 's'} waiting: broadsheet pending lists them.`,
      );
  } else {
    console.log('No new articles to announce: no email written.');
  }
  if (report.late)
    console.log(lateArticlesNote(report.late, config.announceWindowDays, { most: WARNINGS_OF_A_KIND }));
  if (report.weekly) {
    const w = report.weekly;
    console.log(
      `Weekly digest "${w.subject}" for ${w.recipients} recipient${w.recipients === 1 ? '' : 's'} written to ${show(w.location)}/`,
    );
  }
}

/** What a first build does with the articles already there: mails the newest, records the rest unmailed. */
export function firstRunNote(older: number, when: 'built' | 'next'): string {
  const ones = `${older} older article${older === 1 ? '' : 's'}`;
  return when === 'built'
    ? `first run: announced only the newest article; ${ones} recorded as already announced, without mail`
    : `first run: only the newest article is mailed; ${ones} will be recorded as already announced, without mail`;
}

export const articlesWord = (n: number) => `${n} article${n === 1 ? '' : 's'}`;

/**
 * `copies`: the renamed copies on disk (check knows them, by the deleted file they replace): an article
 * whose file was deleted goes with its digest only through one.
 */
export function printDigest(
  digest: WaitingDigest,
  verb: string,
  { site, options, clock }: Invocation,
  copies: ReadonlyMap<string, string> = new Map(),
): void {
  if (digest.articles.length === 0) {
    console.log(
      `Digest ${digest.id}: a hold made by the previous release at ${moment(digest.dueAtMs, site.timezone)}, with no article yet; it holds the next article to go live until broadsheet release ${digest.id}.`,
    );
    return;
  }
  const due = moment(digest.dueAtMs, site.timezone);
  const past = digest.dueAtMs <= clock().getTime();
  const line = (a: WaitingDigest['articles'][number]) =>
    `  ${a.title}  ${a.url}${copies.has(a.source) ? `  (renamed: ${copies.get(a.source)} goes in its place)` : ''}`;
  // Those whose files were deleted go only with their renamed copies: listed apart, unless none other is.
  const going = digest.articles.filter((a) => !a.away || copies.has(a.source));
  const away = digest.articles.filter((a) => !going.includes(a));
  const listed = going.length > 0 ? going : away;
  console.log(`${verb ? `${verb} digest` : 'Digest'} of ${articlesWord(listed.length)}:`);
  for (const a of listed) console.log(line(a));
  if (going.length > 0 && away.length > 0) {
    console.log('Also waiting, each for a renamed copy of its deleted file (within the hour):');
    for (const a of away) console.log(line(a));
  }
  if (going.length === 0 && !digest.held) {
    console.log(
      `Digest ${digest.id}: its files were deleted; it goes once their renamed copies arrive (its window ${past ? 'closed' : 'closes'} at ${due}), and not at all if none does within the hour.`,
    );
    return;
  }
  console.log(
    digest.held
      ? `Digest ${digest.id}: held (its window ${past ? 'closed' : 'closes'} at ${due}); nothing goes until broadsheet release ${digest.id}.`
      : past
        ? `Digest ${digest.id}: overdue since ${due}; ${options.stack === undefined ? 'the next build sends it' : 'the publish a release starts sends it'}.`
        : `Digest ${digest.id}: due at ${due}.`,
  );
}
