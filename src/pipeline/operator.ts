// What `broadsheet subscribers` does to the store: add, remove, import and export, each change through
// the store's versioned update, and never undoing an opt-out unless the operator forces it.
import { CsvError, parse } from 'csv-parse/sync';
import { chooseDelivery } from '../core/delivery.js';
import { BroadsheetError } from '../core/errors.js';
import type { SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import {
  EXPORT_COLUMNS,
  type ImportedRow,
  recogniseImport,
  spreadsheetSafe,
} from '../core/subscriber-imports.js';
import {
  isStored,
  NOT_AN_ADDRESS,
  normalizeAddress,
  optOutUndone,
  type Subscriber,
  type SubscriberChange,
  type SubscriberStatus,
  type SubscriberUpdate,
} from '../core/subscribers.js';
import { weekStartAt } from '../core/weekly-schedule.js';

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

/** Field separators other than the comma that an import recognises by the file's first line. */
const DELIMITERS = [';', '\t'];

/**
 * Why an operator's argument is not an address, in the operator's words (the core's are the subscribe
 * form's): `Bob <bob@example.org>` is a name with an address, not a wrong address.
 */
export function notAnAddress(input: string, reason: string): string {
  const named = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(input);
  if (named) return `a name and an address: give the address alone (${named[1]})`;
  return reason === NOT_AN_ADDRESS ? 'not an email address' : reason;
}

/** What stopping short of an opt-out says, for add and import alike. */
function optOutReason(from: 'unsubscribed' | 'suppressed', to: SubscriberStatus): string {
  const why = from === 'suppressed' ? 'suppressed after a bounce or complaint' : 'unsubscribed';
  return `is ${why}; not made ${to} (use --force to override their opt-out)`;
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
  return optOut ? { kind: 'refused', reason: optOutReason(optOut, to) } : { kind: 'changed' };
}

export interface StatusReport {
  /** `already`: it had that status before, so nothing changed for it. */
  readonly changed: readonly {
    readonly address: string;
    readonly status: SubscriberStatus;
    readonly already?: true;
  }[];
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
      refused.push({ input, reason: notAnAddress(input, checked.reason) });
      continue;
    }
    const { address } = checked;
    const target = (current: Subscriber | undefined): Subscriber => {
      // Already so (added and confirmed, removed and unsubscribed): nothing is written. A write would move
      // updatedAtMs, which decides whether someone who subscribes again counts as new, and the version.
      if (current?.status === status && isStored(current)) return current;
      // Removing a suppressed address changes nothing: it already receives nothing, for good.
      if (status === 'unsubscribed' && current?.status === 'suppressed') return current;
      const { confirmExpires: _unused, ...kept } = current ?? { address };
      return { ...kept, address, status, createdAtMs: current?.createdAtMs ?? nowMs, updatedAtMs: nowMs };
    };
    const change = operatorChange(target, options);
    // Removing an address that is not on the list is most likely a typo: said, not recorded.
    changes.set(
      address,
      status === 'unsubscribed' ? (current) => (current === undefined ? undefined : change(current)) : change,
    );
  }
  const changed: StatusReport['changed'][number][] = [];
  const forced: Forced[] = [];
  for (const [address, update] of await store.updateAll(changes, {
    overrideOptOut: options.force === true,
  })) {
    if (update.before === undefined && update.after === undefined) {
      refused.push({
        input: address,
        reason: `not a subscriber; nothing to remove (to bar it before it subscribes, import it with status unsubscribed)`,
      });
      continue;
    }
    const outcome = outcomeOf(address, status, update);
    if (outcome.kind === 'refused') refused.push({ input: address, reason: outcome.reason });
    else {
      if (outcome.kind === 'forced') forced.push(outcome.forced);
      const now = update.after?.status ?? status;
      changed.push({ address, status: now, ...(update.before?.status === now ? { already: true } : {}) });
    }
  }
  return { changed, forced, refused };
}

export interface ImportReport {
  /** Who wrote the file, as recognised by its header. */
  readonly format: string;
  readonly imported: number;
  readonly forced: readonly (Forced & { readonly line: number })[];
  /** Every row not imported, by line; any makes the command fail unless skips are allowed. */
  readonly skipped: readonly { readonly line: number; readonly reason: string }[];
  /** Header columns that mean nothing to Broadsheet's own format. */
  readonly ignoredColumns: readonly string[];
  /** Why nothing in the file was imported (a header without an address column); then nothing else is set. */
  readonly refused?: string;
}

/**
 * Imports subscribers from CSV: Broadsheet's export, or another service's, recognised by its header (see
 * core/subscriber-imports.ts). Invalid rows are skipped and reported by line; opt-outs, bounces and cleaned
 * addresses come in as unsubscribed or suppressed, never confirmed; an unsubscribed or suppressed address
 * is not made to receive mail again without `force`; what an existing subscriber chose is kept unless the
 * row says otherwise. A file written by `export` restores the records as they were.
 */
export async function importSubscribers(
  store: SubscriberStore,
  csv: string,
  site: SiteConfig,
  now: Date,
  options: OperatorOptions = {},
): Promise<ImportReport> {
  let rows: { record: string[]; info: { bytes: number } }[];
  // A spreadsheet saved as CSV where the comma is the decimal mark separates fields with ';' (or a tab):
  // read by its first line, so a comma inside a field of a comma file never splits it.
  const firstLine = csv.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(',') ? ',' : (DELIMITERS.find((d) => firstLine.includes(d)) ?? ',');
  try {
    rows = parse(csv, {
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as typeof rows;
  } catch (error) {
    // Nothing is imported from a file that is not CSV throughout (an unclosed quote swallows the rest).
    if (error instanceof CsvError) throw new BroadsheetError(`cannot be read as CSV: ${error.message}`);
    throw error;
  }
  const file = recogniseImport(rows[0]?.record ?? []);
  if (file.refused !== undefined)
    return {
      format: file.description,
      imported: 0,
      forced: [],
      skipped: [],
      ignoredColumns: [],
      refused: file.refused,
    };
  const skipped: { line: number; reason: string }[] = [];
  const accepted = new Map<string, { line: number; status: SubscriberStatus; change: SubscriberChange }>();
  const nowMs = now.getTime();
  const lines = firstLines(csv, rows);
  for (const [i, { record }] of rows.entries()) {
    if (file.header && i === 0) continue;
    const line = lines[i] ?? 0;
    const row = file.read(record);
    if ('skip' in row) {
      skipped.push({ line, reason: row.skip });
      continue;
    }
    const checked = normalizeAddress(row.address);
    if (!checked.ok) {
      skipped.push({
        line,
        reason: `${JSON.stringify(row.address)}: ${notAnAddress(row.address, checked.reason)}`,
      });
      continue;
    }
    const { address } = checked;
    if (accepted.has(address))
      skipped.push({
        line: accepted.get(address)?.line ?? line,
        reason: `${address} appears again on line ${line}`,
      });
    accepted.set(address, {
      line,
      status: row.status,
      change: operatorChange((before) => importedRecord(before, address, row, site, nowMs), options),
    });
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
      skipped.push({ line, reason: `${address} ${outcome.reason}` });
      continue;
    }
    if (outcome.kind === 'forced') forced.push({ ...outcome.forced, line });
    imported++;
  }
  skipped.sort((a, b) => a.line - b.line);
  const separated = delimiter === ',' ? '' : ` (fields separated by ${delimiter === ';' ? '";"' : 'tabs'})`;
  return {
    format: `${file.description}${separated}`,
    imported,
    forced,
    skipped,
    ignoredColumns: file.ignoredColumns,
  };
}

/**
 * The line each CSV record starts on. csv-parse counts the line a record ends on, and counts a CRLF inside
 * a quoted cell as two; the bytes it consumed up to each record's end are exact, so the line breaks before
 * each record (and the empty lines it skipped) are counted in the text itself.
 */
function firstLines(csv: string, rows: readonly { readonly info: { readonly bytes: number } }[]): number[] {
  const bytes = Buffer.from(csv);
  const breaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;
  const lines: number[] = [];
  let line = 1;
  let offset = 0;
  for (const { info } of rows) {
    const text = bytes.subarray(offset, info.bytes).toString('utf8');
    const record = text.replace(/^(?:\r\n|\r|\n)+/, '');
    lines.push(line + breaks(text.slice(0, text.length - record.length)));
    line += breaks(text);
    offset = info.bytes;
  }
  return lines;
}

/** What one imported row makes of the stored record `before`. */
function importedRecord(
  before: Subscriber | undefined,
  address: string,
  row: ImportedRow,
  site: SiteConfig,
  nowMs: number,
): Subscriber {
  const updatedAtMs = row.updatedMs ?? nowMs;
  const createdAtMs = row.createdMs ?? before?.createdAtMs ?? updatedAtMs;
  if (row.restore) {
    // A Broadsheet backup: every field as it was written; of what is stored only the last bounce or
    // complaint, which the export does not carry (it is for stats, and decides nothing).
    const { previousDelivery, deliveryChangedMs, softBounces, confirmExpires, topics } = row.restore;
    return {
      ...(before?.lastFeedback ? { lastFeedback: before.lastFeedback } : {}),
      address,
      status: row.status,
      createdAtMs,
      updatedAtMs,
      ...(row.delivery ? { delivery: row.delivery } : {}),
      ...(previousDelivery ? { previousDelivery } : {}),
      ...(deliveryChangedMs !== undefined ? { deliveryChangedMs } : {}),
      ...(softBounces !== undefined ? { softBounces } : {}),
      ...(confirmExpires !== undefined ? { confirmExpires } : {}),
      ...(topics ? { topics: [...topics] } : {}),
    };
  }
  const imported: Subscriber = { ...before, address, status: row.status, createdAtMs, updatedAtMs };
  // A change for someone already receiving mail waits for the next weekly send, as from the page.
  const receiving = before?.status === 'confirmed';
  const { delivery } = row;
  return delivery && delivery !== (before?.delivery ?? (receiving ? 'instant' : undefined))
    ? chooseDelivery(imported, delivery, weekStartAt(site, nowMs), nowMs, !receiving)
    : imported;
}

/**
 * A CSV cell: quoted when it holds a comma, quote or line break (addresses never do; kept safe anyway). One
 * a spreadsheet would run as a formula (`+tag@example.com`) is written `"'+tag@example.com"`, as text;
 * `import` takes the `'` off again (spreadsheetSafe).
 */
const csvCell = (value: string) => {
  const safe = spreadsheetSafe(value);
  return safe !== value || /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};
const isoOrEmpty = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

/**
 * One row per subscriber, sorted by address, every field that decides who is mailed and how
 * (EXPORT_COLUMNS); `import` reads it back into the same records. A record without a delivery choice is
 * written as instant, what it means. The last bounce or complaint, kept for `stats`, is not written.
 */
export function exportCsv(subscribers: readonly Subscriber[]): string {
  const rows = [...subscribers]
    .sort((a, b) => a.address.localeCompare(b.address))
    .map((s) =>
      [
        s.address,
        s.status,
        isoOrEmpty(s.updatedAtMs),
        s.delivery ?? 'instant',
        isoOrEmpty(s.createdAtMs),
        s.previousDelivery ?? '',
        isoOrEmpty(s.deliveryChangedMs),
        s.softBounces === undefined ? '' : String(s.softBounces),
        isoOrEmpty(s.confirmExpires === undefined ? undefined : s.confirmExpires * 1000),
        s.topics === undefined ? 'all' : 'topics',
        (s.topics ?? []).join(' '),
      ]
        .map(csvCell)
        .join(','),
    );
  return `${EXPORT_COLUMNS.join(',')}\n${rows.join('\n')}${rows.length > 0 ? '\n' : ''}`;
}
