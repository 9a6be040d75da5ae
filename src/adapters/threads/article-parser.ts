import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ParseResult, parseArticlesSafely } from '../../core/article.js';
import type { ArticleParser, HashedSource } from '../../core/ports.js';
import type { SiteConfig } from '../../core/site.js';

export interface ParseBatch {
  readonly id: number;
  readonly sources: readonly HashedSource[];
  readonly site: SiteConfig;
}

export interface ParsedBatch {
  readonly id: number;
  readonly results: ParseResult[];
}

/** Small enough that the threads finish together, large enough that messages cost nothing. */
const BATCH = 16;

/**
 * Parses articles on one worker thread per core: parsing is most of a full build, and each article parses
 * on its own. The threads run the same core function as the main thread (parseArticlesSafely), so results
 * are the same; tests compare whole builds made both ways. Below `minimum` articles, or where the worker
 * script is not built (running from the TypeScript sources), parsing stays on this thread: starting the
 * threads costs more than it saves.
 */
export class ThreadedArticleParser implements ArticleParser {
  constructor(
    private readonly workerScript = bundledParseWorker(import.meta.url),
    private readonly threads = availableParallelism(),
    private readonly minimum = 200,
  ) {}

  async parseAll(sources: readonly HashedSource[], site: SiteConfig): Promise<ParseResult[]> {
    if (!this.workerScript || this.threads < 2 || sources.length < this.minimum) {
      return parseArticlesSafely(sources, site);
    }
    const script = this.workerScript;
    const results: ParseResult[] = new Array(sources.length);
    let next = 0;
    const workers = Array.from({ length: this.threads }, () => new Worker(script));
    try {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              const send = () => {
                if (next >= sources.length) return resolve();
                const id = next;
                next += BATCH;
                const batch: ParseBatch = { id, sources: sources.slice(id, id + BATCH), site };
                worker.postMessage(batch);
              };
              worker.on('message', ({ id, results: parsed }: ParsedBatch) => {
                parsed.forEach((result, i) => {
                  results[id + i] = result;
                });
                send();
              });
              worker.on('error', reject);
              worker.on('exit', (code) => reject(new Error(`a parser thread exited (code ${code})`)));
              send();
            }),
        ),
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
    return results;
  }
}

/**
 * The worker script beside this module once bundled (bin/broadsheet.js builds `parse-worker.mjs` next to
 * the CLI's chunks); undefined when running from the TypeScript sources.
 */
function bundledParseWorker(moduleUrl: string): URL | undefined {
  return moduleUrl.endsWith('.mjs') ? new URL('./parse-worker.mjs', moduleUrl) : undefined;
}
