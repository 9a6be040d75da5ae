import { describe, expect, it } from 'vitest';
import type { Fingerprints, SiteStore, StoredFile } from '../../../src/core/ports.js';
import type { SiteFile } from '../../../src/core/site-build.js';
import { publishSite } from '../../../src/pipeline/publish-site.js';

/** An in-memory SiteStore that records every call. */
class MemoryStore implements SiteStore {
  files = new Map<string, StoredFile>();
  saved: Fingerprints = new Map();
  log: string[] = [];
  async fingerprints() {
    return this.saved;
  }
  async put(file: StoredFile) {
    this.log.push(`put ${file.path}`);
    this.files.set(file.path, file);
  }
  async delete(path: string) {
    this.log.push(`delete ${path}`);
    this.files.delete(path);
  }
  async saveFingerprints(fingerprints: Fingerprints) {
    this.log.push('save');
    this.saved = new Map(fingerprints);
  }
}

const file = (
  path: string,
  body: string,
  kind: SiteFile['kind'] = 'page',
  key?: string,
): SiteFile & { renders: number } => {
  const f = {
    path,
    contentType: 'text/html',
    kind,
    immutable: false,
    ...(key ? { key } : {}),
    renders: 0,
    render() {
      f.renders++;
      return body;
    },
  };
  return f;
};

describe('publishSite', () => {
  it('writes pages before feeds and records fingerprints last', async () => {
    const store = new MemoryStore();
    await publishSite([file('feed.xml', 'f', 'feed'), file('a.html', 'a'), file('b.html', 'b')], store);
    expect(store.log).toEqual(['put a.html', 'put b.html', 'put feed.xml', 'save']);
  });

  it('writes only what changed, removes what is gone, and never renders a file whose key is stored', async () => {
    const store = new MemoryStore();
    await publishSite([file('a.html', 'a', 'page', 'k1'), file('b.html', 'b'), file('old.html', 'o')], store);
    store.log = [];
    const keyed = file('a.html', 'a', 'page', 'k1');
    const report = await publishSite([keyed, file('b.html', 'b2')], store);
    expect(keyed.renders).toBe(0);
    expect(report).toEqual({ written: ['b.html'], unchanged: 1, removed: ['old.html'] });
    expect(store.log).toEqual(['put b.html', 'delete old.html', 'save']);
  });

  it('leaves the stored fingerprints alone when a write fails, so the next run redoes the work', async () => {
    const store = new MemoryStore();
    await publishSite([file('a.html', 'a')], store);
    const before = store.saved;
    store.put = async () => {
      throw new Error('disk full');
    };
    await expect(publishSite([file('a.html', 'changed')], store)).rejects.toThrow('disk full');
    expect(store.saved).toBe(before);
  });
});
