import { Worker } from 'node:worker_threads';

/**
 * Writes posted in one message: each message costs both threads a wake-up, whatever it holds. Small enough
 * that this thread renders the next few pages while the writer writes these (a message a turn made it wait
 * for whole turns' worth of writes).
 */
const BATCH = 8;

interface WriteRequest {
  readonly id: number;
  readonly path: string;
  readonly data: string | Uint8Array;
}

interface WriteReply {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code?: string };
}

/**
 * Writes files on a second thread. A build of ten thousand articles spends about three seconds of its main
 * thread in open/mkdir/write system calls (measured on ext4); handed to a worker, they overlap with parsing
 * and rendering on the machine's other core. Each write resolves once the file is on disk, so callers that
 * record what was written (the site manifest) record only what is there.
 */
export class FileWriter {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /** Writes asked for in this turn of the event loop, posted together at its end. */
  private batch: WriteRequest[] = [];

  write(path: string, data: string | Uint8Array): Promise<void> {
    const worker = this.started();
    const id = ++this.nextId;
    // Held only while writes are in flight, so an idle writer never keeps the process alive.
    if (this.pending.size === 0) worker.ref();
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // A string is posted as it is and encoded on the writer's thread: cloning a page's string cost this
    // thread about half of encoding it here and moving the bytes (0.2–0.3 s less at 10,000 pages).
    if (this.batch.length === 0) setImmediate(() => this.flush());
    this.batch.push({ id, path, data });
    if (this.batch.length >= BATCH) this.flush();
    return done;
  }

  /** Stops the thread (a later write starts another); writes not done by then are rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.batch = [];
    await worker?.terminate();
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) this.started().postMessage(batch);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // The worker's code is inline, not a module file: it then runs the same from the bundled CLI, from tsx
    // and under vitest, with nothing to resolve. It needs only node:fs.
    const worker = new Worker(WRITER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (replies: WriteReply[]) => {
      for (const reply of replies) {
        const waiting = this.pending.get(reply.id);
        if (!waiting) continue;
        this.pending.delete(reply.id);
        if (reply.error)
          waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
        else waiting.resolve();
      }
      if (this.pending.size === 0) worker.unref();
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.batch = [];
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.pending.size > 0) failAll(new Error(`the file writer thread exited (code ${code})`));
      else if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}

// Creates each folder once; if one was removed since (a pruned posts/<slug>/), creates it again and retries.
const WRITER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const made = new Set();
function write(path, data) {
  const dir = dirname(path);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  try {
    writeFileSync(path, data);
  } catch (error) {
    if (error.code !== 'ENOENT' || !made.delete(dir)) throw error;
    write(path, data);
  }
}
parentPort.on('message', (batch) => {
  const replies = [];
  for (const { id, path, data } of batch) {
    try {
      write(path, data);
      replies.push({ id });
    } catch (error) {
      replies.push({ id, error: { message: String(error && error.message), code: error && error.code } });
    }
  }
  parentPort.postMessage(replies);
});
`;
