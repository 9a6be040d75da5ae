#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// The `broadsheet` command: parses arguments, wires the filesystem adapters, runs the pipeline, and maps
// errors to exit codes in one place.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FsArticleSource, FsStaticAssets } from './adapters/fs/article-source.js';
import { siteFileFor } from './adapters/fs/files.js';
import { loadSiteConfig } from './adapters/fs/site-config.js';
import { FileAnnouncementStore, FilePublishedLock, FileSubscriberStore } from './adapters/fs/state.js';
import { prepareToParse } from './core/article.js';
import { hasErrors, parseCorpus, publishedAt } from './core/corpus.js';
import { planDigest, previewLinks } from './core/digest.js';
import { BroadsheetError, ConfigError, ContentError, formatProblem, type Problem } from './core/errors.js';
import type { SubscriberStore } from './core/ports.js';
import { checkPublished } from './core/published-lock.js';
import type { SiteConfig } from './core/site.js';
import { CONTENT_TYPES, contentTypeForPath } from './core/site-build.js';
import { normalizeAddress } from './core/subscribers.js';
import { localBuild, previewBuild } from './local.js';
import type { BuildReport } from './pipeline/build.js';
import { diffCorpora, summaryMarkdown } from './pipeline/diff.js';
import { exportCsv, importSubscribers } from './pipeline/operator.js';

const USAGE = `Usage: broadsheet <command> [options]

Commands:
  build      Validate content/, write the site and feeds to dist/, and the digest of new articles to outbox/
  check      Validate every article and compare with content/published.lock.json; write nothing
  preview    Build a copy of the site for http://127.0.0.1:<port> and serve it (no email)
  diff <git-ref>  What merging the working tree onto <git-ref> would do: feed items added, changed and
             removed, published ids that would change, and the digest it would send (--out <dir>)
  subscribers list | add <address>... | remove <address>... | import <file.csv> | export
             Manage subscribers in .broadsheet/subscribers.json, or in DynamoDB with --table

Options:
  --content <dir>   articles and site.yaml          (default: content)
  --out <dir>       built site                      (default: dist)
  --outbox <dir>    digests, one .eml per recipient (default: outbox)
  --state <dir>     announced articles, cache       (default: .broadsheet)
  --now <iso>       pretend it is this time (scheduled articles, digest Date)
  --port <n>        preview port                    (default: 4000)
  --diff-out <dir>  diff: where summary.md, digest.html and digest.txt go (default: diff)
  --table <name>    subscribers: the DynamoDB table of a deployed stack (AWS credentials from the environment)
  --endpoint <url>  subscribers: a DynamoDB endpoint (dynalite, DynamoDB Local)
`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    content: { type: 'string', default: 'content' },
    out: { type: 'string', default: 'dist' },
    outbox: { type: 'string', default: 'outbox' },
    state: { type: 'string', default: '.broadsheet' },
    now: { type: 'string' },
    port: { type: 'string', default: '4000' },
    table: { type: 'string' },
    'diff-out': { type: 'string', default: 'diff' },
    endpoint: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

function clock(): Date {
  if (values.now === undefined) return new Date();
  const now = new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new ConfigError('--now', [`"${values.now}" is not a date`]);
  return now;
}

const show = (path: string) => relative(process.cwd(), path) || '.';

function printWarnings(problems: readonly Problem[]): void {
  for (const p of problems.filter((p) => p.severity === 'warning'))
    console.warn(`warning: ${formatProblem(p)}`);
}

function printBuild(report: BuildReport, out: string, seconds: number): void {
  printWarnings(report.warnings);
  const { site } = report;
  console.log(
    `Built ${report.published} of ${report.articles} articles (${report.drafts} draft, ${report.scheduled} scheduled) into ${show(out)}/ in ${seconds.toFixed(2)} s`,
  );
  console.log(
    `  files: ${site.written.length} written, ${site.unchanged} unchanged, ${site.removed.length} removed`,
  );
  console.log(`  feeds: ${['feed.xml', 'atom.xml', 'feed.json'].map((f) => show(join(out, f))).join('  ')}`);
  console.log(`  pages: ${show(join(out, 'index.html'))}`);
  if (report.hub) {
    console.log(
      `  websub: hub told about ${report.hub.notified} changed feed(s)${report.hub.failed ? `, ${report.hub.failed} failed` : ''}`,
    );
  }
  if (report.digest) {
    const d = report.digest;
    console.log(
      `Digest "${d.subject}" for ${d.recipients} recipient${d.recipients === 1 ? '' : 's'} written to ${show(d.location)}/`,
    );
    if (d.silenced > 0) {
      console.log(
        `  first run: announced only the newest article; ${d.silenced} older ones recorded as already announced`,
      );
    }
  } else {
    console.log('No new articles to announce: no email written.');
  }
  if (report.weekly) {
    const w = report.weekly;
    console.log(
      `Weekly digest "${w.subject}" for ${w.recipients} recipient${w.recipients === 1 ? '' : 's'} written to ${show(w.location)}/`,
    );
  }
}

async function check(site: SiteConfig, paths: { content: string; state: string }): Promise<number> {
  const source = new FsArticleSource(paths.content);
  const sources = await Promise.all((await source.list()).map((entry) => source.read(entry.path)));
  await prepareToParse(sources);
  const corpus = parseCorpus(sources, site);
  const now = clock();
  const published = publishedAt(corpus.articles, now.getTime());
  const assets = (await new FsStaticAssets(paths.content).list()).map((a) => a.path);
  const problems = [
    ...corpus.problems,
    ...checkPublished(
      await new FilePublishedLock(paths.content).load(),
      corpus.articles,
      published,
      site,
      assets,
    ),
  ];
  printWarnings(problems);
  if (hasErrors(problems)) throw new ContentError(problems);
  const plan = planDigest(published, await new FileAnnouncementStore(paths.state).load());
  console.log(`${corpus.articles.length} articles are valid; ${published.length} published.`);
  if (plan) {
    console.log(`The next build announces: ${plan.articles.map((a) => `"${a.title}"`).join(', ')}`);
  } else {
    console.log('The next build announces nothing.');
  }
  return 0;
}

async function preview(site: SiteConfig, paths: { content: string; state: string }): Promise<void> {
  const port = Number(values.port);
  const baseUrl = `http://127.0.0.1:${port}`;
  const root = resolve(paths.state, 'preview');
  const report = await previewBuild(
    { ...site, baseUrl, apiUrl: `${baseUrl}/api` },
    paths.content,
    root,
    clock(),
  );
  printWarnings(report.warnings);
  createServer(async (req, res) => {
    try {
      const file = await siteFileFor(root, new URL(req.url ?? '/', baseUrl).pathname);
      if (!file) {
        res.writeHead(404, { 'content-type': CONTENT_TYPES.html });
        createReadStream(join(root, '404.html')).pipe(res);
        return;
      }
      res.writeHead(200, { 'content-type': contentTypeForPath(file) });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(400).end('bad request');
    }
  }).listen(port, '127.0.0.1', () =>
    console.log(`Previewing ${report.published} articles at ${baseUrl}/ (Ctrl-C to stop)`),
  );
}

async function subscriberStore(site: SiteConfig, state: string): Promise<SubscriberStore> {
  if (values.table === undefined)
    return new FileSubscriberStore(state, site.author.email ?? site.sender.address);
  // Loaded only here, so other commands never pay for the AWS SDK.
  const { dynamoClient } = await import('./adapters/aws/clients.js');
  const { DynamoSubscribers } = await import('./adapters/aws/dynamo.js');
  return new DynamoSubscribers(
    dynamoClient(values.endpoint ? { dynamodb: values.endpoint } : {}),
    values.table,
  );
}

async function subscribers(args: string[], store: SubscriberStore, site: SiteConfig): Promise<number> {
  const [action, ...rest] = args;
  const now = clock();
  switch (action) {
    case 'list':
      for (const s of (await store.list()).sort((a, b) => a.address.localeCompare(b.address))) {
        console.log(`${s.address}\t${s.status}\t${s.delivery ?? 'instant'}`);
      }
      return 0;
    case 'export':
      process.stdout.write(exportCsv(await store.list()));
      return 0;
    case 'add':
    case 'remove': {
      let failed = 0;
      for (const raw of rest) {
        const checked = normalizeAddress(raw);
        if (!checked.ok) {
          console.error(`${raw}: ${checked.reason}`);
          failed++;
          continue;
        }
        const existing = await store.get(checked.address);
        if (existing?.status === 'suppressed') {
          console.error(`${checked.address}: suppressed after a bounce or complaint; not changed`);
          failed++;
          continue;
        }
        const status = action === 'add' ? 'confirmed' : 'unsubscribed';
        await store.save({
          address: checked.address,
          status,
          createdAtMs: existing?.createdAtMs ?? now.getTime(),
          updatedAtMs: now.getTime(),
        });
        console.log(`${checked.address}\t${status}`);
      }
      return failed > 0 ? 1 : 0;
    }
    case 'import': {
      const [file] = rest;
      if (!file)
        throw new ConfigError('subscribers import', [
          'give the CSV file: broadsheet subscribers import list.csv',
        ]);
      const report = await importSubscribers(store, await readFile(file, 'utf8'), site, now);
      for (const { line, reason } of report.skipped) console.error(`${file}:${line}: skipped: ${reason}`);
      console.log(
        `Imported ${report.imported} subscriber${report.imported === 1 ? '' : 's'}; skipped ${report.skipped.length}.`,
      );
      return 0;
    }
    default:
      console.error(`Unknown subscribers action "${action ?? ''}".\n\n${USAGE}`);
      return 64;
  }
}

async function diff(site: SiteConfig, content: string, ref: string | undefined): Promise<number> {
  if (!ref) throw new ConfigError('diff', ['give the git ref to compare with: broadsheet diff origin/main']);
  const git = (args: string[], input?: Buffer) =>
    execFileSync('git', args, { cwd: content, input, maxBuffer: 512 * 1024 * 1024 });
  const top = git(['rev-parse', '--show-toplevel']).toString().trim();
  const base = await mkdtemp(join(tmpdir(), 'broadsheet-diff-'));
  const tar = git(['-C', top, 'archive', '--format=tar', ref, relative(top, content) || '.']);
  execFileSync('tar', ['-x', '-C', base], { input: tar });
  const corpus = async (dir: string) => {
    const source = new FsArticleSource(dir);
    const sources = await Promise.all((await source.list()).map((entry) => source.read(entry.path)));
    await prepareToParse(sources);
    return parseCorpus(sources, site);
  };
  const before = await corpus(join(base, relative(top, content)));
  const after = await corpus(content);
  printWarnings(after.problems);
  if (hasErrors(after.problems)) throw new ContentError(after.problems);
  const assets = (await new FsStaticAssets(content).list()).map((a) => a.path);
  const change = diffCorpora(before.articles, after.articles, site, clock(), assets);
  const out = resolve(values['diff-out'] ?? 'diff');
  await mkdir(out, { recursive: true });
  const summary = summaryMarkdown(change, ref);
  await writeFile(join(out, 'summary.md'), summary);
  if (change.digest) {
    const links = previewLinks(site);
    await writeFile(join(out, 'digest.html'), change.digest.html(links));
    await writeFile(join(out, 'digest.txt'), change.digest.text(links));
  }
  console.log(summary);
  return change.idProblems.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const [command] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 64 : 0;
  }
  const paths = {
    content: resolve(values.content),
    out: resolve(values.out),
    outbox: resolve(values.outbox),
    state: resolve(values.state),
  };
  const site = await loadSiteConfig(paths.content);
  switch (command) {
    case 'build': {
      const start = performance.now();
      const report = await localBuild(site, paths, clock());
      printBuild(report, paths.out, (performance.now() - start) / 1000);
      return 0;
    }
    case 'check':
      return check(site, paths);
    case 'preview':
      await preview(site, paths);
      return 0;
    case 'diff':
      return diff(site, paths.content, positionals[1]);
    case 'subscribers':
      return subscribers(positionals.slice(1), await subscriberStore(site, paths.state), site);
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 64;
  }
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ContentError) {
      printWarnings(error.problems);
      console.error(`${error.message}\nNothing was written: fix the articles above and run again.`);
      process.exitCode = 1;
    } else if (error instanceof BroadsheetError) {
      console.error(error.message);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 70;
    }
  },
);
