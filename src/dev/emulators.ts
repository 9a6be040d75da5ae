// Local emulators for the cloud edition, on random loopback ports: s3rver (S3), aws-ses-v2-local (SES v2)
// and dynalite (DynamoDB), used by `npm run dev`, the integration tests and the cloud benchmark. SQS has no
// emulator among our npm packages, so a minimal queue speaking the SQS JSON protocol for
// SendMessage(Batch) stands in; whoever runs the handlers delivers what it holds, as Lambda would.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import sesModule from 'aws-ses-v2-local';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface Emulators {
  readonly s3: string;
  readonly ses: string;
  readonly dynamodb: string;
  readonly sqs: string;
  readonly queues: FakeQueues;
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

/** Messages by queue name; `take` empties a queue into an SQS event for a handler. */
export class FakeQueues {
  private readonly messages = new Map<string, string[]>();

  push(queue: string, body: string): void {
    this.messages.set(queue, [...(this.messages.get(queue) ?? []), body]);
  }

  peek(queue: string): readonly string[] {
    return this.messages.get(queue) ?? [];
  }

  take(queue: string): SQSEvent {
    const bodies = this.messages.get(queue) ?? [];
    this.messages.set(queue, []);
    return sqsEvent(bodies);
  }

  /**
   * What Lambda's event source mappings do after a publish: the digest queue to the digest function, then
   * the send queue to the sender. Returns how many digests ran and every batch item that failed.
   */
  async deliverMail(handlers: {
    digest: SqsHandler;
    send: SqsHandler;
  }): Promise<{ digests: number; failed: string[] }> {
    const failed: string[] = [];
    const digests = this.take('digest');
    if (digests.Records.length > 0) failed.push(...itemFailures(await handlers.digest(digests)));
    const batches = this.take('send');
    if (batches.Records.length > 0) failed.push(...itemFailures(await handlers.send(batches)));
    return { digests: digests.Records.length, failed };
  }
}

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

const itemFailures = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);

export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
      awsRegion: 'us-east-1',
    })),
  };
}

// The SDK checks each message's MD5 as SQS reports it.
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

function fakeSqs(queues: FakeQueues): Server {
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(raw || '{}') as {
        QueueUrl: string;
        MessageBody?: string;
        Entries?: { Id: string; MessageBody: string }[];
      };
      const name = body.QueueUrl.split('/').pop() ?? '';
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (target.endsWith('.SendMessage')) {
        queues.push(name, body.MessageBody ?? '');
        res.end(JSON.stringify({ MessageId: randomUUID(), MD5OfMessageBody: md5(body.MessageBody ?? '') }));
      } else if (target.endsWith('.SendMessageBatch')) {
        for (const e of body.Entries ?? []) queues.push(name, e.MessageBody);
        const successful = (body.Entries ?? []).map((e) => ({
          Id: e.Id,
          MessageId: randomUUID(),
          MD5OfMessageBody: md5(e.MessageBody),
        }));
        res.end(JSON.stringify({ Successful: successful, Failed: [] }));
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'InvalidAction', message: `fake SQS does not do ${target}` }));
      }
    });
  });
}

export const TABLE = 'broadsheet';

export async function startEmulators(): Promise<Emulators> {
  // The SDK wants credentials even for emulators; s3rver accepts only these, the others accept any.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION ??= 'us-east-1';
  // What the SES emulator answers to GetAccount; the sender reads its send rate from it.
  process.env.AWS_SES_ACCOUNT = JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'MARKETING',
      ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
      UseCaseDescription: 'tests',
      WebsiteURL: 'https://gazette.example.com',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: 500, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
  });

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
  const queues = new FakeQueues();
  const sqs = fakeSqs(queues);
  const sqsUrl = await listen(sqs);

  await new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1' }).send(
    new CreateTableCommand({
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
    }),
  );

  const s3 = `http://127.0.0.1:${s3Port}`;
  return {
    s3,
    ses: sesUrl,
    dynamodb: dynamoUrl,
    sqs: sqsUrl,
    queues,
    env: {
      CONTENT_BUCKET: 'content',
      SITE_BUCKET: 'site',
      TABLE_NAME: TABLE,
      DIGEST_QUEUE_URL: `${sqsUrl}/000000000000/digest`,
      SEND_QUEUE_URL: `${sqsUrl}/000000000000/send`,
      TOKEN_SECRET: 'integration-test-secret-of-at-least-32-bytes',
      S3_ENDPOINT: s3,
      DYNAMODB_ENDPOINT: dynamoUrl,
      SES_ENDPOINT: sesUrl,
      SQS_ENDPOINT: sqsUrl,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    async stop() {
      await Promise.all([s3rver.close(), close(ses), close(dynamo), close(sqs)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An S3 event notification as S3 sends it: keys form-encoded (space → '+'). */
export function s3Notification(bucket: string, changes: { key: string; removed?: boolean }[]): string {
  return JSON.stringify({
    Records: changes.map(({ key, removed }) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: removed ? 'ObjectRemoved:Delete' : 'ObjectCreated:Put',
      s3: {
        bucket: { name: bucket },
        object: { key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/') },
      },
    })),
  });
}

export interface CapturedEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

export async function sesMailbox(ses: string): Promise<CapturedEmail[]> {
  const res = await fetch(`${ses}/store`);
  return ((await res.json()) as { emails: CapturedEmail[] }).emails;
}
