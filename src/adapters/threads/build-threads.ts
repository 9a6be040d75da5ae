import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Article, type ParseResult, parseArticlesSafely } from '../../core/article.js';
import type { Neighbours } from '../../core/pages.js';
import type { ArticlePageRenderer, ArticleParser, HashedSource, PageSetup } from '../../core/ports.js';
import type { SiteConfig } from '../../core/site.js';

export type Task =
  | {
      readonly kind: 'parse';
      readonly id: number;
      readonly sources: readonly HashedSource[];
      readonly site: SiteConfig;
    }
  | {
      readonly kind: 'page';
      readonly id: number;
      readonly setupId: number;
      /** Sent with a thread's first page of a setup only. */
      readonly setup?: PageSetup;
      readonly article: Article;
      readonly neighbours: Neighbours;
    };

export type Reply =
  | { readonly id: number; readonly results: ParseResult[] }
  | { readonly id: number; readonly html: string }
  | { readonly id: number; readonly error: string };

/** Articles per parse message: small enough that the threads finish together, large enough to be cheap. */
const BATCH = 16;

interface Thread {
  readonly worker: Worker;
  /** Tasks sent and not answered. */
  busy: number;
  readonly setups: Set<number>;
}

/**
 * Worker threads, one per core, for the two parts of a full build that are most of its time and where each
 * article stands alone: parsing, and rendering article pages. The threads run the same core functions as
 * the main thread (parseArticlesSafely, articlePage with themeFor), so the results are the same; tests
 * compare them result by result and whole builds made both ways. Below `minimum` articles, or where the
 * worker script is not built (running from the TypeScript sources), the work stays on the main thread:
 * starting threads would cost more than it saves. Idle threads never keep the process alive.
 */
export class BuildThreads implements ArticleParser, ArticlePageRenderer {
  private threads: Thread[] = [];
  private nextId = 0;
  private nextSetup = 0;
  private readonly waiting = new Map<
    number,
    { thread: Thread; resolve: (reply: Reply) => void; reject: (error: Error) => void }
  >();

  constructor(
    private readonly workerScript = bundledBuildWorker(import.meta.url),
    private readonly size = availableParallelism(),
    private readonly minimum = 200,
  ) {}

  private get enabled(): boolean {
    return this.workerScript !== undefined && this.size >= 2;
  }

  async parseAll(sources: readonly HashedSource[], site: SiteConfig): Promise<ParseResult[]> {
    if (!this.enabled || sources.length < this.minimum) return parseArticlesSafely(sources, site);
    const batches: Promise<ParseResult[]>[] = [];
    for (let start = 0; start < sources.length; start += BATCH) {
      const slice = sources.slice(start, start + BATCH);
      batches.push(
        this.run((id) => ({ kind: 'parse', id, sources: slice, site })).then((reply) => {
          if (!('results' in reply)) throw new Error('a parser thread answered without results');
          return reply.results;
        }),
      );
    }
    return (await Promise.all(batches)).flat();
  }

  forPages(setup: PageSetup, count: number) {
    if (!this.enabled || count < this.minimum) return undefined;
    const setupId = ++this.nextSetup;
    return async (article: Article, neighbours: Neighbours): Promise<string> => {
      const reply = await this.run((id, thread) => {
        const first = !thread.setups.has(setupId);
        thread.setups.add(setupId);
        return { kind: 'page', id, setupId, ...(first ? { setup } : {}), article, neighbours };
      });
      if (!('html' in reply)) throw new Error('a page thread answered without a page');
      return reply.html;
    };
  }

  /** Stops the threads (later work starts new ones). */
  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** Sends a task to the least busy thread and waits for its answer. */
  private async run(task: (id: number, thread: Thread) => Task): Promise<Reply> {
    const thread = this.leastBusy();
    const id = ++this.nextId;
    const reply = new Promise<Reply>((resolve, reject) => this.waiting.set(id, { thread, resolve, reject }));
    if (thread.busy++ === 0) thread.worker.ref();
    thread.worker.postMessage(task(id, thread));
    const answer = await reply;
    if ('error' in answer) throw new Error(answer.error);
    return answer;
  }

  private leastBusy(): Thread {
    // Threads start as work arrives, up to one per core.
    if (this.threads.length < this.size) return this.start();
    return this.threads.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private start(): Thread {
    const worker = new Worker(this.workerScript as URL);
    const thread: Thread = { worker, busy: 0, setups: new Set() };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      if (--thread.busy === 0) worker.unref();
      waiting.resolve(reply);
    });
    const fail = (error: Error) => {
      this.threads = this.threads.filter((t) => t !== thread);
      for (const [id, waiting] of this.waiting) {
        if (waiting.thread !== thread) continue;
        this.waiting.delete(id);
        waiting.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a build thread exited (code ${code})`)));
    this.threads.push(thread);
    return thread;
  }
}

/**
 * The worker script beside this module once bundled (bin/broadsheet.js builds `build-worker.mjs` next to
 * the CLI's chunks); undefined when running from the TypeScript sources.
 */
function bundledBuildWorker(moduleUrl: string): URL | undefined {
  return moduleUrl.endsWith('.mjs') ? new URL('./build-worker.mjs', moduleUrl) : undefined;
}
