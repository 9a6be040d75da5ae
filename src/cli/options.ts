// The command line: each command and the options it takes, the help they make, and parsing it, with our
// own words for what parseArgs refuses.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };

/** A command given without what it needs (an address, a ref, a file): exit 64, as for a wrong option. */
export class UsageError extends Error {}

/** Each command, and how many arguments it takes after its name. */
export const ARGUMENTS: Readonly<Record<string, number>> = {
  build: 0,
  check: 0,
  preview: 0,
  diff: 1,
  'send-test': 0,
  stats: 0,
  pending: 0,
  hold: 1,
  release: 1,
  cancel: 1,
  subscribers: Number.POSITIVE_INFINITY,
};

const DESK = ['pending', 'hold', 'release', 'cancel'];

const WITH_TABLE = ['subscribers', 'send-test', 'stats'];

/**
 * Every option but --help and --version: how help shows it, and the commands it applies to (an option
 * given to another command is refused, never silently ignored). `help` continues on lines of its own.
 */
export const OPTION_USE: readonly {
  readonly name: keyof typeof OPTIONS;
  readonly flag: string;
  readonly help: readonly string[];
  /** What one command's own help says instead, where `help` speaks of several commands. */
  readonly helpOf?: Readonly<Record<string, readonly string[]>>;
  readonly commands: readonly string[];
}[] = [
  {
    name: 'content',
    flag: '--content <dir>',
    help: ['articles and site.yaml (default: content)'],
    commands: Object.keys(ARGUMENTS),
  },
  {
    name: 'out',
    flag: '--out <dir>',
    help: [
      'build: the built site (default: dist)',
      'diff: summary.md, digest.html and digest.txt (default: diff; --diff-out too)',
    ],
    helpOf: {
      build: ['the built site (default: dist)'],
      diff: ['summary.md, digest.html and digest.txt (default: diff; --diff-out <dir> is the same)'],
    },
    commands: ['build', 'diff'],
  },
  { name: 'diff-out', flag: '', help: [], commands: ['diff'] },
  {
    name: 'outbox',
    flag: '--outbox <dir>',
    help: [
      "mail written instead of sent: digests, one .eml per recipient, and the preview's subscription",
      'mail (default: outbox)',
    ],
    commands: ['build', 'preview', 'send-test', 'stats'],
  },
  {
    name: 'state',
    flag: '--state <dir>',
    help: ['announced articles, holds, local subscribers, cache (default: .broadsheet)'],
    commands: Object.keys(ARGUMENTS),
  },
  {
    name: 'now',
    flag: '--now <iso>',
    help: ['pretend it is this time (scheduled articles, digest Date)'],
    commands: Object.keys(ARGUMENTS),
  },
  {
    name: 'port',
    flag: '--port <n>',
    help: ['preview: the port (default: 4000; 0 picks a free one)'],
    commands: ['preview'],
  },
  {
    name: 'watch',
    flag: '--watch',
    help: ['preview: rebuild on change and reload open pages'],
    commands: ['preview'],
  },
  {
    name: 'drafts',
    flag: '--drafts',
    help: ['preview: show drafts and scheduled articles, marked as such'],
    commands: ['preview'],
  },
  {
    name: 'to',
    flag: '--to <address>',
    help: ['send-test: the one address to send the test to'],
    commands: ['send-test'],
  },
  {
    name: 'article',
    flag: '--article <slug>',
    help: ['send-test: send this article as its digest would, instead of the next digest'],
    commands: ['send-test'],
  },
  {
    name: 'table',
    flag: '--table <name>',
    help: [
      'subscribers, send-test, stats: the DynamoDB table of a deployed stack (AWS credentials from the',
      'environment; send-test also reads TOKEN_SECRET_ARN, and SES_CONFIGURATION_SET if set)',
    ],
    commands: WITH_TABLE,
  },
  {
    name: 'stack',
    flag: '--stack <name>',
    help: [
      'send-test, stats, subscribers, pending/hold/release/cancel: a deployed stack, by the',
      'outputs `npm run deploy` writes to cdk-outputs.json (its table and content bucket)',
    ],
    commands: [...WITH_TABLE, ...DESK],
  },
  {
    name: 'outputs',
    flag: '--outputs <file>',
    help: ['where --stack reads them (default: cdk-outputs.json)'],
    commands: [...WITH_TABLE, ...DESK],
  },
  {
    name: 'endpoint',
    flag: '--endpoint <url>',
    help: ['a DynamoDB endpoint for --table or --stack (dynalite, DynamoDB Local)'],
    commands: [...WITH_TABLE, ...DESK],
  },
  {
    name: 's3-endpoint',
    flag: '--s3-endpoint <url>',
    help: ['an S3 endpoint for --stack (an emulator)'],
    commands: [...WITH_TABLE, ...DESK],
  },
  {
    name: 'ses-endpoint',
    flag: '--ses-endpoint <url>',
    help: ['send-test --table: an SES endpoint (an emulator)'],
    commands: ['send-test'],
  },
  {
    name: 'force',
    flag: '--force',
    help: [
      'subscribers add/import: confirm an address even if it unsubscribed or was suppressed;',
      'send-test: send to such an address anyway',
    ],
    commands: ['subscribers', 'send-test'],
  },
  {
    name: 'allow-skips',
    flag: '--allow-skips',
    help: ['subscribers import: exit 0 even when rows were skipped (each is still listed)'],
    commands: ['subscribers'],
  },
];

/** The options that apply to any of `commands`, as help lists them. */
function optionsHelp(commands: readonly string[]): string {
  const [only] = commands.length === 1 ? commands : [];
  return OPTION_USE.filter((o) => o.flag !== '' && o.commands.some((c) => commands.includes(c)))
    .flatMap(({ flag, help, helpOf }) =>
      ((only !== undefined && helpOf?.[only]) || help).map(
        (line, i) => `  ${(i === 0 ? flag : '').padEnd(22)}${line}`,
      ),
    )
    .join('\n');
}

export const USAGE = `Usage: broadsheet <command> [options]

Commands:
  build      Validate content/, write the site and feeds to dist/, and the digest of new articles to outbox/
  check      Validate every article and compare with content/published-ids.json; write nothing
  preview [--watch] [--drafts]
             Build a copy of the site for http://127.0.0.1:<port> and serve it, with a working subscribe form
             (its mail goes to outbox/subscriptions/). --watch rebuilds on change and reloads open pages;
             --drafts shows drafts and scheduled articles, marked as such. Announces nothing
  diff <git-ref>  What merging the working tree onto <git-ref> would do: feed items added, changed and
             removed, published ids that would change, and the digest it would send (into --out <dir>)
  send-test --to <address> [--article <slug>]
             Send what the next digest would send (or that article) to one address, subject marked
             [Test]: into outbox/test-.../, or with --table through SES. Records nothing as announced or sent
  stats      Subscribers by status, delivery and topic; for each digest of the last 30 days: recipients, sent,
             failed, bounced, complained, unsubscribed within 7 days (with --table: the deployed stack's)
  pending    The digests waiting in their grace window (digest.delay) or held: id, articles, when due
  hold [id]  Stop the digest waiting out its window until release, however long; what goes live later
             waits on its own beside it
  release [id]
             Let a held digest go: when its window closes, or at the next build if that has passed
  cancel [id]
             Drop a waiting digest: its articles are recorded as announced and never mailed
             (without an id: the one digest there is, or a list of them to choose from)
  subscribers list | add <address>... | remove <address>... | import <file.csv>... | export
             Manage subscribers in .broadsheet/subscribers.json, or in DynamoDB with --table.
             import reads export's file back, and the exports of Mailchimp (subscribed, unsubscribed,
             cleaned), Substack, Ghost, Buttondown and listmonk, recognised by their header

Options:
${optionsHelp(Object.keys(ARGUMENTS))}`;

/** One command's entry of USAGE, and the options it takes. */
export function commandHelp(command: string): string {
  const [commands = ''] = USAGE.split('\nOptions:\n');
  const entries = commands.split(/\n(?= {2}\S)/);
  const entry = entries.find((e) => e.startsWith(`  ${command} `) || e === `  ${command}`) ?? '';
  const [first = '', ...rest] = entry.trim().split('\n');
  const [synopsis = '', ...said] = first.split(/ {2,}/);
  const lines = [...said, ...rest].map((line) => `  ${line.trim()}`).join('\n');
  return `Usage: broadsheet ${synopsis}\n\n${lines}\n\nOptions:\n${optionsHelp([command])}\n`;
}

export function parseCommandLine() {
  try {
    return parseArgs({ allowPositionals: true, options: OPTIONS, tokens: true });
  } catch (error) {
    // parseArgs' own words quote oddly and suggest `--` for positionals; ours name the option and the fix.
    const message = error instanceof Error ? error.message : String(error);
    const option = /'(--?[^' =]+)/.exec(message)?.[1] ?? '';
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `unknown option ${option}`
        : /argument missing|argument is ambiguous/.test(message)
          ? `${option} needs a value (${option} <value>)`
          : /does not take an argument/.test(message)
            ? `${option} takes no value`
            : message;
    const command = process.argv.slice(2).find((arg) => arg in ARGUMENTS);
    console.error(
      `broadsheet: ${reason}. ${command ? `broadsheet ${command} --help` : 'broadsheet --help'} lists the options.`,
    );
    process.exit(64);
  }
}

const OPTIONS = {
  content: { type: 'string', default: 'content' },
  // No default: for `diff` it names the folder of the report (default diff/), for the rest the site (dist/).
  out: { type: 'string' },
  outbox: { type: 'string', default: 'outbox' },
  state: { type: 'string', default: '.broadsheet' },
  now: { type: 'string' },
  port: { type: 'string', default: '4000' },
  table: { type: 'string' },
  stack: { type: 'string' },
  outputs: { type: 'string', default: 'cdk-outputs.json' },
  's3-endpoint': { type: 'string' },
  // The name this option had first; --out is the documented one.
  'diff-out': { type: 'string' },
  endpoint: { type: 'string' },
  'ses-endpoint': { type: 'string' },
  to: { type: 'string' },
  article: { type: 'string' },
  force: { type: 'boolean', default: false },
  watch: { type: 'boolean', default: false },
  drafts: { type: 'boolean', default: false },
  'allow-skips': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

export type CommandLine = ReturnType<typeof parseCommandLine>;

/**
 * The options as given, each with its default (OPTIONS). The commands get them from main() with --stack's
 * table as --table.
 */
export type Options = CommandLine['values'];

/** What the command line asks for: a command to run, or to exit at once with this code. */
export type CommandOrExit = { readonly command: string } | { readonly exitCode: number };

/**
 * The command the command line names, once it exists and was given only what it takes; otherwise the exit
 * code, with help, the version or what was wrong printed.
 */
export function commandOf({ positionals, values, tokens }: CommandLine): CommandOrExit {
  const [command] = positionals;
  if (values.version) {
    console.log(packageJson.version);
    return { exitCode: 0 };
  }
  if (command === 'help' && positionals[1] !== undefined) {
    if (!(positionals[1] in ARGUMENTS)) {
      console.error(`Unknown command "${positionals[1]}".\n\n${USAGE}`);
      return { exitCode: 64 };
    }
    console.log(commandHelp(positionals[1]));
    return { exitCode: 0 };
  }
  if (values.help && command !== undefined && command in ARGUMENTS) {
    console.log(commandHelp(command));
    return { exitCode: 0 };
  }
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return { exitCode: command === undefined && !values.help ? 64 : 0 };
  }
  const most = ARGUMENTS[command];
  if (most === undefined) {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return { exitCode: 64 };
  }
  const extra = positionals.slice(1 + most);
  if (extra.length > 0) {
    console.error(
      `${command} takes ${most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`}, and was also given "${extra.join(' ')}" (an option starts with --).\n\n${commandHelp(command)}`,
    );
    return { exitCode: 64 };
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
    return { exitCode: 64 };
  }
  return { command };
}
