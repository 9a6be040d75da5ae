// startPreview against a real loopback server and real files: what it serves when the content does not
// build, and what two previews of one project, and the subscribe API, do to each other's files.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawMessage } from '../../../src/core/email.js';
import {
  OutboxSubscriptionMailer,
  type Preview,
  type PreviewOptions,
  startPreview,
} from '../../../src/dev/preview.js';
import { scratchProject } from '../../helpers/cli.js';

const previews: Preview[] = [];
afterEach(async () => {
  await Promise.all(previews.splice(0).map((preview) => preview.close()));
});

async function preview(dir: string, options: Partial<PreviewOptions> = {}): Promise<Preview> {
  const started = await startPreview({
    content: join(dir, 'content'),
    out: join(dir, 'preview'),
    state: join(dir, '.broadsheet'),
    outbox: join(dir, 'outbox'),
    port: 0,
    watch: false,
    drafts: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
    ...options,
  });
  previews.push(started);
  return started;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const article = 'content/posts/2026-09-14-why-plain-text.md';
const goodDate = 'date: 2026-09-14T09:00:00+01:00';

describe('preview of content that does not build', () => {
  it('with --watch, serves a page saying so, then the site once the article is fixed', async () => {
    const dir = await scratchProject();
    const file = join(dir, article);
    const source = await readFile(file, 'utf8');
    await writeFile(file, source.replace(goodDate, 'date: 2026-02-30'));
    const errors: unknown[] = [];
    const started = await preview(dir, { watch: true, onBuild: ({ error }) => error && errors.push(error) });
    expect(started.first).toBeUndefined();
    expect(errors).toHaveLength(1);

    const failed = await fetch(`${started.url}/`);
    expect(failed.status).toBe(503);
    const page = await failed.text();
    expect(page).toContain('The site could not be built');
    expect(page).toContain('2026-09-14-why-plain-text.md');
    // It listens for the rebuild that fixes it.
    expect(page).toContain('/__preview/reload.js');

    await writeFile(file, source);
    await expect
      .poll(async () => (await fetch(`${started.url}/posts/why-plain-text/`)).status, { timeout: 10_000 })
      .toBe(200);
  });

  it('without --watch, rejects and frees its port', async () => {
    const dir = await scratchProject();
    const file = join(dir, article);
    await writeFile(file, (await readFile(file, 'utf8')).replace(goodDate, 'date: 2026-02-30'));
    const port = await freePort();
    await expect(preview(dir, { port })).rejects.toThrow(/2026-09-14-why-plain-text\.md/);
    const after = createServer();
    await new Promise<void>((resolve, reject) => {
      after.once('error', reject);
      after.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => after.close(resolve));
  });
});

describe('two previews of one project', () => {
  it('each serves its own build, linking to its own port, drafts only where asked for', async () => {
    const dir = await scratchProject();
    const drafts = await preview(dir, { drafts: true });
    const plain = await preview(dir); // started second: it must not write over the first one's pages
    const draftUrl = '/posts/notes-on-feeds/';
    expect((await fetch(`${drafts.url}${draftUrl}`)).status).toBe(200);
    expect((await fetch(`${plain.url}${draftUrl}`)).status).toBe(404);
    // An address without its closing slash goes to the page, as on the deployed site; a missing one is 404.
    const bare = await fetch(`${drafts.url}/posts/notes-on-feeds?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/posts/notes-on-feeds/?x=1');
    expect((await fetch(`${plain.url}/posts/notes-on-feeds`, { redirect: 'manual' })).status).toBe(404);
    for (const each of [drafts, plain]) {
      const other = each === drafts ? plain : drafts;
      const home = await (await fetch(`${each.url}/`)).text();
      expect(home).toContain(`${each.url}/`);
      expect(home).not.toContain(other.url);
    }
  });
});

describe("the preview's subscribe API", () => {
  it('limits an address to 3 requests an hour, keeping the email of each it lets through', async () => {
    const dir = await scratchProject();
    const started = await preview(dir);
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${started.url}/api/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=reader%40example.org',
      });
      expect(response.status).toBe(200);
      // The site's header, with the pages site.yaml's nav lists, as on every page the build wrote.
      if (i === 0)
        expect(await response.text()).toMatch(
          /<nav [^>]*>[\s\S]*<a href="[^"]*\/about\/">About the Gazette<\/a>/,
        );
    }
    // Within a second: 3 confirmation emails, each in its own file, and none for the 4th request.
    expect(await readdir(join(dir, 'outbox/subscriptions'))).toHaveLength(3);
  });

  it('writes the "already subscribed" note to the outbox for an address that is confirmed', async () => {
    const dir = await scratchProject();
    const started = await preview(dir);
    // Without a subscribers file the site's owner (author.email) is the one confirmed subscriber.
    const ask = (email: string) =>
      fetch(`${started.url}/api/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email }).toString(),
      });
    const [known, unknown] = [await ask('editors@gazette.example.com'), await ask('new@example.org')];
    expect([known.status, await known.text()]).toEqual([unknown.status, await unknown.text()]);
    const folder = join(dir, 'outbox/subscriptions');
    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    const subjects = await Promise.all(
      files.map(async (f) => /^Subject: (.*)$/m.exec(await readFile(join(folder, f), 'utf8'))?.[1]),
    );
    expect(subjects).toEqual([
      'You are already subscribed to The Broadsheet Gazette',
      'Confirm your subscription to The Broadsheet Gazette',
    ]);
  });

  it('never gives two emails one file name, from one mailer or two sharing the outbox', async () => {
    const dir = await scratchProject();
    const folder = join(dir, 'outbox/subscriptions');
    const message: RawMessage = {
      messageId: '<1@example.org>',
      to: 'reader@example.org',
      subject: 'Hello',
      data: new TextEncoder().encode('To: reader@example.org\r\n\r\nHello'),
    };
    const [a, b] = [new OutboxSubscriptionMailer(folder), new OutboxSubscriptionMailer(folder)];
    const paths = await Promise.all([a, b, a, b].map((mailer) => mailer.send(message)));
    expect(new Set(paths).size).toBe(4);
    expect(await readdir(folder)).toHaveLength(4);
  });
});
