// A thread of ThreadedArticleParser: parses the batches it is sent with the one core function.
import { parentPort } from 'node:worker_threads';
import { parseArticlesSafely } from '../../core/article.js';
import type { ParseBatch, ParsedBatch } from './article-parser.js';

const port = parentPort;
if (!port) throw new Error('parse-worker runs as a worker thread');
port.on('message', async ({ id, sources, site }: ParseBatch) => {
  const reply: ParsedBatch = { id, results: await parseArticlesSafely(sources, site) };
  port.postMessage(reply);
});
