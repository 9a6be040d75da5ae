// The worker thread of ThreadedParser (parse-pool.ts): parses the sources it is sent, in order, and sends
// the results back. Bundled as its own entry (bin/broadsheet.js), beside the CLI.
import { parentPort, workerData } from 'node:worker_threads';
import { type ParseResult, parseArticleSafely } from '../../core/article.js';
import type { SiteConfig } from '../../core/site.js';
import type { ParseReply, ParseRequest } from './parse-pool.js';

const port = parentPort;
if (!port) throw new Error('parse-worker runs as a worker thread');
const { site } = workerData as { site: SiteConfig };
const reply = (message: ParseReply) => port.postMessage(message);

let done: Promise<void> = Promise.resolve();
port.on('message', (request: ParseRequest) => {
  // One request at a time: parsing awaits loading (the sanitizer, highlighting), and replies keep order.
  done = done.then(async () => {
    try {
      const results: ParseResult[] = [];
      for (const source of request.sources) results.push(await parseArticleSafely(source, site, source.hash));
      reply({ id: request.id, results });
    } catch (error) {
      reply({ id: request.id, failed: error instanceof Error ? error.message : String(error) });
    }
  });
});
reply('ready');
