import { parse } from 'csv-parse/sync';
import { chooseDelivery, DELIVERIES } from '../core/delivery.js';
import type { SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import { normalizeAddress, type Subscriber, type SubscriberStatus } from '../core/subscribers.js';
import { weekStartAt } from '../core/weekly-schedule.js';

const STATUSES: readonly SubscriberStatus[] = ['pending', 'confirmed', 'unsubscribed', 'suppressed'];

export interface ImportReport {
  readonly imported: number;
  readonly skipped: readonly { readonly line: number; readonly reason: string }[];
}

/**
 * Imports `address[,status[,delivery]]` rows (a header row is allowed; delivery is instant or weekly).
 * Invalid rows are skipped and reported by line; a suppressed address is never revived by an import, and
 * what an existing subscriber chose is kept unless the row says otherwise.
 */
export async function importSubscribers(
  store: SubscriberStore & { saveAll?: (s: readonly Subscriber[]) => Promise<void> },
  csv: string,
  site: SiteConfig,
  now: Date,
): Promise<ImportReport> {
  const rows = parse(csv, {
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  }) as unknown as {
    record: string[];
    info: { lines: number };
  }[];
  const skipped: { line: number; reason: string }[] = [];
  const accepted = new Map<string, Subscriber>();
  const existing = new Map((await store.list()).map((s) => [s.address, s]));
  for (const { record, info } of rows) {
    const [rawAddress = '', rawStatus = 'confirmed', rawDelivery = ''] = record;
    if (info.lines === 1 && /^(e-?mail|address)$/i.test(rawAddress)) continue; // header
    const checked = normalizeAddress(rawAddress);
    if (!checked.ok) {
      skipped.push({ line: info.lines, reason: `${JSON.stringify(rawAddress)}: ${checked.reason}` });
      continue;
    }
    const status = rawStatus.toLowerCase() as SubscriberStatus;
    if (!STATUSES.includes(status)) {
      skipped.push({
        line: info.lines,
        reason: `unknown status ${JSON.stringify(rawStatus)} (use ${STATUSES.join(', ')})`,
      });
      continue;
    }
    if (existing.get(checked.address)?.status === 'suppressed') {
      skipped.push({ line: info.lines, reason: `${checked.address} is suppressed (bounced or complained)` });
      continue;
    }
    const delivery = rawDelivery === '' ? undefined : DELIVERIES.find((d) => d === rawDelivery.toLowerCase());
    if (rawDelivery !== '' && !delivery) {
      skipped.push({
        line: info.lines,
        reason: `unknown delivery ${JSON.stringify(rawDelivery)} (use ${DELIVERIES.join(' or ')})`,
      });
      continue;
    }
    const nowMs = now.getTime();
    const before = existing.get(checked.address);
    const imported: Subscriber = {
      ...before,
      address: checked.address,
      status,
      createdAtMs: before?.createdAtMs ?? nowMs,
      updatedAtMs: nowMs,
    };
    // A change for someone already receiving mail waits for the next weekly send, as it would from the page.
    const receiving = before?.status === 'confirmed';
    accepted.set(
      checked.address,
      delivery && delivery !== (before?.delivery ?? (receiving ? 'instant' : undefined))
        ? chooseDelivery(imported, delivery, weekStartAt(site, nowMs), nowMs, !receiving)
        : imported,
    );
  }
  if (store.saveAll) await store.saveAll([...accepted.values()]);
  else for (const s of accepted.values()) await store.save(s);
  return { imported: accepted.size, skipped };
}

/** address,status,updated,delivery — one row per subscriber, sorted by address. */
export function exportCsv(subscribers: readonly Subscriber[]): string {
  const rows = [...subscribers]
    .sort((a, b) => a.address.localeCompare(b.address))
    .map(
      (s) => `${s.address},${s.status},${new Date(s.updatedAtMs).toISOString()},${s.delivery ?? 'instant'}`,
    );
  return `address,status,updated,delivery\n${rows.join('\n')}${rows.length > 0 ? '\n' : ''}`;
}
