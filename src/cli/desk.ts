// The digest desk: the commands over the digests in their grace window (src/pipeline/desk.ts does the work),
// on the local state or a deployed stack's (--stack), and what they print.
import type { StackOutputs } from '../adapters/aws/stack-outputs.js';
import { FileDigestHold } from '../adapters/fs/digest-hold.js';
import { FsSiteIndexStore } from '../adapters/fs/site-index-store.js';
import { FileAnnouncementStore } from '../adapters/fs/state.js';
import type { SiteConfig } from '../core/site.js';
import { localLease } from '../local.js';
import {
  cancelDigest,
  type DeskAnswer,
  type DeskDeps,
  holdDigest,
  releaseDigest,
  waitingDigests,
} from '../pipeline/desk.js';
import type { Invocation } from './invocation.js';
import type { Options } from './options.js';
import { articlesWord, printDigest } from './output.js';

/** A deployed stack's state for the desk commands: DynamoDB, the index in the content bucket. */
export async function stackDesk(site: SiteConfig, stack: StackOutputs, options: Options): Promise<DeskDeps> {
  const { dynamoClient, s3Client } = await import('../adapters/aws/clients.js');
  const { DynamoAnnouncementLedger } = await import('../adapters/aws/dynamo/announcement-ledger.js');
  const { DynamoDigestHold } = await import('../adapters/aws/dynamo/digest-hold.js');
  const { DynamoPublishLease } = await import('../adapters/aws/dynamo/publish-lease.js');
  const { PUBLISH_TIMING } = await import('../core/publish-timing.js');
  const { S3SiteIndexStore } = await import('../adapters/aws/state-object.js');
  const { triggerPublish } = await import('../adapters/aws/publish-trigger.js');
  const db = dynamoClient(options.endpoint ? { dynamodb: options.endpoint } : {});
  const s3 = s3Client(options['s3-endpoint'] ? { s3: options['s3-endpoint'] } : {});
  return {
    site,
    index: new S3SiteIndexStore(s3, stack.ContentBucketName),
    ledger: new DynamoAnnouncementLedger(db, stack.TableName),
    hold: new DynamoDigestHold(db, stack.TableName),
    // The publish function's lease item, with its timing: a command waits for a publish as long as one
    // publish waits for another.
    lease: new DynamoPublishLease(db, stack.TableName),
    leaseWaitMs: PUBLISH_TIMING.leaseWaitMs,
    leaseTtlMs: PUBLISH_TIMING.leaseTtlMs,
    publish: (nowMs) => triggerPublish(s3, stack.ContentBucketName, nowMs),
  };
}

/** The local state a desk command works on (a deployed stack's with --stack). */
export function localDesk(site: SiteConfig, state: string): DeskDeps {
  return {
    site,
    index: new FsSiteIndexStore(state),
    ledger: new FileAnnouncementStore(state),
    hold: new FileDigestHold(state),
    // The lock file a build holds: a command waits for a running build.
    ...localLease(state),
  };
}

/** Prints what a desk command did; non-zero when it did nothing. */
function printAnswer(
  cli: Invocation,
  answer: DeskAnswer,
  verb: string,
  what: string,
  id: string | undefined,
): number {
  switch (answer.kind) {
    case 'done':
      printDigest(answer.digest, verb, cli);
      return 0;
    case 'none':
      console.log(
        what === 'hold'
          ? 'No digest waits unheld: nothing to hold (broadsheet pending lists any already held).'
          : `No digest ${what === 'release' ? 'is held' : 'is waiting'}: nothing to ${what}.`,
      );
      return 1;
    case 'ambiguous':
    case 'unknown':
      console.log(
        answer.kind === 'ambiguous'
          ? `${answer.digests.length} digests could be meant; name one: broadsheet ${what} <id>`
          : answer.digests.length === 0
            ? `No digest ${id} to ${what}: none ${what === 'release' ? 'is held' : 'is waiting'}.`
            : `No digest ${id} to ${what}; these are waiting:`,
      );
      for (const d of answer.digests) {
        console.log('');
        printDigest(d, '', cli);
      }
      return 1;
  }
}

/**
 * `pending`, `hold [id]`, `release [id]`, `cancel [id]`: the operator's controls over the digests in their
 * grace window. Without an id each acts on the one digest it can mean, or lists them.
 */
export async function deskCommand(
  cli: Invocation,
  command: string,
  id: string | undefined,
  deps: DeskDeps,
): Promise<number> {
  const nowMs = cli.clock().getTime();
  switch (command) {
    case 'hold':
      return printAnswer(cli, await holdDigest(deps, nowMs, id), 'Holding the', 'hold', id);
    case 'release': {
      const answer = await releaseDigest(deps, nowMs, id);
      if (answer.kind !== 'done' || !answer.released)
        return printAnswer(cli, answer, 'Released the', 'release', id);
      const { released, digest } = answer;
      const others = digest.articles.length - released.articles.length;
      console.log(
        `Released digest ${released.id} (${articlesWord(released.articles.length)}). ${others > 0 ? `It joins ${articlesWord(others)} waiting unheld: they go out together, as one digest` : 'It goes out'} under the id ${digest.id}.`,
      );
      printDigest(digest, 'Now waiting: the', cli);
      return 0;
    }
    case 'cancel': {
      const answer = await cancelDigest(deps, nowMs, id);
      if (answer.kind !== 'done') return printAnswer(cli, answer, '', 'cancel', id);
      const dropped = answer.digest.articles;
      console.log(`Cancelled: ${articlesWord(dropped.length)} recorded as announced, never mailed:`);
      for (const a of dropped) console.log(`  ${a.title}  ${a.url}`);
      return 0;
    }
    default: {
      const digests = await waitingDigests(deps, nowMs);
      if (digests.length === 0) console.log('No digest is waiting.');
      else if (digests.length > 1) console.log(`${digests.length} digests are waiting:\n`);
      digests.forEach((d, i) => {
        if (i > 0) console.log('');
        printDigest(d, '', cli);
      });
      return 0;
    }
  }
}
