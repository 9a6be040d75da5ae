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

/** The writer's thread, the writes it has not answered and those not posted to it yet. */
interface WriterThread {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: () => void; reject: (error: Error) => void }>;
  /** Writes not posted yet: they go at the end of the turn, or once there are eight. */
  batch: WriteRequest[];
  /** Called once no write is pending. */
  drained: (() => void)[];
}

/**
 * Writes files on a second thread. A build of ten thousand articles spends about three seconds of its main
 * thread in open/mkdir/write system calls (measured on ext4); handed to a worker, they overlap with parsing
 * and rendering on the machine's other core. Each write resolves once the file is on disk, so callers that
 * record what was written (the site manifest) record only what is there.
 */
export class FileWriter {
  private thread: WriterThread | undefined;
  private nextId = 0;

  write(path: string, data: string | Uint8Array): Promise<void> {
    const thread = this.started();
    const id = ++this.nextId;
    // Held only while writes are in flight, so an idle writer never keeps the process alive.
    if (thread.pending.size === 0) thread.worker.ref();
    const done = new Promise<void>((resolve, reject) => thread.pending.set(id, { resolve, reject }));
    // A string is posted as it is and encoded on the writer's thread: cloning a page's string cost this
    // thread about half of encoding it here and moving the bytes (0.2–0.3 s less at 10,000 pages).
    if (thread.batch.length === 0) setImmediate(() => this.flush(thread));
    thread.batch.push({ id, path, data });
    if (thread.batch.length >= BATCH) this.flush(thread);
    return done;
  }

  /** Starts the thread ahead of the first write: it takes ~0.1 s to start, which the first writes waited. */
  start(): void {
    this.started();
  }

  /** Stops the thread once every write asked for is on disk or has failed (a later write starts another). */
  async finish(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.flush(thread);
    if (thread.pending.size > 0) await new Promise<void>((resolve) => thread.drained.push(resolve));
    if (this.thread === thread) await this.close();
  }

  /** Stops the thread (a later write starts another); writes it has not answered are rejected. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (!thread) return;
    thread.batch = [];
    await thread.worker.terminate();
  }

  private flush(thread: WriterThread): void {
    const batch = thread.batch;
    thread.batch = [];
    if (batch.length === 0 || thread !== this.thread) return;
    try {
      thread.worker.postMessage(batch);
    } catch (error) {
      // Data that cannot be cloned (a detached buffer): these writes fail, the thread goes on.
      const reason = error instanceof Error ? error : new Error(String(error));
      for (const { id } of batch) settle(thread, id, reason);
    }
  }

  private started(): WriterThread {
    if (this.thread) return this.thread;
    // The worker's code is inline, not a module file: it then runs the same from the bundled CLI, from tsx
    // and under vitest, with nothing to resolve. It needs only node:fs.
    const worker = new Worker(WRITER_SOURCE, { eval: true });
    const thread: WriterThread = { worker, pending: new Map(), batch: [], drained: [] };
    worker.on('message', (replies: WriteReply[]) => {
      for (const reply of replies) {
        const failure = reply.error
          ? Object.assign(new Error(reply.error.message), { code: reply.error.code })
          : undefined;
        settle(thread, reply.id, failure);
      }
    });
    // Only this thread's writes fail with it: a thread started after it keeps its own.
    const failAll = (error: Error) => {
      if (this.thread === thread) this.thread = undefined;
      thread.batch = [];
      for (const id of [...thread.pending.keys()]) settle(thread, id, error);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the file writer thread exited (code ${code})`)));
    // After the listeners: adding a 'message' listener holds the process open again.
    worker.unref();
    this.thread = thread;
    return thread;
  }
}

/** Resolves or rejects one write; the thread stops holding the process open once none is left. */
function settle(thread: WriterThread, id: number, error?: Error): void {
  const waiting = thread.pending.get(id);
  if (!waiting) return;
  thread.pending.delete(id);
  if (error) waiting.reject(error);
  else waiting.resolve();
  if (thread.pending.size > 0) return;
  thread.worker.unref();
  const drained = thread.drained;
  thread.drained = [];
  for (const resolve of drained) resolve();
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
