#!/usr/bin/env node
// The `broadsheet` command: reads the command line, runs the command it names (one module each in this
// folder) and turns what went wrong into a message and an exit code. bin/broadsheet.js bundles it.
import { resolve } from 'node:path';
import { loadSiteConfig } from '../adapters/fs/site-config.js';
import { BroadsheetError, ContentError } from '../core/errors.js';
import { PublishStopped } from '../pipeline/publish-site.js';
import { buildCommand, refuseOutInsideContent } from './build.js';
import { checkCommand } from './check.js';
import { deskCommand, localDesk, stackDesk } from './desk.js';
import { diffCommand } from './diff.js';
import { clockOf, type Invocation } from './invocation.js';
import { type CommandLine, commandOf, parseCommandLine, UsageError } from './options.js';
import { printWarnings } from './output.js';
import { previewCommand } from './preview.js';
import { sendTestCommand } from './send-test.js';
import { statsCommand } from './stats.js';
import { subscriberStore, subscribersCommand } from './subscribers.js';

/** Runs the command the command line names; its exit code. */
async function main({ positionals, values, tokens }: CommandLine): Promise<number> {
  const asked = commandOf({ positionals, values, tokens });
  if ('exitCode' in asked) return asked.exitCode;
  const { command } = asked;
  const paths = {
    content: resolve(values.content),
    out: resolve(values.out ?? 'dist'),
    outbox: resolve(values.outbox),
    state: resolve(values.state),
  };
  if (command === 'build') refuseOutInsideContent(paths);
  const site = await loadSiteConfig(paths.content, {
    contentGiven: tokens.some((t) => t.kind === 'option' && t.name === 'content'),
  });
  // --stack names a deployed stack: its table stands in for --table wherever that is taken.
  const stack = values.stack
    ? await (await import('../adapters/aws/stack-outputs.js')).readStackOutputs(values.outputs, values.stack)
    : undefined;
  const options = { ...values, table: values.table ?? stack?.TableName };
  const cli: Invocation = { site, paths, options, clock: clockOf(values.now) };
  switch (command) {
    case 'build':
      return buildCommand(cli);
    case 'check':
      return checkCommand(cli);
    case 'preview':
      await previewCommand(cli);
      return 0;
    case 'diff':
      return diffCommand(cli, positionals[1]);
    case 'send-test':
      return sendTestCommand(cli);
    case 'stats':
      return statsCommand(cli);
    case 'pending':
    case 'hold':
    case 'release':
    case 'cancel':
      return deskCommand(
        cli,
        command,
        positionals[1],
        stack ? await stackDesk(site, stack, options) : localDesk(site, paths.state),
      );
    case 'subscribers':
      return subscribersCommand(cli, positionals.slice(1), await subscriberStore(cli));
    default:
      // Every name ARGUMENTS knows has its case above; an unknown one was refused before site.yaml was read.
      throw new Error(`command "${command}" is in ARGUMENTS but has no case in main()`);
  }
}

const commandLine = parseCommandLine();
const [commandName] = commandLine.positionals;

main(commandLine).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ContentError) {
      printWarnings(error.problems, { all: commandName === 'check' });
      // check writes nothing in any case; for the others it is the promise that the last good site stands.
      const advice =
        commandName === 'check'
          ? 'Fix the problems above and run again.'
          : error instanceof PublishStopped
            ? `The build stopped after writing ${error.written.length} file${error.written.length === 1 ? '' : 's'}; no feed and no email changed. Fix the problems above and run again: the next build writes the rest.`
            : 'Nothing was written: fix the problems above and run again.';
      console.error(`${error.message}\n${advice}`);
      process.exitCode = 1;
    } else if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = 64;
    } else if (error instanceof BroadsheetError) {
      console.error(error.message);
      process.exitCode = 2;
    } else if ((error as Error | null)?.name === 'CredentialsProviderError') {
      // --table and --endpoint reach a deployed stack (or an emulator) through the AWS SDK, which found none.
      console.error(
        'No AWS credentials: --table works on a deployed stack through the AWS SDK, which found none. Set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_REGION, or leave out --table to use the local subscribers.json.',
      );
      process.exitCode = 2;
    } else if (isFileSystemError(error)) {
      // A folder that is a file, a disk full, no permission: the operator's to fix, not a crash to report.
      console.error(
        `Could not write or read ${error.path}: ${error.code} (${error.syscall}).\nCheck that --out, --outbox and --state name folders this user can write, then run again: the next build writes what this one did not, and mails what it did not mail.`,
      );
      process.exitCode = 74;
    } else {
      console.error(error);
      process.exitCode = 70;
    }
  },
);

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  const e = error as NodeJS.ErrnoException | null;
  return (
    e instanceof Error &&
    typeof e.path === 'string' &&
    typeof e.syscall === 'string' &&
    ['ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ENOSPC', 'EROFS', 'EEXIST', 'EDQUOT', 'ENAMETOOLONG'].includes(
      e.code ?? '',
    )
  );
}
