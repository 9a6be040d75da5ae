import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DigestPlan } from '../../core/digest.js';
import type { AnnouncementStore, RecipientStore } from '../../core/ports.js';
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
    }),
  ),
});

/**
 * Recipients from .broadsheet/subscribers.json. Without that file the site owner is the one recipient,
 * so a fresh clone shows what a digest looks like.
 */
export class FileRecipientStore implements RecipientStore {
  private readonly path: string;
  constructor(
    stateDir: string,
    private readonly owner: string,
  ) {
    this.path = join(stateDir, 'subscribers.json');
  }

  async recipients(): Promise<string[]> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return [this.owner];
    const parsed = subscribersSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.path} is invalid: ${parsed.error.message}`);
    return [
      ...new Set(parsed.data.subscribers.filter((s) => s.status === 'confirmed').map((s) => s.address)),
    ];
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
