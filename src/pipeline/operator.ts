import { parse } from 'csv-parse/sync';
import { chooseDelivery, DELIVERIES } from '../core/delivery.js';
import type { SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import {
  normalizeAddress,
  type Subscriber,
  type SubscriberChange,
  type SubscriberStatus,
} from '../core/subscribers.js';
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
  store: SubscriberStore,
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
  const accepted = new Map<string, { line: number; change: SubscriberChange }>();
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
    const delivery = rawDelivery === '' ? undefined : DELIVERIES.find((d) => d === rawDelivery.toLowerCase());
    if (rawDelivery !== '' && !delivery) {
      skipped.push({
        line: info.lines,
        reason: `unknown delivery ${JSON.stringify(rawDelivery)} (use ${DELIVERIES.join(' or ')})`,
      });
      continue;
    }
    const nowMs = now.getTime();
    const change = (before: Subscriber | undefined): Subscriber | undefined => {
      if (before?.status === 'suppressed') return undefined;
      const imported: Subscriber = {
        ...before,
        address: checked.address,
        status,
        createdAtMs: before?.createdAtMs ?? nowMs,
        updatedAtMs: nowMs,
      };
      // A change for someone already receiving mail waits for the next weekly send, as from the page.
      const receiving = before?.status === 'confirmed';
      return delivery && delivery !== (before?.delivery ?? (receiving ? 'instant' : undefined))
        ? chooseDelivery(imported, delivery, weekStartAt(site, nowMs), nowMs, !receiving)
        : imported;
    };
    accepted.set(checked.address, { line: info.lines, change });
  }
  const updates = await store.updateAll(
    new Map([...accepted].map(([address, { change }]) => [address, change])),
  );
  let imported = 0;
  for (const [address, { line }] of accepted) {
    if (updates.get(address)?.before?.status === 'suppressed')
      skipped.push({ line, reason: `${address} is suppressed (bounced or complained)` });
    else imported++;
  }
  skipped.sort((a, b) => a.line - b.line);
  return { imported, skipped };
}

export interface StatusReport {
  readonly changed: readonly { readonly address: string; readonly status: SubscriberStatus }[];
  /** Arguments that are not addresses, and addresses left as they were, each with why. */
  readonly refused: readonly { readonly input: string; readonly reason: string }[];
}

/** `subscribers add` (confirmed) and `remove` (unsubscribed); a suppressed address is left as it is. */
export async function setStatus(
  store: SubscriberStore,
  inputs: readonly string[],
  status: 'confirmed' | 'unsubscribed',
  now: Date,
): Promise<StatusReport> {
  const refused: { input: string; reason: string }[] = [];
  const changes = new Map<string, SubscriberChange>();
  const nowMs = now.getTime();
  for (const input of inputs) {
    const checked = normalizeAddress(input);
    if (!checked.ok) {
      refused.push({ input, reason: checked.reason });
      continue;
    }
    const { address } = checked;
    changes.set(address, (current) =>
      current?.status === 'suppressed'
        ? undefined
        : { address, status, createdAtMs: current?.createdAtMs ?? nowMs, updatedAtMs: nowMs },
    );
  }
  const changed: { address: string; status: SubscriberStatus }[] = [];
  for (const [address, { before }] of await store.updateAll(changes)) {
    if (before?.status === 'suppressed')
      refused.push({ input: address, reason: 'suppressed after a bounce or complaint; not changed' });
    else changed.push({ address, status });
  }
  return { changed, refused };
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
