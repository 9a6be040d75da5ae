// A loopback HTTP server for local use: the subscription API under /api, and optionally a built site
// folder for everything else. `npm run dev` and the browser test run the subscribe form against it.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { siteFileFor } from '../adapters/fs/files.js';
import { handleSubscriptionRequest, MAX_BODY_BYTES } from '../api/subscription-api.js';
import { contentTypeForPath } from '../core/site-build.js';
import { escapeHtml } from '../core/text.js';
import type { SubscriptionDeps } from '../pipeline/subscriptions.js';

export interface SiteServer {
  readonly url: string;
  /** With `liveReload`: tells every open page to reload (after a rebuild). */
  reload(): void;
  close(): Promise<void>;
}

/** Where an open page listens for reloads (a WebSocket), and the script that listens. */
const RELOAD_SOCKET = '/__preview/socket';
const RELOAD_SCRIPT = '/__preview/reload.js';
// A WebSocket, not Server-Sent Events: each EventSource holds one of the browser's 6 HTTP/1.1 connections
// to the host, so a 6th open tab left none for reloads or pages; WebSockets are not counted against them.
// It reconnects after a close, so a restarted preview reloads the pages that were open on the last one.
// A script file, not an inline one, so a Content-Security-Policy that allows only 'self' still runs it.
const RELOAD_SCRIPT_BODY = `(() => {
  const connect = () => {
    const socket = new WebSocket(new URL(${JSON.stringify(RELOAD_SOCKET)}, location.href.replace(/^http/, 'ws')));
    socket.addEventListener('message', (event) => event.data === 'reload' && location.reload());
    socket.addEventListener('close', () => setTimeout(connect, 1000));
  };
  connect();
})();
`;

function failurePage(why: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Build failed</title>
<body><h1>The site could not be built</h1>
<p>Fix what is below and save: the preview builds again, and this page reloads when it has.</p>
<pre>${escapeHtml(why)}</pre></body></html>`;
}

/** The page, listening for reloads. */
function withReloadScript(html: string): string {
  const tag = `<script src="${RELOAD_SCRIPT}" defer></script>`;
  const at = html.lastIndexOf('</body>');
  return at === -1 ? html + tag : `${html.slice(0, at)}${tag}${html.slice(at)}`;
}

export async function startSiteServer(
  deps: (origin: string) => SubscriptionDeps,
  options: {
    port?: number;
    /** The built site's folder, or how to find it from the server's URL (known once it listens). */
    siteRoot?: string | ((url: string) => string);
    liveReload?: boolean;
    /** While it says why the site could not be built, every page is that message instead of the site. */
    buildFailure?: () => string | undefined;
  } = {},
): Promise<SiteServer> {
  let origin = '';
  let siteRoot: string | undefined;
  const sockets = options.liveReload ? new WebSocketServer({ noServer: true }) : undefined;
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      if (options.liveReload && url.pathname === RELOAD_SCRIPT) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(RELOAD_SCRIPT_BODY);
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        // Read before the body: leaving the loop early destroys the request, and its socket with it.
        const client = req.socket.remoteAddress ?? 'local';
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
          // Kept, so a body cut short is still over the limit: the handler answers 413, never reads a part.
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size > MAX_BODY_BYTES) break; // no need to read the rest
        }
        const response = await handleSubscriptionRequest(
          deps(origin),
          {
            method: req.method ?? 'GET',
            path: url.pathname.slice('/api'.length),
            query: url.searchParams,
            contentType: req.headers['content-type'] ?? '',
            body: Buffer.concat(chunks).toString('utf8'),
            client,
          },
          new Date(),
        );
        res.writeHead(response.status, response.headers).end(response.body);
        return;
      }
      const failure = options.buildFailure?.();
      if (failure !== undefined) {
        res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(options.liveReload ? withReloadScript(failurePage(failure)) : failurePage(failure));
        return;
      }
      if (!siteRoot) {
        res.writeHead(404).end();
        return;
      }
      const file = await siteFileFor(siteRoot, url.pathname);
      // /about is the folder /about/, as CloudFront's index rewrite serves it: the page's own address.
      if (!file && !url.pathname.endsWith('/') && (await siteFileFor(siteRoot, `${url.pathname}/`))) {
        // One leading slash: //elsewhere.example/x/ would leave the site.
        res.writeHead(301, { location: `/${url.pathname.replace(/^[/\\]+/, '')}/${url.search}` }).end();
        return;
      }
      if (!file) {
        const page = await readFile(join(siteRoot, '404.html'), 'utf8').catch(() => undefined);
        if (options.liveReload) {
          // Listening too: the page that went missing (deleted, renamed, made a draft) may come back.
          res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          res.end(withReloadScript(page ?? '<!doctype html><title>Not found</title><p>Not found.</p>'));
        } else if (page) res.writeHead(404, { 'content-type': contentTypeForPath('404.html') }).end(page);
        else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const type = contentTypeForPath(file);
      if (options.liveReload && type.startsWith('text/html')) {
        // Every page listens for the rebuild that makes it stale.
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(withReloadScript(await readFile(file, 'utf8')));
        return;
      }
      res.writeHead(200, { 'content-type': type });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(400).end('bad request');
    }
  });
  if (sockets) {
    server.on('upgrade', (req, socket, head) => {
      // Only this site's own pages: any other page open in the browser could otherwise connect too.
      const sameSite = (from: string | undefined) => {
        try {
          return from === undefined || new URL(from).host === req.headers.host;
        } catch {
          return false;
        }
      };
      if (req.url?.split('?')[0] !== RELOAD_SOCKET || !sameSite(req.headers.origin)) {
        socket.destroy();
        return;
      }
      sockets.handleUpgrade(req, socket, head, () => {}); // kept in sockets.clients until it closes
    });
  }
  // A port in use (EADDRINUSE) rejects, for the caller to say so, instead of an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  siteRoot = typeof options.siteRoot === 'function' ? options.siteRoot(origin) : options.siteRoot;
  return {
    url: origin,
    reload: () => {
      for (const client of sockets?.clients ?? []) client.send('reload');
    },
    close: () =>
      new Promise((resolve) => {
        // Upgraded sockets are no longer the HTTP server's to close.
        for (const client of sockets?.clients ?? []) client.terminate();
        sockets?.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
