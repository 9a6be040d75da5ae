// `npm run bench:cloud`: the cloud edition against the emulators. Prints
//  - S3 requests to publish one new article into corpora of 100 and 10,000 articles (counted by an SDK
//    middleware on the publisher's own client; the target is the same count for both),
//  - each handler's bundle size (esbuild, minified, AWS SDK external as in Lambda) and its cold import time
//    in a fresh node process,
//  - a digest to 10,000 subscribers: emails sent, duplicates, emails/s,
//  - each function as deployed (its bundle in the synthesized cdk.out): size, and its init duration on the
//    runtime's Node (a fresh instance on the local AWS: process start, SDK and bundle import).
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { dynamoClient, s3Client, sesClient } from '../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoSendLedger } from '../src/adapters/aws/dynamo/send-ledger.js';
import { DynamoSubscribers } from '../src/adapters/aws/dynamo/subscribers.js';
import { SesMailer } from '../src/adapters/aws/ses.js';
import { s3PublishPorts } from '../src/cloud.js';
import type { SendBatch } from '../src/core/ports.js';
import { parseSiteConfig } from '../src/core/site.js';
import { sesMailbox, startEmulators, TABLE } from '../src/dev/emulators.js';
import { fanOutDigest } from '../src/pipeline/fanout.js';
import { publishChanges } from '../src/pipeline/publish.js';
import { RateLimiter, sendBatch } from '../src/pipeline/send.js';
import { syntheticArticle } from './corpus.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const site = parseSiteConfig({
  title: 'Bench Site',
  base_url: 'https://bench.example.com',
  author: { name: 'Bench' },
  sender: { name: 'Bench', address: 'bench@example.com' },
});

/** Counts every request the client sends, by command. */
function countRequests(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return counts;
}

const emu = await startEmulators();
const db = dynamoClient({ dynamodb: emu.dynamodb });
const noQueue = { enqueue: async () => {} };

async function publishInto(articles: number): Promise<Map<string, number>> {
  const setup = s3Client({ s3: emu.s3 });
  const content = `content-${articles}`;
  const siteBucket = `site-${articles}`;
  await setup.send(new CreateBucketCommand({ Bucket: content }));
  await setup.send(new CreateBucketCommand({ Bucket: siteBucket }));
  const deps = (client: S3Client) => ({
    site,
    ...s3PublishPorts({ s3: client, db, contentBucket: content, siteBucket, table: TABLE, digests: noQueue }),
  });
  const paths: string[] = [];
  for (let i = 0; i < articles; i++) {
    const path = `posts/article-${i}.md`;
    await setup.send(new PutObjectCommand({ Bucket: content, Key: path, Body: syntheticArticle(i) }));
    paths.push(path);
  }
  const started = performance.now();
  for (let i = 0; i < paths.length; i += 1000)
    await publishChanges(deps(setup), paths.slice(i, i + 1000), new Date());
  console.error(`  seeded ${articles} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const fresh = `posts/new-${articles}.md`;
  await setup.send(
    new PutObjectCommand({
      Bucket: content,
      Key: fresh,
      Body: syntheticArticle(articles + 1).replace(/^date: .*$/m, 'date: 2030-01-01'),
    }),
  );
  const measured = s3Client({ s3: emu.s3 });
  const counts = countRequests(measured);
  await publishChanges(deps(measured), [fresh], new Date('2031-01-01T00:00:00Z'));
  return counts;
}

console.log('## S3 requests to publish one new article\n');
const small = await publishInto(100);
const large = await publishInto(Number(process.env.BENCH_CLOUD_ARTICLES ?? 10_000));
const commands = [...new Set([...small.keys(), ...large.keys()])].sort();
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log('| request | 100 articles | 10,000 articles |\n| --- | ---: | ---: |');
for (const c of commands) console.log(`| ${c} | ${small.get(c) ?? 0} | ${large.get(c) ?? 0} |`);
console.log(`| **total** | **${sum(small)}** | **${sum(large)}** |\n`);

console.log('## Handler bundles (esbuild, minified, AWS SDK external as in the Lambda runtime)\n');
console.log('| handler | size KB | cold import ms |\n| --- | ---: | ---: |');
const out = join(root, 'bench/.work/bundles');
mkdirSync(out, { recursive: true });
for (const name of ['publish', 'reconcile', 'digest', 'weekly', 'send', 'subscribe', 'bounces']) {
  const file = join(out, `${name}.mjs`);
  await build({
    entryPoints: [join(root, 'functions', `${name}.ts`)],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*'],
    outfile: file,
    logLevel: 'error',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  // A fresh process per import: what a cold start pays to load the code (the handler's own env included).
  const env = { ...process.env, ...emu.env };
  const ms = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
    ],
    { env, cwd: root },
  );
  console.log(
    `| ${name} | ${Math.round(statSync(file).size / 1024)} | ${Number(ms.toString()).toFixed(0)} |`,
  );
}

const subscriberCount = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
console.log(`\n## Digest to ${subscriberCount} subscribers\n`);
await new DynamoSubscribers(db, TABLE).saveAll(
  Array.from({ length: subscriberCount }, (_, i) => ({
    address: `reader-${i}@example.org`,
    status: 'confirmed' as const,
    createdAtMs: 0,
    updatedAtMs: 0,
  })),
);
const ledger = new DynamoAnnouncementLedger(db, TABLE);
const digestId = 'bench0123456789abcdef';
await ledger.createDigest({
  id: digestId,
  createdAtMs: Date.now(),
  articles: [
    {
      source: 'posts/a.md',
      hash: 'h',
      slug: 'a',
      url: 'https://bench.example.com/posts/a/',
      title: 'Bench',
      summary: 'S',
      date: '2030-01-01T00:00:00Z',
      dateMs: 0,
      tags: [],
      draft: false,
      author: 'B',
    },
  ],
});
const batches: SendBatch[] = [];
await fanOutDigest(digestId, {
  digests: ledger,
  recipients: new DynamoSubscribers(db, TABLE),
  queue: { enqueue: async (b) => void batches.push(...b) },
});
await fetch(`${emu.ses}/clear-store`, { method: 'POST' });
const sendDeps = {
  site,
  digests: ledger,
  ledger: new DynamoSendLedger(db, TABLE),
  mail: new SesMailer(sesClient({ ses: emu.ses })),
  limiter: new RateLimiter(Number(process.env.BENCH_SEND_RATE ?? 2000)),
  secret: 'bench',
  now: () => new Date(),
};
const started = performance.now();
// Ten batches at a time, as ten concurrent sender invocations would; then every batch once more (redelivery).
for (let i = 0; i < batches.length; i += 10)
  await Promise.all(batches.slice(i, i + 10).map((b) => sendBatch(sendDeps, b)));
const seconds = (performance.now() - started) / 1000;
for (let i = 0; i < batches.length; i += 10)
  await Promise.all(batches.slice(i, i + 10).map((b) => sendBatch(sendDeps, b)));
const mails = await sesMailbox(emu.ses);
const perRecipient = new Map<string, number>();
for (const m of mails)
  for (const to of m.destination.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
const duplicates = [...perRecipient.values()].reduce((n, c) => n + (c - 1), 0);
console.log(
  `| batches | emails sent | recipients reached | duplicates (after redelivering every batch) | seconds | emails/s |`,
);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`);
console.log(
  `| ${batches.length} | ${mails.length} | ${perRecipient.size} | ${duplicates} | ${seconds.toFixed(1)} | ${Math.round(mails.length / seconds)} |`,
);

await emu.stop();

console.log('\n## Functions as deployed (cdk.out bundles, init on the local AWS)\n');
const { startLocalAws } = await import('../src/dev/local-aws/stack.js');
const aws = await startLocalAws({ log: () => {} });
console.log('| function | bundle KB | init ms (Node for its runtime) |\n| --- | ---: | ---: |');
for (const fn of aws.functions.values()) {
  const bundle = statSync(join(fn.config.codeDir, 'index.mjs')).size;
  const { initMs, error } = await fn.prewarm();
  console.log(
    `| ${fn.config.name} | ${Math.round(bundle / 1024)} | ${error ? `init failed: ${error.message}` : initMs} |`,
  );
}
await aws.stop();
