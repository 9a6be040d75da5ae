// Issue 14, item 10: lost updates on subscribers. Each race is played out step by step against DynamoDB
// (dynalite): one change reads the record, a second change runs to completion, then the first one writes.
// The first must notice and re-apply itself to what is there now, so an opt-out is never undone.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoDigestHold } from '../../src/adapters/aws/dynamo/digest-hold.js';
import { DynamoSubscribers } from '../../src/adapters/aws/dynamo/subscribers.js';
import { keys } from '../../src/adapters/aws/dynamo/table.js';
import { FileSubscriberStore } from '../../src/adapters/fs/state.js';
import { preferencesUrl, unsubscribeUrl } from '../../src/core/email.js';
import { earlierHold } from '../../src/core/grace.js';
import type { SubscriberStore } from '../../src/core/ports.js';
import type { Subscriber } from '../../src/core/subscribers.js';
import { type Emulators, startEmulators, TABLE } from '../../src/dev/emulators.js';
import {
  applyFeedback,
  type SubscriptionDeps,
  savePreferences,
  subscribe,
  unsubscribe,
} from '../../src/pipeline/subscriptions.js';
import { MemoryAttempts, MemoryMailer } from '../helpers/memory.js';
import { testSite } from '../helpers/site.js';

const secret = 'race-test-secret-of-at-least-32-bytes';
const now = new Date('2026-05-06T10:00:00Z');
let emu: Emulators;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  emu = await startEmulators();
  db = dynamoClient({ dynamodb: emu.dynamodb });
}, 60_000);
afterAll(async () => {
  await emu?.stop();
});

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

/**
 * The table as one request sees it: the first time that request writes `address`, `competitor` runs to the
 * end first, as a second request would if it slipped in between this one's read and its write.
 */
function racedClient(address: string, competitor: () => Promise<unknown>): DynamoDBDocumentClient {
  let raced = false;
  const send = async (...args: unknown[]) => {
    const [command] = args;
    if (!raced && command instanceof PutCommand && command.input.Item?.pk === `subscriber#${address}`) {
      raced = true;
      await competitor();
    }
    return Reflect.apply(db.send, db, args);
  };
  return new Proxy(db, { get: (target, key) => (key === 'send' ? send : Reflect.get(target, key)) });
}

function deps(subscribers: SubscriberStore, mail = new MemoryMailer()): SubscriptionDeps {
  return { site: testSite, subscribers, limiter: new MemoryAttempts(), mail, secret };
}

async function seed(address: string, status: Subscriber['status']): Promise<DynamoSubscribers> {
  const people = new DynamoSubscribers(db, TABLE);
  await people.put(address, status, now.getTime() - 86_400_000);
  return people;
}

const complaint = (people: SubscriberStore, address: string) =>
  applyFeedback(people, { kind: 'complaint', addresses: [address] }, now);

describe('lost updates on subscribers, against DynamoDB', () => {
  it('a preferences save that read the record before a complaint does not undo the suppression', async () => {
    const address = 'prefs-vs-complaint@example.org';
    const people = await seed(address, 'confirmed');
    const raced = new DynamoSubscribers(
      racedClient(address, () => complaint(people, address)),
      TABLE,
    );
    const token = tokenOf(preferencesUrl(testSite, address, secret, now.getTime()));
    const outcome = await savePreferences(deps(raced), token, 'weekly', now);
    expect(await people.get(address)).toMatchObject({ status: 'suppressed' });
    expect(outcome).toEqual({ kind: 'not-subscribed', address });
  });

  it('a subscribe that read the record before a hard bounce does not undo the suppression or mail it', async () => {
    const address = 'subscribe-vs-bounce@example.org';
    const people = await seed(address, 'unsubscribed');
    const bounce = () => applyFeedback(people, { kind: 'hard-bounce', addresses: [address] }, now);
    const mail = new MemoryMailer();
    const raced = new DynamoSubscribers(racedClient(address, bounce), TABLE);
    await subscribe(deps(raced, mail), { email: address, honeypot: '', client: '192.0.2.1' }, now);
    expect(await people.get(address)).toMatchObject({ status: 'suppressed' });
    expect(mail.sent).toEqual([]);
  });

  it('an unsubscribe is not undone by a preferences save that read the record before it', async () => {
    const address = 'prefs-vs-unsubscribe@example.org';
    const people = await seed(address, 'confirmed');
    const leave = () =>
      unsubscribe(deps(people), tokenOf(unsubscribeUrl(testSite, address, secret, now.getTime())), now);
    const raced = new DynamoSubscribers(racedClient(address, leave), TABLE);
    const token = tokenOf(preferencesUrl(testSite, address, secret, now.getTime()));
    await savePreferences(deps(raced), token, 'weekly', now);
    expect(await people.get(address)).toMatchObject({ status: 'unsubscribed' });
  });

  it('applies every one of 12 concurrent updates to one subscriber: none is lost', async () => {
    const address = 'contended@example.org';
    await seed(address, 'confirmed');
    await Promise.all(
      Array.from({ length: 12 }, () =>
        new DynamoSubscribers(db, TABLE).update(
          address,
          (s) => s && { ...s, softBounces: (s.softBounces ?? 0) + 1 },
        ),
      ),
    );
    expect(await new DynamoSubscribers(db, TABLE).get(address)).toMatchObject({ softBounces: 12 });
  });

  it('counts every soft bounce when three arrive at once, and suppresses at the third', async () => {
    const address = 'soft@example.org';
    const people = await seed(address, 'confirmed');
    await Promise.all(
      Array.from({ length: 3 }, () =>
        applyFeedback(new DynamoSubscribers(db, TABLE), { kind: 'soft-bounce', addresses: [address] }, now),
      ),
    );
    expect(await people.get(address)).toMatchObject({ status: 'suppressed', softBounces: 3 });
  });
});

/** The local store with the same step-by-step race: `competitor` runs between this store's read and write. */
class RacedFileStore extends FileSubscriberStore {
  competitor: (() => Promise<unknown>) | undefined;
  override async writeIfUnchanged(writes: Parameters<FileSubscriberStore['writeIfUnchanged']>[0]) {
    const competitor = this.competitor;
    this.competitor = undefined;
    await competitor?.();
    return super.writeIfUnchanged(writes);
  }
}

describe('lost updates on subscribers, in the local JSON store', () => {
  it('keeps a complaint that lands between a preferences save reading and writing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'subscribers-'));
    const address = 'local@example.org';
    const people = new FileSubscriberStore(dir, 'owner@example.org');
    await people.update(address, () => ({ address, status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 }));
    const raced = new RacedFileStore(dir, 'owner@example.org');
    raced.competitor = () => complaint(people, address);
    const token = tokenOf(preferencesUrl(testSite, address, secret, now.getTime()));
    expect(await savePreferences(deps(raced), token, 'weekly', now)).toEqual({
      kind: 'not-subscribed',
      address,
    });
    expect(await people.get(address)).toMatchObject({ status: 'suppressed' });
  });

  it('applies every one of many concurrent updates in one process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'subscribers-'));
    const people = new FileSubscriberStore(dir, 'owner@example.org');
    const address = 'counted@example.org';
    await people.update(address, () => ({ address, status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 }));
    await Promise.all(
      Array.from({ length: 25 }, () =>
        people.update(address, (s) => s && { ...s, softBounces: (s.softBounces ?? 0) + 1 }),
      ),
    );
    expect(await people.get(address)).toMatchObject({ softBounces: 25 });
  });
});

// The operator's digest holds (src/pipeline/desk.ts) are one item written on its version: two desk
// commands that read the same version cannot both write, so neither hold is lost.
describe('digest holds in DynamoDB', () => {
  it("writes the holds only on the version read, and reads the previous release's item as its hold", async () => {
    const holds = new DynamoDigestHold(db, TABLE);
    const first = await holds.holds();
    const mine = { id: 'aaaa1111', sources: ['posts/a.md'], sinceMs: 1 };
    const theirs = { id: 'bbbb2222', sources: ['posts/b.md'], sinceMs: 2 };
    expect(await holds.saveHolds([mine], first.version)).toBe(true);
    expect(await holds.saveHolds([theirs], first.version)).toBe(false);
    expect(await holds.holds()).toEqual({ holds: [mine], version: first.version + 1 });
    expect(await holds.saveHolds([mine, theirs], first.version + 1)).toBe(true);
    expect((await holds.holds()).holds).toEqual([mine, theirs]);

    await db.send(new PutCommand({ TableName: TABLE, Item: { ...keys.digestHold(), sinceMs: 5 } }));
    expect(await holds.holds()).toEqual({ holds: [earlierHold(5)], version: 0 });
    expect(await holds.saveHolds([mine], 1)).toBe(false);
    expect(await holds.saveHolds([mine], 0)).toBe(true);
    expect(await holds.saveHolds([theirs], 0)).toBe(false);
    expect(await holds.holds()).toEqual({ holds: [mine], version: 1 });
    await db.send(new PutCommand({ TableName: TABLE, Item: { ...keys.digestHold(), held: 'yes' } }));
    await expect(holds.holds()).rejects.toThrow(/digest#hold is not a list of holds/);
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.digestHold() }));
  });
});
