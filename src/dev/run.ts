// `npm run dev`: the cloud edition on this machine. Starts the emulators, uploads content/, runs the real
// handlers (publish → digest → send) on every change under content/, checks for an ended week each minute
// (weekly digests), and prints where to look.
import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { dynamoClient, s3Client, sesClient } from '../adapters/aws/clients.js';
import { DynamoAttemptLimiter } from '../adapters/aws/dynamo/attempt-limiter.js';
import { DynamoSubscribers } from '../adapters/aws/dynamo/subscribers.js';
import { SesMailer } from '../adapters/aws/ses.js';
import { SITE_JSON_KEY, siteJsonOf } from '../adapters/aws/site-json.js';
import { loadSiteConfig } from '../adapters/fs/site-config.js';
import { parseSiteYaml } from '../core/site-yaml.js';
import { type SqsHandler, s3Notification, sqsEvent, startEmulators, TABLE } from './emulators.js';
import { startSiteServer } from './site-server.js';

const contentDir = join(process.cwd(), 'content');
const emu = await startEmulators();
Object.assign(process.env, emu.env, { POWERTOOLS_LOG_LEVEL: 'WARN' });
const publish: SqsHandler = (await import('../../functions/publish.js')).handler;
const digest: SqsHandler = (await import('../../functions/digest.js')).handler;
const send: SqsHandler = (await import('../../functions/send.js')).handler;
const weekly = (await import('../../functions/weekly.js')).handler;
const s3 = s3Client({ s3: emu.s3 });
const db = dynamoClient({ dynamodb: emu.dynamodb });
const local = await loadSiteConfig(contentDir);
// The subscription API on loopback; the site's forms post to it.
const api = await startSiteServer(() => ({
  site: { ...local, baseUrl: `${emu.s3}/site`, apiUrl: `${api.url}/api` },
  subscribers: new DynamoSubscribers(db, TABLE),
  limiter: new DynamoAttemptLimiter(db, TABLE),
  mail: new SesMailer(sesClient({ ses: emu.ses })),
  secret: emu.env.TOKEN_SECRET ?? 'dev',
}));

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/** Mirrors content/ into the content bucket: `static/` files also go straight to the site bucket. */
async function upload(keys: readonly string[]): Promise<string[]> {
  const posts: string[] = [];
  for (const key of keys) {
    let body: Buffer | string | undefined = await readFile(join(contentDir, key)).catch(() => undefined);
    // Links should lead around the emulated site, not to the real domain.
    if (key === 'site.yaml' && body) {
      body = stringify({
        ...(parse(body.toString('utf8')) as object),
        base_url: `${emu.s3}/site`,
        api_url: `${api.url}/api`,
      });
    }
    const bucket = key.startsWith('static/') ? 'site' : 'content';
    const target = key.startsWith('static/') ? key.slice('static/'.length) : key;
    if (body) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: target, Body: body }));
    else await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: target }));
    // As a deploy does: site.json beside site.yaml, for the functions that read only the settings.
    if (key === 'site.yaml' && body) {
      const json = siteJsonOf(parseSiteYaml(body.toString(), 'content/site.yaml'));
      await s3.send(new PutObjectCommand({ Bucket: 'content', Key: SITE_JSON_KEY, Body: json }));
    }
    if (key.startsWith('posts/') && key.endsWith('.md')) posts.push(key);
  }
  return posts;
}

async function run(posts: readonly string[]): Promise<void> {
  if (posts.length === 0) return;
  const event = sqsEvent([
    s3Notification(
      'content',
      posts.map((key) => ({ key })),
    ),
  ]);
  await publish(event);
  const { digests, failed } = await emu.queues.deliverMail({ digest, send });
  console.log(`published ${posts.length} change(s)${digests > 0 ? ', digest sent' : ''}`);
  if (failed.length > 0) console.error(`${failed.length} queue message(s) failed; see the log above`);
}

await new DynamoSubscribers(db, TABLE).put(
  local.author.email ?? local.sender.address,
  'confirmed',
  Date.now(),
);
await run(await upload(await files(contentDir)));

// What the EventBridge rule does in AWS: look for an ended week every 15 minutes (here every minute).
async function weeklyTick(): Promise<void> {
  const outcome = await weekly({ time: new Date().toISOString() });
  if (outcome !== 'delivered') return;
  const { failed } = await emu.queues.deliverMail({ digest, send });
  console.log(`weekly digest sent${failed.length > 0 ? `; ${failed.length} queue message(s) failed` : ''}`);
}
await weeklyTick();
setInterval(
  () => weeklyTick().catch((error: unknown) => console.error('weekly check failed:', error)),
  60_000,
);
console.log(`
Broadsheet dev — the real handlers against local emulators (Ctrl-C to stop)
  feed      ${emu.s3}/site/feed.xml
  site      ${emu.s3}/site/index.html
  mailbox   ${emu.ses}/   (every email sent: confirmations and digests)
  api       ${api.url}/api/subscribe (the site's subscribe form posts here)
  watching  ${relative(process.cwd(), contentDir)}/
`);

let pending = new Set<string>();
let timer: NodeJS.Timeout | undefined;
watch(contentDir, { recursive: true }, (_event, name) => {
  if (!name) return;
  pending.add(name.split(sep).join('/'));
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const keys = [...pending];
    pending = new Set();
    try {
      await run(await upload(keys));
    } catch (error) {
      console.error('publish failed:', error);
    }
  }, 300);
});

process.once('SIGINT', async () => {
  await api.close();
  await emu.stop();
  process.exit(0);
});
