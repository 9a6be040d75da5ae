// An announce step stopped halfway, against the ledgers that deploy: the state folder and DynamoDB
// (dynalite). The announcement it opened survives the process, and the next step finishes it: each article
// goes out in exactly one digest, though another article went live in between.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { FileAnnouncementStore } from '../../src/adapters/fs/state.js';
import type { AnnouncementLedger, DigestQueue } from '../../src/core/ports.js';
import { type Emulators, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { announce } from '../../src/pipeline/announce.js';
import { anInstantReader } from '../helpers/memory.js';
import { article, testSite } from '../helpers/site.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
}, 60_000);
afterAll(async () => {
  await emu?.stop();
});

const nowMs = Date.parse('2026-11-25T12:00:00Z');
const x = article({ title: 'X', date: '2026-11-25T09:00:00Z', slug: 'x' });
const y = article({ title: 'Y', date: '2026-11-25T10:00:00Z', slug: 'y' });

const ledgers: [string, () => Promise<() => AnnouncementLedger>][] = [
  [
    'the state folder',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'announce-stopped-'));
      return () => new FileAnnouncementStore(dir);
    },
  ],
  [
    'DynamoDB',
    async () => () => new DynamoAnnouncementLedger(dynamoClient({ dynamodb: emu.dynamodb }), TABLE),
  ],
];

describe.each(ledgers)('an announce step stopped halfway, in %s', (_name, open) => {
  it('is finished by the next process, which mails the newer article in a digest of its own', async () => {
    const ledgerOf = await open();
    const queued: string[] = [];
    const stopping: DigestQueue = {
      enqueue: async () => {
        throw new Error('killed before the digest reached the queue');
      },
    };
    const step = (ledger: AnnouncementLedger, digests: DigestQueue, wentLive = [x, y]) =>
      announce({ site: testSite, ledger, digests, recipients: anInstantReader }, wentLive, false, nowMs);

    await expect(step(ledgerOf(), stopping, [x])).rejects.toThrow('killed');
    const retry = await step(ledgerOf(), {
      enqueue: async (id) => {
        queued.push(id);
      },
    });

    const [first, second] = queued;
    expect(retry.resumed?.id).toBe(first);
    expect(retry.resumed?.articles).toEqual([x.url]);
    expect(retry.digest?.articles).toEqual([y.url]);
    expect(second).toBe(retry.digest?.id);
    const after = ledgerOf();
    expect(await after.unannounced([x.url, y.url])).toEqual([]);
    expect(await after.openAnnouncement()).toBeUndefined();
  });
});
