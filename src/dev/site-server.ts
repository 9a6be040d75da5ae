// A loopback HTTP server for local use: the subscription API under /api, and optionally a built site
// folder for everything else. `npm run dev` and the browser test run the subscribe form against it.
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { siteFileFor } from '../adapters/fs/files.js';
import { handleSubscriptionRequest, MAX_BODY_BYTES } from '../api/subscription-api.js';
import { contentTypeForPath } from '../core/site-build.js';
import type { SubscriptionDeps } from '../pipeline/subscriptions.js';

export interface SiteServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startSiteServer(
  deps: (origin: string) => SubscriptionDeps,
  options: { port?: number; siteRoot?: string } = {},
): Promise<SiteServer> {
  let origin = '';
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname.startsWith('/api/')) {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > MAX_BODY_BYTES + 1) break; // the handler answers 413; no need to read the rest
          chunks.push(chunk as Buffer);
        }
        const response = await handleSubscriptionRequest(
          deps(origin),
          {
            method: req.method ?? 'GET',
            path: url.pathname.slice('/api'.length),
            query: url.searchParams,
            contentType: req.headers['content-type'] ?? '',
            body: Buffer.concat(chunks).toString('utf8'),
            client: req.socket.remoteAddress ?? 'local',
          },
          new Date(),
        );
        res.writeHead(response.status, response.headers).end(response.body);
        return;
      }
      if (!options.siteRoot) {
        res.writeHead(404).end();
        return;
      }
      const file = await siteFileFor(options.siteRoot, url.pathname);
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': contentTypeForPath(file) });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(400).end('bad request');
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
