#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { FsStaticAssets, FsThemeFiles } from '../adapters/fs/article-source.js';
import { OutboxTestMailer, outboxLedger } from '../adapters/fs/outbox.js';
import { loadSiteConfig } from '../adapters/fs/site-config.js';
import { FileAnnouncementStore, FileSubscriberStore, localSecret } from '../adapters/fs/state.js';
import type { ArticleMeta } from '../core/article.js';
import { hasErrors, publishedAt } from '../core/corpus.js';
import { digestId, previewLinks } from '../core/digest.js';
import { BroadsheetError, ConfigError, ContentError, formatProblem } from '../core/errors.js';
import { shortenedNote } from '../core/full-text.js';
import type { SubscriberStore } from '../core/ports.js';
import type { SiteConfig } from '../core/site.js';
import type { StatsSource } from '../core/stats.js';
import { ADDRESS_COLUMNS, EXPORT_COLUMNS } from '../core/subscriber-imports.js';
import { normalizeAddress } from '../core/subscribers.js';
import { diffCorpora, summaryMarkdown } from '../pipeline/diff.js';
import { exportCsv, importSubscribers, notAnAddress, setStatus } from '../pipeline/operator.js';
import { loadTheme } from '../pipeline/publish.js';
import { PublishStopped } from '../pipeline/publish-site.js';
import { nextDigestPlan, sendTest, testDigestId } from '../pipeline/send-test.js';
import { formatStats, gatherStats } from '../pipeline/stats.js';
import { buildCommand, refuseOutInsideContent } from './build.js';
import { checkCommand } from './check.js';
import { deskCommand, localDesk, stackDesk } from './desk.js';
import { clockOf, type Invocation } from './invocation.js';
import { nextAnnouncement } from './next-announcement.js';
import {
  ARGUMENTS,
  type CommandLine,
  commandHelp,
  OPTION_USE,
  type Options,
  parseCommandLine,
  USAGE,
  UsageError,
} from './options.js';
import { printWarnings, show } from './output.js';
import { readCorpus } from './read-content.js';

function portOf(given: string): number {
  const text = given.trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new ConfigError('--port', [
      `"${given}" is not a port: give a number from 1 to 65535 (0 picks a free one)`,
    ]);
  return port;
}

async function preview({ paths, options, clock }: Invocation): Promise<void> {
  // Loaded only here: the watcher and the subscription API are the preview's alone.
  const { startPreview } = await import('../dev/preview.js');
  const watch = options.watch === true;
  let shown = new Set<string>();
  // Whether the last build failed, so the author hears that the fix worked.
  let failed = false;
  let builds = 0;
  const port = portOf(options.port);
  const server = await startPreview({
    content: paths.content,
    out: resolve(paths.state, 'preview'),
    state: paths.state,
    outbox: paths.outbox,
    port,
    watch,
    drafts: options.drafts === true,
    now: clock,
    onBuild: ({ report, error }) => {
      if (error !== undefined) {
        // A bad edit keeps the last good preview up; the errors say what to fix, and of the warnings only
        // those this edit brought (the rest were said with the build that first met them).
        if (error instanceof ContentError) {
          const errors = error.problems.filter((p) => p.severity === 'error');
          if (errors.length > 0) console.error(errors.map(formatProblem).join('\n'));
          printWarnings(error.problems.filter((p) => p.severity !== 'error' && !shown.has(formatProblem(p))));
        } else console.error(error instanceof Error ? error.message : String(error));
        if (builds > 0)
          console.error('Not rebuilt: the preview still shows the last good build; fix the above and save.');
        failed = true;
        return;
      }
      if (!report) return;
      // The author saved and wants to know it took, warnings or not.
      if (failed) console.log(`Built again: previewing ${report.published} articles.`);
      else if (builds > 0) console.log(`Rebuilt: previewing ${report.published} articles.`);
      failed = false;
      builds++;
      // Each rebuild reports every source's warnings; say only what this change brought.
      const current = new Set(report.warnings.map(formatProblem));
      printWarnings(report.warnings.filter((p) => !shown.has(formatProblem(p))));
      shown = current;
    },
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new BroadsheetError(`port ${port} is in use; pass --port to use another`);
    throw error;
  });
  const { first } = server;
  if (first === undefined) {
    // Only with --watch: without it a failed first build ends the command.
    console.error(
      `The site could not be built: fix the problems above and save; ${server.url}/ says so until it builds (rebuilding on change; Ctrl-C to stop)`,
    );
    return;
  }
  const extra = options.drafts ? ' (drafts and scheduled ones included, each marked)' : '';
  console.log(
    `Previewing ${first.published} articles${extra} at ${server.url}/ (subscribe: mail goes to ${show(join(paths.outbox, 'subscriptions'))}/${watch ? '; rebuilding on change' : ''}; Ctrl-C to stop)`,
  );
}

async function subscriberStore({ site, paths, options }: Invocation): Promise<SubscriberStore> {
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

async function subscribers(
  { site, paths, options, clock }: Invocation,
  args: readonly string[],
  store: SubscriberStore,
): Promise<number> {
  const [action, ...rest] = args;
  const now = clock();
  switch (action) {
    case 'list': {
      for (const s of (await store.list()).sort((a, b) => a.address.localeCompare(b.address))) {
        console.log(`${s.address}\t${s.status}\t${s.delivery ?? 'instant'}`);
      }
      // On stderr: the list on stdout stays a list.
      const owner = await ownerOnly(store, paths.state);
      if (owner) console.error(owner);
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

/** The AWS side of an operator command (--table): clients loaded only here, so other commands never pay for the SDK. */
async function cloudOperator(table: string, options: Options) {
  const { dynamoClient, sesClient } = await import('../adapters/aws/clients.js');
  const { DynamoAnnouncementLedger } = await import('../adapters/aws/dynamo/announcement-ledger.js');
  const { SesMailer } = await import('../adapters/aws/ses.js');
  const { tokenSecret } = await import('../adapters/aws/env.js');
  const db = dynamoClient(options.endpoint ? { dynamodb: options.endpoint } : {});
  return {
    ledger: new DynamoAnnouncementLedger(db, table),
    mail: new SesMailer(
      sesClient(options['ses-endpoint'] ? { ses: options['ses-endpoint'] } : {}),
      process.env.SES_CONFIGURATION_SET || undefined,
    ),
    // The stack's signing key, so the test's unsubscribe and preferences links work as the real ones will.
    secret: async () => {
      const { TOKEN_SECRET, TOKEN_SECRET_ARN } = process.env;
      if (!TOKEN_SECRET && !TOKEN_SECRET_ARN)
        throw new ConfigError('send-test --table', [
          "set TOKEN_SECRET_ARN to the stack's signing secret (Secrets Manager), so the links in the test work",
        ]);
      return (await tokenSecret({ TOKEN_SECRET, TOKEN_SECRET_ARN })).current;
    },
  };
}

/** The slugs of the five newest articles, for a message that names none that exists. */
const newestSlugs = (articles: readonly ArticleMeta[]) =>
  [...articles]
    .sort((a, b) => b.dateMs - a.dateMs)
    .slice(0, 5)
    .map((a) => a.slug)
    .join(', ') || 'none';

/**
 * `send-test --to <address> [--article <slug>]`: what the next digest would send (or that article), to one
 * address, marked as a test; locally into a test folder in outbox/, with --table through SES. Nothing is
 * recorded as announced or sent.
 */
async function sendTestCommand(cli: Invocation): Promise<number> {
  const { site, paths, options, clock } = cli;
  if (options.to === undefined)
    throw new UsageError('send-test needs --to: broadsheet send-test --to you@example.org');
  const checked = normalizeAddress(options.to);
  if (!checked.ok)
    throw new ConfigError('send-test --to', [
      `${JSON.stringify(options.to)}: ${notAnAddress(options.to, checked.reason)}`,
    ]);
  const to = checked.address;
  const now = clock();
  const corpus = await readCorpus(paths.content, site);
  if (hasErrors(corpus.problems)) throw new ContentError(corpus.problems);
  const cloud = options.table === undefined ? undefined : await cloudOperator(options.table, options);

  let plan: { id: string; articles: readonly ArticleMeta[] } | undefined;
  if (options.article !== undefined) {
    // By slug, or by the file an author would type (posts/2026-12-01-x.md, with or without content/).
    const wanted = options.article.replace(/^(?:\.\/)?(?:.*\/)?(?=posts\/)/, '');
    const article = corpus.articles.find((a) => a.slug === wanted || a.source === wanted);
    if (!article) {
      const near = corpus.articles
        .map((a) => a.slug)
        .filter((slug) => slug.includes(wanted) || wanted.includes(slug))
        .sort();
      throw new ConfigError('send-test --article', [
        `no article has the slug or file ${JSON.stringify(options.article)}${near.length > 0 ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}; the newest: ${newestSlugs(corpus.articles)}`,
      ]);
    }
    plan = { id: digestId([article]), articles: [article] };
  } else {
    const published = publishedAt(corpus.articles, now.getTime());
    const window = { nowMs: now.getTime(), days: site.announceWindowDays };
    plan = cloud
      ? await nextDigestPlan(cloud.ledger, published, false, window)
      : (await nextAnnouncement(paths.state, published, site, now)).plan;
    if (!plan) {
      console.error(
        'The next build announces nothing, so there is no digest to test. Give --article <slug> to send one article as its digest would.',
      );
      return 1;
    }
  }

  const known = await (await subscriberStore(cli)).get(to);
  if ((known?.status === 'unsubscribed' || known?.status === 'suppressed') && !options.force) {
    console.error(
      `${to} is ${known.status === 'suppressed' ? 'suppressed after a bounce or complaint' : 'unsubscribed'}: no test sent (use --force to send it anyway)`,
    );
    return 1;
  }
  const outbox = new OutboxTestMailer(paths.outbox, testDigestId(plan.id, now));
  // The site's own templates (content/theme/), as subscribers get them.
  const theme = await loadTheme(site, new FsThemeFiles(paths.content));
  const { message, providerId, shortened } = await sendTest(
    cloud
      ? { site, mail: cloud.mail, secret: await cloud.secret(), theme }
      : { site, mail: outbox, secret: await localSecret(paths.state), theme },
    plan,
    to,
    now,
  );
  const what = `"${message.subject}" (${plan.articles.length} article${plan.articles.length === 1 ? '' : 's'})`;
  console.log(
    cloud
      ? `Test ${what} sent to ${to} through SES (message id ${providerId}).`
      : `Test ${what} for ${to} written to ${show(providerId)}`,
  );
  const note = shortenedNote(plan.articles, shortened);
  if (note) console.log(note);
  // What the test carried, not the whole site's warnings: `check` lists those.
  const sent = new Set(plan.articles.map((a) => a.source));
  printWarnings(corpus.problems.filter((p) => sent.has(p.file)));
  console.log('Nothing was recorded as announced or sent: the real digest still goes out.');
  return 0;
}

/** `stats`: subscribers by status and delivery, and each recent digest's numbers (see pipeline/stats.ts). */
async function statsCommand(cli: Invocation): Promise<number> {
  const { site, paths, options, clock } = cli;
  const store = await subscriberStore(cli);
  let source: StatsSource;
  // Digests with no folder in the outbox: counted as sending nothing, which may only mean another --outbox.
  const unfound: string[] = [];
  if (options.table === undefined) {
    const announcements = new FileAnnouncementStore(paths.state);
    source = {
      recentDigests: (sinceMs) => announcements.recentDigests(sinceMs),
      ledger: (id) => {
        if (!existsSync(join(paths.outbox, id))) unfound.push(id);
        return outboxLedger(paths.outbox, id);
      },
      feedbackReported: false,
    };
  } else {
    const { dynamoClient } = await import('../adapters/aws/clients.js');
    const { DynamoStatsSource } = await import('../adapters/aws/dynamo/stats-source.js');
    source = new DynamoStatsSource(
      dynamoClient(options.endpoint ? { dynamodb: options.endpoint } : {}),
      options.table,
    );
  }
  const report = await gatherStats(source, store, site, clock());
  process.stdout.write(formatStats(report, site));
  if (unfound.length > 0)
    console.error(
      `${unfound.length} digest${unfound.length === 1 ? ' has' : 's have'} no folder in ${show(paths.outbox)}/, so ${unfound.length === 1 ? 'its' : 'their'} sent mail counts 0: if the build wrote elsewhere, pass that --outbox.`,
    );
  const owner = await ownerOnly(store, paths.state);
  if (owner) console.log(owner);
  return 0;
}

/** Said wherever subscribers are listed or counted locally and subscribers.json does not exist yet. */
async function ownerOnly(store: SubscriberStore, state: string): Promise<string | undefined> {
  if (!(store instanceof FileSubscriberStore) || (await store.exists())) return undefined;
  return `No subscribers yet (${show(join(state, 'subscribers.json'))} does not exist): the digest goes to the site owner, ${store.fallbackRecipient} (author.email, else sender.address, in site.yaml).`;
}

/** site.yaml of a checked-out ref; the current one where it had none or one that no longer loads. */
async function siteAt(content: string, current: SiteConfig): Promise<SiteConfig> {
  try {
    return await loadSiteConfig(content);
  } catch (error) {
    if (error instanceof ConfigError) return current;
    throw error;
  }
}

async function diff({ site, paths, options, clock }: Invocation, ref: string | undefined): Promise<number> {
  const { content } = paths;
  if (!ref) throw new UsageError('diff needs the git ref to compare with: broadsheet diff origin/main');
  const [diffOut, givenOut] = [options['diff-out'], options.out];
  if (diffOut !== undefined && givenOut !== undefined && resolve(diffOut) !== resolve(givenOut))
    throw new UsageError('diff takes --out or --diff-out (the same option), not both with different folders');
  const git = (args: string[], cwd = content) =>
    execFileSync('git', args, { cwd, maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  // The repository's top, and the content folder's path inside it as git spells it (no symlink surprises).
  let top: string;
  let path: string;
  try {
    [top = '', path = ''] = git(['rev-parse', '--show-toplevel', '--show-prefix']).toString().split('\n');
    path = path.replace(/\/$/, '') || '.';
  } catch {
    throw new ConfigError('diff', [
      `${show(content)} is not inside a git repository, so there is nothing to compare with`,
    ]);
  }
  try {
    git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  } catch {
    throw new ConfigError('diff', [
      `"${ref}" is not a commit git knows here (try a branch, a tag or HEAD~1)`,
    ]);
  }
  const base = await mkdtemp(join(tmpdir(), 'broadsheet-diff-'));
  let before: Awaited<ReturnType<typeof readCorpus>>;
  let existed: boolean;
  try {
    // Content that did not exist yet at <ref> compares as an empty folder: every article is new.
    existed = path === '.' || git(['ls-tree', '-d', ref, '--', path], top).length > 0;
    if (existed)
      execFileSync('tar', ['-x', '-C', base], {
        input: git(['archive', '--format=tar', ref, '--', path], top),
      });
    await mkdir(join(base, path), { recursive: true });
    // The articles as they were, read with the settings they had (base_url, timezone): with today's, a
    // changed base_url would move no id in the comparison.
    before = await readCorpus(join(base, path), await siteAt(join(base, path), site));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  const after = await readCorpus(content, site);
  if (hasErrors(after.problems)) throw new ContentError(after.problems);
  printWarnings(after.problems);
  const assets = (await new FsStaticAssets(content).list()).map((a) => a.path);
  const theme = await loadTheme(site, new FsThemeFiles(content));
  const change = await diffCorpora(before.articles, after.articles, site, clock(), assets, theme);
  const out = resolve(options['diff-out'] ?? options.out ?? 'diff');
  await mkdir(out, { recursive: true });
  // Said first, or a wrong ref (one from before the content existed) reads as a site of new articles.
  const summary = `${existed ? '' : `_${path}/ did not exist at ${ref}: every article counts as added._\n\n`}${summaryMarkdown(change, ref)}`;
  await writeFile(join(out, 'summary.md'), summary);
  if (change.digest) {
    const links = previewLinks(site);
    await writeFile(join(out, 'digest.html'), change.digest.html(links));
    await writeFile(join(out, 'digest.txt'), change.digest.text(links));
  }
  console.log(summary);
  // On stderr: stdout is the summary alone, ready for a pull request's comment.
  console.error(`Written to ${show(out)}/: summary.md${change.digest ? ', digest.html and digest.txt' : ''}`);
  return change.idProblems.length > 0 ? 1 : 0;
}

/** Runs the command the command line names; its exit code. */
async function main({ positionals, values, tokens }: CommandLine): Promise<number> {
  const [command] = positionals;
  if (values.version) {
    console.log(packageJson.version);
    return 0;
  }
  if (command === 'help' && positionals[1] !== undefined) {
    if (!(positionals[1] in ARGUMENTS)) {
      console.error(`Unknown command "${positionals[1]}".\n\n${USAGE}`);
      return 64;
    }
    console.log(commandHelp(positionals[1]));
    return 0;
  }
  if (values.help && command !== undefined && command in ARGUMENTS) {
    console.log(commandHelp(command));
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 64 : 0;
  }
  const most = ARGUMENTS[command];
  if (most === undefined) {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 64;
  }
  const extra = positionals.slice(1 + most);
  if (extra.length > 0) {
    console.error(
      `${command} takes ${most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`}, and was also given "${extra.join(' ')}" (an option starts with --).\n\n${commandHelp(command)}`,
    );
    return 64;
  }
  const misplaced = [
    ...new Set(
      tokens.flatMap((t) =>
        t.kind === 'option' && OPTION_USE.some((o) => o.name === t.name && !o.commands.includes(command))
          ? [t.rawName]
          : [],
      ),
    ),
  ];
  if (misplaced.length > 0) {
    console.error(
      `${misplaced.join(', ')} ${misplaced.length === 1 ? 'does' : 'do'} not apply to ${command}.\n\n${commandHelp(command)}`,
    );
    return 64;
  }
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
      await preview(cli);
      return 0;
    case 'diff':
      return diff(cli, positionals[1]);
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
      return subscribers(cli, positionals.slice(1), await subscriberStore(cli));
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
