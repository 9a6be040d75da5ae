// Bare emulators on random loopback ports, for tests and benchmarks that drive adapters and pipeline code
// directly: s3rver (S3), aws-ses-v2-local (SES v2), dynalite (DynamoDB) and fauxqs (SQS). Nothing here
// runs a function; for the stack as deployed (functions from their bundles, event sources, IAM) use
// ./local-aws/stack.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import sesModule from 'aws-ses-v2-local';
import dynalite from 'dynalite';
import { buildApp as fauxqsApp } from 'fauxqs';
import S3rver from 's3rver';

import { createActiveTable } from './dynamo-table.js';
import { sesAccount } from './local-aws/ses.js';

export { type CapturedEmail, sesMailbox } from './local-aws/ses.js';

export interface Emulators {
  readonly s3: string;
  readonly ses: string;
  readonly dynamodb: string;
  readonly sqs: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export const TABLE = 'broadsheet';

export async function startEmulators(): Promise<Emulators> {
  // The SDK wants credentials even for emulators; s3rver accepts only these, the others accept any.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION ??= 'us-east-1';
  // What the SES emulator answers to GetAccount; the sender reads its send rate from it.
  process.env.AWS_SES_ACCOUNT = sesAccount({ maxSendRate: 500, max24HourSend: 1_000_000 });

  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: 'content' }, { name: 'site' }],
  });
  const { port: s3Port } = await s3rver.run();
  // CommonJS with an ES-style default export: under ESM the function sits on `.default`.
  type Start = (config: { host: string; port: number }) => Promise<Server>;
  const loaded = sesModule as unknown as Start | { default: Start };
  const sesServer = typeof loaded === 'function' ? loaded : loaded.default;
  const ses = await sesServer({ host: '127.0.0.1', port: 0 });
  const sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
  const dynamo = dynalite({ createTableMs: 0 });
  const dynamoUrl = await listen(dynamo);
  const fauxqs = fauxqsApp({ logger: false });
  await fauxqs.listen({ port: 0, host: '127.0.0.1' });
  const sqsUrl = `http://127.0.0.1:${(fauxqs.server.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ endpoint: sqsUrl, region: 'us-east-1' });
  const queueUrl = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';

  await createActiveTable(new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1' }), {
    TableName: TABLE,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  });

  const s3 = `http://127.0.0.1:${s3Port}`;
  return {
    s3,
    ses: sesUrl,
    dynamodb: dynamoUrl,
    sqs: sqsUrl,
    env: {
      CONTENT_BUCKET: 'content',
      SITE_BUCKET: 'site',
      TABLE_NAME: TABLE,
      DIGEST_QUEUE_URL: await queueUrl('digest'),
      SEND_QUEUE_URL: await queueUrl('send'),
      TOKEN_SECRET: 'integration-test-secret-of-at-least-32-bytes',
      S3_ENDPOINT: s3,
      DYNAMODB_ENDPOINT: dynamoUrl,
      SES_ENDPOINT: sesUrl,
      SQS_ENDPOINT: sqsUrl,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    async stop() {
      await Promise.all([s3rver.close(), close(ses), close(dynamo), fauxqs.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
