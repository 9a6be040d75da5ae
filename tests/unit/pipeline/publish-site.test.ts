import { describe, expect, it } from 'vitest';
import { ContentError } from '../../../src/core/errors.js';
import type { Fingerprints, SiteStore, StoredFile } from '../../../src/core/ports.js';
import type { SiteFile } from '../../../src/core/site-build.js';
import { ThemeLoadError } from '../../../src/core/theme.js';
import { PublishStopped, publishSite, SkipFile } from '../../../src/pipeline/publish-site.js';

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
  key = `k:${body}`,
): SiteFile & { renders: number } => {
  const f = {
    path,
    contentType: 'text/html',
    kind,
    immutable: false,
    key,
    renders: 0,
    async render() {
      f.renders++;
      return body;
    },
  };
  return f;
};

describe('publishSite', () => {
  it('writes pages before feeds, marking them pending before and recording their keys after', async () => {
    const store = new MemoryStore();
    await publishSite([file('feed.xml', 'f', 'feed'), file('a.html', 'a'), file('b.html', 'b')], store);
    expect(store.log).toEqual(['save', 'put a.html', 'put b.html', 'put feed.xml', 'save']);
    expect(store.saved.get('a.html')).toBe('k:a');
  });

  it('writes only what changed, removes what is gone, and never renders a file whose key is stored', async () => {
    const store = new MemoryStore();
    await publishSite([file('a.html', 'a', 'page', 'k1'), file('b.html', 'b'), file('old.html', 'o')], store);
    store.log = [];
    const keyed = file('a.html', 'a', 'page', 'k1');
    const report = await publishSite([keyed, file('b.html', 'b2')], store);
    expect(keyed.renders).toBe(0);
    expect(report).toEqual({ written: ['b.html'], unchanged: 1, removed: ['old.html'], skipped: [] });
    expect(store.log).toEqual(['save', 'put b.html', 'delete old.html', 'save']);
  });

  it('leaves a file whose write failed recorded as pending, so the next run rewrites it', async () => {
    const store = new MemoryStore();
    await publishSite([file('a.html', 'a')], store);
    store.put = async () => {
      throw new Error('disk full');
    };
    await expect(publishSite([file('a.html', 'changed')], store)).rejects.toThrow('disk full');
    expect(store.saved.get('a.html')).toBe('');
  });

  it('deletes a file a crashed run left behind when the next plan no longer has it', async () => {
    const store = new MemoryStore();
    await publishSite([file('a.html', 'a')], store);
    const put = store.put.bind(store);
    store.put = async (f) => {
      await put(f);
      throw new Error('killed');
    };
    await expect(publishSite([file('a.html', 'a'), file('secret.html', 's')], store)).rejects.toThrow(
      'killed',
    );
    store.put = put;
    const report = await publishSite([file('a.html', 'a')], store);
    expect(report.removed).toEqual(['secret.html']);
    expect(store.files.has('secret.html')).toBe(false);
  });
});

describe('a template that fails as it renders', () => {
  const page = (path: string, render: () => Promise<string>): SiteFile => ({
    path,
    contentType: 'text/html',
    kind: 'page',
    immutable: false,
    key: `k:${path}`,
    template: 'article',
    render,
  });
  const failing = () =>
    Promise.reject(
      new ThemeLoadError([
        {
          file: 'theme/article.liquid',
          field: 'template',
          reason: 'Invalid time value',
          line: 3,
          severity: 'error',
        },
      ]),
    );

  it('stops the publish before anything is written, with the template named', async () => {
    const store = new MemoryStore();
    const plan = [file('index.html', 'home'), page('posts/a/index.html', failing)];
    await expect(publishSite(plan, store)).rejects.toThrow(ContentError);
    expect(store.log.filter((line) => line.startsWith('put'))).toEqual([]);
  });

  it('on one article’s data alone: stops before any page that lists, and says what it wrote', async () => {
    const store = new MemoryStore();
    const home = { ...file('index.html', 'home'), lists: true as const };
    const plan = [
      page('posts/a/index.html', async () => 'a'),
      page('posts/b/index.html', failing),
      ...Array.from({ length: 40 }, (_, i) => page(`posts/c${i}/index.html`, async () => `c${i}`)),
      home,
      file('feed.xml', 'feed', 'feed'),
    ];
    const stopped = await publishSite(plan, store, 4).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(PublishStopped);
    const puts = store.log.filter((line) => line.startsWith('put')).map((line) => line.slice(4));
    expect((stopped as PublishStopped).written).toEqual([...puts].sort());
    expect(puts).toContain('posts/a/index.html');
    expect(puts).not.toContain('index.html');
    expect(puts).not.toContain('feed.xml');
    // No new page is begun once one failed: at most those in flight with it finish.
    expect(puts.length).toBeLessThan(8);
  });

  it('tries the next page of a template whose first page was skipped (its input vanished)', async () => {
    const store = new MemoryStore();
    const gone = () => Promise.reject(new SkipFile('posts/a.md is gone'));
    const plan = [
      file('index.html', 'home'),
      page('posts/a/index.html', gone),
      page('posts/b/index.html', failing),
    ];
    await expect(publishSite(plan, store)).rejects.toThrow(/theme\/article\.liquid:3/);
    expect(store.log.filter((line) => line.startsWith('put'))).toEqual([]);
  });
});
