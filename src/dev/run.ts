// `npm run dev [-- --content <dir>]`: the synthesized stack on the local AWS. Deploys the content folder
// as the template's BucketDeployments would, lets the S3 notifications drive the functions (publish →
// digest → send), serves the site through the CloudFront behaviours, fires the EventBridge rules on the
// wall clock, and says what each publish did. site.yaml's base_url and api_url are pointed at the local
// site, so links lead around it.
import { watch } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { dynamoClient } from '../adapters/aws/clients.js';
import { DynamoSubscribers } from '../adapters/aws/dynamo/subscribers.js';
import { SITE_JSON_KEY, siteJsonOf } from '../adapters/aws/site-json.js';
import { contentTypeForPath } from '../core/site-build.js';
import { parseSiteYaml } from '../core/site-yaml.js';
import { contentDeployments, destinationOf, type FolderDeployment } from './local-aws/deployments.js';
import type { LogLine } from './local-aws/lambda-runtime.js';
import { LOCAL_CREDENTIALS, type LocalAws, REPO_ROOT, startLocalAws } from './local-aws/stack.js';

const { values } = parseArgs({ options: { content: { type: 'string' } } });
/** Beside cdk-outputs.json, which a real deploy writes, and ignored by git as it is. */
const LOCAL_OUTPUTS = 'cdk-outputs.local.json';
const contentDir = resolve(values.content ?? join(REPO_ROOT, 'content'));

/** What the functions say, turned into one line per event worth a developer's attention. */
function reporter(): (line: LogLine) => void {
  return ({ fn, line }) => {
    let entry: Record<string, unknown> | undefined;
    try {
      entry = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    } catch {
      entry = undefined;
    }
    if (!entry) {
      if (/\tERROR\t/.test(line) || /error/i.test(line)) console.error(`${fn}: ${line}`);
      return;
    }
    if (entry._aws) return; // metrics
    const list = (v: unknown) => (Array.isArray(v) ? v.length : 0);
    if (fn === 'Publish' && entry.message === 'published') {
      console.log(
        `publish: ${list(entry.published)} published, ${list(entry.removed)} removed, ${Number(entry.unchanged ?? 0)} unchanged, ${Number(entry.written ?? 0)} files written${entry.digestId ? `, digest ${String(entry.digestId)} handed on` : ''}`,
      );
    } else if (entry.message === 'article rejected; the last good version stays online') {
      console.log(`publish: rejected ${String(entry.detail ?? entry.file)}`);
    } else if (fn === 'Digest' && entry.message === 'digest fanned out') {
      console.log(
        `digest: ${String(entry.digestId)} to ${Number(entry.recipients)} recipient(s) in ${Number(entry.batches)} batch(es)`,
      );
    } else if (fn === 'Send' && entry.message === 'batch sent') {
      console.log(
        `send: ${Number(entry.sent)} sent, ${Number(entry.skipped)} already sent, ${Number(entry.failed)} failed`,
      );
    } else if (fn === 'Weekly' && entry.message === 'weekly digest handed on') {
      console.log(
        `weekly: digest ${String(entry.digestId)} with ${Number(entry.articles)} article(s) handed on`,
      );
    } else if (entry.level === 'ERROR' || entry.level === 'WARN') {
      console.error(
        `${fn}: ${String(entry.message)}${entry.error ? ` (${JSON.stringify(entry.error)})` : ''}`,
      );
    }
  };
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/** Puts (or deletes) each changed file where the template's deployments put it; site.yaml with local URLs. */
async function deploy(
  aws: LocalAws,
  deployments: readonly FolderDeployment[],
  paths: readonly string[],
): Promise<number> {
  let changed = 0;
  for (const path of paths) {
    const target = destinationOf(deployments, path);
    if (!target) continue;
    let body: Buffer | string | undefined = await readFile(join(contentDir, path)).catch(() => undefined);
    if (body && path === 'site.yaml') {
      const site = aws.endpoints.site ?? '';
      const yaml = body.toString('utf8');
      body = `${yaml.replace(/^(base_url|api_url):.*\n?/gm, '')}\n# npm run dev: links lead around the local site\nbase_url: ${site}\napi_url: ${site}/api\n`;
    }
    if (body !== undefined && path === 'site.yaml') {
      // The deploy writes site.json beside site.yaml from the same settings (here with the local URLs).
      await aws.clients.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key.replace(/site\.yaml$/, SITE_JSON_KEY),
          Body: siteJsonOf(parseSiteYaml(body.toString(), join(contentDir, path))),
          ContentType: 'application/json',
        }),
      );
    }
    if (body !== undefined) {
      await aws.clients.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          Body: body,
          ContentType: contentTypeForPath(path),
        }),
      );
    } else {
      const prune = deployments.find((d) => d.bucket === target.bucket)?.prune ?? false;
      // A deploy prunes deleted files only where the deployment says so (the site bucket keeps them).
      if (!prune) continue;
      await aws.clients.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: target.key }));
    }
    changed++;
  }
  return changed;
}

let aws: LocalAws | undefined;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await aws?.stop().catch(() => {});
  }
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
process.on('uncaughtException', (error) => {
  console.error('dev: stopped by an error:', error);
  void stop(1);
});
process.on('unhandledRejection', (error) => {
  console.error('dev: stopped by an error:', error);
  void stop(1);
});

aws = await startLocalAws({ onLog: reporter(), log: (line) => console.error(line) });
const { folders: deployments, data } = await contentDeployments(
  aws.assembly,
  aws.resolver,
  join(REPO_ROOT, 'content'),
);
// What the deployment writes from its own assets (release.json); site.json follows the local site.yaml.
for (const { bucket, key, file } of data)
  if (!key.endsWith(SITE_JSON_KEY))
    await aws.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
const site = aws.endpoints.site ?? '';

// The site owner as a confirmed subscriber, so a digest lands in the mailbox.
const siteYaml = parse(await readFile(join(contentDir, 'site.yaml'), 'utf8').catch(() => '')) as {
  author?: { email?: string };
  sender?: { address?: string };
} | null;
const owner = siteYaml?.author?.email ?? siteYaml?.sender?.address;
const table = aws.fn('Publish').config.environment.TABLE_NAME;
if (owner && table) {
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  await new DynamoSubscribers(dynamoClient({ dynamodb: aws.endpoints.dynamodb }), table).put(
    owner,
    'confirmed',
    Date.now(),
  );
}

console.log(`Broadsheet dev: the synthesized stack on this machine (Ctrl-C to stop)
site: ${site}/
api: ${site}/api
mail: ${aws.endpoints.ses}/
s3: ${aws.endpoints.s3}
sqs: ${aws.endpoints.sqs}
dynamodb: ${aws.endpoints.dynamodb}
content: ${relative(process.cwd(), contentDir) || '.'} (watched; deployed as the template's BucketDeployments: ${deployments.map((d) => `${d.subdir || '.'}/ → ${d.bucket}${d.prune ? '' : ' (never pruned)'}`).join(', ')})
`);

// The outputs `npm run deploy` writes to cdk-outputs.json, for this stack: operator commands take --stack.
await writeFile(
  join(REPO_ROOT, LOCAL_OUTPUTS),
  `${JSON.stringify({ Broadsheet: aws.outputs() }, null, 2)}\n`,
);
console.log(`operator commands (pending, hold, release, cancel, stats, subscribers, send-test) on this stack:
  AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} \\
  npx broadsheet stats --stack Broadsheet --outputs ${LOCAL_OUTPUTS} --endpoint ${aws.endpoints.dynamodb} --s3-endpoint ${aws.endpoints.s3}
  (send-test also takes --ses-endpoint ${aws.endpoints.ses})
`);

const all = await files(contentDir);
console.log(`deploying ${await deploy(aws, deployments, all)} file(s)…`);

let pending = new Set<string>();
let timer: NodeJS.Timeout | undefined;
watch(contentDir, { recursive: true }, (_event, name) => {
  if (!name) return;
  pending.add(name.split(sep).join('/'));
  clearTimeout(timer);
  timer = setTimeout(() => {
    const paths = [...pending];
    pending = new Set();
    deploy(aws as LocalAws, deployments, paths)
      .then((n) => n > 0 && console.log(`deployed ${n} changed file(s)`))
      .catch((error: unknown) => console.error('deploy failed:', error));
  }, 300);
});
