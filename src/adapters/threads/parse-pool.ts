import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ArticleSource, type ParseResult, parseArticleSafely } from '../../core/article.js';
import type { ArticleParser } from '../../core/ports.js';
import type { SiteConfig } from '../../core/site.js';

/** Sources handed to the worker in one message, and how many messages it may hold unanswered. */
const CHUNK = 16;
const CHUNKS_AHEAD = 2;
/**
 * Sources a build must parse for a worker to pay off. It starts cold: its first few hundred sources parse
 * at a third of the warm speed, and on two cores it slows this thread while it runs. Measured on the
 * benchmark corpus (docs/performance.md): 1,000 sources built slower with it, 10,000 faster.
 */
const START_AT = 4000;
/** Sources of a large build that must need parsing before its worker starts. */
const START_AFTER = 256;
/** How long an idle worker is kept for more sources. */
const IDLE_MS = 20;

export interface ParseRequest {
  readonly id: number;
  readonly sources: readonly { readonly path: string; readonly bytes: Uint8Array; readonly hash: string }[];
}
export type ParseReply =
  | 'ready'
  | { readonly id: number; readonly results: readonly ParseResult[] }
  | { readonly id: number; readonly failed: string };

interface Job {
  readonly source: ArticleSource;
  readonly site: SiteConfig;
  readonly hash: string;
  resolve(result: ParseResult): void;
  reject(error: unknown): void;
}

/**
 * 'auto': this thread parses, and a worker thread takes sources too once enough wait (a large build);
 * 'only': the worker parses every source (tests prove it parses as this thread does).
 */
export type ParseThreads = 'auto' | 'only';

/**
 * Parses on this thread and a worker thread at once. Both take sources from one queue, as each is free, so
 * neither waits on the other; what the worker returns is plain data (an article is), copied back whole.
 * If the worker cannot start or dies, this thread parses what it held: a result never depends on where it
 * was made.
 */
export class ThreadedParser implements ArticleParser {
  private readonly queue: Job[] = [];
  private head = 0;
  /** The site the worker was started with: it parses for that one only. */
  private workerSite: SiteConfig | undefined;
  private worker: Worker | undefined;
  private ready = false;
  private failed = false;
  private readonly inFlight = new Map<number, Job[]>();
  private nextId = 0;
  private stepping = false;
  /** Sources announced by `expect`, and how many of them were handed to `parse` since. */
  private expected = 0;
  private submitted = 0;
  private idle: NodeJS.Timeout | undefined;
  /** Sources parsed by the worker and by this thread so far (for tests and profiles). */
  readonly counts = { worker: 0, here: 0 };

  constructor(
    private readonly workerFile: URL,
    private readonly mode: ParseThreads = 'auto',
    private readonly warn: (message: string) => void = (message) => console.warn(message),
  ) {}

  expect(count: number): void {
    this.expected = count;
    this.submitted = 0;
  }

  parse(source: ArticleSource, site: SiteConfig, hash: string): Promise<ParseResult> {
    clearTimeout(this.idle);
    this.submitted++;
    return new Promise<ParseResult>((resolve, reject) => {
      this.queue.push({ source, site, hash, resolve, reject });
      if (!this.worker && !this.failed && this.worthAWorker()) this.start(site);
      this.feed();
      if (this.parsesHere()) this.stepLater();
    });
  }

  /** Stops the worker; this thread parses what it held and what waits, until a new one starts. */
  async close(): Promise<void> {
    const worker = this.worker;
    clearTimeout(this.idle);
    this.stopped();
    await worker?.terminate();
  }

  /**
   * 'only' always; 'auto' for a large build, once a few hundred of its sources did need parsing (a fresh
   * checkout lists every source as changed, and most are found unchanged by their hash).
   */
  private worthAWorker(): boolean {
    return this.mode === 'only' || (this.expected >= START_AT && this.submitted >= START_AFTER);
  }

  /** Whether this thread takes sources from the queue: always in 'auto', and whenever no worker runs. */
  private parsesHere(): boolean {
    return this.mode === 'auto' || this.failed || !this.worker;
  }

  private waiting(): number {
    return this.queue.length - this.head;
  }

  private take(count: number): Job[] {
    const jobs = this.queue.slice(this.head, this.head + count);
    this.head += jobs.length;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    return jobs;
  }

  /** One source at a time, between other work (reading, the worker's replies). */
  private stepLater(): void {
    if (this.stepping) return;
    this.stepping = true;
    setImmediate(() => void this.step());
  }

  private async step(): Promise<void> {
    const [job] = this.take(1);
    if (job) await this.parseHere(job);
    this.stepping = false;
    if (this.waiting() > 0 && this.parsesHere()) this.stepLater();
  }

  private async parseHere(job: Job): Promise<void> {
    this.counts.here++;
    try {
      job.resolve(await parseArticleSafely(job.source, job.site, job.hash));
    } catch (error) {
      job.reject(error);
    }
  }

  private start(site: SiteConfig): void {
    let worker: Worker;
    try {
      worker = new Worker(fileURLToPath(this.workerFile), { workerData: { site } });
    } catch (error) {
      this.giveUp(error instanceof Error ? error.message : String(error));
      return;
    }
    this.worker = worker;
    this.workerSite = site;
    worker.on('message', (reply: ParseReply) => {
      if (this.worker !== worker) return;
      if (reply === 'ready') this.ready = true;
      else {
        const jobs = this.inFlight.get(reply.id) ?? [];
        this.inFlight.delete(reply.id);
        if ('failed' in reply) {
          // A source it could not parse (loading a renderer failed): this thread parses, with its own errors.
          this.requeue(jobs);
          this.giveUp(reply.failed);
          void worker.terminate();
          return;
        }
        this.counts.worker += jobs.length;
        for (const [i, job] of jobs.entries()) job.resolve(reply.results[i] as ParseResult);
      }
      this.feed();
    });
    worker.on('error', (error) => {
      if (this.worker === worker) this.giveUp(error.message);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.giveUp(`it exited (code ${code})`);
    });
  }

  private feed(): void {
    const worker = this.worker;
    if (!worker || !this.ready) return;
    while (this.inFlight.size < CHUNKS_AHEAD && this.waiting() > 0) {
      const taken = this.take(CHUNK);
      // A source of another site than the worker's (a build queued before this one's worker started).
      for (const job of taken.filter((j) => j.site !== this.workerSite)) void this.parseHere(job);
      const jobs = taken.filter((j) => j.site === this.workerSite);
      if (jobs.length === 0) continue;
      const id = this.nextId++;
      const sources = jobs.map((job) => ({
        path: job.source.path,
        // A copy of its own: a read buffer may be a view into a larger one, which would be copied whole.
        bytes: new Uint8Array(job.source.bytes),
        hash: job.hash,
      }));
      try {
        worker.postMessage(
          { id, sources } satisfies ParseRequest,
          sources.map((s) => s.bytes.buffer),
        );
      } catch (error) {
        this.requeue(jobs);
        this.giveUp(error instanceof Error ? error.message : String(error));
        void worker.terminate();
        return;
      }
      this.inFlight.set(id, jobs);
    }
    // Idle, it goes: a build parses its sources together, and the worker's heap is better given back
    // before the pages are rendered. (A worker keeps the process alive until then.)
    if (this.inFlight.size === 0 && this.waiting() === 0)
      this.idle = setTimeout(() => void this.close(), IDLE_MS).unref();
  }

  /** Sources the worker held go back to the front of the queue. */
  private requeue(jobs: Job[]): void {
    this.queue.splice(this.head, 0, ...jobs);
  }

  /** The worker failed to start or died: this thread parses from now on, and says so once. */
  private giveUp(reason: string): void {
    this.warn(`The parse worker stopped (${reason}); parsing goes on in one thread.`);
    this.failed = true;
    this.stopped();
  }

  /** No worker any more: what it held and what waits is parsed here. */
  private stopped(): void {
    this.worker = undefined;
    this.workerSite = undefined;
    this.ready = false;
    const held = [...this.inFlight.values()].flat();
    this.inFlight.clear();
    this.requeue(held);
    if (this.waiting() > 0) this.stepLater();
  }
}

/**
 * The parser for a local build: threaded when the machine has a second core and the worker's bundle is
 * beside this code (the bundled CLI); otherwise none, and the publish parses in its own thread.
 * BROADSHEET_PARSE_THREADS: 'off' parses in this thread only; 'only' on the worker only (for tests).
 */
export function localParser(env: NodeJS.ProcessEnv = process.env): ThreadedParser | undefined {
  const choice = env.BROADSHEET_PARSE_THREADS;
  if (choice === 'off') return undefined;
  if (choice !== 'only' && availableParallelism() < 2) return undefined;
  const file = new URL('./parse-worker.mjs', import.meta.url);
  if (!existsSync(file)) {
    // Asked for by name (a test of the worker), it must not pass by parsing here instead.
    if (choice === 'only') throw new Error(`BROADSHEET_PARSE_THREADS=only, but ${file.pathname} is missing`);
    return undefined;
  }
  return new ThreadedParser(file, choice === 'only' ? 'only' : 'auto');
}
