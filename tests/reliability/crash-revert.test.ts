// Issue 14, item 9: a build killed halfway, its change reverted, and the rebuild must not keep what the
// killed build wrote (a secret article in the feeds, pages with a reverted title).
import { describe, expect, it } from 'vitest';
import type { SiteStore, StoredFile } from '../../src/core/ports.js';
import type { SiteConfig } from '../../src/core/site.js';
import { publishChanges } from '../../src/pipeline/publish.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemorySite,
  MemorySource,
  MemoryStatic,
} from '../helpers/memory.js';
import { testSite } from '../helpers/site.js';

class KilledAfter extends Error {}

function setup() {
  const content = new MemorySource();
  const output = new MemorySite();
  const index = new MemoryIndex();
  const ledger = new MemoryLedger();
  for (let i = 0; i < 40; i++) {
    content.files.set(
      `posts/a${i}.md`,
      `---\ntitle: Article ${i}\ndate: 2026-01-${String((i % 28) + 1).padStart(2, '0')}\ntags: [t${i % 3}]\n---\nBody ${i}.\n`,
    );
  }
  const deps = (site: SiteConfig, store: SiteStore = output) => ({
    site,
    content,
    assets: new MemoryStatic(),
    output: store,
    index,
    mode: 'strict' as const,
    announce: { ledger, digests: ledger, recipients: anInstantReader },
  });
  /** The same store, killed (like kill -9) after `n` more files were written. */
  const dying = (n: number) => {
    let left = n;
    const store: SiteStore = {
      fingerprints: () => output.fingerprints(),
      saveFingerprints: (f) => output.saveFingerprints(f),
      delete: (path) => output.delete(path),
      put: async (file: StoredFile) => {
        if (left-- <= 0) throw new KilledAfter('killed');
        await output.put(file);
      },
    };
    return store;
  };
  return { content, output, deps, dying };
}

const now = new Date('2026-06-01');

describe('crash, revert, rebuild', () => {
  it('drops a secret article the killed build had started to publish', async () => {
    const { content, output, deps, dying } = setup();
    await publishChanges(deps(testSite), 'all', now);
    content.files.set(
      'posts/secret.md',
      '---\ntitle: Secret plans\ndate: 2026-05-01\n---\nDo not publish.\n',
    );
    await expect(publishChanges(deps(testSite, dying(4)), 'all', now)).rejects.toThrow('killed');
    const leaked = [...output.files.keys()].filter((path) => output.text(path).includes('Secret plans'));
    expect(leaked.length).toBeGreaterThan(0);
    content.files.delete('posts/secret.md');
    await publishChanges(deps(testSite), 'all', now);
    for (const [path, file] of output.files) {
      const body = typeof file.body === 'string' ? file.body : '';
      expect(body, path).not.toContain('Secret plans');
    }
    expect(output.files.has('posts/secret/index.html')).toBe(false);
  });

  it('rewrites every page a killed build gave a title that was then reverted', async () => {
    const { output, deps, dying } = setup();
    await publishChanges(deps(testSite), 'all', now);
    await expect(
      publishChanges(deps({ ...testSite, title: 'Wrong Title' }, dying(20)), 'all', now),
    ).rejects.toThrow('killed');
    await publishChanges(deps(testSite), 'all', now);
    const stale = [...output.files].filter(
      ([, f]) => typeof f.body === 'string' && f.body.includes('Wrong Title'),
    );
    expect(stale.map(([path]) => path)).toEqual([]);
  });
});
