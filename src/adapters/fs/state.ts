import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DigestPlan } from '../../core/digest.js';
import type { AnnouncementStore, PublishedLockStore, SubscriberStore } from '../../core/ports.js';
import { LOCK_FILE, lockSchema, type PublishedLock } from '../../core/published-lock.js';
import type { Subscriber } from '../../core/subscribers.js';
import { readJsonFile, writeFileAtomicSync, writeJsonFile } from './files.js';

const announcedSchema = z.object({
  version: z.literal(1),
  /** permalink → id of the digest that announced it */
  announced: z.record(z.string(), z.string()),
});

/** Local state folder (.broadsheet/): which articles were announced. */
export class FileAnnouncementStore implements AnnouncementStore {
  private readonly path: string;
  constructor(stateDir: string) {
    this.path = join(stateDir, 'announced.json');
  }

  private async read(): Promise<z.output<typeof announcedSchema> | undefined> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return undefined;
    const parsed = announcedSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.path} is corrupt: ${parsed.error.message}`);
    return parsed.data;
  }

  async load(): Promise<ReadonlySet<string> | undefined> {
    const state = await this.read();
    return state && new Set(Object.keys(state.announced));
  }

  async record(plan: DigestPlan): Promise<void> {
    const state = (await this.read()) ?? { version: 1 as const, announced: {} };
    for (const article of [...plan.articles, ...plan.silenced]) state.announced[article.url] ??= plan.id;
    await writeJsonFile(this.path, state);
  }
}

export const subscriberStatus = z.enum(['pending', 'confirmed', 'unsubscribed', 'suppressed']);

const subscribersSchema = z.object({
  subscribers: z.array(
    z.object({
      address: z.email().trim().toLowerCase(),
      status: subscriberStatus,
      createdAtMs: z.number().default(0),
      updatedAtMs: z.number().default(0),
      confirmExpires: z.number().optional(),
      softBounces: z.number().optional(),
    }),
  ),
});

/**
 * Subscribers in .broadsheet/subscribers.json. Without that file the site owner is the one recipient,
 * so a fresh clone shows what a digest looks like.
 */
export class FileSubscriberStore implements SubscriberStore {
  private readonly path: string;
  constructor(
    stateDir: string,
    private readonly owner: string,
  ) {
    this.path = join(stateDir, 'subscribers.json');
  }

  private async read(): Promise<Subscriber[] | undefined> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return undefined;
    const parsed = subscribersSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.path} is invalid: ${parsed.error.message}`);
    return parsed.data.subscribers;
  }

  async recipients(): Promise<string[]> {
    const all = await this.read();
    if (all === undefined) return [this.owner];
    return [...new Set(all.filter((s) => s.status === 'confirmed').map((s) => s.address))];
  }

  async list(): Promise<Subscriber[]> {
    return (await this.read()) ?? [];
  }

  async get(address: string): Promise<Subscriber | undefined> {
    return (await this.list()).find((s) => s.address === address);
  }

  async save(subscriber: Subscriber): Promise<void> {
    await this.saveAll([subscriber]);
  }

  /** Adds or replaces many at once, in one write. */
  async saveAll(subscribers: readonly Subscriber[]): Promise<void> {
    const byAddress = new Map((await this.list()).map((s) => [s.address, s]));
    for (const s of subscribers) byAddress.set(s.address, s);
    await writeJsonFile(this.path, {
      subscribers: [...byAddress.values()].sort((a, b) => a.address.localeCompare(b.address)),
    });
  }
}

/** The secret that signs subscriber tokens; generated on first use, readable only by its owner. */
export async function localSecret(stateDir: string): Promise<string> {
  const path = join(stateDir, 'secret');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secret = randomBytes(32).toString('base64url');
    writeFileAtomicSync(path, `${secret}\n`, 0o600);
    return secret;
  }
}

/** content/published.lock.json, rewritten by each build only when what is published changed. */
export class FilePublishedLock implements PublishedLockStore {
  private readonly path: string;
  constructor(contentDir: string) {
    this.path = join(contentDir, LOCK_FILE);
  }

  async load(): Promise<PublishedLock | undefined> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return undefined;
    const parsed = lockSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.path} is invalid: ${parsed.error.message}`);
    return parsed.data;
  }

  async save(lock: PublishedLock): Promise<void> {
    if (JSON.stringify(await this.load().catch(() => undefined)) === JSON.stringify(lock)) return;
    await writeJsonFile(this.path, lock);
  }
}
