import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExportTime, recogniseImport } from '../../../src/core/subscriber-imports.js';
import type { Subscriber, SubscriberStatus } from '../../../src/core/subscribers.js';
import { exportCsv, importSubscribers } from '../../../src/pipeline/operator.js';
import { repoRoot } from '../../helpers/cli.js';
import { MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const now = new Date('2026-11-25T12:00:00Z');
const fixture = (name: string) => readFile(join(repoRoot, 'tests/fixtures/imports', name), 'utf8');
const statuses = (store: MemorySubscribers) =>
  Object.fromEntries([...store.records.values()].map((s) => [s.address, s.status]));

describe('subscribers import recognises other services by their header', () => {
  it.each<{
    file: string;
    format: RegExp;
    expected: Record<string, SubscriberStatus>;
    skipped: { line: number; reason: RegExp }[];
  }>([
    {
      file: 'mailchimp-subscribed.csv',
      format: /Mailchimp export \(subscribed members/,
      expected: { 'amara@example.org': 'confirmed', 'bruno@example.org': 'confirmed' },
      skipped: [{ line: 4, reason: /"not-an-address": not an email address/ }],
    },
    {
      file: 'mailchimp-unsubscribed.csv',
      format: /Mailchimp export \(unsubscribed members: imported as unsubscribed\)/,
      expected: { 'carmen@example.org': 'unsubscribed', 'bruno@example.org': 'unsubscribed' },
      skipped: [],
    },
    {
      file: 'mailchimp-cleaned.csv',
      format: /Mailchimp export \(cleaned addresses: imported as suppressed\)/,
      expected: { 'dmitri@example.org': 'suppressed' },
      skipped: [],
    },
    {
      file: 'substack.csv',
      format: /Substack export/,
      expected: { 'elif@example.org': 'confirmed', 'fatima@example.org': 'unsubscribed' },
      skipped: [{ line: 4, reason: /a Substack deletion request, not a subscriber/ }],
    },
    {
      file: 'ghost.csv',
      format: /Ghost members export/,
      expected: { 'gustavo@example.org': 'confirmed', 'hana@example.org': 'unsubscribed' },
      skipped: [{ line: 4, reason: /subscribed_to_emails "maybe" is neither true nor false/ }],
    },
    {
      file: 'buttondown.csv',
      format: /Buttondown export/,
      expected: {
        'jonas@example.org': 'confirmed',
        'kiri@example.org': 'pending',
        'lena@example.org': 'unsubscribed',
        'marek@example.org': 'suppressed',
        // Premium by type, but with a date of leaving: left.
        'nadia@example.org': 'unsubscribed',
      },
      skipped: [{ line: 7, reason: /unknown Buttondown subscriber_type "vip"/ }],
    },
    {
      file: 'listmonk.csv',
      format: /listmonk export/,
      expected: {
        'paula@example.org': 'confirmed',
        'quinn@example.org': 'unsubscribed',
        'rosa@example.org': 'suppressed',
      },
      skipped: [],
    },
    {
      file: 'broadsheet.csv',
      format: /Broadsheet export \(restored as written\)/,
      expected: {
        'sami@example.org': 'confirmed',
        'tove@example.org': 'pending',
        'uma@example.org': 'suppressed',
      },
      skipped: [],
    },
  ])('$file', async ({ file, format, expected, skipped }) => {
    const store = new MemorySubscribers();
    const report = await importSubscribers(store, await fixture(file), testSite, now);
    expect(report.format).toMatch(format);
    expect(statuses(store)).toEqual(expected);
    expect(report.imported).toBe(Object.keys(expected).length);
    expect(report.skipped.map((s) => s.line)).toEqual(skipped.map((s) => s.line));
    report.skipped.forEach((s, i) => {
      expect(s.reason).toMatch(skipped[i]?.reason ?? /never/);
    });
    expect(report.ignoredColumns).toEqual([]);
  });

  it.each([
    ['', '\n'],
    ['', '\r\n'],
    ['\uFEFF', '\r\n'],
  ])(
    'names the line a row starts on, when a quoted cell before it holds line breaks (%j, %j)',
    async (bom, eol) => {
      const csv = [
        `${bom}email,name`,
        'ana@example.org,"Ana',
        'of two lines"',
        '',
        'not-an-address,Bo',
        '"cy@example.org","x',
        'y"',
        'bad@,z',
        '',
      ].join(eol);
      const report = await importSubscribers(new MemorySubscribers(), csv, testSite, now);
      expect(report.skipped.map((s) => s.line)).toEqual([5, 8]);
    },
  );

  it('takes the time a status took effect from the file, in UTC for Mailchimp and with the offset for listmonk', async () => {
    const store = new MemorySubscribers();
    await importSubscribers(store, await fixture('mailchimp-unsubscribed.csv'), testSite, now);
    expect(store.records.get('carmen@example.org')).toMatchObject({
      updatedAtMs: Date.parse('2024-06-01T07:45:00Z'),
      createdAtMs: Date.parse('2023-01-10T10:02:00Z'),
    });
    await importSubscribers(store, await fixture('listmonk.csv'), testSite, now);
    expect(store.records.get('quinn@example.org')).toMatchObject({
      updatedAtMs: Date.parse('2024-05-04T08:30:00Z'),
      createdAtMs: Date.parse('2024-03-03T09:00:00Z'),
    });
    expect(store.records.get('paula@example.org')?.createdAtMs).toBe(Date.parse('2024-03-01T10:00:00.123Z'));
  });

  it('never confirms an opt-out: the unsubscribed file after the subscribed one wins, and not the other way round', async () => {
    const store = new MemorySubscribers();
    await importSubscribers(store, await fixture('mailchimp-subscribed.csv'), testSite, now);
    await importSubscribers(store, await fixture('mailchimp-unsubscribed.csv'), testSite, now);
    expect(store.records.get('bruno@example.org')?.status).toBe('unsubscribed');

    const again = await importSubscribers(store, await fixture('mailchimp-subscribed.csv'), testSite, now);
    expect(store.records.get('bruno@example.org')?.status).toBe('unsubscribed');
    expect(again.skipped).toContainEqual({
      line: 3,
      reason: 'bruno@example.org is unsubscribed; not made confirmed (use --force to override their opt-out)',
    });
  });

  it('keeps a suppression from a cleaned file when a later file lists the address as subscribed', async () => {
    const store = new MemorySubscribers();
    await importSubscribers(store, await fixture('mailchimp-cleaned.csv'), testSite, now);
    const csv = 'email,subscribed_to_emails\ndmitri@example.org,true\n';
    const report = await importSubscribers(store, csv, testSite, now);
    expect(report.format).toMatch(/Ghost/);
    expect(store.records.get('dmitri@example.org')?.status).toBe('suppressed');
    expect(report.skipped).toEqual([
      { line: 2, reason: expect.stringContaining('suppressed after a bounce or complaint') },
    ]);
  });

  it('reads a Buttondown unsubscribers file (no type, a date of leaving) as unsubscribed', async () => {
    const store = new MemorySubscribers();
    const csv = 'email,unsubscription_date\nvera@example.org,2024-09-01T10:00:00Z\n';
    const report = await importSubscribers(store, csv, testSite, now);
    expect(report.format).toMatch(/Buttondown/);
    expect(store.records.get('vera@example.org')).toMatchObject({
      status: 'unsubscribed',
      updatedAtMs: Date.parse('2024-09-01T10:00:00Z'),
    });
  });

  it('imports nobody from an unknown file without a status whose columns may mark opt-outs', async () => {
    const store = new MemorySubscribers();
    const csv = 'Email,Opted Out On\nwill@example.org,2024-09-01\nxena@example.org,\n';
    const report = await importSubscribers(store, csv, testSite, now);
    expect(store.records.size).toBe(0);
    expect(report.skipped).toEqual([
      { line: 2, reason: expect.stringMatching(/^column "Opted Out On" may mark opt-outs/) },
      { line: 3, reason: expect.stringMatching(/^column "Opted Out On" may mark opt-outs/) },
    ]);
  });

  it('reads a header it does not know as data, by position', () => {
    expect(recogniseImport(['ana@example.org', 'confirmed']).header).toBe(false);
    expect(recogniseImport(['not-an-address', 'confirmed', 'weekly']).header).toBe(false);
    expect(recogniseImport(['Email Address', 'First Name']).description).toBe('Broadsheet columns');
    // One cell that is an address missing its @ is a row to skip, not a header that refuses the file.
    expect(recogniseImport(['ana.example.org']).header).toBe(false);
    expect(recogniseImport(['ana.example.org', 'weekly']).header).toBe(false);
  });

  it('refuses a file whose first row reads as a header without an address column, once and not per row', async () => {
    for (const first of [['mail', 'name'], ['Mail'], ['name', 'status']]) {
      const file = recogniseImport(first);
      expect(file.refused).toMatch(
        /^no address column: .* names none of address, email, e-mail, email address, email_address\./,
      );
    }
    const store = new MemorySubscribers();
    const report = await importSubscribers(store, 'mail,name\nq3@example.com,Q\n', testSite, now);
    expect(report.refused).toMatch(/^no address column: the first row \("mail", "name"\) reads as a header/);
    expect(report.skipped).toEqual([]);
    expect(report.imported).toBe(0);
    expect(store.records.size).toBe(0);
    // Without a header, the first row is an address and is imported as before.
    const headerless = await importSubscribers(store, 'q3@example.com,Q\n', testSite, now);
    expect(headerless.refused).toBeUndefined();
    expect(headerless.format).toBe('no header: address[,status[,delivery]]');
  });

  it.each([
    ['2024-02-01 08:05:00', '2024-02-01T08:05:00.000Z'],
    ['2024-03-01 10:00:00.123456 +0000 UTC', '2024-03-01T10:00:00.123Z'],
    ['2024-03-03 10:00:00 +0100 CET', '2024-03-03T09:00:00.000Z'],
    ['2024-01-05T09:10:11.000Z', '2024-01-05T09:10:11.000Z'],
  ])('reads the time %s', (text, iso) => {
    expect(new Date(parseExportTime(text) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '05/01/2024', '2024-13-45T00:00:00Z'])('refuses %s as a time', (text) => {
    expect(parseExportTime(text)).toBeNaN();
  });
});

// Addresses normalizeAddress accepts as they are (lowercase, no characters it refuses), some starting with
// what a spreadsheet reads as a formula, or with the ' that export puts before those.
const addressArb = fc
  .tuple(
    fc
      .tuple(
        fc.constantFrom('', '', '+', '-', "'", "'+", "''"),
        fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}$/),
      )
      .map(([start, rest]) => start + rest),
    fc.stringMatching(/^[a-z0-9]{1,12}$/),
    fc.constantFrom('org', 'com', 'pt', 'example'),
  )
  .map(([local, domain, tld]) => `${local.replace(/\.+/g, '.').replace(/\.$/, 'x')}@${domain}.${tld}`);
const timeArb = fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') });
const deliveryArb = fc.constantFrom('instant' as const, 'weekly' as const);

const subscriberArb: fc.Arbitrary<Subscriber> = fc
  .record(
    {
      address: addressArb,
      status: fc.constantFrom('pending', 'confirmed', 'unsubscribed', 'suppressed'),
      createdAtMs: timeArb,
      updatedAtMs: timeArb,
      delivery: deliveryArb,
      previousDelivery: deliveryArb,
      deliveryChangedMs: timeArb,
      softBounces: fc.nat({ max: 5 }),
      confirmExpires: fc.integer({ min: 946_684_800, max: 4_102_444_800 }),
      // Tag slugs, in any script; none chosen is a choice too.
      topics: fc.uniqueArray(fc.constantFrom('email', 'c-sharp', '日本語', 'москва', '2026'), {
        maxLength: 3,
      }),
    },
    { requiredKeys: ['address', 'status', 'createdAtMs', 'updatedAtMs'] },
  )
  .map((s) => s as Subscriber);

/** A record without a delivery choice receives each article as it is published: the same as instant. */
const inEffect = (s: Subscriber): Subscriber => ({ ...s, delivery: s.delivery ?? 'instant' });

describe('export then import', () => {
  it('writes no cell a spreadsheet would run as a formula, and import reads each back as it was', async () => {
    const subscribers: Subscriber[] = [
      { address: '+tag@example.com', status: 'confirmed', createdAtMs: 1, updatedAtMs: 2 },
      { address: '-dash@example.com', status: 'pending', createdAtMs: 1, updatedAtMs: 2 },
      { address: "'quote@example.com", status: 'unsubscribed', createdAtMs: 1, updatedAtMs: 2 },
      { address: "'+both@example.com", status: 'suppressed', createdAtMs: 1, updatedAtMs: 2 },
      {
        address: 'topics@example.com',
        status: 'confirmed',
        createdAtMs: 1,
        updatedAtMs: 2,
        topics: ['=1+2', 'email'],
      },
      { address: 'at@example.com', status: 'confirmed', createdAtMs: 1, updatedAtMs: 2, topics: ['@sum'] },
    ];
    const before = new MemorySubscribers();
    for (const s of subscribers) await before.save(s);
    const csv = exportCsv(await before.list());
    const cells = (parse(csv) as string[][]).flat();
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    expect(csv).toContain('"\'+tag@example.com",confirmed,');
    expect(csv).toContain('"\'\'quote@example.com",unsubscribed,');
    expect(csv).toMatch(/,topics,"'=1\+2 email"\n/);

    const after = new MemorySubscribers();
    const report = await importSubscribers(after, csv, testSite, now);
    expect(report.skipped).toEqual([]);
    const sorted = (list: Subscriber[]) =>
      list.map(inEffect).sort((a, b) => a.address.localeCompare(b.address));
    expect(sorted(await after.list())).toEqual(sorted(subscribers));
  });

  it('gives back the same records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(subscriberArb, { selector: (s) => s.address, maxLength: 20 }),
        async (subscribers) => {
          const before = new MemorySubscribers();
          for (const s of subscribers) await before.save(s);
          const csv = exportCsv(await before.list());

          const after = new MemorySubscribers();
          const report = await importSubscribers(after, csv, testSite, now);
          expect(report.skipped).toEqual([]);
          expect(report.imported).toBe(subscribers.length);
          const sorted = (list: Subscriber[]) =>
            list.map(inEffect).sort((a, b) => a.address.localeCompare(b.address));
          expect(sorted(await after.list())).toEqual(sorted(subscribers));
          // And the export of what came back is the same file.
          expect(exportCsv(await after.list())).toBe(csv);
        },
      ),
      { numRuns: 150 },
    );
  });
});
