import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, previewLinks } from '../../core/digest.js';
import type { RawMessage } from '../../core/email.js';
import type { DigestMailer, MailSender } from '../../core/ports.js';
import type { SiteConfig } from '../../core/site.js';
import type { LedgerEntry } from '../../core/stats.js';
import { slugify } from '../../core/text.js';
import { writeFileAtomicSync, writeFileIn } from './files.js';

/** Writes each digest to outbox/<digest id>/ as one .eml per recipient plus an HTML and text preview. */
export class OutboxMailer implements DigestMailer {
  constructor(
    private readonly root: string,
    private readonly site: SiteConfig,
  ) {}

  async deliver(digest: Digest, messages: readonly RawMessage[]): Promise<{ location: string }> {
    const target = join(this.root, digest.id);
    if (await stat(target).catch(() => undefined)) return { location: target }; // already delivered
    // Build in a temporary folder of this call's own and rename it into place, so the outbox never holds
    // half a digest.
    const temp = `${target}.${randomUUID()}.tmp`;
    await rm(temp, { recursive: true, force: true });
    try {
      await mkdir(temp, { recursive: true });
      const links = previewLinks(this.site);
      writeFileIn(join(temp, 'preview.html'), digest.html(links));
      writeFileIn(join(temp, 'preview.txt'), digest.text(links));
      if (digest.notes?.length) writeFileIn(join(temp, 'notes.txt'), `${digest.notes.join('\n')}\n`);
      let n = 0;
      for (const message of messages) writeFileIn(join(temp, emlName(++n, message.to)), message.data);
      await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
        // Written meanwhile by another build of the same digest (the id names its content): delivered.
        if (
          !['ENOTEMPTY', 'EEXIST'].includes(error.code ?? '') ||
          !(await stat(target).catch(() => undefined))
        )
          throw error;
        await rm(temp, { recursive: true, force: true });
      });
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    return { location: target };
  }
}

// File names hold at most 255 bytes; an address may hold 254 characters.
const MAX_NAME_SLUG = 64;

/** `0001-ana-example-org.eml`; a long address is cut and ends in a hash of it, so names stay unique. */
export function emlName(n: number, address: string): string {
  let slug = slugify(address) || 'recipient';
  if (slug.length > MAX_NAME_SLUG) {
    const hash = createHash('sha256').update(address).digest('hex').slice(0, 12);
    slug = `${slug.slice(0, MAX_NAME_SLUG - hash.length - 1).replace(/-+$/, '')}-${hash}`;
  }
  return `${String(n).padStart(4, '0')}-${slug}.eml`;
}

/**
 * A test send: outbox/<test id>/ holds the one message, in a folder whose name starts with `test-`, apart from
 * the digests the build writes (which are keyed by digest id, so a test never stands in for the real one).
 */
export class OutboxTestMailer implements MailSender {
  constructor(
    private readonly root: string,
    private readonly folder: string,
  ) {}

  /** Where the message went. */
  get location(): string {
    return join(this.root, this.folder);
  }

  async send(message: RawMessage): Promise<string> {
    const path = join(this.location, emlName(1, message.to));
    writeFileAtomicSync(path, message.data);
    return path;
  }
}

/**
 * The outbox as a send ledger, for `stats`: each .eml in outbox/<digest id>/ is a message sent to the address
 * in its To header. Empty when the digest was never written here.
 */
export async function outboxLedger(root: string, digestId: string): Promise<Map<string, LedgerEntry>> {
  const folder = join(root, digestId);
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.eml'));
  const sent = new Map<string, LedgerEntry>();
  for (const name of names.sort()) {
    const text = await readFile(join(folder, name), 'utf8');
    // The header block, folded lines joined.
    const headers = text.slice(0, text.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
    const to = /^To:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    if (to) sent.set(to.replace(/^.*<([^>]+)>$/, '$1').toLowerCase(), { state: 'sent' });
  }
  return sent;
}
