// sanitize-html is loaded only for articles with raw HTML (issue 14, bundle size). This file must not import
// tests/helpers/site.ts, which loads it for every test that parses articles directly: here the module is
// fresh, as in a Lambda cold start or a CLI run.
import { describe, expect, it, vi } from 'vitest';
import { parseArticle } from '../../../src/core/article.js';
import { parseSiteConfig } from '../../../src/core/site.js';
import { type PublishDeps, publishChanges } from '../../../src/pipeline/publish.js';
import {
  anInstantReader,
  MemoryIndex,
  MemoryLedger,
  MemoryLock,
  MemorySite,
  MemorySource,
  MemoryStatic,
} from '../../helpers/memory.js';

const site = parseSiteConfig({
  title: 'Lazy',
  base_url: 'https://lazy.example.com',
  timezone: 'UTC',
  author: { name: 'A', email: 'a@example.com' },
  sender: { name: 'Lazy', address: 'digest@example.com' },
});
const withHtml = '---\ntitle: Raw\ndate: 2026-01-01\n---\nHello <em onclick="x()">there</em>\n';
const source = (path: string, text: string) => ({ path, bytes: new TextEncoder().encode(text) });

describe('the HTML sanitizer loads lazily', () => {
  it('is not needed for an article without raw HTML', () => {
    const result = parseArticle(
      source('posts/plain.md', '---\ntitle: P\ndate: 2026-01-01\n---\n*Plain*.\n'),
      site,
    );
    expect(result.ok && result.article.html).toBe('<p><em>Plain</em>.</p>');
  });

  it('refuses to render raw HTML before it is loaded: a caller bug, never a silent pass-through', () => {
    expect(() => parseArticle(source('posts/raw.md', withHtml), site)).toThrow(/prepareToParse/);
  });

  it.each([
    ['the local build', 'strict', 'all'],
    ['the cloud publisher', 'lenient', ['posts/raw.md']],
  ] as const)('is loaded by publishChanges as %s runs it', async (_name, mode, changes) => {
    const content = new MemorySource();
    content.files.set('posts/raw.md', withHtml);
    const ledger = new MemoryLedger();
    const output = new MemorySite();
    const deps: PublishDeps = {
      site,
      content,
      assets: new MemoryStatic(),
      output,
      index: new MemoryIndex(),
      mode,
      lease: new MemoryLock(),
      announce: { ledger, digests: ledger, recipients: anInstantReader },
    };
    const outcome = await publishChanges(deps, changes, new Date('2026-02-01'));
    expect(outcome.published).toEqual(['posts/raw.md']);
    expect(output.text('posts/raw/index.html')).toContain('<p>Hello <em>there</em></p>');
  });

  it('prepareToParse loads it only when some source holds a `<`', async () => {
    vi.resetModules();
    const fresh = await import('../../../src/core/article.js');
    const plain = source('posts/plain.md', '---\ntitle: P\ndate: 2026-01-01\n---\nPlain.\n');
    await fresh.prepareToParse([plain]);
    expect(() => fresh.parseArticle(source('posts/raw.md', withHtml), site)).toThrow(/prepareToParse/);
    await fresh.prepareToParse([plain, source('posts/raw.md', withHtml)]);
    const result = fresh.parseArticle(source('posts/raw.md', withHtml), site);
    expect(result.ok && result.article.html).toBe('<p>Hello <em>there</em></p>');
  });
});
