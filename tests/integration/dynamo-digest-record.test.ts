// A digest record read back from DynamoDB (dynalite) is the record written: every field of its articles,
// including those the weekly digest finds a moved article by (bodyHash, aliases).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../src/adapters/aws/clients.js';
import { DynamoAnnouncementLedger } from '../../src/adapters/aws/dynamo/announcement-ledger.js';
import { DynamoWeeklyLedger } from '../../src/adapters/aws/dynamo/weekly-ledger.js';
import { whereNow } from '../../src/core/announce-keys.js';
import { droppedKey, handedOnKey } from '../../src/core/announcement-marks.js';
import type { DigestRecord } from '../../src/core/ports.js';
import { type Emulators, startEmulators, TABLE } from '../../src/dev/emulators.js';
import { article } from '../helpers/site.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
}, 60_000);
afterAll(async () => {
  await emu?.stop();
});

describe('a digest record in DynamoDB', () => {
  it('reads back with every article field, so the weekly digest finds a file renamed and retitled', async () => {
    const body = 'A body long enough to be its own.';
    const announced = article(
      {
        title: 'Teh news',
        date: '2026-05-05T10:00',
        slug: 'typo',
        updated: '2026-05-05T12:00:00Z',
        image: '/images/cover.png',
        aliases: '["/posts/older/"]',
      },
      body,
      'posts/typo.md',
    );
    const { html: _html, ...meta } = announced;
    expect(meta).toMatchObject({ floatingDate: true, aliases: [expect.any(String)] });
    expect(meta.bodyHash).toBeDefined();
    const ledger = new DynamoWeeklyLedger(dynamoClient({ dynamodb: emu.dynamodb }), TABLE);
    const record: DigestRecord = {
      id: 'b0d7a5400000000000000001',
      createdAtMs: Date.parse('2026-05-05T11:00:00Z'),
      articles: [meta],
      audience: { delivery: 'instant', weekStartMs: Date.parse('2026-05-04T08:00:00Z') },
    };
    await ledger.createDigest(record);
    expect(await ledger.digest(record.id)).toEqual(record);

    const waiting = await ledger.awaitingWeekly(
      Date.parse('2026-05-04T08:00:00Z'),
      Date.parse('2026-05-11T08:00:00Z'),
    );
    const renamed = article(
      { title: 'The news', date: '2026-05-05T10:00', slug: 'the-news' },
      body,
      'posts/the-news.md',
    );
    expect(whereNow(waiting, [renamed]).get(announced.url)?.url).toBe(renamed.url);
  });

  it('offers the weekly digest only what went out: not a dropped digest, nor one a stopped step left open', async () => {
    const db = dynamoClient({ dynamodb: emu.dynamodb });
    const weekly = new DynamoWeeklyLedger(db, TABLE);
    const announcements = new DynamoAnnouncementLedger(db, TABLE);
    const weekStartMs = Date.parse('2026-06-01T08:00:00Z');
    const stored = async (n: number) => {
      const a = article({ title: `Story ${n}`, date: '2026-06-02T10:00:00Z', slug: `story-${n}` });
      const { html: _html, ...meta } = a;
      const record: DigestRecord = {
        id: `c0ffee00000000000000000${n}`,
        createdAtMs: weekStartMs + n * 3_600_000,
        articles: [meta],
        audience: { delivery: 'instant', weekStartMs },
      };
      await weekly.createDigest(record);
      return record;
    };
    const [sent, dropped, open] = [await stored(1), await stored(2), await stored(3)];
    await announcements.markAnnounced([handedOnKey(sent.id)], sent.id);
    await announcements.markAnnounced([droppedKey(dropped.id)], dropped.id);
    await announcements.setOpenAnnouncement(open.id);
    const waiting = async () =>
      (await weekly.awaitingWeekly(weekStartMs, weekStartMs + 7 * 86_400_000)).map((a) => a.slug);
    expect(await waiting()).toEqual(['story-1']);
    // The next step hands it on (the mark first): it goes into the weekly digest too.
    await announcements.markAnnounced([handedOnKey(open.id)], open.id);
    expect(await waiting()).toEqual(['story-1', 'story-3']);
    await announcements.setOpenAnnouncement(undefined);
    expect(await waiting()).toEqual(['story-1', 'story-3']);
  });
});
