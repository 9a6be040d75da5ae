// `subscribers`: list, add, remove, import and export the subscribers, in subscribers.json or a deployed
// table (--table).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSubscriberStore } from '../adapters/fs/state.js';
import { BroadsheetError } from '../core/errors.js';
import type { SubscriberStore } from '../core/ports.js';
import { ADDRESS_COLUMNS, EXPORT_COLUMNS } from '../core/subscriber-imports.js';
import { exportCsv, importSubscribers, setStatus } from '../pipeline/operator.js';
import type { Invocation } from './invocation.js';
import { UsageError } from './options.js';
import { show } from './output.js';

export async function subscriberStore({ site, paths, options }: Invocation): Promise<SubscriberStore> {
  if (options.table === undefined)
    return new FileSubscriberStore(paths.state, site.author.email ?? site.sender.address);
  // Loaded only here, so other commands never pay for the AWS SDK.
  const { dynamoClient } = await import('../adapters/aws/clients.js');
  const { DynamoSubscribers } = await import('../adapters/aws/dynamo/subscribers.js');
  return new DynamoSubscribers(
    dynamoClient(options.endpoint ? { dynamodb: options.endpoint } : {}),
    options.table,
  );
}

export async function subscribersCommand(
  { site, paths, options, clock }: Invocation,
  args: readonly string[],
  store: SubscriberStore,
): Promise<number> {
  const [action, ...rest] = args;
  const now = clock();
  switch (action) {
    case 'list': {
      const subscribers = (await store.list()).sort((a, b) => a.address.localeCompare(b.address));
      for (const s of subscribers) console.log(`${s.address}\t${s.status}\t${s.delivery ?? 'instant'}`);
      // Who receives the digest, on stderr: the list on stdout stays a list.
      const owner = await ownerOnly(store, paths.state);
      if (owner) console.error(owner);
      else if (!subscribers.some((s) => s.status === 'confirmed'))
        console.error(noOneConfirmed(store, paths.state));
      return 0;
    }
    case 'export':
      process.stdout.write(exportCsv(await store.list()));
      return 0;
    case 'add':
    case 'remove': {
      const status = action === 'add' ? 'confirmed' : 'unsubscribed';
      if (rest.length === 0) {
        console.error(
          `subscribers ${action} needs the address(es): broadsheet subscribers ${action} reader@example.com`,
        );
        return 64;
      }
      const report = await setStatus(store, rest, status, now, { force: options.force });
      for (const { input, reason } of report.refused) console.error(`${input}: ${reason}`);
      for (const { address, from, to } of report.forced)
        console.log(`${address}: --force: was ${from}, now ${to} (their opt-out is overridden)`);
      for (const { address, status, already } of report.changed)
        console.log(`${address}\t${status}${already ? ' (already)' : ''}`);
      return report.refused.length > 0 ? 1 : 0;
    }
    case 'import': {
      if (rest.length === 0)
        throw new UsageError(
          'subscribers import needs the CSV file(s): broadsheet subscribers import list.csv (Mailchimp: subscribed.csv unsubscribed.csv cleaned.csv)',
        );
      let skippedRows = 0;
      let refusedFiles = 0;
      // One file after another, in the order given: a later file's opt-out wins over an earlier subscription.
      for (const file of rest) {
        const csv = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
          const why = { ENOENT: 'no such file', EISDIR: 'is a folder', EACCES: 'not readable' }[
            error.code ?? ''
          ];
          throw new BroadsheetError(`${file}: cannot be read (${why ?? error.message})`);
        });
        const report = await importSubscribers(store, csv, site, now, { force: options.force }).catch(
          (error: unknown) => {
            if (error instanceof BroadsheetError) throw new BroadsheetError(`${file}: ${error.message}`);
            throw error;
          },
        );
        if (report.refused !== undefined) {
          // Said once for the file, not once per row: nothing in it could be read.
          console.error(`${file}:1: ${report.refused}`);
          refusedFiles++;
          continue;
        }
        console.log(`${file}: read as ${report.format}`);
        for (const column of report.ignoredColumns)
          console.error(
            `${file}:1: column ${JSON.stringify(column)} ignored (known: ${[...new Set([...EXPORT_COLUMNS, ...ADDRESS_COLUMNS])].join(', ')})`,
          );
        for (const { line, reason } of report.skipped) console.error(`${file}:${line}: skipped: ${reason}`);
        for (const { line, address, from, to } of report.forced)
          console.log(
            `${file}:${line}: --force: ${address} was ${from}, now ${to} (their opt-out is overridden)`,
          );
        console.log(
          `Imported ${report.imported} subscriber${report.imported === 1 ? '' : 's'}; skipped ${report.skipped.length}.`,
        );
        skippedRows += report.skipped.length;
      }
      if (skippedRows > 0 && !options['allow-skips']) {
        console.error(
          `${skippedRows} row${skippedRows === 1 ? ' was' : 's were'} skipped (listed above): exit 1. The other rows are imported; fix the skipped ones and import them again, or pass --allow-skips to exit 0 without them.`,
        );
        return 1;
      }
      return refusedFiles > 0 ? 1 : 0;
    }
    default:
      console.error(
        action === undefined
          ? 'subscribers needs an action: list, export, add, remove or import (broadsheet subscribers list)'
          : `Unknown subscribers action "${action}" (known: list, export, add, remove, import).`,
      );
      return 64;
  }
}

/** Said wherever subscribers are listed or counted locally and subscribers.json does not exist yet. */
function noOneConfirmed(store: SubscriberStore, state: string): string {
  const owner =
    store instanceof FileSubscriberStore
      ? ` The site owner receives it only while ${show(join(state, 'subscribers.json'))} does not exist.`
      : '';
  return `No confirmed subscriber: the next digest reaches no one.${owner}`;
}

export async function ownerOnly(store: SubscriberStore, state: string): Promise<string | undefined> {
  if (!(store instanceof FileSubscriberStore) || (await store.exists())) return undefined;
  return `No subscribers yet (${show(join(state, 'subscribers.json'))} does not exist): the digest goes to the site owner, ${store.fallbackRecipient} (author.email, else sender.address, in site.yaml).`;
}
