// What `broadsheet subscribers` does to the store: add, remove, import and export, each change through
// the store's versioned update, and never undoing an opt-out unless the operator forces it.
import { parse } from 'csv-parse/sync';
import { chooseDelivery, DELIVERIES, type Delivery } from '../core/delivery.js';
import type { SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import {
  normalizeAddress,
  optOutUndone,
  type Subscriber,
  type SubscriberChange,
  type SubscriberStatus,
  type SubscriberUpdate,
} from '../core/subscribers.js';
import { weekStartAt } from '../core/weekly-schedule.js';

const STATUSES: readonly SubscriberStatus[] = ['pending', 'confirmed', 'unsubscribed', 'suppressed'];

export interface OperatorOptions {
  /** `--force`: an unsubscribed or suppressed address may be given a status that receives mail again. */
  readonly force?: boolean;
}

/** An opt-out the operator overrode with --force: reported, so nobody does it without seeing it. */
export interface Forced {
  readonly address: string;
  readonly from: 'unsubscribed' | 'suppressed';
  readonly to: SubscriberStatus;
}

/** What stopping short of an opt-out says, for add and import alike. */
function optOutReason(address: string, from: 'unsubscribed' | 'suppressed', to: SubscriberStatus): string {
  const why = from === 'suppressed' ? 'suppressed after a bounce or complaint' : 'unsubscribed';
  return `${address} is ${why}; not made ${to} (use --force to override their opt-out)`;
}

/**
 * The change an operator makes: `target` applied to what is stored, unless it would undo an opt-out and
 * `force` is not set. What a subscriber chose (delivery) is kept; a new record starts now.
 */
function operatorChange(
  target: (current: Subscriber | undefined) => Subscriber,
  options: OperatorOptions,
): SubscriberChange {
  return (current) => {
    const next = target(current);
    if (!options.force && optOutUndone(current, next)) return undefined;
    return next;
  };
}

/** Sorts one update's result into changed, forced or refused (refused: an opt-out kept). */
function outcomeOf(
  address: string,
  to: SubscriberStatus,
  { before, after }: SubscriberUpdate,
): { kind: 'changed' } | { kind: 'forced'; forced: Forced } | { kind: 'refused'; reason: string } {
  if (after !== before) {
    const optOut = after && optOutUndone(before, after);
    return optOut
      ? { kind: 'forced', forced: { address, from: optOut, to: after.status } }
      : { kind: 'changed' };
  }
  // Unchanged. Only a status that receives mail can have been refused; asking for unsubscribed or
  // suppressed where the address already receives nothing is already done.
  const optOut =
    before && to !== 'unsubscribed' && to !== 'suppressed' && optOutUndone(before, { ...before, status: to });
  return optOut ? { kind: 'refused', reason: optOutReason(address, optOut, to) } : { kind: 'changed' };
}

export interface StatusReport {
  readonly changed: readonly { readonly address: string; readonly status: SubscriberStatus }[];
  readonly forced: readonly Forced[];
  /** Arguments that are not addresses, and opted-out addresses left as they were, each with why. */
  readonly refused: readonly { readonly input: string; readonly reason: string }[];
}

/** `subscribers add` (confirmed) and `remove` (unsubscribed). */
export async function setStatus(
  store: SubscriberStore,
  inputs: readonly string[],
  status: 'confirmed' | 'unsubscribed',
  now: Date,
  options: OperatorOptions = {},
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
    const target = (current: Subscriber | undefined): Subscriber => {
      // Removing a suppressed address changes nothing: it already receives nothing, for good.
      if (status === 'unsubscribed' && current?.status === 'suppressed') return current;
      const { confirmExpires: _unused, ...kept } = current ?? { address };
      return { ...kept, address, status, createdAtMs: current?.createdAtMs ?? nowMs, updatedAtMs: nowMs };
    };
    changes.set(address, operatorChange(target, options));
  }
  const changed: { address: string; status: SubscriberStatus }[] = [];
  const forced: Forced[] = [];
  for (const [address, update] of await store.updateAll(changes, {
    overrideOptOut: options.force === true,
  })) {
    const outcome = outcomeOf(address, status, update);
    if (outcome.kind === 'refused') refused.push({ input: address, reason: outcome.reason });
    else {
      if (outcome.kind === 'forced') forced.push(outcome.forced);
      changed.push({ address, status: update.after?.status ?? status });
    }
  }
  return { changed, forced, refused };
}

export interface ImportReport {
  readonly imported: number;
  readonly forced: readonly (Forced & { readonly line: number })[];
  /** Every row not imported, by line; any makes the command fail. */
  readonly skipped: readonly { readonly line: number; readonly reason: string }[];
  /** Header columns that mean nothing to the import. */
  readonly ignoredColumns: readonly string[];
}

const COLUMN_NAMES: Record<string, 'address' | 'status' | 'delivery' | 'updated'> = {
  address: 'address',
  email: 'address',
  'e-mail': 'address',
  status: 'status',
  delivery: 'delivery',
  updated: 'updated',
};

type Columns = Partial<Record<'address' | 'status' | 'delivery' | 'updated', number>>;

/**
 * The columns of a file: by name when its first row is a header (what `export` writes:
 * address,status,updated,delivery, in any order), else by position: address[,status[,delivery]].
 */
function columnsOf(first: readonly string[]): { columns: Columns; header: boolean; ignored: string[] } {
  const names = first.map((cell) => cell.trim().toLowerCase());
  if (!names.some((name) => COLUMN_NAMES[name] === 'address'))
    return { columns: { address: 0, status: 1, delivery: 2 }, header: false, ignored: [] };
  const columns: Columns = {};
  const ignored: string[] = [];
  names.forEach((name, i) => {
    const column = COLUMN_NAMES[name];
    if (column && columns[column] === undefined) columns[column] = i;
    else ignored.push(first[i] ?? name);
  });
  return { columns, header: true, ignored };
}

/**
 * Imports subscribers from CSV (see columnsOf). Invalid rows are skipped and reported by line; an
 * unsubscribed or suppressed address is not made to receive mail again without `force`; what an existing
 * subscriber chose is kept unless the row says otherwise. A file written by `export` restores as it was.
 */
export async function importSubscribers(
  store: SubscriberStore,
  csv: string,
  site: SiteConfig,
  now: Date,
  options: OperatorOptions = {},
): Promise<ImportReport> {
  const rows = parse(csv, {
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const { columns, header, ignored } = columnsOf(rows[0]?.record ?? []);
  const cell = (record: readonly string[], column: keyof Columns) => {
    const i = columns[column];
    return i === undefined ? '' : (record[i] ?? '');
  };
  const skipped: { line: number; reason: string }[] = [];
  const accepted = new Map<string, { line: number; status: SubscriberStatus; change: SubscriberChange }>();
  const nowMs = now.getTime();
  for (const { record, info } of header ? rows.slice(1) : rows) {
    const line = info.lines;
    const rawAddress = cell(record, 'address');
    const checked = normalizeAddress(rawAddress);
    if (!checked.ok) {
      skipped.push({ line, reason: `${JSON.stringify(rawAddress)}: ${checked.reason}` });
      continue;
    }
    const rawStatus = cell(record, 'status') || 'confirmed';
    const status = STATUSES.find((s) => s === rawStatus.toLowerCase());
    if (!status) {
      skipped.push({
        line,
        reason: `unknown status ${JSON.stringify(rawStatus)} (use ${STATUSES.join(', ')})`,
      });
      continue;
    }
    const rawDelivery = cell(record, 'delivery');
    const delivery: Delivery | undefined = DELIVERIES.find((d) => d === rawDelivery.toLowerCase());
    if (rawDelivery !== '' && !delivery) {
      skipped.push({
        line,
        reason: `unknown delivery ${JSON.stringify(rawDelivery)} (use ${DELIVERIES.join(' or ')})`,
      });
      continue;
    }
    const rawUpdated = cell(record, 'updated');
    const updatedMs = rawUpdated === '' ? nowMs : Date.parse(rawUpdated);
    if (Number.isNaN(updatedMs)) {
      skipped.push({ line, reason: `updated ${JSON.stringify(rawUpdated)} is not a date and time` });
      continue;
    }
    const { address } = checked;
    if (accepted.has(address))
      skipped.push({
        line: accepted.get(address)?.line ?? line,
        reason: `${address} appears again on line ${line}`,
      });
    const target = (before: Subscriber | undefined): Subscriber => {
      const imported: Subscriber = {
        ...before,
        address,
        status,
        createdAtMs: before?.createdAtMs ?? updatedMs,
        updatedAtMs: updatedMs,
      };
      // A change for someone already receiving mail waits for the next weekly send, as from the page.
      const receiving = before?.status === 'confirmed';
      return delivery && delivery !== (before?.delivery ?? (receiving ? 'instant' : undefined))
        ? chooseDelivery(imported, delivery, weekStartAt(site, nowMs), nowMs, !receiving)
        : imported;
    };
    accepted.set(address, { line, status, change: operatorChange(target, options) });
  }
  const updates = await store.updateAll(
    new Map([...accepted].map(([address, { change }]) => [address, change])),
    { overrideOptOut: options.force === true },
  );
  let imported = 0;
  const forced: (Forced & { line: number })[] = [];
  for (const [address, { line, status }] of accepted) {
    const update = updates.get(address);
    const outcome = update ? outcomeOf(address, status, update) : { kind: 'changed' as const };
    if (outcome.kind === 'refused') {
      skipped.push({ line, reason: outcome.reason });
      continue;
    }
    if (outcome.kind === 'forced') forced.push({ ...outcome.forced, line });
    imported++;
  }
  skipped.sort((a, b) => a.line - b.line);
  return { imported, forced, skipped, ignoredColumns: ignored };
}

/** address,status,updated,delivery — one row per subscriber, sorted by address; `import` reads it back. */
export function exportCsv(subscribers: readonly Subscriber[]): string {
  const rows = [...subscribers]
    .sort((a, b) => a.address.localeCompare(b.address))
    .map(
      (s) => `${s.address},${s.status},${new Date(s.updatedAtMs).toISOString()},${s.delivery ?? 'instant'}`,
    );
  return `address,status,updated,delivery\n${rows.join('\n')}${rows.length > 0 ? '\n' : ''}`;
}
