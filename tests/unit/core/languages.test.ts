// Languages (issue 15): every string a reader sees comes from the theme's locale. With `language: de` no
// string of the English locale is left anywhere a reader looks: the site's pages and feeds, the digest, the
// confirmation and welcome emails, and every subscription page.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type ApiRequest, handleSubscriptionRequest } from '../../../src/api/subscription-api.js';
import { composeDigest, digestId, previewLinks } from '../../../src/core/digest.js';
import { parseKeyOf } from '../../../src/core/site-index.js';
import { DEFAULT_THEME, themeFor } from '../../../src/core/theme.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { article, planOf, testSite } from '../../helpers/site.js';

const LOCALES = ['en', 'de', 'fr', 'es', 'pt'];
const english = JSON.parse(DEFAULT_THEME['locales/en.json'] ?? '{}') as Record<
  string,
  string | Record<string, string>
>;

/** The English locale's words as a reader would see them: the text between placeholders, 4+ characters. */
const englishFragments = [
  ...new Set(
    Object.values(english)
      .flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)))
      .flatMap((v) => v.split(/\{[a-z_]+\}/))
      .map((f) => f.trim().replace(/^[.:;,“”]+|[.:;,“”]+$/g, ''))
      .filter((f) => f.length >= 4 && /[a-z]/i.test(f)),
  ),
];

/** What a reader sees of an HTML document: its text and the attributes browsers show or read aloud. */
function visibleText(page: string): string {
  // og:type names a kind of object for machines ("article"), not words for readers.
  const html = page
    .replace(/<meta property="og:type"[^>]*>/g, '')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  const attributes = [
    ...html.matchAll(/\s(?:aria-label|title|alt|content|value|data-copied)="([^"]*)"/g),
  ].map((m) => m[1]);
  const text = html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&');
  return [text, ...attributes].join('\n');
}

function leftovers(output: string): string[] {
  // Addresses are not words: /archive/ and ?token= stay as they are in every language.
  const text = output.replace(/https?:\/\/[^\s"<>]+/g, ' ');
  return englishFragments.filter((fragment) =>
    new RegExp(`(^|[^\\p{L}])${fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u').test(
      text,
    ),
  );
}

const site = {
  ...testSite,
  title: 'Die Testzeitung',
  description: 'Notizen zum Veröffentlichen',
  language: 'de',
  author: { name: 'Zoë Almeida' },
};
const articles = [
  article(
    { title: 'Erster Artikel', date: '2026-10-02T09:30:00Z', tags: '[technik]', slug: 'eins' },
    'Ein Text.',
    'posts/eins.md',
    site,
  ),
  article(
    { title: 'Zweiter Artikel', date: '2026-10-03T09:30:00Z', slug: 'zwei', author: 'Bo Berg' },
    'Noch ein Text.',
    'posts/zwei.md',
    site,
  ),
];

describe('locales', () => {
  it.each(LOCALES)('%s has every string the English locale has, and no other', (locale) => {
    const strings = JSON.parse(DEFAULT_THEME[`locales/${locale}.json`] ?? '{}') as Record<string, unknown>;
    expect(Object.keys(strings).sort()).toEqual(Object.keys(english).sort());
  });

  it('finds English left in an output (the check below can fail)', () => {
    expect(leftovers('Archiv und Schlagwörter')).toEqual([]);
    expect(leftovers(visibleText('<p>Nothing published yet.</p>'))).toContain('Nothing published yet');
  });

  it('leaves no English on the pages, in the feeds or in the digest with language: de', async () => {
    const outputs: [string, string][] = [];
    for (const file of planOf(articles, site)) {
      if (file.kind === 'asset' && !file.path.endsWith('.xsl')) continue;
      const body = String(await file.render());
      outputs.push([file.path, /\.(html|xml|xsl)$/.test(file.path) ? visibleText(body) : body]);
    }
    for (const delivery of ['instant', 'weekly'] as const) {
      const digest = composeDigest({ id: digestId(articles), articles }, site, delivery);
      const links = previewLinks(site);
      outputs.push([`digest ${delivery}`, `${digest.subject}\n${visibleText(digest.html(links))}`]);
      outputs.push([`digest ${delivery} text`, digest.text(links)]);
    }
    for (const [name, text] of outputs) expect(leftovers(text), name).toEqual([]);
    expect(outputs.find(([p]) => p === 'index.html')?.[1]).toContain('Schlagwörter');
  });

  it('leaves no English on the subscription pages or in the emails with language: de', async () => {
    const mail = new MemoryMailer();
    const deps = {
      site,
      subscribers: new MemorySubscribers(),
      limiter: new MemoryAttempts(),
      mail,
      secret: 's',
    };
    const now = new Date('2026-05-01T10:00:00Z');
    const call = (r: Partial<ApiRequest> & { method: string; path: string }) =>
      handleSubscriptionRequest(
        deps,
        {
          query: new URLSearchParams(),
          contentType: 'application/x-www-form-urlencoded',
          body: '',
          client: '203.0.113.7',
          ...r,
        },
        now,
      );
    const pages: [string, string][] = [];
    const page = async (name: string, r: Parameters<typeof call>[0]) => {
      const response = await call(r);
      pages.push([name, visibleText(response.body)]);
      return response;
    };
    await page('bad address', { method: 'POST', path: '/subscribe', body: 'email=nope' });
    await page('check inbox', { method: 'POST', path: '/subscribe', body: 'email=ana%40example.org' });
    const confirmation = await simpleParser(Buffer.from(mail.sent[0]?.data ?? ''));
    const token = /confirm\?token=([\w.-]+)/.exec(confirmation.text ?? '')?.[1] ?? '';
    const query = new URLSearchParams({ token });
    await page('confirm', { method: 'GET', path: '/confirm', query });
    await page('subscribed', { method: 'POST', path: '/confirm', query, body: 'delivery=weekly' });
    await page('already confirmed', { method: 'GET', path: '/confirm', query });
    await page('confirm link not valid', {
      method: 'GET',
      path: '/confirm',
      query: new URLSearchParams({ token: 'x' }),
    });
    const welcome = await simpleParser(Buffer.from(mail.sent[1]?.data ?? ''));
    const prefs = /preferences\?token=([\w.-]+)/.exec(welcome.text ?? '')?.[1] ?? '';
    const unsub = new URLSearchParams({
      token: /unsubscribe\?token=([\w.-]+)/.exec(welcome.text ?? '')?.[1] ?? '',
    });
    await page('preferences', {
      method: 'GET',
      path: '/preferences',
      query: new URLSearchParams({ token: prefs }),
    });
    await page('preferences saved', {
      method: 'POST',
      path: '/preferences',
      query: new URLSearchParams({ token: prefs }),
      body: 'delivery=instant',
    });
    await page('preferences link not valid', {
      method: 'GET',
      path: '/preferences',
      query: new URLSearchParams({ token: 'x' }),
    });
    await page('unsubscribe', { method: 'GET', path: '/unsubscribe', query: unsub });
    await page('unsubscribed', { method: 'POST', path: '/unsubscribe', query: unsub });
    await page('not subscribed', {
      method: 'GET',
      path: '/preferences',
      query: new URLSearchParams({ token: prefs }),
    });
    await page('unsubscribe link not valid', {
      method: 'POST',
      path: '/unsubscribe',
      query: new URLSearchParams({ token: 'x' }),
    });
    // The plain-text answers to requests a form would never send (a person may still see one).
    // Each differs from the English site's answer: a literal in the code would be the same in both.
    const plain = async (name: string, r: Parameters<typeof call>[0]) => {
      const response = await call(r);
      const request = { query: new URLSearchParams(), contentType: '', body: '', client: '203.0.113.9' };
      const english = await handleSubscriptionRequest(
        { ...deps, site: testSite },
        { ...request, contentType: 'application/x-www-form-urlencoded', ...r },
        now,
      );
      expect(response.headers['content-type'], name).toMatch(/^text\/plain/);
      expect([response.status, response.body], name).not.toEqual([english.status, english.body]);
      expect(response.status, name).toBe(english.status);
      pages.push([`plain: ${name}`, response.body]);
    };
    await plain('too large', { method: 'POST', path: '/subscribe', body: 'x'.repeat(5000) });
    await plain('form type', { method: 'POST', path: '/subscribe', contentType: 'text/plain' });
    await plain('no email field', { method: 'POST', path: '/subscribe', body: 'name=Ana' });
    await plain('bad delivery', { method: 'POST', path: '/confirm', query, body: 'delivery=hourly' });
    await plain('one-click, bad link', {
      method: 'POST',
      path: '/unsubscribe',
      query: new URLSearchParams({ token: 'x' }),
      body: 'List-Unsubscribe=One-Click',
    });
    await plain('method', { method: 'PUT', path: '/subscribe' });
    await plain('not found', { method: 'GET', path: '/nowhere' });
    for (const message of [confirmation, welcome]) {
      pages.push([
        `email ${message.subject}`,
        `${message.subject}\n${message.text}\n${visibleText(String(message.html))}`,
      ]);
      pages.push([`List-Id of ${message.subject}`, String(message.headers.get('list-id') ?? '')]);
    }
    expect(pages).toHaveLength(24);
    for (const [name, text] of pages) expect(leftovers(text), name).toEqual([]);
    expect(pages.find(([n]) => n === 'confirm')?.[1]).toContain('jeden Montag um 09:00');
    expect(pages.find(([n]) => n === 'bad address')?.[1]).toContain(
      'Das sieht nicht nach einer E-Mail-Adresse aus.',
    );
    const tooLong = await call({
      method: 'POST',
      path: '/subscribe',
      body: `email=${'a'.repeat(70)}%40example.org`,
    });
    expect(tooLong.body).toContain('Der Teil vor dem @ ist zu lang (über 64 Zeichen).');
    expect(pages.find(([n]) => n === 'plain: bad delivery')?.[1]).toBe(
      'Das Formularfeld "delivery" muss einen dieser Werte haben: "instant", "weekly".\n',
    );
  });

  it('lets site.yaml replace single strings', () => {
    const theme = themeFor({ ...site, strings: { 'nav.archive': 'Alles' } });
    expect(theme.t('nav.archive')).toBe('Alles');
    expect(theme.t('nav.tags')).toBe('Schlagwörter');
  });

  // The words the Markdown extensions write into a body (a footnotes heading, a back-link's name, an alert's
  // title) are the article's own HTML, in pages, feeds and the digest alike: a German site's are German.
  it.each([
    ['en', ['Footnotes', 'Back to reference 1', 'Note', 'Warning'], []],
    ['de', ['Fußnoten', 'Zurück zum Verweis 1', 'Hinweis', 'Warnung'], ['Footnotes', 'Back to', 'Note<']],
    ['pt-BR', ['Notas de rodapé', 'Voltar à referência 1', 'Nota', 'Aviso'], ['Footnotes', 'Back to']],
    ['ja', ['Footnotes', 'Back to reference 1', 'Note', 'Warning'], []],
  ])("writes the Markdown extensions' words in the language of a %s site", (language, has, hasNot) => {
    const body = 'Ein Satz[^1].\n\n> [!NOTE]\n> Eins.\n\n> [!warning]\n> Zwei.\n\n[^1]: Die Quelle.';
    const { html } = article(
      { title: 'Mit Fußnote', date: '2026-10-04T09:30:00Z', slug: 'fn' },
      body,
      undefined,
      {
        ...site,
        language,
      },
    );
    for (const words of has) expect(html).toContain(words);
    for (const words of hasNot) expect(html).not.toContain(words);
  });

  it('parses articles again when the site changes language (their bodies hold its words)', () => {
    expect(parseKeyOf({ ...site, language: 'de' })).not.toBe(parseKeyOf({ ...site, language: 'en' }));
  });
});
