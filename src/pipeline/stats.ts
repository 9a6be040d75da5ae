// `broadsheet stats`: subscribers by status and delivery, and for each recent digest what the send ledger
// and the subscriber records say happened. No open or click tracking exists to count (docs/deliverability.md).
import { displayDate } from '../core/dates.js';
import { composeDigest } from '../core/digest.js';
import type { SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import {
  countDigest,
  countSubscribers,
  type DigestCounts,
  type StatsSource,
  type SubscriberCounts,
  UNSUBSCRIBE_WINDOW_MS,
} from '../core/stats.js';
import { weekStartAt } from '../core/weekly-schedule.js';

export interface StatsReport {
  readonly subscribers: SubscriberCounts;
  readonly sinceMs: number;
  /** Newest first. */
  readonly digests: readonly (DigestCounts & { readonly subject: string })[];
  readonly feedbackReported: boolean;
}

export interface StatsOptions {
  /** How far back digests are listed. */
  readonly days?: number;
  /** At most this many digests, the newest. */
  readonly limit?: number;
}

export async function gatherStats(
  source: StatsSource,
  subscribers: Pick<SubscriberStore, 'list'>,
  site: SiteConfig,
  now: Date,
  options: StatsOptions = {},
): Promise<StatsReport> {
  const nowMs = now.getTime();
  const sinceMs = nowMs - (options.days ?? 30) * 86_400_000;
  const everyone = await subscribers.list();
  const byAddress = new Map(everyone.map((s) => [s.address, s]));
  const recent = (await source.recentDigests(sinceMs))
    .sort((a, b) => b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id))
    .slice(0, options.limit ?? 10);
  const digests = await Promise.all(
    recent.map(async (digest) => ({
      ...countDigest(digest, await source.ledger(digest.id), byAddress, source.feedbackReported),
      subject: composeDigest(digest, site, digest.audience?.delivery ?? 'instant').subject,
    })),
  );
  return {
    subscribers: countSubscribers(everyone, weekStartAt(site, nowMs)),
    sinceMs,
    digests,
    feedbackReported: source.feedbackReported,
  };
}

const pad = (cells: readonly string[][]): string[] => {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length))) ?? [];
  return cells.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
};

/** The report as the command prints it. */
export function formatStats(report: StatsReport, site: SiteConfig): string {
  const { subscribers: s } = report;
  const lines = [
    `Subscribers: ${s.total} (confirmed ${s.byStatus.confirmed}, pending ${s.byStatus.pending}, unsubscribed ${s.byStatus.unsubscribed}, suppressed ${s.byStatus.suppressed})`,
    `  confirmed, by delivery now: instant ${s.byDelivery.instant}, weekly ${s.byDelivery.weekly}`,
    ...(site.topics.length > 0
      ? [
          `  confirmed, by topic: every article ${s.everything}, ${site.topics.map((t) => `${t.name} ${s.byTopic[t.slug] ?? 0}`).join(', ')}`,
        ]
      : []),
    '',
  ];
  if (report.digests.length === 0) {
    lines.push(`No digest since ${displayDate(new Date(report.sinceMs).toISOString(), site.language)}.`);
  } else {
    const days = UNSUBSCRIBE_WINDOW_MS / 86_400_000;
    const na = (n: number | undefined) => (n === undefined ? 'n/a' : String(n));
    lines.push(
      ...pad([
        [
          'digest',
          'date',
          'kind',
          'recipients',
          'sent',
          'failed',
          'bounced',
          'complained',
          `unsubscribed ≤${days}d`,
        ],
        ...report.digests.map((d) => [
          d.id.slice(0, 12),
          new Date(d.createdAtMs).toISOString().slice(0, 16).replace('T', ' '),
          d.delivery,
          String(d.recipients),
          `${d.sent}${d.inProgress > 0 ? ` (+${d.inProgress} in progress)` : ''}`,
          String(d.failed),
          na(d.bounced),
          na(d.complained),
          String(d.unsubscribed),
        ]),
      ]),
      '',
      ...report.digests.map((d) => `${d.id.slice(0, 12)}  ${d.subject}`),
    );
  }
  lines.push('');
  if (!report.feedbackReported)
    lines.push(
      'Bounced and complained: n/a here, since outbox/ is not a mail server; with --table they come from SES notifications.',
    );
  lines.push(
    `Unsubscribed counts recipients who unsubscribed within ${UNSUBSCRIBE_WINDOW_MS / 86_400_000} days of a digest (the link does not say which digest it came from).`,
    'Broadsheet adds no open or click tracking, so there are no open or click rates (docs/deliverability.md says why).',
  );
  return `${lines.join('\n')}\n`;
}
