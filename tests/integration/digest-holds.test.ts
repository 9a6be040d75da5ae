// The operator's holds against the stores they live in: the state folder (lock files) and DynamoDB
// (dynalite), each with the publish lease of its edition. The publisher runs over memory ports otherwise.
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoDigestHold } from '../../src/adapters/aws/dynamo/digest-hold.js';
import { DynamoPublishLease } from '../../src/adapters/aws/dynamo/publish-lease.js';
import { FileDigestHold } from '../../src/adapters/fs/digest-hold.js';
import { FilePublishLease } from '../../src/adapters/fs/publish-lease.js';
import type { DigestHoldStore, PublishLease } from '../../src/core/ports.js';
import { parseSiteConfig } from '../../src/core/site.js';
import { cancelDigest, type DeskAnswer, holdDigest } from '../../src/pipeline/desk.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import { MemoryIndex, MemoryLedger, MemorySite, MemorySource, MemoryStatic } from '../helpers/memory.js';
import { testSite } from '../helpers/site.js';

const MIN = 60_000;
const T0 = Date.parse('2026-05-05T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * MIN);
const site = parseSiteConfig({
  title: testSite.title,
  base_url: testSite.baseUrl,
  author: { name: testSite.author.name },
  sender: testSite.sender,
  digest: { delay: '10m' },
});

let server: Server;
let db: DynamoDBDocumentClient;
let tables = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  db = dynamoClient({ dynamodb: endpoint, region: 'us-east-1' });
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/** A table of its own for each test. */
async function freshTable(): Promise<string> {
  const name = `holds-${++tables}`;
  await (db as unknown as { send: DynamoDBClient['send'] }).send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
}

interface Stores {
  readonly hold: DigestHoldStore;
  readonly lease: PublishLease;
}

const editions: [string, () => Promise<Stores>][] = [
  [
    'the state folder',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'holds-'));
      return { hold: new FileDigestHold(dir), lease: new FilePublishLease(dir) };
    },
  ],
  [
    'DynamoDB',
    async () => {
      const table = await freshTable();
      return { hold: new DynamoDigestHold(db, table), lease: new DynamoPublishLease(db, table) };
    },
  ],
];

/** A site with one article published (the first run) over memory ports, and `stores` for the holds. */
async function world({ hold, lease }: Stores) {
  const content = new MemorySource();
  const ledger = new MemoryLedger();
  const index = new MemoryIndex();
  const deps = {
    site,
    content,
    output: new MemorySite(),
    assets: new MemoryStatic(),
    index,
    mode: 'lenient' as const,
    lease,
    announce: { ledger, digests: ledger, hold },
  };
  const desk = { site, index, ledger, hold, lease };
  const write = (slug: string, now: Date) => {
    content.files.set(
      `posts/${slug}.md`,
      `---\ntitle: ${slug}\ndate: 2026-05-01T00:00:00Z\n---\nAbout ${slug}.\n`,
    );
    return publishChanges(deps, [`posts/${slug}.md`], now);
  };
  await write('first', at(-60));
  /** URLs of the articles each digest handed on carries. */
  const mailed = () => [...ledger.digests.values()].flatMap((d) => d.articles.map((a) => a.url));
  return { deps, desk, ledger, write, mailed, publish: (now: Date) => publishChanges(deps, [], now) };
}

describe.each(editions)('holds in %s', (_, stores) => {
  it.each([
    ['hold', holdDigest],
    ['cancel', cancelDigest],
  ])(
    'a %s made while a publish is announcing waits for it, and never claims to stop what went',
    async (_, command) => {
      const { hold, lease } = await stores();
      const w = await world({ hold, lease });
      await w.write('racing', at(0));
      // The wake-up has read the holds and the ledger, and is creating the digest, when the command comes.
      let answer: Promise<DeskAnswer> | undefined;
      const create = w.ledger.createDigest.bind(w.ledger);
      w.ledger.createDigest = async (digest) => {
        answer ??= command(w.desk, at(10).getTime());
        // The publish goes on once the command is done, or after half a second if it waits for the publish.
        await Promise.race([answer, new Promise((resolve) => setTimeout(resolve, 500))]);
        return create(digest);
      };
      await w.publish(at(10));
      expect(w.mailed()).toContain('https://news.example.com/posts/racing/');
      expect((await answer)?.kind).toBe('none');
      expect((await hold.holds()).holds).toEqual([]);
    },
  );

  it('a hold that returned first is what the next publish reads: nothing goes', async () => {
    const w = await world(await stores());
    await w.write('stopped', at(0));
    expect((await holdDigest(w.desk, at(5).getTime())).kind).toBe('done');
    await w.publish(at(10));
    await w.publish(at(60));
    expect(w.mailed()).not.toContain('https://news.example.com/posts/stopped/');
  });
});
