import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadsheet, scratchProject } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';
let hub: Server;
let hubUrl: string;
let failing = false;
const received: URLSearchParams[] = [];

beforeAll(async () => {
  hub = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (failing) {
        res.writeHead(503).end();
        return;
      }
      received.push(new URLSearchParams(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub`;
});
afterAll(() => new Promise<void>((resolve) => hub.close(() => resolve())));

const take = () =>
  received
    .splice(0)
    .map((p) => `${p.get('hub.mode')} ${p.get('hub.url')}`)
    .sort();

describe('WebSub', () => {
  it('declares the hub in every feed and tells it about each changed feed exactly once', async () => {
    const dir = await scratchProject();
    const siteYaml = join(dir, 'content/site.yaml');
    await writeFile(siteYaml, `${await readFile(siteYaml, 'utf8')}websub_hub: ${hubUrl}\n`);

    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    expect(await readFile(join(dir, 'dist/feed.xml'), 'utf8')).toContain(
      `<atom:link href="${hubUrl}" rel="hub"/>`,
    );
    expect(await readFile(join(dir, 'dist/atom.xml'), 'utf8')).toContain(
      `<link rel="hub" href="${hubUrl}"/>`,
    );
    expect(JSON.parse(await readFile(join(dir, 'dist/feed.json'), 'utf8')).hubs).toEqual([
      { type: 'WebSub', url: hubUrl },
    ]);
    const first = take();
    expect(first).toHaveLength(3 + 6 * 3); // the site's feeds and those of its six tags
    expect(new Set(first).size).toBe(first.length);
    expect(first).toContain('publish https://gazette.example.com/feed.xml');

    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    expect(take()).toEqual([]);

    const post = join(dir, 'content/posts/2026-10-02-one-email-per-batch.md');
    await writeFile(
      post,
      (await readFile(post, 'utf8')).replace('One email per batch, never two', 'One email per batch'),
    );
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const base = 'publish https://gazette.example.com';
    expect(take()).toEqual(
      [
        `${base}/atom.xml`,
        `${base}/feed.json`,
        `${base}/feed.xml`,
        `${base}/tags/email/atom.xml`,
        `${base}/tags/email/feed.json`,
        `${base}/tags/email/feed.xml`,
        `${base}/tags/reliability/atom.xml`,
        `${base}/tags/reliability/feed.json`,
        `${base}/tags/reliability/feed.xml`,
      ].sort(),
    );
  });

  it('publishes even when the hub is down, and says so', async () => {
    const dir = await scratchProject();
    const siteYaml = join(dir, 'content/site.yaml');
    await writeFile(siteYaml, `${await readFile(siteYaml, 'utf8')}websub_hub: ${hubUrl}\n`);
    failing = true;
    const run = await broadsheet(dir, 'build', '--now', NOW);
    failing = false;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/websub: hub told about 0 changed feed\(s\), 21 failed/);
    expect(await readFile(join(dir, 'dist/feed.xml'), 'utf8')).toContain('<item>');
  }, 120_000);
});
