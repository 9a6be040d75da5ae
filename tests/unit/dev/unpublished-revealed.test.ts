// preview --drafts shows drafts and scheduled articles as if published, each marked by a note above its text.
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/core/article.js';
import { prepareAllMarkdown } from '../../../src/core/render.js';
import { UnpublishedRevealed } from '../../../src/dev/preview.js';
import { MemorySource } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const NOW = new Date('2026-11-25T12:00:00Z');

async function revealed(text: string) {
  await prepareAllMarkdown();
  const source = new MemorySource();
  source.files.set('posts/a.md', text);
  const shown = await new UnpublishedRevealed(source, testSite, () => NOW).read('posts/a.md');
  const parsed = parseArticle(shown, testSite);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.article;
}

describe('UnpublishedRevealed', () => {
  it('marks a draft, and keeps the summary it will be published with (not the words of the note)', async () => {
    const draft = await revealed(
      '---\ntitle: Notes\ndate: 2026-11-01T10:00:00Z\ndraft: true\n---\nFirst words.\n',
    );
    expect(draft.title).toBe('Draft: Notes');
    expect(draft.draft).toBe(false);
    expect(draft.html).toContain('Draft: not published and not announced.');
    expect(draft.summary).toBe('First words.');
  });

  it("keeps a scheduled article's own summary", async () => {
    const later = await revealed(
      '---\ntitle: Later\ndate: 2027-01-01T10:00:00Z\nsummary: Its own words.\n---\nBody.\n',
    );
    expect(later.title).toBe('Scheduled: Later');
    expect(later.summary).toBe('Its own words.');
  });
});
