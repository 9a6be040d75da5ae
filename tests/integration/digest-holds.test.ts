// The operator's holds against the stores they live in: the state folder (lock files) and DynamoDB
// (dynalite), each with the publish lease of its edition, and the one-hold format of the previous release
// as each store still holds it. The publisher runs over memory ports otherwise.
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoDigestHold } from '../../src/adapters/aws/dynamo/digest-hold.js';
import { DynamoPublishLease } from '../../src/adapters/aws/dynamo/publish-lease.js';
import { keys } from '../../src/adapters/aws/dynamo/table.js';
import { FileDigestHold } from '../../src/adapters/fs/digest-hold.js';
import { FilePublishLease } from '../../src/adapters/fs/publish-lease.js';
import { pendingDigestId } from '../../src/core/grace.js';
import type { DigestHoldStore, PublishLease } from '../../src/core/ports.js';
import { createActiveTable } from '../../src/dev/dynamo-table.js';
import {
  cancelDigest,
  type DeskAnswer,
  holdDigest,
  releaseDigest,
  waitingDigests,
} from '../../src/pipeline/desk.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
} from '../helpers/memory.js';
import { at, graceSite } from '../helpers/site.js';

const site = graceSite;

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
  await createActiveTable(db as unknown as DynamoDBClient, {
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
  });
  return name;
}

interface Stores {
  readonly hold: DigestHoldStore;
  readonly lease: PublishLease;
  /** Writes the hold the previous release wrote with `broadsheet hold`: every pending digest, since then. */
  readonly holdAsBefore: (sinceMs: number) => Promise<void>;
}

const editions: [string, () => Promise<Stores>][] = [
  [
    'the state folder',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'holds-'));
      return {
        hold: new FileDigestHold(dir),
        lease: new FilePublishLease(dir),
        holdAsBefore: (sinceMs) =>
          writeFile(join(dir, 'digest-hold.json'), JSON.stringify({ held: true, sinceMs })),
      };
    },
  ],
  [
    'DynamoDB',
    async () => {
      const table = await freshTable();
      return {
        hold: new DynamoDigestHold(db, table),
        lease: new DynamoPublishLease(db, table),
        holdAsBefore: async (sinceMs) => {
          await db.send(new PutCommand({ TableName: table, Item: { ...keys.digestHold(), sinceMs } }));
        },
      };
    },
  ],
];

/** A site with one article published (the first run) over memory ports, and `stores` for the holds. */
async function world({ hold, lease }: Pick<Stores, 'hold' | 'lease'>) {
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
    announce: { ledger, digests: ledger, hold, recipients: anInstantReader },
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

  it('a hold follows its article when its file is renamed, and release sends it once', async () => {
    const w = await world(await stores());
    await w.write('held', at(0));
    expect((await holdDigest(w.desk, at(5).getTime())).kind).toBe('done');
    const text = w.deps.content.files.get('posts/held.md') as string;
    w.deps.content.files.delete('posts/held.md');
    w.deps.content.files.set('posts/renamed.md', text);
    await publishChanges(w.deps, ['posts/held.md', 'posts/renamed.md'], at(10));
    await w.publish(at(60));
    expect(w.mailed()).not.toContain('https://news.example.com/posts/renamed/');
    const [held] = await waitingDigests(w.desk, at(60).getTime());
    expect(held).toMatchObject({ held: true, articles: [expect.objectContaining({ title: 'held' })] });
    expect((await releaseDigest(w.desk, at(61).getTime())).kind).toBe('done');
    await w.publish(at(62));
    await w.publish(at(120));
    const mailed = w
      .mailed()
      .filter((url) => url.includes('/posts/held/') || url.includes('/posts/renamed/'));
    expect(mailed).toEqual(['https://news.example.com/posts/renamed/']);
  });

  it('a hold that returned first is what the next publish reads: nothing goes', async () => {
    const w = await world(await stores());
    await w.write('stopped', at(0));
    expect((await holdDigest(w.desk, at(5).getTime())).kind).toBe('done');
    await w.publish(at(10));
    await w.publish(at(60));
    expect(w.mailed()).not.toContain('https://news.example.com/posts/stopped/');
  });

  it("reads the previous release's hold as holding what waits, publishes past it, and writes it as a list", async () => {
    const stores_ = await stores();
    const w = await world(stores_);
    await w.write('held-before', at(0));
    await w.write('held-too', at(2));
    await stores_.holdAsBefore(at(3).getTime());
    expect(await stores_.hold.holds()).toEqual({
      holds: [{ id: 'earlier', sources: [], sinceMs: at(3).getTime(), everyPending: true }],
      version: 0,
    });

    // The publish goes on (it used to throw, every time), and keeps both held past their window.
    const sources = ['posts/held-before.md', 'posts/held-too.md'];
    const late = await w.publish(at(30));
    expect(late.pendingDigests).toEqual([
      {
        id: pendingDigestId(sources),
        articles: ['https://news.example.com/posts/held-before/', 'https://news.example.com/posts/held-too/'],
        dueAtMs: at(12).getTime(),
        held: true,
      },
    ]);
    expect(w.mailed()).toEqual(['https://news.example.com/posts/first/']);
    expect(await stores_.hold.holds()).toEqual({
      holds: [{ id: pendingDigestId(sources), sources, sinceMs: at(3).getTime() }],
      version: 1,
    });

    expect(await releaseDigest(w.desk, at(40).getTime(), pendingDigestId(sources))).toMatchObject({
      kind: 'done',
    });
    await w.publish(at(41));
    expect(w.mailed()).toEqual([
      'https://news.example.com/posts/first/',
      'https://news.example.com/posts/held-before/',
      'https://news.example.com/posts/held-too/',
    ]);
  });

  it("keeps the previous release's hold made while nothing waited, and holds with it what goes live next", async () => {
    const stores_ = await stores();
    const w = await world(stores_);
    await stores_.holdAsBefore(at(-5).getTime());
    await w.write('late', at(0));
    const sources = ['posts/late.md'];
    expect(await stores_.hold.holds()).toEqual({
      holds: [{ id: pendingDigestId(sources), sources, sinceMs: at(-5).getTime() }],
      version: 1,
    });
    expect((await w.publish(at(30))).pendingDigests).toMatchObject([
      { id: pendingDigestId(sources), held: true },
    ]);
    expect(w.mailed()).toEqual(['https://news.example.com/posts/first/']);
  });

  it("shows the previous release's hold while nothing waits, and release or cancel lifts it", async () => {
    for (const lift of [releaseDigest, cancelDigest]) {
      const stores_ = await stores();
      const w = await world(stores_);
      await stores_.holdAsBefore(at(-5).getTime());
      expect(await waitingDigests(w.desk, at(-5).getTime())).toEqual([
        { id: 'earlier', articles: [], dueAtMs: at(-5).getTime(), held: true },
      ]);
      expect(await lift(w.desk, at(-4).getTime())).toMatchObject({ kind: 'done', digest: { id: 'earlier' } });
      expect(await stores_.hold.holds()).toEqual({ holds: [], version: 1 });
      // Nothing holds the next article: it goes when its window closes.
      await w.write('late', at(0));
      await w.publish(at(30));
      expect(w.mailed()).toEqual([
        'https://news.example.com/posts/first/',
        'https://news.example.com/posts/late/',
      ]);
    }
  });

  it("holds with the previous release's hold what goes live in the publish that first reads it", async () => {
    const stores_ = await stores();
    const w = await world(stores_);
    await w.write('waiting', at(0));
    await stores_.holdAsBefore(at(1).getTime());
    await w.write('joining', at(2));
    const sources = ['posts/joining.md', 'posts/waiting.md'];
    expect(await stores_.hold.holds()).toEqual({
      holds: [{ id: pendingDigestId(sources), sources, sinceMs: at(1).getTime() }],
      version: 1,
    });
    await w.publish(at(30));
    expect(w.mailed()).toEqual(['https://news.example.com/posts/first/']);
    // Released, both go, in one digest.
    expect(await releaseDigest(w.desk, at(31).getTime())).toMatchObject({ kind: 'done' });
    await w.publish(at(32));
    expect(w.mailed()).toEqual([
      'https://news.example.com/posts/first/',
      'https://news.example.com/posts/joining/',
      'https://news.example.com/posts/waiting/',
    ]);
  });

  it("lets a desk command replace the previous release's hold", async () => {
    const stores_ = await stores();
    const w = await world(stores_);
    await w.write('waiting', at(0));
    await stores_.holdAsBefore(at(1).getTime());
    const id = pendingDigestId(['posts/waiting.md']);
    expect(await waitingDigests(w.desk, at(1).getTime())).toMatchObject([{ id, held: true }]);
    expect(await releaseDigest(w.desk, at(2).getTime())).toMatchObject({ kind: 'done', digest: { id } });
    expect(await stores_.hold.holds()).toEqual({ holds: [], version: 1 });
  });
});
