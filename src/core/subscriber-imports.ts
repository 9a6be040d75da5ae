// Which service a subscriber CSV came from, recognised by its header, and what each of its rows means in
// Broadsheet's terms. Pure: a header and records in, rows or reasons out. The column names and status
// values each service writes are recorded in docs/subscribers.md with where they were found.
import { DELIVERIES, type Delivery } from './delivery.js';
import type { SubscriberStatus } from './subscribers.js';

export const STATUSES: readonly SubscriberStatus[] = ['pending', 'confirmed', 'unsubscribed', 'suppressed'];

/** One row as Broadsheet understands it; the address is still as written (the caller normalizes it). */
export interface ImportedRow {
  readonly address: string;
  readonly status: SubscriberStatus;
  /** Empty: keep what is stored (or instant for someone new). */
  readonly delivery?: Delivery;
  /** When the row's status took effect, where the file says. */
  readonly updatedMs?: number;
  readonly createdMs?: number;
  /**
   * Set only by a Broadsheet export that carries every field: the record is restored as written, its
   * pending delivery change included, instead of the import choosing a delivery anew.
   */
  readonly restore?: {
    readonly previousDelivery?: Delivery;
    readonly deliveryChangedMs?: number;
    readonly softBounces?: number;
    readonly confirmExpires?: number;
    /** Only articles with these tags (slugs); absent: every article. */
    readonly topics?: readonly string[];
  };
}

export type RowReading = ImportedRow | { readonly skip: string };

export interface RecognisedFile {
  /** Who wrote the file, as the import reports it: "a Mailchimp export (cleaned addresses)". */
  readonly description: string;
  /** False for a file without a header: address[,status[,delivery]] by position. */
  readonly header: boolean;
  /** Header columns that mean nothing to Broadsheet's own format (other services' extras are expected). */
  readonly ignoredColumns: readonly string[];
  /** Why nothing in the file can be imported (a header without an address column): said once, not per row. */
  readonly refused?: string;
  read(record: readonly string[]): RowReading;
}

type Cells = (name: string) => string;

const lower = (header: readonly string[]) => header.map((cell) => cell.trim().toLowerCase());

/**
 * A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) as a
 * formula, and `+tag@example.com` is a valid address: `export` writes such a cell with a `'` before it, as
 * OWASP's advice on CSV injection has it, so the spreadsheet shows it as text. A cell that starts with `'`
 * itself gets one too, so that taking one `'` off again (fromSpreadsheetSafe) always gives back what was
 * written: `''x@example.com` is `'x@example.com`, and `'x@example.com` stays as it is.
 */
export function spreadsheetSafe(cell: string): string {
  return /^[=+\-@\t\r']/.test(cell) ? `'${cell}` : cell;
}

/** A cell as it was before spreadsheetSafe: one `'` off where that put it (other services' too). */
export function fromSpreadsheetSafe(cell: string): string {
  return /^'[=+\-@\t\r']/.test(cell) ? cell.slice(1) : cell;
}

function cellsOf(names: readonly string[], record: readonly string[]): Cells {
  return (name) => {
    const i = names.indexOf(name);
    return i < 0 ? '' : fromSpreadsheetSafe((record[i] ?? '').trim());
  };
}

/**
 * A time as the services write them: ISO 8601 (Ghost, Substack, Buttondown, Broadsheet), "YYYY-MM-DD
 * HH:MM:SS" in UTC (Mailchimp), or Go's time.String() "YYYY-MM-DD HH:MM:SS.ffffff +0000 UTC" (listmonk).
 * Undefined for an empty cell; NaN for one that is not a time.
 */
export function parseExportTime(text: string): number | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  const go = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) ([+-])(\d\d)(\d\d)(?: \S+)?$/.exec(value);
  if (go) {
    const [, day, time, sign, hours, minutes] = go;
    // JavaScript dates hold milliseconds: Go writes up to nanoseconds.
    const clock = (time ?? '').replace(/(\.\d{3})\d+$/, '$1');
    return Date.parse(`${day}T${clock}${sign}${hours}:${minutes}`);
  }
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value)) return Date.parse(`${value.replace(' ', 'T')}Z`);
  if (!/^\d{4}-\d\d-\d\d/.test(value)) return Number.NaN;
  return Date.parse(value);
}

/** A time column: undefined when empty, a skip reason when it is not a time. */
function timeIn(cells: Cells, column: string): number | undefined | { skip: string } {
  const raw = cells(column);
  const ms = parseExportTime(raw);
  if (ms !== undefined && Number.isNaN(ms))
    return { skip: `${column} ${JSON.stringify(raw)} is not a date and time` };
  return ms;
}

const isSkip = (value: unknown): value is { skip: string } =>
  typeof value === 'object' && value !== null && 'skip' in value;

/** The first time among these columns that is set; a bad one is a skip. */
function firstTime(cells: Cells, columns: readonly string[]): number | undefined | { skip: string } {
  for (const column of columns) {
    const ms = timeIn(cells, column);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function withTimes(
  row: Omit<ImportedRow, 'updatedMs' | 'createdMs'>,
  updated: number | undefined | { skip: string },
  created: number | undefined | { skip: string },
): RowReading {
  if (isSkip(updated)) return updated;
  if (isSkip(created)) return created;
  return {
    ...row,
    ...(updated !== undefined ? { updatedMs: updated } : {}),
    ...(created !== undefined ? { createdMs: created } : {}),
  };
}

function booleanIn(cells: Cells, column: string): boolean | { skip: string } {
  const raw = cells(column).toLowerCase();
  if (raw === 'true') return true;
  if (raw === 'false' || raw === '') return false;
  return { skip: `${column} ${JSON.stringify(cells(column))} is neither true nor false` };
}

// Mailchimp: one file per audience section, every one with "Email Address" and the same member columns;
// the section shows in the columns after them.
const MAILCHIMP_MARKERS = ['member_rating', 'optin_time', 'confirm_time', 'leid', 'euid'];

function mailchimp(names: readonly string[]): RecognisedFile {
  const kind = names.includes('clean_time')
    ? ({ status: 'suppressed', label: 'cleaned addresses', at: 'clean_time' } as const)
    : names.includes('unsub_time')
      ? ({ status: 'unsubscribed', label: 'unsubscribed members', at: 'unsub_time' } as const)
      : ({ status: 'confirmed', label: 'subscribed members', at: 'last_changed' } as const);
  return {
    description: `a Mailchimp export (${kind.label}: imported as ${kind.status})`,
    header: true,
    ignoredColumns: [],
    read(record) {
      const cells = cellsOf(names, record);
      return withTimes(
        { address: cells('email address'), status: kind.status },
        firstTime(cells, [kind.at, 'confirm_time', 'optin_time']),
        firstTime(cells, ['confirm_time', 'optin_time']),
      );
    },
  };
}

// Substack's email list: email_disabled is true for readers who turned its email off.
function substack(names: readonly string[]): RecognisedFile {
  return {
    description: 'a Substack export (email_disabled: imported as unsubscribed)',
    header: true,
    ignoredColumns: [],
    read(record) {
      const cells = cellsOf(names, record);
      const address = cells('email');
      // What Substack leaves of a reader who asked to be deleted: not an address to keep.
      if (/@deletion-request\.substack\.com$/i.test(address))
        return { skip: `${address}: a Substack deletion request, not a subscriber` };
      const disabled = booleanIn(cells, 'email_disabled');
      if (isSkip(disabled)) return disabled;
      const created = timeIn(cells, 'created_at');
      return withTimes({ address, status: disabled ? 'unsubscribed' : 'confirmed' }, created, created);
    },
  };
}

// Ghost's members export: subscribed_to_emails is false for members who receive no newsletter.
function ghost(names: readonly string[]): RecognisedFile {
  return {
    description: 'a Ghost members export (subscribed_to_emails false: imported as unsubscribed)',
    header: true,
    ignoredColumns: [],
    read(record) {
      const cells = cellsOf(names, record);
      const subscribed = booleanIn(cells, 'subscribed_to_emails');
      if (isSkip(subscribed)) return subscribed;
      const created = timeIn(cells, 'created_at');
      return withTimes(
        { address: cells('email'), status: subscribed ? 'confirmed' : 'unsubscribed' },
        created,
        created,
      );
    },
  };
}

// Buttondown's subscriber types (its API's SubscriberType), by what they mean for receiving mail.
const BUTTONDOWN_TYPES: Readonly<Record<string, SubscriberStatus>> = {
  regular: 'confirmed',
  premium: 'confirmed',
  trialed: 'confirmed',
  unpaid: 'confirmed',
  gifted: 'confirmed',
  churning: 'confirmed',
  paused: 'confirmed',
  past_due: 'confirmed',
  unactivated: 'pending',
  unsubscribed: 'unsubscribed',
  removed: 'unsubscribed',
  spammy: 'suppressed',
  undeliverable: 'suppressed',
};

function buttondown(names: readonly string[]): RecognisedFile {
  const addressColumn = names.includes('email') ? 'email' : 'email_address';
  const typeColumn = names.includes('subscriber_type') ? 'subscriber_type' : 'type';
  return {
    description:
      'a Buttondown export (unsubscribed and removed: imported as unsubscribed; undeliverable and spammy: suppressed)',
    header: true,
    ignoredColumns: [],
    read(record) {
      const cells = cellsOf(names, record);
      const type = cells(typeColumn).toLowerCase();
      // Its unsubscribers file has no type: a date of leaving is all there is.
      let status =
        type === '' && cells('unsubscription_date') !== '' ? 'unsubscribed' : BUTTONDOWN_TYPES[type];
      if (!status)
        return {
          skip: `unknown Buttondown ${typeColumn} ${JSON.stringify(cells(typeColumn))} (known: ${Object.keys(BUTTONDOWN_TYPES).join(', ')})`,
        };
      // A date of leaving outranks a type that says otherwise: never mail someone who left.
      let at = timeIn(cells, 'creation_date');
      for (const [column, left] of [
        ['undeliverability_date', 'suppressed'],
        ['unsubscription_date', 'unsubscribed'],
      ] as const) {
        const when = timeIn(cells, column);
        if (when === undefined) continue;
        if (status === 'confirmed' || status === 'pending') status = left;
        at = when;
        break;
      }
      return withTimes({ address: cells(addressColumn), status }, at, timeIn(cells, 'creation_date'));
    },
  };
}

// listmonk's subscriber status: blocklisted addresses get no mail of any kind, disabled ones no campaigns.
const LISTMONK_STATUSES: Readonly<Record<string, SubscriberStatus>> = {
  enabled: 'confirmed',
  disabled: 'unsubscribed',
  blocklisted: 'suppressed',
};

function listmonk(names: readonly string[]): RecognisedFile {
  return {
    description: 'a listmonk export (disabled: imported as unsubscribed; blocklisted: suppressed)',
    header: true,
    ignoredColumns: [],
    read(record) {
      const cells = cellsOf(names, record);
      const status = LISTMONK_STATUSES[cells('status').toLowerCase()];
      if (!status)
        return {
          skip: `unknown listmonk status ${JSON.stringify(cells('status'))} (known: ${Object.keys(LISTMONK_STATUSES).join(', ')})`,
        };
      return withTimes(
        { address: cells('email'), status },
        timeIn(cells, 'updated_at'),
        timeIn(cells, 'created_at'),
      );
    },
  };
}

/** Broadsheet's export, and hand-made files using its column names. */
const BROADSHEET_COLUMNS: Readonly<Record<string, string>> = {
  address: 'address',
  email: 'address',
  'e-mail': 'address',
  'email address': 'address',
  email_address: 'address',
  status: 'status',
  delivery: 'delivery',
  updated: 'updated',
  created: 'created',
  previous_delivery: 'previous_delivery',
  delivery_changed: 'delivery_changed',
  soft_bounces: 'soft_bounces',
  confirm_expires: 'confirm_expires',
  follow: 'follow',
  topics: 'topics',
};

/** What `export` writes, in this order; `import` reads it back into the same records. */
export const EXPORT_COLUMNS = [
  'address',
  'status',
  'updated',
  'delivery',
  'created',
  'previous_delivery',
  'delivery_changed',
  'soft_bounces',
  'confirm_expires',
  'follow',
  'topics',
] as const;

/** `follow` and `topics` of an export → the topics a subscriber follows (undefined: every article). */
function topicsIn(cells: Cells): { topics?: string[] } | { skip: string } {
  const follow = cells('follow').toLowerCase();
  if (follow === '' || follow === 'all') return {};
  if (follow !== 'topics')
    return { skip: `unknown follow ${JSON.stringify(cells('follow'))} (use all or topics)` };
  return {
    topics: cells('topics')
      .split(/\s+/)
      .filter((slug) => slug !== ''),
  };
}

function deliveryIn(cells: Cells, column: string): Delivery | undefined | { skip: string } {
  const raw = cells(column);
  if (raw === '') return undefined;
  const delivery = DELIVERIES.find((d) => d === raw.toLowerCase());
  return delivery ?? { skip: `unknown ${column} ${JSON.stringify(raw)} (use ${DELIVERIES.join(' or ')})` };
}

function broadsheetRow(cells: Cells, restoring: boolean): RowReading {
  const rawStatus = cells('status') || 'confirmed';
  const status = STATUSES.find((s) => s === rawStatus.toLowerCase());
  if (!status) return { skip: `unknown status ${JSON.stringify(rawStatus)} (use ${STATUSES.join(', ')})` };
  const delivery = deliveryIn(cells, 'delivery');
  if (isSkip(delivery)) return delivery;
  const row = withTimes(
    { address: cells('address'), status, ...(delivery ? { delivery } : {}) },
    timeIn(cells, 'updated'),
    timeIn(cells, 'created'),
  );
  if (isSkip(row) || !restoring) return row;
  const previousDelivery = deliveryIn(cells, 'previous_delivery');
  if (isSkip(previousDelivery)) return previousDelivery;
  const deliveryChangedMs = timeIn(cells, 'delivery_changed');
  if (isSkip(deliveryChangedMs)) return deliveryChangedMs;
  const expires = timeIn(cells, 'confirm_expires');
  if (isSkip(expires)) return expires;
  const rawBounces = cells('soft_bounces');
  const softBounces = rawBounces === '' ? undefined : Number(rawBounces);
  if (softBounces !== undefined && !(Number.isInteger(softBounces) && softBounces >= 0))
    return { skip: `soft_bounces ${JSON.stringify(rawBounces)} is not a whole number` };
  const followed = topicsIn(cells);
  if (isSkip(followed)) return followed;
  return {
    ...row,
    restore: {
      ...(previousDelivery ? { previousDelivery } : {}),
      ...(deliveryChangedMs !== undefined ? { deliveryChangedMs } : {}),
      ...(softBounces !== undefined ? { softBounces } : {}),
      ...(expires !== undefined ? { confirmExpires: Math.floor(expires / 1000) } : {}),
      ...followed,
    },
  };
}

/** Column names that suggest a row is an opt-out or a bounce, in any service's words. */
const OPT_OUT_COLUMN =
  /unsub|opt\w*\W?out|bounce|clean|block|suppress|complain|spam|undeliver|disabled|deleted/i;

function broadsheet(header: readonly string[]): RecognisedFile {
  const names = lower(header);
  const canonical: string[] = [];
  const ignored: string[] = [];
  names.forEach((name, i) => {
    const column = BROADSHEET_COLUMNS[name];
    if (column && !canonical.includes(column)) canonical.push(column);
    else {
      canonical.push(`(ignored ${i})`);
      ignored.push(header[i] ?? name);
    }
  });
  // A backup written by `export` names the delivery change: restore it as it was.
  const restoring = canonical.includes('delivery_changed');
  // Without a status every row would come in confirmed: not when another column may be marking opt-outs.
  const optOut = canonical.includes('status')
    ? undefined
    : ignored.find((column) => OPT_OUT_COLUMN.test(column));
  if (optOut)
    return {
      description: 'unknown columns that may mark opt-outs',
      header: true,
      ignoredColumns: ignored,
      read: () => ({
        skip: `column ${JSON.stringify(optOut)} may mark opt-outs, and there is no status column to say who opted out: not imported (add a status column: ${STATUSES.join(', ')})`,
      }),
    };
  return {
    description: restoring ? 'a Broadsheet export (restored as written)' : 'Broadsheet columns',
    header: true,
    ignoredColumns: ignored,
    read: (record) => broadsheetRow(cellsOf(canonical, record), restoring),
  };
}

/** The header names Broadsheet reads as the column of addresses. */
export const ADDRESS_COLUMNS = Object.keys(BROADSHEET_COLUMNS).filter(
  (name) => BROADSHEET_COLUMNS[name] === 'address',
);

/**
 * A first row without an address column is data, `address[,status[,delivery]]`, unless it reads as a
 * header: none of its cells holds an @, and it is not an address (however wrong) followed by a status and
 * a delivery (`mail,name` is a header, `not-an-address,confirmed` a row to skip).
 */
const COLUMN_NAME = /^[\p{L}][\p{L}\p{M}\p{N} _-]*$/u;

function looksLikeHeader(names: readonly string[]): boolean {
  if (names.every((name) => name === '') || names.some((name) => name.includes('@'))) return false;
  // The first cell a column's name (`Mail`, `E-Mail Adresse`), not an address missing its @ (ana.example.org).
  if (!COLUMN_NAME.test(names[0] ?? '')) return false;
  if (names.length === 1) return true;
  const [, status = '', delivery = ''] = names;
  const positional =
    (status === '' || STATUSES.some((s) => s === status)) &&
    (delivery === '' || DELIVERIES.some((d) => d === delivery));
  return !positional;
}

function withoutAddressColumn(header: readonly string[]): RecognisedFile {
  const named = header.map((cell) => JSON.stringify(cell.trim())).join(', ');
  return {
    description: 'a header without an address column',
    header: true,
    ignoredColumns: [],
    refused: `no address column: the first row (${named}) reads as a header but names none of ${ADDRESS_COLUMNS.join(', ')}. Rename the column of addresses to one of those, or remove the header (without one the columns are address[,status[,delivery]]); nothing was imported from this file.`,
    read: () => ({ skip: 'no address column' }),
  };
}

function positional(): RecognisedFile {
  const names = ['address', 'status', 'delivery'];
  return {
    description: 'no header: address[,status[,delivery]]',
    header: false,
    ignoredColumns: [],
    read: (record) => broadsheetRow(cellsOf(names, record), false),
  };
}

/**
 * Recognises a file by its first row. Each service's header is told apart by columns only it writes, most
 * specific first; a header naming an address column some other way is read as Broadsheet's columns; a
 * first row with no such column is data, unless it reads as a header (looksLikeHeader), and then the file
 * is refused as a whole.
 */
export function recogniseImport(first: readonly string[]): RecognisedFile {
  const names = lower(first);
  const has = (...columns: string[]) => columns.every((c) => names.includes(c));
  if (has('uuid', 'email', 'status', 'attributes')) return listmonk(names);
  if (has('email address') && MAILCHIMP_MARKERS.some((c) => names.includes(c))) return mailchimp(names);
  if (has('email', 'subscribed_to_emails')) return ghost(names);
  if (has('email') && (names.includes('email_disabled') || names.includes('active_subscription')))
    return substack(names);
  if (
    (has('email') || has('email_address')) &&
    (names.includes('subscriber_type') ||
      has('type', 'creation_date') ||
      names.includes('unsubscription_date'))
  )
    return buttondown(names);
  if (names.some((name) => BROADSHEET_COLUMNS[name] === 'address')) return broadsheet(first);
  if (looksLikeHeader(names)) return withoutAddressColumn(first);
  return positional();
}
