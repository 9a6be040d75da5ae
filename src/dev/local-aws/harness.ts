// What tests, scenarios and `npm run dev` do with a running local AWS: find the stack's resources through
// the functions' environment (never by hard-coded names), put and read objects, read the mailbox, send
// an S3 notification by hand (as S3 redelivers), collect what the functions log.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stringify, parse as yamlParse } from 'yaml';
import { SITE_JSON_KEY, siteJsonOf } from '../../adapters/aws/site-json.js';
import { parseSiteYaml } from '../../core/site-yaml.js';
import { contentDeployments } from './deployments.js';
import type { LogLine } from './lambda-runtime.js';
import { notificationRecord } from './s3-notifications.js';
import { type CapturedEmail, sesMailbox } from './ses.js';
import { LOCAL_CREDENTIALS, type LocalAws, type LocalAwsOptions, REPO_ROOT, startLocalAws } from './stack.js';

/** Lines the functions logged, JSON lines parsed. */
export class FunctionLogs {
  readonly lines: LogLine[] = [];
  readonly json: { fn: string; entry: Record<string, unknown> }[] = [];
  constructor(private readonly echo?: (line: LogLine) => void) {}

  readonly collect = (line: LogLine): void => {
    this.lines.push(line);
    if (line.line.startsWith('{')) {
      try {
        this.json.push({ fn: line.fn, entry: JSON.parse(line.line) as Record<string, unknown> });
      } catch {
        // not JSON after all
      }
    }
    this.echo?.(line);
  };

  /** Log entries of a function with this message. */
  entries(fn: string, message: string): Record<string, unknown>[] {
    return this.json.filter((j) => j.fn === fn && j.entry.message === message).map((j) => j.entry);
  }

  clear(): void {
    this.lines.length = 0;
    this.json.length = 0;
  }
}

export interface StackUnderTest {
  readonly aws: LocalAws;
  readonly logs: FunctionLogs;
  /** The content bucket, site bucket and table, as the publish function is told them. */
  readonly contentBucket: string;
  readonly siteBucket: string;
  readonly table: string;
  upload(key: string, body: string | Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
  siteObject(key: string): Promise<{ body: string; contentType?: string; cacheControl?: string } | undefined>;
  mailbox(): Promise<CapturedEmail[]>;
  /** Recipient → subjects, in the order sent. */
  inbox(): Promise<Map<string, string[]>>;
  clearMailbox(): Promise<void>;
  /** An S3 notification for these keys put straight into the queue the bucket notifies, as a redelivery. */
  notifyAgain(changes: readonly { key: string; removed?: boolean }[]): Promise<void>;
  /** site.yaml with base_url and api_url pointing at the local CloudFront. */
  localSiteYaml(source: string): string;
  /** As a deploy does: site.yaml and, validated, site.json beside it (read by the functions that parse no YAML). */
  deploySiteYaml(source: string): Promise<void>;
  /** A DynamoDB document client on the emulator (for seeding and reading state). */
  db: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startStackUnderTest(
  options: LocalAwsOptions & { echo?: (line: LogLine) => void } = {},
): Promise<StackUnderTest> {
  const logs = new FunctionLogs(options.echo);
  const aws = await startLocalAws({ ...options, onLog: logs.collect, log: options.log ?? (() => {}) });
  // Code under test in this process (adapters, seeding) uses the default credential chain.
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION ??= 'us-east-1';
  const env = aws.fn('Publish').config.environment;
  const contentBucket = env.CONTENT_BUCKET ?? '';
  const siteBucket = env.SITE_BUCKET ?? '';
  const table = env.TABLE_NAME ?? '';
  const s3 = aws.clients.s3;
  const db = DynamoDBDocumentClient.from(aws.clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  // What the content deployment writes besides content/ itself (release.json, site.json), as a deploy does;
  // the tests upload content/ files themselves.
  const { data } = await contentDeployments(aws.assembly, aws.resolver, join(REPO_ROOT, 'content'));
  for (const { bucket, key, file } of data)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
  const notified = () => {
    const queues = [...aws.queues.values()];
    // The queue the content bucket's notifications go to: the publish function's event source.
    const mapping = aws.mappings.find((m) => m.config.logicalId.startsWith('PublishFunction'));
    return queues.find((q) => q.url === mapping?.config.queueUrl);
  };
  return {
    aws,
    logs,
    contentBucket,
    siteBucket,
    table,
    db,
    async upload(key, body) {
      aws.waits.touch();
      await s3.send(new PutObjectCommand({ Bucket: contentBucket, Key: key, Body: body }));
      aws.waits.touch();
    },
    async remove(key) {
      aws.waits.touch();
      await s3.send(new DeleteObjectCommand({ Bucket: contentBucket, Key: key }));
      aws.waits.touch();
    },
    async siteObject(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: siteBucket, Key: key }));
        return {
          body: (await out.Body?.transformToString('utf8')) ?? '',
          ...(out.ContentType ? { contentType: out.ContentType } : {}),
          ...(out.CacheControl ? { cacheControl: out.CacheControl } : {}),
        };
      } catch {
        return undefined;
      }
    },
    mailbox: () => sesMailbox(aws.endpoints.ses),
    async inbox() {
      const byRecipient = new Map<string, string[]>();
      for (const mail of await sesMailbox(aws.endpoints.ses)) {
        for (const to of mail.destination.to)
          byRecipient.set(to, [...(byRecipient.get(to) ?? []), mail.subject]);
      }
      return byRecipient;
    },
    async clearMailbox() {
      await fetch(`${aws.endpoints.ses}/clear-store`, { method: 'POST' });
    },
    async notifyAgain(changes) {
      const queue = notified();
      if (!queue) throw new Error('the publish function reads no queue');
      for (const { key, removed } of changes) {
        aws.waits.touch();
        const record = notificationRecord(
          contentBucket,
          removed ? 'ObjectRemoved:Delete' : 'ObjectCreated:Put',
          { key },
          'redelivery',
        );
        await aws.clients.sqs.send(
          new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ Records: [record] }) }),
        );
      }
    },
    localSiteYaml(source) {
      const site = aws.endpoints.site ?? aws.endpoints.s3;
      return stringify({ ...(yamlParse(source) as object), base_url: site, api_url: `${site}/api` });
    },
    async deploySiteYaml(source) {
      const json = siteJsonOf(parseSiteYaml(source, 'site.yaml'));
      await s3.send(new PutObjectCommand({ Bucket: contentBucket, Key: SITE_JSON_KEY, Body: json }));
      await s3.send(new PutObjectCommand({ Bucket: contentBucket, Key: 'site.yaml', Body: source }));
    },
    stop: () => aws.stop(),
  };
}
