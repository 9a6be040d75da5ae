// One Lambda function instance: a child process that imports the function's bundle (its init phase) and
// runs one invocation at a time for the parent. Before the bundle loads, every AWS SDK client's
// middleware stack gets a check: the call is described to the parent, which decides against the
// function's role (IAM) and answers allow or deny; a denied call fails as AWS fails it.
// Compiled by esbuild and run on the runtime's Node.js (not through tsx), so it imports nothing at run
// time but Node built-ins and the SDK the bundle itself resolves.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dynamoKeyFields, missingObjectCheck, RESOURCE_FIELDS, rawFromAddress } from './iam-requests.js';
import type { ParentMessage, WorkerMessage } from './worker-protocol.js';

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();

// The stack's time: the wall clock plus the waits the local AWS skipped while idle (a visibility timeout
// that passed at once). Functions compare times they stored (claims, leases) against it, so they must see
// the time those waits imply.
const RealDate = Date;
let clockOffsetMs = Number(process.env.LOCAL_AWS_CLOCK_OFFSET_MS ?? 0);
const stackNow = () => RealDate.now() + clockOffsetMs;
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) =>
    Reflect.construct(target, args.length === 0 ? [stackNow()] : args, newTarget),
  apply: () => new RealDate(stackNow()).toString(),
  get: (target, property, receiver) =>
    property === 'now' ? stackNow : Reflect.get(target, property, receiver),
});
const [moduleName = 'index', exportName = 'handler'] = (process.env._HANDLER ?? 'index.handler').split('.');

function send(message: WorkerMessage): void {
  process.send?.(message);
}

const pending = new Map<string, (allowed: { allowed: boolean; message?: string }) => void>();

function authorize(call: { client: string; command: string; input: Record<string, unknown> }) {
  const id = randomUUID();
  return new Promise<{ allowed: boolean; message?: string }>((resolve) => {
    pending.set(id, resolve);
    send({ type: 'authorize', id, call });
  });
}

/**
 * The fields that name resources, without bodies; a raw email's From address pulled out of its headers;
 * of a DynamoDB call, the partition keys of the items it names (for `dynamodb:LeadingKeys`).
 */
function describe(client: string, input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of RESOURCE_FIELDS) if (input[field] !== undefined) out[field] = input[field];
  if (client.startsWith('DynamoDB')) return { ...out, ...dynamoKeyFields(input) };
  const raw = (input.Content as { Raw?: { Data?: Uint8Array | string } } | undefined)?.Raw?.Data;
  if (raw && !out.FromEmailAddress) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).subarray(0, 16_384).toString('utf8');
    const from = rawFromAddress(text);
    if (from) out.FromEmailAddress = from;
  }
  if (out.RequestItems)
    out.RequestItems = Object.fromEntries(Object.keys(out.RequestItems as object).map((k) => [k, true]));
  return out;
}

interface Stack {
  add(middleware: unknown, options: { step: string; name: string; priority?: string }): void;
}
interface SmithyClient {
  middlewareStack: Stack;
  send: (...args: unknown[]) => unknown;
}
interface Context {
  clientName?: string;
  commandName?: string;
}

const patchedStacks = new WeakSet<object>();

/** AWS's shape for a refused call: the SDK's error fields, status 403. */
function accessDenied(client: string, message: string): Error {
  const name = client.startsWith('S3') ? 'AccessDenied' : 'AccessDeniedException';
  return Object.assign(new Error(message), {
    name,
    Code: name,
    $fault: 'client',
    $metadata: { httpStatusCode: 403, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 },
  });
}

function checkMiddleware(next: (args: unknown) => Promise<unknown>, context: Context) {
  return async (args: { input: Record<string, unknown> }) => {
    const client = context.clientName ?? 'Unknown';
    const command = context.commandName ?? 'Unknown';
    const decision = await authorize({ client, command, input: describe(client, args.input) });
    if (!decision.allowed) throw accessDenied(client, decision.message ?? 'Access denied');
    try {
      return await next(args);
    } catch (error) {
      // S3 answers a missing object with 403, not 404, unless the caller may list the bucket.
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (client === 'S3Client' && (e.name === 'NoSuchKey' || e.name === 'NotFound')) {
        const list = await authorize(missingObjectCheck(args.input));
        if (!list.allowed) throw accessDenied(client, list.message ?? 'Access Denied');
      }
      throw error;
    }
  };
}

function patchSdk(): void {
  const require = createRequire(join(taskRoot, 'index.js'));
  let Client: { prototype: SmithyClient } | undefined;
  for (const id of ['@smithy/core/client', '@smithy/smithy-client']) {
    try {
      Client = (require(id) as { Client?: { prototype: SmithyClient } }).Client;
      if (Client) break;
    } catch {
      // not installed under this name
    }
  }
  if (!Client) {
    send({
      type: 'log',
      stream: 'stderr',
      line: 'local-aws: no AWS SDK found; IAM checks are off for this function',
    });
    return;
  }
  const original = Client.prototype.send;
  Client.prototype.send = function patchedSend(this: SmithyClient, ...args: unknown[]) {
    if (!patchedStacks.has(this.middlewareStack)) {
      patchedStacks.add(this.middlewareStack);
      this.middlewareStack.add(checkMiddleware, {
        step: 'initialize',
        name: 'localAwsIamCheck',
        priority: 'high',
      });
    }
    return original.apply(this, args);
  };
}

let handler: ((event: unknown, context: unknown) => unknown) | undefined;
let initError: { name: string; message: string; stack?: string } | undefined;

async function init(): Promise<void> {
  patchSdk();
  for (const ext of ['.mjs', '.js', '.cjs']) {
    try {
      const loaded = (await import(pathToFileURL(join(taskRoot, `${moduleName}${ext}`)).href)) as Record<
        string,
        unknown
      >;
      const found =
        loaded[exportName] ?? (loaded.default as Record<string, unknown> | undefined)?.[exportName];
      if (typeof found !== 'function')
        throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), {
          name: 'Runtime.HandlerNotFound',
        });
      handler = found as typeof handler;
      return;
    } catch (error) {
      const e = error as { code?: string; name?: string; message?: string; stack?: string };
      if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`${moduleName}${ext}`)) continue;
      initError = {
        name: e.name ?? 'Runtime.ImportModuleError',
        message: e.message ?? String(error),
        ...(e.stack ? { stack: e.stack } : {}),
      };
      return;
    }
  }
  initError = { name: 'Runtime.ImportModuleError', message: `Cannot find module '${moduleName}'` };
}

async function invoke(id: string, event: unknown, deadlineMs: number, requestId: string): Promise<void> {
  if (initError || !handler) {
    send({
      type: 'result',
      id,
      ok: false,
      error: initError ?? { name: 'Runtime.HandlerNotFound', message: 'no handler' },
    });
    return;
  }
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.LOCAL_AWS_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - RealDate.now()),
  };
  try {
    const value = await handler(event, context);
    send({ type: 'result', id, ok: true, value: value === undefined ? null : value });
  } catch (error) {
    const e = error as { name?: string; message?: string; stack?: string };
    // What the Lambda runtime writes for a failed invocation.
    runtimeError(requestId, 'Invoke Error', {
      name: e?.name ?? 'Error',
      message: e?.message ?? String(error),
      ...(e?.stack ? { stack: e.stack } : {}),
    });
    send({
      type: 'result',
      id,
      ok: false,
      error: {
        name: e?.name ?? 'Error',
        message: e?.message ?? String(error),
        ...(e?.stack ? { stack: e.stack } : {}),
      },
    });
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'authorized') {
    pending.get(message.id)?.({
      allowed: message.allowed,
      ...(message.message ? { message: message.message } : {}),
    });
    pending.delete(message.id);
  } else if (message.type === 'invoke') {
    clockOffsetMs = message.clockOffsetMs;
    void invoke(message.id, message.event, message.deadlineMs, message.requestId);
  }
});

// The runtime is gone (killed without stopping us): an instance never outlives it.
process.on('disconnect', () => process.exit(0));

// Lambda ends an instance whose handler leaves an unhandled rejection; so does this one.
process.on('unhandledRejection', (reason) => {
  console.error('Runtime.UnhandledPromiseRejection', reason);
  process.exit(128);
});

function runtimeError(
  requestId: string,
  kind: string,
  e: { name: string; message: string; stack?: string },
): void {
  const detail = { errorType: e.name, errorMessage: e.message, stack: (e.stack ?? '').split('\n') };
  console.error(`${new Date().toISOString()}\t${requestId}\tERROR\t${kind} \t${JSON.stringify(detail)}`);
}

await init();
if (initError) runtimeError('undefined', 'Uncaught Exception', initError);
send({ type: 'ready', ...(initError ? { error: initError } : {}) });
