// A thread of BuildThreads: parses articles and renders article pages with the same core functions the
// main thread uses.
import { parentPort } from 'node:worker_threads';
import { parseArticlesSafely } from '../../core/article.js';
import { pageContext } from '../../core/layout.js';
import { articlePage, type PageContext } from '../../core/pages.js';
import { themeFor } from '../../core/theme.js';
import type { Reply, Task } from './build-threads.js';

const port = parentPort;
if (!port) throw new Error('build-worker runs as a worker thread');
// One context per setup: pages.ts keeps the variables every page shares per context, computed once.
const contexts = new Map<number, PageContext>();

port.on('message', async (task: Task) => {
  let reply: Reply;
  try {
    if (task.kind === 'parse') {
      reply = { id: task.id, results: await parseArticlesSafely(task.sources, task.site) };
    } else {
      if (task.setup) {
        const { site, overrides, nav } = task.setup;
        contexts.set(task.setupId, pageContext(site, themeFor(site, overrides), nav));
      }
      const ctx = contexts.get(task.setupId);
      if (!ctx) throw new Error(`no page setup ${task.setupId} on this thread`);
      reply = { id: task.id, html: articlePage(ctx, task.article, task.neighbours) };
    }
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
