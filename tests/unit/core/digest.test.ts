import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeDigest, planDigest, previewLinks } from '../../../src/core/digest.js';
import { digestRecipient, renderConfirmationMessage, renderDigestMessage } from '../../../src/core/email.js';
import { verifyToken } from '../../../src/core/tokens.js';
import { lintMessage } from '../../helpers/mail-lint.js';
import { article, testSite } from '../../helpers/site.js';

const a1 = article({ title: 'First', date: '2026-01-01', slug: 'first' });
const a2 = article({ title: 'Second', date: '2026-01-02', slug: 'second', summary: 'Second summary' });
const a3 = article({ title: '"Zoë’s “café” notes 🎉"', date: '2026-01-03', slug: 'third' });
const now = new Date('2026-01-04T09:00:00Z');

describe('planDigest', () => {
  it('announces only the newest article on the first run, and silences the rest', () => {
    const plan = planDigest([a3, a2, a1], undefined);
    expect(plan?.articles.map((a) => a.slug)).toEqual(['third']);
    expect(plan?.silenced.map((a) => a.slug)).toEqual(['second', 'first']);
  });

  it('announces every published article not yet announced', () => {
    const plan = planDigest([a3, a2, a1], new Set([a1.url]));
    expect(plan?.articles.map((a) => a.slug)).toEqual(['third', 'second']);
    expect(plan?.silenced).toEqual([]);
  });

  it('plans nothing when nothing is new', () => {
    expect(planDigest([a2, a1], new Set([a1.url, a2.url]))).toBeUndefined();
    expect(planDigest([], undefined)).toBeUndefined();
  });

  it('derives the digest id from the set of articles, not their order or the time', () => {
    expect(planDigest([a3, a2], new Set())?.id).toBe(planDigest([a2, a3], new Set())?.id);
    expect(planDigest([a3, a2], new Set())?.id).not.toBe(planDigest([a3], new Set())?.id);
  });
});

describe('composeDigest', () => {
  it('names the article in the subject, or the count', () => {
    expect(composeDigest(planDigest([a2], new Set()) ?? fail(), testSite).subject).toBe(
      'Second · Test Gazette',
    );
    expect(composeDigest(planDigest([a2, a1], new Set()) ?? fail(), testSite).subject).toBe(
      '2 new articles on Test Gazette',
    );
  });

  it('keeps a long title short in the subject, cut at a word, so the site stays in view', () => {
    const title = `${'Twelve words about nothing in particular that go on and on '.repeat(7)}end`;
    const long = article({ title, date: '2026-01-05', slug: 'long' });
    const { subject } = composeDigest(planDigest([long], new Set()) ?? fail(), testSite);
    expect(subject.endsWith('… · Test Gazette')).toBe(true);
    expect(subject.length).toBeLessThanOrEqual(100 + ' · Test Gazette'.length);
    expect(title.startsWith(subject.slice(0, -'… · Test Gazette'.length))).toBe(true);
  });

  it('gives each article its title, summary and absolute link in both parts', () => {
    const digest = composeDigest(planDigest([a2, a1], new Set()) ?? fail(), testSite);
    const links = {
      unsubscribe: 'https://news.example.com/api/unsubscribe?token=t',
      preferences: 'https://news.example.com/api/preferences?token=p',
    };
    const text = digest.text(links);
    const html = digest.html(links);
    for (const part of [text, html]) {
      expect(part).toContain('Second summary');
      expect(part).toContain('https://news.example.com/posts/second/');
      expect(part).toContain('https://news.example.com/posts/first/');
      expect(part).toContain('https://news.example.com/api/unsubscribe?token=t');
      expect(part).toContain('https://news.example.com/api/preferences?token=p');
      expect(part).toContain('as it is published');
    }
    expect(html).not.toMatch(/<img|<script/);
    // Inline styles carry the light look (clients that drop <style> show it); the one <style> block only adds
    // dark colours where the client supports prefers-color-scheme.
    expect(html.match(/<style>[^<]*<\/style>/g)).toEqual([
      expect.stringMatching(
        /^<style>:root\{color-scheme:light dark;[^@]*\}@media \(prefers-color-scheme:dark\)\{/,
      ),
    ]);
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
  });

  it("shows an article's cover above its summary, absolute and fitted to the column; the text part is unchanged", () => {
    const fields = { title: 'Covered', date: '2026-01-05', slug: 'covered', summary: 'Covered summary' };
    const covered = article({ ...fields, image: '/images/a cover.png?v=1&w=2' });
    const bare = article(fields);
    const links = previewLinks(testSite);
    const html = composeDigest(planDigest([covered], new Set()) ?? fail(), testSite).html(links);
    // Decorative (alt=""): the title above it says what it is, and with images off it leaves no stray text.
    const img =
      '<img src="https://news.example.com/images/a%20cover.png?v=1&amp;w=2" alt="" width="568" ' +
      'style="display:block;max-width:100%;height:auto;border:0;margin:0 0 8px 0;">';
    expect(html).toContain(img);
    expect(html.indexOf(img)).toBeLessThan(html.indexOf('Covered summary'));
    expect(html.match(/<img\b/g)).toHaveLength(1);

    const without = composeDigest(planDigest([bare], new Set()) ?? fail(), testSite);
    expect(without.html(links)).not.toContain('<img');
    expect(without.html(links)).toBe(html.replace(img, ''));
    expect(composeDigest(planDigest([covered], new Set()) ?? fail(), testSite).text(links)).toBe(
      without.text(links),
    );

    // A plain-http cover on an https site is left out: webmail, read over https, would block it.
    const insecure = article({ ...fields, image: 'http://img.example.org/c.png' });
    expect(composeDigest(planDigest([insecure], new Set()) ?? fail(), testSite).html(links)).toBe(
      without.html(links),
    );
    // A full-text digest shows the body in the summary's place, under the cover, as the article's page does.
    const full = composeDigest(
      { id: 'x', articles: [covered], bodies: { [covered.url]: '<p>Body.</p>' } },
      testSite,
    ).html(links);
    expect(full.indexOf(img)).toBeGreaterThan(0);
    expect(full.indexOf(img)).toBeLessThan(full.indexOf('<p>Body.</p>'));
    expect(full).not.toContain('Covered summary');
  });
});

function fail(): never {
  throw new Error('expected a digest plan');
}

describe('renderDigestMessage', () => {
  const secret = 'test-secret';
  const address = 'reader@example.org';

  async function message() {
    const digest = composeDigest(planDigest([a3, a2], new Set()) ?? fail(), testSite);
    const recipient = digestRecipient(testSite, address, secret, now.getTime());
    const url = recipient.links.unsubscribe;
    const raw = await renderDigestMessage(digest, recipient, testSite, now);
    return { raw, url, parsed: await simpleParser(Buffer.from(raw.data)) };
  }

  it('is a multipart/alternative RFC 5322 message with the headers mailbox providers require', async () => {
    const { parsed, url, raw } = await message();
    expect(parsed.subject).toBe('2 new articles on Test Gazette');
    expect(parsed.from?.value).toEqual([{ address: 'digest@example.com', name: 'Test Gazette' }]);
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]?.address).toBe(address);
    expect(parsed.date?.toISOString()).toBe(now.toISOString());
    expect(parsed.messageId).toBe(raw.messageId);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(
      `List-Unsubscribe: <${url}>`,
    );
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    // The id in angle brackets stays plain text (RFC 2919), only a name beyond ASCII is encoded.
    expect(parsed.headerLines.find((h) => h.key === 'list-id')?.line).toBe(
      'List-ID: "Test Gazette digest" <digest.example.com>',
    );
    expect(parsed.text).toContain('Zoë’s “café” notes 🎉');
    expect(parsed.html).toContain('Zoë’s “café” notes 🎉');
    expect(lintMessage(Buffer.from(raw.data).toString('latin1'), { bulk: true })).toEqual([]);
  });

  it.each([
    ['beyond ASCII', 'Straßenbahn-Zeitung für Lissabon und Umgebung'],
    ['with a word longer than a line', `Super${'cali'.repeat(20)}-here`],
    ['of a thousand characters', 'Notes from the field '.repeat(48).trim()],
  ])('writes a List-Id name %s on lines of at most 78 characters, its id plain', async (_kind, title) => {
    const site = { ...testSite, title };
    const digest = composeDigest(planDigest([a3, a2], new Set()) ?? fail(), site);
    const raw = Buffer.from(
      (await renderDigestMessage(digest, digestRecipient(site, address, secret, now.getTime()), site, now))
        .data,
    ).toString('latin1');
    const header = /^List-Id: .*(?:\r\n[ \t].*)*/im.exec(raw)?.[0] ?? '';
    for (const line of header.split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(78);
    // Unfolded, one value: the name quoted or as RFC 2047 Q words, then the id.
    const value = header.replace(/^List-Id: /i, '').replace(/\r\n(?=[ \t])/g, '');
    expect(value).toMatch(/ <digest\.example\.com>$/);
    const phrase = value.replace(/ <digest\.example\.com>$/, '');
    // "_" is a space and =XX a byte in a Q word; the space between two words goes.
    const name = phrase.startsWith('"')
      ? phrase.slice(1, -1)
      : decodeURIComponent(
          phrase
            .split(' ')
            .map((word) => /^=\?UTF-8\?Q\?(.*)\?=$/.exec(word)?.[1] ?? '')
            .join('')
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => `%${hex}`),
        );
    expect(name).toBe(`${title} digest`);
  });

  it('writes a confirmation email that passes the same lint', async () => {
    const message = await renderConfirmationMessage(
      testSite,
      address,
      'https://news.example.com/api/confirm?token=a.b',
      now,
    );
    expect(lintMessage(Buffer.from(message.data).toString('latin1'), { bulk: false })).toEqual([]);
  });

  it('encodes a non-ASCII subject with RFC 2047 and keeps every line within limits', async () => {
    const digest = composeDigest(planDigest([a3], new Set()) ?? fail(), testSite);
    const raw = await renderDigestMessage(
      digest,
      { address, links: { unsubscribe: 'https://x.example/u', preferences: 'https://x.example/p' } },
      testSite,
      now,
    );
    const text = Buffer.from(raw.data).toString('latin1');
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    expect(head).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
    expect(head).not.toMatch(/[^\x20-\x7e\r\n\t]/); // headers are 7-bit
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'latin1')).toBeLessThanOrEqual(998);
    const parsed = await simpleParser(Buffer.from(raw.data));
    expect(parsed.subject).toBe('Zoë’s “café” notes 🎉 · Test Gazette');
  });

  it('links to an unsubscribe token for this recipient only', async () => {
    const { url } = await message();
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(verifyToken(token, 'unsubscribe', secret, now.getTime())).toMatchObject({
      ok: true,
      claims: { address, purpose: 'unsubscribe' },
    });
  });

  it('gives a resend of the same digest to the same person the same Message-ID', async () => {
    expect((await message()).raw.messageId).toBe((await message()).raw.messageId);
  });
});
