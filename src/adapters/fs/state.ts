import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { wentOut } from '../../core/announcement-marks.js';
import type { ArticleMeta } from '../../core/article.js';
import { articlesAwaitingWeekly } from '../../core/awaiting-weekly.js';
import type { DeliveryChoice } from '../../core/delivery.js';
import { StateFileError } from '../../core/errors.js';
import type {
  AnnouncementLedger,
  DigestRecord,
  PublishedIdsStore,
  SubscriberStore,
  WeeklyLedger,
} from '../../core/ports.js';
import { PUBLISHED_IDS_FILE, type PublishedIds, publishedIdsSchema } from '../../core/published-ids.js';
import {
  notStored,
  type Subscriber,
  type SubscriberChange,
  type SubscriberUpdate,
  storedDeliveryFields,
  type UpdateOptions,
  updateSubscriber,
  updateSubscribers,
  type VersionedSubscriber,
  type VersionedSubscriberStorage,
} from '../../core/subscribers.js';
import { checkSigningSecret } from '../../core/tokens.js';
import { jsonText, readJsonFile, readJsonFileSync, writeFileAtomicSync } from './files.js';

const announcedV1 = z.object({
  version: z.literal(1),
  /** permalink → id of the digest that announced it */
  announced: z.record(z.string(), z.string()),
});

const storedDigest = z.object({
  id: z.string(),
  createdAtMs: z.number(),
  // Written by this class from trusted ArticleMeta; only the shape the weekly lookup relies on is checked.
  articles: z.array(
    z.custom<ArticleMeta>(
      (v) => typeof (v as { url?: unknown } | null)?.url === 'string',
      'article without url',
    ),
  ),
  audience: z.object({ delivery: z.enum(['instant', 'weekly']), weekStartMs: z.number() }).optional(),
  bodies: z.record(z.string(), z.string()).optional(),
  shortened: z.array(z.string()).optional(),
  unreached: z.literal(true).optional(),
});

const announcedV2 = z.object({
  version: z.literal(2),
  announced: z.record(z.string(), z.string()),
  /** Digests of the last weeks, for the weekly digest. */
  digests: z.array(storedDigest),
  /** permalink → id of the weekly digest that carried it */
  weekly: z.record(z.string(), z.string()),
  weeklyCursor: z.number().optional(),
  /** The digest an announce step began and did not finish (AnnouncementLedger.openAnnouncement). */
  open: z.string().optional(),
});
type AnnouncedState = z.output<typeof announcedV2>;
const announcedSchema = z.discriminatedUnion('version', [announcedV2, announcedV1]);

function upgradeAnnounced(state: z.output<typeof announcedSchema> | undefined): AnnouncedState | undefined {
  if (state === undefined) return undefined;
  return state.version === 2 ? state : { version: 2, announced: state.announced, digests: [], weekly: {} };
}

// Digests this far behind the weekly cursor are dropped from the file: the weekly run looks back one week
// before the cursor at most.
const KEEP_DIGESTS_MS = 14 * 86_400_000;

/** What each state file is for, and what to do when it is bad: the operator decides, not the build. */
const FIX = {
  announced:
    'It records which articles were announced, so that none is mailed twice. Restore it from a backup, or repair it by hand. If you delete it, the next build mails only what goes live from then on (the site index beside it says what was live already), and the next weekly digest loses what it was still to carry. With the whole state folder deleted, the next build treats the site as new: it announces only the newest article and records the others as announced.',
  subscribers:
    'It lists your subscribers. Restore it from a backup (`broadsheet subscribers export` writes one), or repair it by hand. Deleting it loses every subscriber: the site owner becomes the only recipient.',
  publishedIds:
    'It records the published ids and is committed with the articles: restore it from git (`git checkout -- content/published-ids.json`).',
};

function parseState<S extends z.ZodType>(path: string, raw: unknown, schema: S, fix: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
  throw new StateFileError(path, `is invalid (${issues.join('; ')}${more})`, fix);
}

/**
 * A state file checked against its schema; undefined when it does not exist. Anything else wrong with it
 * (unreadable, not JSON, not the right shape) is a StateFileError naming it and what to do.
 */
async function readStateFile<S extends z.ZodType>(
  path: string,
  schema: S,
  fix: string,
): Promise<z.output<S> | undefined> {
  const raw = await readJsonFile(path, fix);
  return raw === undefined ? undefined : parseState(path, raw, schema, fix);
}

/** readStateFile without awaiting, for a read and a write that nothing may come between. */
function readStateFileSync<S extends z.ZodType>(
  path: string,
  schema: S,
  fix: string,
): z.output<S> | undefined {
  const raw = readJsonFileSync(path, fix);
  return raw === undefined ? undefined : parseState(path, raw, schema, fix);
}

/**
 * Local state folder (.broadsheet/): which articles were announced, by which digests, and the weekly cursor.
 * Every call reads the file as it is now, never a copy from earlier in the run: a build that waited for the
 * publish lease must see what the command that held it wrote (a cancel's articles, recorded as announced).
 * A change reads, changes and replaces the file with nothing awaited in between, so it keeps what another
 * process wrote before it (whoever writes it holds the publish lease, so no one writes meanwhile).
 */
export class FileAnnouncementStore implements AnnouncementLedger, WeeklyLedger {
  private readonly path: string;
  constructor(stateDir: string) {
    this.path = join(stateDir, 'announced.json');
  }

  private async read(): Promise<AnnouncedState | undefined> {
    return upgradeAnnounced(await readStateFile(this.path, announcedSchema, FIX.announced));
  }

  private async update(change: (state: AnnouncedState) => void): Promise<void> {
    const state = upgradeAnnounced(readStateFileSync(this.path, announcedSchema, FIX.announced)) ?? {
      version: 2 as const,
      announced: {},
      digests: [],
      weekly: {},
    };
    change(state);
    writeFileAtomicSync(this.path, jsonText(state));
  }

  async unannounced(urls: readonly string[]): Promise<string[]> {
    const announced = (await this.read())?.announced ?? {};
    return urls.filter((url) => announced[url] === undefined);
  }

  async markAnnounced(urls: readonly string[], digestId: string): Promise<void> {
    await this.update((state) => {
      for (const url of urls) state.announced[url] ??= digestId;
    });
  }

  async digest(id: string): Promise<DigestRecord | undefined> {
    return (await this.read())?.digests.find((d) => d.id === id);
  }

  async openAnnouncement(): Promise<string | undefined> {
    return (await this.read())?.open;
  }

  async setOpenAnnouncement(id: string | undefined): Promise<void> {
    await this.update((state) => {
      if (id === undefined) delete state.open;
      else state.open = id;
    });
  }

  /** Digests created since `sinceMs` that the file still keeps (it drops those the weekly run is done with). */
  async recentDigests(sinceMs: number): Promise<DigestRecord[]> {
    return ((await this.read())?.digests ?? []).filter((d) => d.createdAtMs >= sinceMs);
  }

  async createDigest(digest: DigestRecord): Promise<boolean> {
    let created = false;
    await this.update((state) => {
      if (state.digests.some((d) => d.id === digest.id)) return;
      // Only digests the weekly digest can no longer need: older than what it looks back over.
      const cutoff = (state.weeklyCursor ?? Number.NEGATIVE_INFINITY) - KEEP_DIGESTS_MS;
      state.digests = state.digests.filter((d) => d.createdAtMs >= cutoff);
      const { shortened, bodies, ...rest } = digest;
      state.digests.push({
        ...rest,
        articles: [...digest.articles],
        ...(bodies ? { bodies: { ...bodies } } : {}),
        ...(shortened ? { shortened: [...shortened] } : {}),
      });
      created = true;
    });
    return created;
  }

  async awaitingWeekly(sinceMs: number, beforeMs: number): Promise<ArticleMeta[]> {
    const state = await this.read();
    if (!state) return [];
    return articlesAwaitingWeekly(
      state.digests,
      (url) => state.weekly[url] !== undefined,
      sinceMs,
      beforeMs,
      (id) => wentOut(id, state.open, (key) => state.announced[key] !== undefined),
    );
  }

  async carriedWeekly(urls: readonly string[]): Promise<ReadonlySet<string>> {
    const weekly = (await this.read())?.weekly ?? {};
    return new Set(urls.filter((url) => weekly[url] !== undefined));
  }

  async markWeekly(urls: readonly string[], weeklyId: string): Promise<void> {
    await this.update((state) => {
      for (const url of urls) state.weekly[url] ??= weeklyId;
    });
  }

  async weeklyCursor(): Promise<number | undefined> {
    return (await this.read())?.weeklyCursor;
  }

  async advanceWeeklyCursor(endMs: number): Promise<void> {
    await this.update((state) => {
      state.weeklyCursor = Math.max(state.weeklyCursor ?? endMs, endMs);
    });
  }
}

export const subscriberStatus = z.enum(['pending', 'confirmed', 'unsubscribed', 'suppressed']);

const storedSubscriber = z.object({
  address: z.email().trim().toLowerCase(),
  status: subscriberStatus,
  createdAtMs: z.number().default(0),
  updatedAtMs: z.number().default(0),
  confirmExpires: z.number().optional(),
  softBounces: z.number().optional(),
  ...storedDeliveryFields,
  /** Bumped by every update; absent in files from before versions (0). */
  version: z.number().int().nonnegative().optional(),
});
const subscribersSchema = z.object({ subscribers: z.array(storedSubscriber) });
type StoredSubscribers = Map<string, VersionedSubscriber>;

function byAddress(file: z.output<typeof subscribersSchema> | undefined): StoredSubscribers {
  return new Map(
    (file?.subscribers ?? []).map(({ version, ...subscriber }) => [
      subscriber.address,
      { subscriber, version: version ?? 0 },
    ]),
  );
}

/**
 * Subscribers in .broadsheet/subscribers.json. Without that file the site owner is the one recipient,
 * so a fresh clone shows what a digest looks like. Changes follow the same versioned rule as in DynamoDB
 * (updateSubscribers); the check and the write happen with nothing awaited in between, so updates in this
 * process never lose one another. Two processes writing at once are not guarded: the CLI is one process.
 */
export class FileSubscriberStore implements SubscriberStore, VersionedSubscriberStorage {
  private readonly path: string;
  constructor(
    stateDir: string,
    private readonly owner: string,
  ) {
    this.path = join(stateDir, 'subscribers.json');
  }

  private async read(): Promise<Subscriber[] | undefined> {
    const file = await readStateFile(this.path, subscribersSchema, FIX.subscribers);
    return file && [...byAddress(file).values()].flatMap((v) => (v.subscriber ? [v.subscriber] : []));
  }

  async recipients(): Promise<DeliveryChoice[]> {
    const all = await this.read();
    if (all === undefined) return [{ address: this.owner }];
    return all.filter((s) => s.status === 'confirmed');
  }

  async list(): Promise<Subscriber[]> {
    return (await this.read()) ?? [];
  }

  /** Without the file nobody subscribed here yet, and the site owner alone receives the digest. */
  async exists(): Promise<boolean> {
    return (await this.read()) !== undefined;
  }

  /** Who receives the digest when the file does not exist. */
  get fallbackRecipient(): string {
    return this.owner;
  }

  async get(address: string): Promise<Subscriber | undefined> {
    return (await this.readVersioned()).get(address)?.subscriber;
  }

  update(address: string, change: SubscriberChange, options?: UpdateOptions): Promise<SubscriberUpdate> {
    return updateSubscriber(this, address, change, options);
  }

  updateAll(
    changes: ReadonlyMap<string, SubscriberChange>,
    options?: UpdateOptions,
  ): Promise<Map<string, SubscriberUpdate>> {
    return updateSubscribers(this, changes, options);
  }

  async readVersioned(): Promise<StoredSubscribers> {
    const file = await readStateFile(this.path, subscribersSchema, FIX.subscribers);
    const stored = byAddress(file);
    // Without the file the owner receives the digest, so the unsubscribe link in it must work: they read as
    // confirmed, and a change to them is what creates the file (an unsubscribe then leaves nobody).
    if (file === undefined)
      stored.set(this.owner, {
        subscriber: notStored({ address: this.owner, status: 'confirmed', createdAtMs: 0, updatedAtMs: 0 }),
        version: 0,
      });
    return stored;
  }

  async writeIfUnchanged(
    writes: readonly { readonly subscriber: Subscriber; readonly version: number }[],
  ): Promise<Set<string>> {
    // Synchronous from the read to the rename: no other update in this process can run in between.
    const stored = byAddress(readStateFileSync(this.path, subscribersSchema, FIX.subscribers));
    const conflicted = new Set<string>();
    for (const { subscriber, version } of writes) {
      if ((stored.get(subscriber.address)?.version ?? 0) !== version) conflicted.add(subscriber.address);
      // The owner read as there without the file is created by the change that first writes them.
      else if (subscriber.address === this.owner && !stored.has(this.owner) && subscriber.createdAtMs === 0)
        stored.set(subscriber.address, {
          subscriber: { ...subscriber, createdAtMs: subscriber.updatedAtMs },
          version: version + 1,
        });
      else stored.set(subscriber.address, { subscriber, version: version + 1 });
    }
    if (conflicted.size === writes.length) return conflicted;
    const subscribers = [...stored.values()]
      .flatMap(({ subscriber, version }) => (subscriber ? [{ ...subscriber, version }] : []))
      .sort((a, b) => a.address.localeCompare(b.address));
    writeFileAtomicSync(this.path, jsonText({ subscribers }));
    return conflicted;
  }
}

/**
 * The secret that signs subscriber tokens: 32 random bytes generated on first use, readable only by its
 * owner. One that is empty or shorter than 32 bytes is refused, never used.
 */
export async function localSecret(stateDir: string): Promise<string> {
  const path = join(stateDir, 'secret');
  const fix =
    'Delete the file and run again to generate a good one (links in email already sent will stop working), or put at least 32 random bytes in it.';
  let secret: string;
  try {
    secret = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new StateFileError(path, `cannot be read (${code ?? message})`, fix, { cause: error });
    }
    secret = randomBytes(32).toString('base64url');
    writeFileAtomicSync(path, `${secret}\n`, 0o600);
  }
  return checkSigningSecret(secret, path, fix);
}

/** content/published-ids.json, rewritten by each build only when what is published changed. */
export class FilePublishedIds implements PublishedIdsStore {
  private readonly path: string;
  /** Where sites from before the rename keep it; read when the new file is missing, removed on save. */
  private readonly formerPath: string;
  constructor(contentDir: string) {
    this.path = join(contentDir, PUBLISHED_IDS_FILE);
    this.formerPath = join(contentDir, 'published.lock.json');
  }

  async load(): Promise<PublishedIds | undefined> {
    return (
      (await readStateFile(this.path, publishedIdsSchema, FIX.publishedIds)) ??
      (await readStateFile(this.formerPath, publishedIdsSchema, FIX.publishedIds))
    );
  }

  async save(ids: PublishedIds): Promise<void> {
    // Compared as text: a build that publishes nothing new leaves the committed file untouched, without
    // parsing and validating ten thousand entries to find that out.
    const text = jsonText(ids);
    if ((await readFile(this.path, 'utf8').catch(() => undefined)) !== text)
      writeFileAtomicSync(this.path, text);
    await rm(this.formerPath, { force: true });
  }
}
