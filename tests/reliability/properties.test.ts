// Property tests (fast-check): whatever authors write in titles, summaries and bodies, the feeds stay
// well-formed for feedparser, the JSON Feed stays valid JSON, and email headers stay single-line and
// RFC 2047-safe.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseArticle } from '../../src/core/article.js';
import { composeDigest, planDigest } from '../../src/core/digest.js';
import { renderDigestMessage } from '../../src/core/email.js';
import { buildFeeds, siteFeedScope } from '../../src/core/feeds.js';
import { singleLine } from '../../src/core/text.js';
import { feedparserMany } from '../helpers/clients.js';
import { lintMessage } from '../helpers/mail-lint.js';
import { bytes, testSite } from '../helpers/site.js';

// Ordinary text mixed with what breaks naive code: markup, CDATA ends, CR/LF, controls, lone surrogates,
// U+FFFE, emoji and combining marks.
const nasty = fc.constantFrom(
  '<',
  '&',
  ']]>',
  '\r\n',
  '\u0000',
  '\u0007',
  '\uD800',
  '\uDFFF',
  '\uFFFE',
  '🎉',
  'é',
  'é',
  '"',
  "'",
  '=?utf-8?q?x?=',
);
const text = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), nasty), { maxLength: 12 })
  .map((parts) => parts.join(''));
const title = text.filter((t) => singleLine(t) !== '');

function article(t: string, summary: string, body: string, i: number) {
  // Front matter written by a YAML library, so any string survives the trip into the article.
  const yaml = stringify({ title: t, date: '2026-05-01', summary, slug: `p${i}` });
  const result = parseArticle(
    { path: `posts/p${i}.md`, bytes: bytes(`---\n${yaml}---\n${body}\n`) },
    testSite,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.article;
}

describe('properties', () => {
  it('feeds are well-formed for feedparser and the JSON Feed is valid, for any text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prop-'));
    const cases = fc.sample(fc.tuple(title, text, text), { numRuns: 60, seed: 20261125 });
    const files: string[] = [];
    const expected: string[] = [];
    for (const [i, [t, summary, body]] of cases.entries()) {
      const a = article(t, summary, body, i);
      const feeds = buildFeeds([a], testSite, siteFeedScope(testSite));
      const json = JSON.parse(feeds.json) as { items: { title: string; id: string }[] };
      expect(json.items[0]?.title).toBe(a.title);
      await writeFile(join(dir, `${i}.rss.xml`), feeds.rss);
      await writeFile(join(dir, `${i}.atom.xml`), feeds.atom);
      files.push(join(dir, `${i}.rss.xml`), join(dir, `${i}.atom.xml`));
      expected.push(a.title, a.title);
    }
    const parsed = await feedparserMany(files);
    parsed.forEach((feed, i) => {
      expect(feed.bozo, `${files[i]}: ${feed.bozo_exception}`).toBe(false);
      expect(feed.entries).toHaveLength(1);
      if (files[i]?.endsWith('.rss.xml')) expect(feed.entries[0]?.title).toBe(expected[i]);
    });
  }, 60_000);

  it('email headers stay single-line, 7-bit, RFC 2047-safe and within line limits, for any title', async () => {
    await fc.assert(
      fc.asyncProperty(title, title, async (t, siteTitle) => {
        const site = {
          ...testSite,
          title: singleLine(siteTitle) || 'Site',
          sender: { ...testSite.sender, name: singleLine(siteTitle) || 'Site' },
        };
        const a = article(t, 'summary', 'body', 0);
        const plan = planDigest([a], new Set());
        if (!plan) throw new Error('no plan');
        const digest = composeDigest(plan, site);
        const message = await renderDigestMessage(
          digest,
          {
            address: 'reader@example.org',
            links: {
              unsubscribe: 'https://news.example.com/api/unsubscribe?token=abc.def',
              preferences: 'https://news.example.com/api/preferences?token=abc.def',
            },
          },
          site,
          new Date('2026-05-01T00:00:00Z'),
        );
        const raw = Buffer.from(message.data).toString('latin1');
        expect(lintMessage(raw, { bulk: true })).toEqual([]);
        const parsed = await simpleParser(Buffer.from(message.data));
        expect(parsed.subject).toBe(digest.subject);
      }),
      { numRuns: 150, seed: 20261125 },
    );
  }, 60_000);
});
