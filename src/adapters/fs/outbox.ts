import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, previewLinks } from '../../core/digest.js';
import type { RawMessage } from '../../core/email.js';
import type { DigestMailer } from '../../core/ports.js';
import type { SiteConfig } from '../../core/site.js';
import { slugify } from '../../core/text.js';
import { writeFileIn } from './files.js';

/** Writes each digest to outbox/<digest id>/ as one .eml per recipient plus an HTML and text preview. */
export class OutboxMailer implements DigestMailer {
  constructor(
    private readonly root: string,
    private readonly site: SiteConfig,
  ) {}

  async deliver(digest: Digest, messages: readonly RawMessage[]): Promise<{ location: string }> {
    const target = join(this.root, digest.id);
    if (await stat(target).catch(() => undefined)) return { location: target }; // already delivered
    // Build in a temporary folder and rename it into place, so the outbox never holds half a digest.
    const temp = `${target}.${process.pid}.tmp`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    const links = previewLinks(this.site);
    writeFileIn(join(temp, 'preview.html'), digest.html(links));
    writeFileIn(join(temp, 'preview.txt'), digest.text(links));
    let n = 0;
    for (const message of messages) {
      n++;
      const name = `${String(n).padStart(4, '0')}-${slugify(message.to) || 'recipient'}.eml`;
      writeFileIn(join(temp, name), message.data);
    }
    await rename(temp, target);
    return { location: target };
  }
}
