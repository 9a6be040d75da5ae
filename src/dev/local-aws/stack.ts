// The synthesized stack stood up on loopback: every resource the template declares that Broadsheet runs
// on, created in an emulator (s3rver, fauxqs, dynalite, aws-ses-v2-local, and our own HTTP API,
// CloudFront, Secrets Manager and Scheduler stand-ins), and every function run from its bundle with its
// environment, role, limits and event sources. `npm run dev`, the integration tests and
// `npm run scenarios` all stand on this.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp as fauxqsApp } from 'fauxqs';
import S3rver from 's3rver';
import { createActiveTable } from '../dynamo-table.js';
import { type StackClock, Waits, WallClock } from './clock.js';
import {
  type Behavior,
  type DistributionConfig,
  LocalCloudFront,
  type Origin,
  type OriginRequestPolicy,
  SECURITY_HEADERS,
} from './cloudfront.js';
import { ControlPlane, generatePassword } from './control-plane.js';
import {
  type AsyncConfig,
  AsyncInvoker,
  type DeliveryLog,
  type FailureSink,
  SqsEventSourceMapping,
  sendToQueue,
} from './event-sources.js';
import { type ApiRoute, HttpApi } from './http-api.js';
import { type Grant, IamPolicies } from './iam.js';
import { localIdentities } from './identities.js';
import {
  compileWorker,
  type FunctionConfig,
  LambdaFunction,
  type LogLine,
  nodeForRuntime,
} from './lambda-runtime.js';
import { type NotificationTarget, S3Notifier, type S3rverEvent } from './s3-notifications.js';
import { firings, parseSchedule } from './schedule-expressions.js';
import { LocalSes, type SesOptions } from './ses.js';
import { type CloudAssembly, synthesize } from './synth.js';
import {
  ACCOUNT,
  props,
  REGION,
  Resolver,
  resolveDynamicReferences,
  resourcesOfType,
  type Template,
  TemplateError,
} from './template.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What the emulators accept as credentials (s3rver knows only this key). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface FunctionOverrides {
  readonly timeoutSeconds?: number;
  readonly environment?: Readonly<Record<string, string>>;
}

export interface LocalAwsOptions {
  readonly root?: string;
  /** A ready assembly (tests that synthesize once); otherwise the app is synthesized (cached). */
  readonly assembly?: CloudAssembly;
  readonly clock?: StackClock;
  /** Skip the stack's waits (visibility timeouts, retry backoff, batching windows) while nothing runs. Default true. */
  readonly fastForward?: boolean;
  /** Per function, by construct name (Publish, Send, …): what a test lowers or adds. */
  readonly functions?: Readonly<Record<string, FunctionOverrides>>;
  readonly ses?: SesOptions;
  /** Instances of one function this machine runs at once (more invocations wait; they are not throttled). */
  readonly localCapacity?: number;
  /** Secret values by the secret's construct name (TokenSecret, …); generated otherwise. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Every line a function writes. */
  readonly onLog?: (line: LogLine) => void;
  /** What the runtime itself has to say (warnings, unsupported resources). */
  readonly log?: (line: string) => void;
}

export interface QueueInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly visibilityTimeoutSeconds: number;
}

/** A logical id without CDK's 8-hex-digit suffix: Content88381566 → Content. */
export const constructName = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

const num = (v: unknown, fallback: number) =>
  v === undefined || v === null || v === '' ? fallback : Number(v);

/** SDK clients the runtime itself uses (on behalf of S3, SNS, Lambda), pointed at the emulators. */
function serviceClients(endpoints: { s3: string; sqs: string; dynamodb: string }) {
  const base = { region: REGION, credentials: LOCAL_CREDENTIALS };
  return {
    s3: new S3Client({
      ...base,
      endpoint: endpoints.s3,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
    sns: new SNSClient({ ...base, endpoint: endpoints.sqs }),
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
  };
}

export class LocalAws {
  readonly deliveries: DeliveryLog = { lost: [], deadLettered: [] };
  readonly functions = new Map<string, LambdaFunction>();
  readonly queues = new Map<string, QueueInfo>();
  readonly buckets = new Map<string, string>();
  readonly tables = new Map<string, string>();
  readonly topics = new Map<string, string>();
  readonly mappings: SqsEventSourceMapping[] = [];
  readonly asyncInvokers = new Map<string, AsyncInvoker>();
  /** Queues a dead letter can land in: redrive targets, function dead-letter queues and destinations. */
  readonly deadLetterQueues = new Set<string>();
  readonly apis = new Map<string, HttpApi>();
  private readonly stoppers: (() => Promise<void> | void)[] = [];
  private readonly pollQueues = new Set<string>();
  private readonly shimLoops: Promise<void>[] = [];
  private stopped = false;
  readonly waits: Waits;

  private constructor(
    readonly assembly: CloudAssembly,
    readonly template: Template,
    readonly resolver: Resolver,
    readonly iam: IamPolicies,
    readonly clock: StackClock,
    readonly ses: LocalSes,
    readonly control: ControlPlane,
    readonly cloudfront: LocalCloudFront | undefined,
    readonly notifier: S3Notifier,
    readonly endpoints: {
      readonly s3: string;
      readonly sqs: string;
      readonly dynamodb: string;
      readonly ses: string;
      readonly api: string | undefined;
      readonly site: string | undefined;
      readonly controlPlane: string;
    },
    readonly clients: ReturnType<typeof serviceClients>,
    private readonly tempDir: string,
    fastForward: boolean,
  ) {
    this.waits = new Waits(() => this.idle(), fastForward);
    this.stoppers.push(() => this.waits.stop());
  }

  /** The time functions see: the schedule clock's, plus the waits skipped while the stack was idle. */
  functionNow(): number {
    return Date.now() + this.clock.offsetMs() + this.waits.skippedMs;
  }

  /**
   * The stack's outputs as `cdk deploy --outputs-file` writes them, resolved here (the table's and the
   * content bucket's names for `--stack`); an output naming what this machine does not run is left out.
   */
  outputs(): Record<string, string> {
    const resolved: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) {
      try {
        resolved[name] = String(this.resolver.resolve(output.Value));
      } catch {
        // Not resolvable on this machine (a CloudFront domain): no operator command reads it.
      }
    }
    return resolved;
  }

  /** The function whose construct is called `name` (Publish, Send, …). */
  fn(name: string): LambdaFunction {
    const found = this.functions.get(name);
    if (!found)
      throw new TemplateError(`no function ${name}; the stack has ${[...this.functions.keys()].join(', ')}`);
    return found;
  }

  /** A queue by construct name (ContentChanges, Digests, SendsDlq, …). */
  queue(name: string): QueueInfo {
    const found = [...this.queues.values()].find((q) => constructName(q.logicalId) === name);
    if (!found) throw new TemplateError(`no queue ${name}`);
    return found;
  }

  static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const root = options.root ?? REPO_ROOT;
    const log = options.log ?? ((line: string) => console.error(line));
    const assembly = options.assembly ?? (await synthesize(root, { log }));
    const template = assembly.template;
    const clock = options.clock ?? new WallClock();
    const tempDir = await mkdtemp(join(tmpdir(), 'local-aws-'));
    // However the process ends (an uncaught error, process.exit), the folder goes with it.
    const removeOnExit = () => rmSync(tempDir, { recursive: true, force: true });
    process.once('exit', removeOnExit);
    const started: (() => Promise<void> | void)[] = [
      async () => {
        process.off('exit', removeOnExit);
        await rm(tempDir, { recursive: true, force: true });
      },
    ];
    try {
      // ---- Emulators on loopback, random ports ----
      const s3rver = new S3rver({
        address: '127.0.0.1',
        port: 0,
        directory: join(tempDir, 's3'),
        silent: true,
        configureBuckets: [],
      });
      const { port: s3Port } = await s3rver.run();
      started.push(() => s3rver.close());
      const fauxqs = fauxqsApp({ logger: false });
      await fauxqs.listen({ port: 0, host: '127.0.0.1' });
      started.push(() => fauxqs.close());
      const sqsPort = (fauxqs.server.address() as AddressInfo).port;
      const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      const dynamodbUrl = await listen(dynamo);
      started.push(() => closeServer(dynamo));
      const ses = await LocalSes.start(options.ses);
      started.push(() => ses.stop());
      const control = await ControlPlane.start();
      started.push(() => control.stop());
      const s3Url = `http://127.0.0.1:${s3Port}`;
      const sqsUrl = `http://127.0.0.1:${sqsPort}`;
      const apis = new Map<string, HttpApi>();
      for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
        const api = await HttpApi.listen(id.toLowerCase().slice(0, 10));
        apis.set(id, api);
        started.push(() => api.stop());
      }
      const distributions = resourcesOfType(template, 'AWS::CloudFront::Distribution');
      if (distributions.length > 1)
        log('local-aws: more than one CloudFront distribution; only the first is served');
      const cloudfront = distributions.length > 0 ? await LocalCloudFront.listen(s3Url) : undefined;
      if (cloudfront) started.push(() => cloudfront.stop());

      const identities = localIdentities(template, assembly.stackName, {
        sqsQueueBase: `http://sqs.${REGION}.localhost:${sqsPort}`,
        apis: new Map([...apis].map(([id, api]) => [id, api.url])),
        cloudfront: cloudfront?.url ?? 'http://127.0.0.1',
      });
      const resolver = new Resolver(
        identities,
        Object.fromEntries(
          Object.entries(template.Parameters ?? {}).map(([k, p]) => [k, String(p.Default ?? '')]),
        ),
        assembly.stackName,
      );
      const iam = new IamPolicies(template, resolver);
      const clients = serviceClients({ s3: s3Url, sqs: sqsUrl, dynamodb: dynamodbUrl });
      const notifierTargets = new Map<string, NotificationTarget[]>();
      let stack: LocalAws | undefined;
      const notifier = new S3Notifier(notifierTargets, async (target, body) =>
        stack?.deliverNotification(target, body),
      );
      const firstApi = [...apis.values()][0];
      stack = new LocalAws(
        assembly,
        template,
        resolver,
        iam,
        clock,
        ses,
        control,
        cloudfront,
        notifier,
        {
          s3: s3Url,
          sqs: sqsUrl,
          dynamodb: dynamodbUrl,
          ses: ses.url,
          api: firstApi?.url,
          site: cloudfront?.url,
          controlPlane: control.url,
        },
        clients,
        tempDir,
        options.fastForward ?? true,
      );
      for (const [id, api] of apis) stack.apis.set(id, api);
      stack.stoppers.push(...[...started].reverse());
      started.length = 0;
      try {
        await stack.createResources(options, notifierTargets, root, log);
        s3rver.on('event', (event: S3rverEvent) => notifier.onEvent(event));
        await notifier.announce();
      } catch (error) {
        await stack.stop();
        throw error;
      }
      return stack;
    } catch (error) {
      for (const stop of [...started].reverse()) await Promise.resolve(stop()).catch(() => {});
      throw error;
    }
  }

  private async createResources(
    options: LocalAwsOptions,
    notifierTargets: Map<string, NotificationTarget[]>,
    root: string,
    log: (line: string) => void,
  ): Promise<void> {
    const { template, resolver, clients, assembly } = this;

    for (const [id] of resourcesOfType(template, 'AWS::S3::Bucket')) {
      const name = resolver.ref(id);
      await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
      this.buckets.set(id, name);
    }

    for (const [id, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
      const p = resolver.resolve(props(table)) as Record<string, unknown>;
      const name = resolver.ref(id);
      const provisioned = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
      const payPerRequest = p.BillingMode === 'PAY_PER_REQUEST';
      const gsis = (p.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined)?.map((g) => ({
        IndexName: String(g.IndexName),
        KeySchema: g.KeySchema as never,
        Projection: g.Projection as never,
        ...(payPerRequest
          ? {}
          : { ProvisionedThroughput: (g.ProvisionedThroughput as never) ?? provisioned }),
      }));
      await createActiveTable(clients.dynamodb, {
        TableName: name,
        AttributeDefinitions: p.AttributeDefinitions as never,
        KeySchema: p.KeySchema as never,
        ...(payPerRequest
          ? { BillingMode: 'PAY_PER_REQUEST' }
          : { ProvisionedThroughput: (p.ProvisionedThroughput as never) ?? provisioned }),
        ...(gsis?.length ? { GlobalSecondaryIndexes: gsis } : {}),
        ...(p.LocalSecondaryIndexes ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes as never } : {}),
      });
      this.tables.set(id, name);
    }

    // Queues: dead-letter targets first, so each redrive policy names a queue that exists.
    const queueResources = resourcesOfType(template, 'AWS::SQS::Queue');
    const pending = new Map(queueResources);
    while (pending.size > 0) {
      let progressed = false;
      for (const [id, queue] of [...pending]) {
        const p = resolver.resolve(props(queue)) as Record<string, unknown>;
        const redrive = p.RedrivePolicy as
          | { deadLetterTargetArn?: string; maxReceiveCount?: number }
          | undefined;
        if (
          redrive?.deadLetterTargetArn &&
          ![...this.queues.values()].some((q) => q.arn === redrive.deadLetterTargetArn)
        )
          continue;
        const name = resolver.getAtt(id, 'QueueName');
        const attributes: Record<string, string> = {};
        for (const key of [
          'VisibilityTimeout',
          'MessageRetentionPeriod',
          'DelaySeconds',
          'ReceiveMessageWaitTimeSeconds',
          'MaximumMessageSize',
          'FifoQueue',
          'ContentBasedDeduplication',
        ]) {
          if (p[key] !== undefined) attributes[key] = String(p[key]);
        }
        if (redrive?.deadLetterTargetArn) {
          attributes.RedrivePolicy = JSON.stringify({
            deadLetterTargetArn: redrive.deadLetterTargetArn,
            maxReceiveCount: num(redrive.maxReceiveCount, 10),
          });
          this.deadLetterQueues.add(redrive.deadLetterTargetArn);
        }
        const out = await clients.sqs.send(
          new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
        );
        const url = out.QueueUrl ?? resolver.ref(id);
        if (url !== resolver.ref(id))
          throw new TemplateError(
            `queue ${id}: the emulator named it ${url}, the template resolves ${resolver.ref(id)}`,
          );
        this.queues.set(id, {
          logicalId: id,
          name,
          url,
          arn: resolver.getAtt(id, 'Arn'),
          visibilityTimeoutSeconds: num(p.VisibilityTimeout, 30),
        });
        pending.delete(id);
        progressed = true;
      }
      if (!progressed)
        throw new TemplateError(
          `queues with dead-letter targets that are not in the template: ${[...pending.keys()].join(', ')}`,
        );
    }

    for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
      const name = resolver.getAtt(id, 'TopicName');
      const out = await clients.sns.send(new CreateTopicCommand({ Name: name }));
      if (out.TopicArn !== resolver.ref(id))
        throw new TemplateError(
          `topic ${id}: the emulator made ${out.TopicArn}, the template resolves ${resolver.ref(id)}`,
        );
      this.topics.set(id, name);
    }

    for (const [id, secret] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
      const p = props(secret);
      const generate = p.GenerateSecretString as
        | {
            PasswordLength?: number;
            ExcludePunctuation?: boolean;
            SecretStringTemplate?: string;
            GenerateStringKey?: string;
          }
        | undefined;
      const password = generatePassword(
        generate?.PasswordLength ?? 32,
        generate?.ExcludePunctuation ?? false,
      );
      const value =
        options.secrets?.[constructName(id)] ??
        (typeof p.SecretString === 'string'
          ? p.SecretString
          : generate?.SecretStringTemplate && generate.GenerateStringKey
            ? JSON.stringify({
                ...(JSON.parse(generate.SecretStringTemplate) as object),
                [generate.GenerateStringKey]: password,
              })
            : password);
      const arn = resolver.ref(id);
      this.control.secrets.set(arn, { arn, name: arn.split(':secret:')[1] ?? id, value });
    }

    // ---- Functions ----
    const worker = await compileWorker(this.tempDir);
    const runtimes = new Set(
      resourcesOfType(template, 'AWS::Lambda::Function').map(([, f]) => String(props(f).Runtime ?? '')),
    );
    const nodes = new Map<string, string>();
    for (const runtime of runtimes)
      if (runtime.startsWith('nodejs')) nodes.set(runtime, nodeForRuntime(root, runtime, log));
    const assets = assembly.assets;
    const baseEnv = this.functionBaseEnv();
    for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const p = props(resource);
      const runtime = String(p.Runtime ?? '');
      const code = p.Code as { S3Key?: unknown } | undefined;
      const key = code?.S3Key !== undefined ? resolver.string(code.S3Key, `${id}.Code.S3Key`) : undefined;
      const asset = key ? assets.get(key) : undefined;
      if (!runtime.startsWith('nodejs') || !asset) {
        // CDK's own custom-resource handlers (Python, inline code): what they do is done natively here.
        continue;
      }
      // The BroadsheetFunction's own id ('Publish'), wherever the stack nests it ('Publishing/Publish/Function').
      const parts = asset.displayName.split('/');
      const at = parts.lastIndexOf('Function');
      const name = (at > 0 ? parts[at - 1] : parts[0]) ?? id;
      const overrides = options.functions?.[name];
      const environment: Record<string, string> = {};
      const variables =
        (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      for (const [k, v] of Object.entries(variables))
        environment[k] = resolver.string(v, `${id}.Environment.${k}`);
      Object.assign(environment, overrides?.environment ?? {});
      const roleArn = p.Role !== undefined ? resolver.string(p.Role, `${id}.Role`) : '';
      const config: FunctionConfig = {
        logicalId: id,
        name,
        functionName: resolver.ref(id),
        arn: resolver.getAtt(id, 'Arn'),
        roleId: this.iam.roleIdOfArn(roleArn),
        runtime,
        handler: String(p.Handler ?? 'index.handler'),
        codeDir: asset.dir,
        environment,
        timeoutSeconds: overrides?.timeoutSeconds ?? num(p.Timeout, 3),
        memoryMb: num(p.MemorySize, 128),
        reservedConcurrency:
          p.ReservedConcurrentExecutions === undefined ? undefined : Number(p.ReservedConcurrentExecutions),
      };
      const logGroupRef = (p.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
      const logGroup =
        logGroupRef !== undefined
          ? resolver.string(logGroupRef, `${id}.LoggingConfig.LogGroup`)
          : `/aws/lambda/${config.functionName}`;
      let logged = false;
      const fn = new LambdaFunction(config, {
        iam: this.iam,
        node: nodes.get(runtime) ?? process.execPath,
        worker,
        baseEnv,
        localCapacity: options.localCapacity ?? 2,
        clockOffsetMs: () => this.functionNow() - Date.now(),
        onLog: (line) => {
          // The Lambda service writes the function's logs with its role.
          if (!logged && config.roleId) {
            logged = true;
            const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}:log-stream:local`;
            void this.iam.markUsed(config.roleId, [
              { action: 'logs:CreateLogStream', resource: stream },
              { action: 'logs:PutLogEvents', resource: stream },
            ]);
          }
          options.onLog?.(line);
        },
      });
      this.functions.set(name, fn);
      this.stoppers.unshift(() => fn.stop());
    }

    this.setUpAsync();
    await this.setUpEventSourceMappings(log);
    await this.setUpSnsSubscriptions(log);
    this.setUpSchedules(log);
    this.setUpS3Notifications(notifierTargets);
    this.setUpMailEvents();
    this.setUpApis(log);
    this.setUpCloudFront();
  }

  private functionBaseEnv(): Record<string, string> {
    const e = this.endpoints;
    return {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: 'local',
      // The variables our adapters read (src/adapters/aws/env.ts, clients.ts).
      S3_ENDPOINT: e.s3,
      DYNAMODB_ENDPOINT: e.dynamodb,
      SES_ENDPOINT: e.ses,
      SQS_ENDPOINT: e.sqs,
      // The SDK's own per-service endpoint settings, for clients built without ours.
      AWS_ENDPOINT_URL_SQS: e.sqs,
      AWS_ENDPOINT_URL_SNS: e.sqs,
      AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
      AWS_ENDPOINT_URL_SESV2: e.ses,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: e.controlPlane,
      AWS_ENDPOINT_URL_SCHEDULER: e.controlPlane,
    };
  }

  /** The function an ARN, name or Ref value names. */
  private functionByArn(value: string): LambdaFunction | undefined {
    const bare = value.replace(/:(\$LATEST|\d+)$/, '');
    return [...this.functions.values()].find((f) => f.config.arn === bare || f.config.functionName === bare);
  }

  /** Does a Lambda::Permission let `principal` (from `sourceArn`) invoke this function? */
  private permits(fn: LambdaFunction, principal: string, sourceArn: string | undefined): boolean {
    return resourcesOfType(this.template, 'AWS::Lambda::Permission').some(([, perm]) => {
      const p = this.resolver.resolve(props(perm)) as Record<string, unknown>;
      if (p.Action !== 'lambda:InvokeFunction' && p.Action !== 'lambda:*') return false;
      if (this.functionByArn(String(p.FunctionName)) !== fn) return false;
      if (p.Principal !== principal && p.Principal !== '*') return false;
      if (p.SourceArn === undefined) return true;
      const pattern = new RegExp(
        `^${String(p.SourceArn)
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')}$`,
      );
      return sourceArn !== undefined && pattern.test(sourceArn);
    });
  }

  private queueByArn(arn: string): QueueInfo | undefined {
    return [...this.queues.values()].find((q) => q.arn === arn);
  }

  /** Where the Lambda service puts failed async events; checked against the function's role. */
  private failureSink(fn: LambdaFunction): FailureSink {
    return async (arn, body, attributes) => {
      const isQueue = arn.startsWith('arn:aws:sqs:');
      const action = isQueue ? 'sqs:SendMessage' : 'sns:Publish';
      if (fn.config.roleId) {
        const decision = await this.iam.authorize(fn.config.roleId, fn.config.functionName, [
          { action, resource: arn },
        ]);
        if (!decision.allowed) return false;
      }
      try {
        if (isQueue) {
          const queue = this.queueByArn(arn);
          if (!queue) return false;
          await sendToQueue(this.clients.sqs, queue.url, body, attributes);
        } else {
          await this.clients.sns.send(new PublishCommand({ TopicArn: arn, Message: body }));
        }
        return true;
      } catch {
        return false;
      }
    };
  }

  private setUpAsync(): void {
    const invokeConfigs = resourcesOfType(this.template, 'AWS::Lambda::EventInvokeConfig').map(
      ([, r]) => this.resolver.resolve(props(r)) as Record<string, unknown>,
    );
    for (const fn of this.functions.values()) {
      const p = props(this.template.Resources[fn.config.logicalId] ?? { Type: '' });
      const invokeConfig = invokeConfigs.find((c) => this.functionByArn(String(c.FunctionName)) === fn);
      const destination = (
        invokeConfig?.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined
      )?.OnFailure?.Destination;
      const dlq = p.DeadLetterConfig
        ? this.resolver.string(
            (p.DeadLetterConfig as { TargetArn: unknown }).TargetArn,
            `${fn.config.logicalId}.DeadLetterConfig`,
          )
        : undefined;
      const onFailure: AsyncConfig['onFailure'] = destination
        ? { arn: destination, kind: 'destination' }
        : dlq
          ? { arn: dlq, kind: 'dlq' }
          : undefined;
      if (onFailure) this.deadLetterQueues.add(onFailure.arn);
      const config: AsyncConfig = {
        maximumRetryAttempts: num(invokeConfig?.MaximumRetryAttempts, 2),
        maximumEventAgeSeconds: num(invokeConfig?.MaximumEventAgeInSeconds, 21_600),
        onFailure,
      };
      const invoker = new AsyncInvoker(fn, config, this.waits, this.failureSink(fn), this.deliveries);
      this.asyncInvokers.set(fn.config.name, invoker);
      this.stoppers.unshift(() => invoker.stop());
    }
  }

  private async setUpEventSourceMappings(log: (line: string) => void): Promise<void> {
    for (const [id, resource] of resourcesOfType(this.template, 'AWS::Lambda::EventSourceMapping')) {
      const p = this.resolver.resolve(props(resource)) as Record<string, unknown>;
      const fn = this.functionByArn(String(p.FunctionName));
      const queue = this.queueByArn(String(p.EventSourceArn ?? ''));
      if (!fn || !queue) {
        log(
          `local-aws: event source mapping ${id} (${String(p.EventSourceArn)}) is not an SQS queue feeding a local function; skipped`,
        );
        continue;
      }
      if (p.Enabled === false) continue;
      // Lambda checks the role can poll when the mapping is created, and uses it for every poll.
      if (fn.config.roleId) {
        const decision = await this.iam.authorize(fn.config.roleId, 'lambda-event-source', [
          { action: 'sqs:ReceiveMessage', resource: queue.arn },
          { action: 'sqs:DeleteMessage', resource: queue.arn },
          { action: 'sqs:ChangeMessageVisibility', resource: queue.arn },
          { action: 'sqs:GetQueueAttributes', resource: queue.arn },
        ]);
        if (!decision.allowed) {
          log(`local-aws: ${id} cannot start: ${decision.message}`);
          continue;
        }
      }
      const mapping = new SqsEventSourceMapping(
        {
          logicalId: id,
          queueUrl: queue.url,
          queueArn: queue.arn,
          batchSize: num(p.BatchSize, 10),
          batchingWindowSeconds: num(p.MaximumBatchingWindowInSeconds, 0),
          maximumConcurrency: (p.ScalingConfig as { MaximumConcurrency?: number } | undefined)
            ?.MaximumConcurrency,
          reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
            'ReportBatchItemFailures',
          ),
          visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
        },
        fn,
        this.clients.sqs,
        this.waits,
      );
      this.mappings.push(mapping);
      this.pollQueues.add(queue.url);
      mapping.start();
      this.stoppers.unshift(() => mapping.stop());
    }
  }

  /** SNS → Lambda: fauxqs delivers to queues only, so each subscription gets a hidden queue that feeds Lambda's async queue. */
  private async setUpSnsSubscriptions(log: (line: string) => void): Promise<void> {
    for (const [id, resource] of resourcesOfType(this.template, 'AWS::SNS::Subscription')) {
      const p = this.resolver.resolve(props(resource)) as Record<string, unknown>;
      const topicArn = String(p.TopicArn);
      const attributes: Record<string, string> = {};
      for (const key of ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery'])
        if (p[key] !== undefined)
          attributes[key] = typeof p[key] === 'string' ? (p[key] as string) : JSON.stringify(p[key]);
      const redrive = (p.RedrivePolicy as { deadLetterTargetArn?: string } | undefined)?.deadLetterTargetArn;
      if (redrive) this.deadLetterQueues.add(redrive);
      if (p.Protocol === 'sqs') {
        await this.clients.sns.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: 'sqs',
            Endpoint: String(p.Endpoint),
            Attributes: attributes,
          }),
        );
        continue;
      }
      if (p.Protocol !== 'lambda') {
        log(`local-aws: SNS subscription ${id} (${String(p.Protocol)}) is not delivered locally`);
        continue;
      }
      const fn = this.functionByArn(String(p.Endpoint));
      if (!fn) continue;
      const shimName = `local-sns-${id}`.slice(0, 80);
      const shim = await this.clients.sqs.send(new CreateQueueCommand({ QueueName: shimName }));
      const shimUrl = shim.QueueUrl ?? '';
      const shimArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${shimName}`;
      const sub = await this.clients.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: shimArn,
          Attributes: { ...attributes, RawMessageDelivery: 'false' },
        }),
      );
      this.pollQueues.add(shimUrl);
      const subscriptionArn = sub.SubscriptionArn ?? `${topicArn}:${randomUUID()}`;
      this.shimLoops.push(this.pumpSns(shimUrl, fn, topicArn, subscriptionArn, redrive));
    }
  }

  private async pumpSns(
    queueUrl: string,
    fn: LambdaFunction,
    topicArn: string,
    subscriptionArn: string,
    redrive: string | undefined,
  ): Promise<void> {
    const { ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
    const invoker = this.asyncInvokers.get(fn.config.name);
    while (!this.stopped) {
      try {
        const out = await this.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of out.Messages ?? []) {
          const envelope = JSON.parse(m.Body ?? '{}') as Record<string, unknown>;
          const event = {
            Records: [
              {
                EventSource: 'aws:sns',
                EventVersion: '1.0',
                EventSubscriptionArn: subscriptionArn,
                Sns: {
                  Type: envelope.Type,
                  MessageId: envelope.MessageId,
                  TopicArn: topicArn,
                  Subject: envelope.Subject ?? null,
                  Message: envelope.Message,
                  Timestamp: envelope.Timestamp,
                  SignatureVersion: envelope.SignatureVersion,
                  Signature: envelope.Signature,
                  SigningCertUrl: envelope.SigningCertURL,
                  UnsubscribeUrl: envelope.UnsubscribeURL,
                  MessageAttributes: envelope.MessageAttributes ?? {},
                },
              },
            ],
          };
          // SNS may invoke only a function whose resource policy lets it; otherwise delivery fails.
          if (this.permits(fn, 'sns.amazonaws.com', topicArn) && invoker)
            invoker.invoke(event, `sns:${topicArn}`);
          else if (redrive && this.queueByArn(redrive))
            await sendToQueue(this.clients.sqs, this.queueByArn(redrive)?.url ?? '', m.Body ?? '', {});
          else
            this.deliveries.lost.push({
              source: `sns:${topicArn}`,
              fn: fn.config.name,
              reason: 'SNS may not invoke the function',
            });
          await this.clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle ?? '' }),
          );
        }
      } catch {
        if (!this.stopped) await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private setUpSchedules(log: (line: string) => void): void {
    const rules = resourcesOfType(this.template, 'AWS::Events::Rule').flatMap(([id, resource]) => {
      const p = this.resolver.resolve(props(resource)) as Record<string, unknown>;
      if (!p.ScheduleExpression || p.State === 'DISABLED') return [];
      try {
        return [
          {
            id,
            arn: this.resolver.getAtt(id, 'Arn'),
            schedule: parseSchedule(String(p.ScheduleExpression)),
            targets: (p.Targets as Record<string, unknown>[] | undefined) ?? [],
          },
        ];
      } catch (error) {
        log(`local-aws: rule ${id}: ${String(error)}`);
        return [];
      }
    });
    const origin = this.clock.now();
    let last = origin;
    const unsubscribe = this.clock.onTick(async (now) => {
      const from = last;
      last = now;
      for (const rule of rules) {
        for (const at of firings(rule.schedule, from, now, origin)) {
          for (const target of rule.targets) await this.deliverScheduled(rule.arn, target, at);
        }
      }
      for (const schedule of this.control.due(now)) await this.fireOneShot(schedule);
    });
    this.stoppers.unshift(() => unsubscribe());
  }

  private async deliverScheduled(
    ruleArn: string,
    target: Record<string, unknown>,
    at: number,
  ): Promise<void> {
    const event =
      target.Input !== undefined
        ? JSON.parse(String(target.Input))
        : {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: ACCOUNT,
            time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            region: REGION,
            resources: [ruleArn],
            detail: {},
          };
    const arn = String(target.Arn);
    const fn = this.functionByArn(arn);
    const dlq = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
    if (dlq) this.deadLetterQueues.add(dlq);
    if (fn && this.permits(fn, 'events.amazonaws.com', ruleArn)) {
      this.asyncInvokers.get(fn.config.name)?.invoke(event, `events:${ruleArn}`);
      return;
    }
    const queue = this.queueByArn(arn);
    if (queue) return sendToQueue(this.clients.sqs, queue.url, JSON.stringify(event), {});
    // EventBridge could not deliver: after its retries the event goes to the target's dead-letter queue.
    const dead = dlq ? this.queueByArn(dlq) : undefined;
    if (dead) {
      await sendToQueue(this.clients.sqs, dead.url, JSON.stringify(event), { ERROR_CODE: 'NO_PERMISSIONS' });
      this.deliveries.deadLettered.push({
        source: `events:${ruleArn}`,
        fn: fn?.config.name ?? arn,
        target: dlq ?? '',
      });
    } else
      this.deliveries.lost.push({
        source: `events:${ruleArn}`,
        fn: fn?.config.name ?? arn,
        reason: 'EventBridge could not invoke the target',
      });
  }

  private async fireOneShot(schedule: {
    target: { Arn: string; RoleArn: string; Input?: string };
    group: string;
    name: string;
  }): Promise<void> {
    const fn = this.functionByArn(schedule.target.Arn);
    const roleId = this.iam.roleIdOfArn(schedule.target.RoleArn);
    const source = `scheduler:${schedule.group}/${schedule.name}`;
    const decision = roleId
      ? await this.iam.authorize(roleId, 'scheduler', [
          { action: 'lambda:InvokeFunction', resource: schedule.target.Arn },
        ])
      : { allowed: false };
    if (!fn || !decision.allowed) {
      this.deliveries.lost.push({
        source,
        fn: fn?.config.name ?? schedule.target.Arn,
        reason: 'the schedule role may not invoke the target',
      });
      return;
    }
    this.asyncInvokers
      .get(fn.config.name)
      ?.invoke(schedule.target.Input ? JSON.parse(schedule.target.Input) : {}, source);
  }

  private setUpS3Notifications(targets: Map<string, NotificationTarget[]>): void {
    const configs: { bucket: string; config: Record<string, unknown> }[] = [];
    for (const [, r] of resourcesOfType(this.template, 'Custom::S3BucketNotifications')) {
      const p = this.resolver.resolve(props(r)) as Record<string, unknown>;
      configs.push({
        bucket: String(p.BucketName),
        config: (p.NotificationConfiguration as Record<string, unknown>) ?? {},
      });
    }
    for (const [id, r] of resourcesOfType(this.template, 'AWS::S3::Bucket')) {
      const p = props(r);
      if (p.NotificationConfiguration)
        configs.push({
          bucket: this.resolver.ref(id),
          config: this.resolver.resolve(p.NotificationConfiguration) as Record<string, unknown>,
        });
    }
    for (const { bucket, config } of configs) {
      const list = targets.get(bucket) ?? [];
      const kinds: [string, NotificationTarget['kind'], string][] = [
        ['QueueConfigurations', 'queue', 'QueueArn'],
        ['TopicConfigurations', 'topic', 'TopicArn'],
        ['LambdaFunctionConfigurations', 'function', 'LambdaFunctionArn'],
        ['QueueConfiguration', 'queue', 'Queue'],
        ['TopicConfiguration', 'topic', 'Topic'],
        ['LambdaConfiguration', 'function', 'Function'],
      ];
      for (const [key, kind, arnKey] of kinds) {
        for (const c of (config[key] as Record<string, unknown>[] | undefined) ?? []) {
          const rules = ((
            c.Filter as
              | {
                  Key?: { FilterRules?: { Name: string; Value: string }[] };
                  S3Key?: { Rules?: { Name: string; Value: string }[] };
                }
              | undefined
          )?.Key?.FilterRules ??
            (c.Filter as { S3Key?: { Rules?: { Name: string; Value: string }[] } } | undefined)?.S3Key
              ?.Rules ??
            []) as { Name: string; Value: string }[];
          const events = (c.Events as string[] | undefined) ?? (c.Event ? [String(c.Event)] : []);
          list.push({
            kind,
            arn: String(c[arnKey]),
            events,
            prefix: rules.find((r) => r.Name.toLowerCase() === 'prefix')?.Value ?? '',
            suffix: rules.find((r) => r.Name.toLowerCase() === 'suffix')?.Value ?? '',
            id: String(c.Id ?? `local-${randomUUID().slice(0, 8)}`),
          });
        }
      }
      targets.set(bucket, list);
    }
  }

  async deliverNotification(target: NotificationTarget, body: string): Promise<void> {
    if (target.kind === 'queue') {
      const queue = this.queueByArn(target.arn);
      if (!queue) throw new TemplateError(`notification target ${target.arn} is not a local queue`);
      await sendToQueue(this.clients.sqs, queue.url, body, {});
    } else if (target.kind === 'topic') {
      await this.clients.sns.send(
        new PublishCommand({ TopicArn: target.arn, Message: body, Subject: 'Amazon S3 Notification' }),
      );
    } else {
      const fn = this.functionByArn(target.arn);
      if (fn) this.asyncInvokers.get(fn.config.name)?.invoke(JSON.parse(body), 's3');
    }
  }

  /** SES → the configuration set's SNS event destination (bounces, complaints). */
  private setUpMailEvents(): void {
    const destinations = resourcesOfType(this.template, 'AWS::SES::ConfigurationSetEventDestination').map(
      ([, r]) => this.resolver.resolve(props(r)) as Record<string, unknown>,
    );
    this.ses.onMailEvent(async (configurationSet, eventType, event) => {
      for (const d of destinations) {
        if (d.ConfigurationSetName !== configurationSet) continue;
        const destination = d.EventDestination as {
          Enabled?: boolean;
          MatchingEventTypes?: string[];
          SnsDestination?: { TopicARN?: string };
        };
        if (destination.Enabled === false || !destination.SnsDestination?.TopicARN) continue;
        if (
          !(destination.MatchingEventTypes ?? [])
            .map((t) => t.toLowerCase())
            .includes(eventType.toLowerCase())
        )
          continue;
        await this.clients.sns.send(
          new PublishCommand({
            TopicArn: destination.SnsDestination.TopicARN,
            Message: JSON.stringify(event),
          }),
        );
      }
    });
  }

  private setUpApis(log: (line: string) => void): void {
    const integrations = new Map(
      resourcesOfType(this.template, 'AWS::ApiGatewayV2::Integration').map(([id, r]) => [
        id,
        this.resolver.resolve(props(r)) as Record<string, unknown>,
      ]),
    );
    for (const [apiId, api] of this.apis) {
      const routes: ApiRoute[] = [];
      for (const [id, r] of resourcesOfType(this.template, 'AWS::ApiGatewayV2::Route')) {
        const raw = props(r);
        if ((raw.ApiId as { Ref?: string } | undefined)?.Ref !== apiId) continue;
        const target = this.resolver.string(raw.Target, `${id}.Target`);
        const integrationId = [...integrations.keys()].find(
          (k) => target === `integrations/${this.resolver.ref(k)}`,
        );
        const integration = integrationId ? integrations.get(integrationId) : undefined;
        const fn = integration ? this.functionByArn(String(integration.IntegrationUri)) : undefined;
        if (!integration || !fn || integration.IntegrationType !== 'AWS_PROXY') {
          log(`local-aws: route ${String(raw.RouteKey)} has no local Lambda proxy integration; skipped`);
          continue;
        }
        if (integration.PayloadFormatVersion !== '2.0')
          log(
            `local-aws: route ${String(raw.RouteKey)} uses payload ${String(integration.PayloadFormatVersion)}; only 2.0 is emulated`,
          );
        routes.push({ routeKey: String(raw.RouteKey), fn });
      }
      const stage = resourcesOfType(this.template, 'AWS::ApiGatewayV2::Stage').find(
        ([, s]) => (props(s).ApiId as { Ref?: string } | undefined)?.Ref === apiId,
      );
      const settings = stage
        ? (props(stage[1]).DefaultRouteSettings as
            | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
            | undefined)
        : undefined;
      api.configure(
        routes,
        settings?.ThrottlingRateLimit !== undefined
          ? {
              rate: Number(settings.ThrottlingRateLimit),
              burst: Number(settings.ThrottlingBurstLimit ?? settings.ThrottlingRateLimit),
            }
          : undefined,
      );
    }
  }

  private setUpCloudFront(): void {
    const cf = this.cloudfront;
    const [distribution] = resourcesOfType(this.template, 'AWS::CloudFront::Distribution');
    if (!cf || !distribution) return;
    const config = (props(distribution[1]).DistributionConfig ?? {}) as Record<string, unknown>;
    const secret = (id: string) => this.control.secret(id)?.value ?? '';
    const origins: Origin[] = ((config.Origins as Record<string, unknown>[] | undefined) ?? []).map((o) => {
      const domain = this.resolver.string(o.DomainName, 'Origin.DomainName');
      const isS3 =
        o.S3OriginConfig !== undefined || o.OriginAccessControlId !== undefined || /\.s3[.-]/.test(domain);
      const customHeaders: Record<string, string> = {};
      for (const h of (o.OriginCustomHeaders as { HeaderName: string; HeaderValue: unknown }[] | undefined) ??
        []) {
        customHeaders[h.HeaderName] = resolveDynamicReferences(
          this.resolver.string(h.HeaderValue, `header ${h.HeaderName}`),
          secret,
        );
      }
      return {
        id: String(o.Id),
        kind: isS3 ? 's3' : 'custom',
        target: isS3 ? (domain.split('.s3')[0] ?? domain) : domain,
        path: String(o.OriginPath ?? ''),
        customHeaders,
      } satisfies Origin;
    });
    const functionCode = (arn: string) => {
      const found = resourcesOfType(this.template, 'AWS::CloudFront::Function').find(
        ([id]) => this.resolver.getAtt(id, 'FunctionARN') === arn,
      );
      return found ? String(props(found[1]).FunctionCode ?? '') : undefined;
    };
    const behavior = (b: Record<string, unknown>, pathPattern: string | undefined): Behavior => {
      const associations =
        (b.FunctionAssociations as { EventType: string; FunctionARN: unknown }[] | undefined) ?? [];
      const viewerRequest = associations.find((a) => a.EventType === 'viewer-request');
      return {
        pathPattern,
        originId: String(b.TargetOriginId),
        allowedMethods: (b.AllowedMethods as string[] | undefined) ?? ['GET', 'HEAD'],
        viewerRequest: viewerRequest
          ? functionCode(this.resolver.string(viewerRequest.FunctionARN, 'FunctionARN'))
          : undefined,
        originRequestPolicy: this.originRequestPolicy(b.OriginRequestPolicyId),
        responseHeaders: this.responseHeaders(b.ResponseHeadersPolicyId),
      };
    };
    const behaviors = [
      ...((config.CacheBehaviors as Record<string, unknown>[] | undefined) ?? []).map((b) =>
        behavior(b, String(b.PathPattern)),
      ),
      behavior((config.DefaultCacheBehavior as Record<string, unknown>) ?? {}, undefined),
    ];
    const distributionConfig: DistributionConfig = {
      origins,
      behaviors,
      defaultRootObject: config.DefaultRootObject ? String(config.DefaultRootObject) : undefined,
      errorResponses: ((config.CustomErrorResponses as Record<string, unknown>[] | undefined) ?? []).map(
        (e) => ({
          errorCode: Number(e.ErrorCode),
          responseCode: Number(e.ResponseCode ?? e.ErrorCode),
          pagePath: String(e.ResponsePagePath ?? ''),
        }),
      ),
    };
    cf.configure(distributionConfig);
  }

  /** A response headers policy's security headers: the managed SecurityHeadersPolicy or one in the template. */
  private responseHeaders(id: unknown): Record<string, string> {
    if (id === undefined) return {};
    if (id === '67f7725c-6f97-4210-82d7-5512b31e9d03') return { ...SECURITY_HEADERS };
    const found = resourcesOfType(this.template, 'AWS::CloudFront::ResponseHeadersPolicy').find(
      ([logicalId]) => this.resolver.resolve(id) === this.resolver.resolve({ Ref: logicalId }),
    );
    const config = (found ? props(found[1]).ResponseHeadersPolicyConfig : undefined) as
      | { SecurityHeadersConfig?: Record<string, Record<string, unknown>> }
      | undefined;
    const h = config?.SecurityHeadersConfig ?? {};
    const out: Record<string, string> = {};
    if (h.ContentSecurityPolicy)
      out['content-security-policy'] = String(h.ContentSecurityPolicy.ContentSecurityPolicy);
    if (h.ContentTypeOptions) out['x-content-type-options'] = 'nosniff';
    if (h.FrameOptions) out['x-frame-options'] = String(h.FrameOptions.FrameOption);
    if (h.ReferrerPolicy) out['referrer-policy'] = String(h.ReferrerPolicy.ReferrerPolicy);
    if (h.StrictTransportSecurity) {
      const sts = h.StrictTransportSecurity;
      out['strict-transport-security'] =
        `max-age=${Number(sts.AccessControlMaxAgeSec)}${sts.IncludeSubdomains ? '; includeSubDomains' : ''}${sts.Preload ? '; preload' : ''}`;
    }
    if (h.XSSProtection)
      out['x-xss-protection'] = h.XSSProtection.Protection
        ? `1${h.XSSProtection.ModeBlock ? '; mode=block' : ''}`
        : '0';
    return out;
  }

  private originRequestPolicy(id: unknown): OriginRequestPolicy {
    if (id === undefined) return { headers: 'none', queryStrings: false, cookies: false };
    const ref = (id as { Ref?: string }).Ref;
    if (ref) {
      const config = (props(this.template.Resources[ref] ?? { Type: '' }).OriginRequestPolicyConfig ??
        {}) as Record<string, Record<string, unknown>>;
      const headerBehavior = String(config.HeadersConfig?.HeaderBehavior ?? 'none');
      return {
        headers:
          headerBehavior === 'none'
            ? 'none'
            : headerBehavior.startsWith('allViewer')
              ? 'all'
              : ((config.HeadersConfig?.Headers as string[] | undefined) ?? []),
        queryStrings: String(config.QueryStringsConfig?.QueryStringBehavior ?? 'none') !== 'none',
        cookies: String(config.CookiesConfig?.CookieBehavior ?? 'none') !== 'none',
      };
    }
    // Managed policies: AllViewer and AllViewerExceptHostHeader forward everything; others the query only.
    const allViewer = [
      '216adef6-5c7f-47e4-b989-5492eafa07d3',
      'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    ].includes(String(id));
    return { headers: allViewer ? 'all' : 'none', queryStrings: true, cookies: allViewer };
  }

  /** Nothing running: no invocation, no batch on its way to a function, no S3 event in hand, nothing visible in a queue a function reads. */
  private async idle(): Promise<boolean> {
    if (this.stopped) return false;
    if (
      [...this.functions.values()].some((f) => f.busy) ||
      this.mappings.some((m) => m.active) ||
      this.notifier.pending
    )
      return false;
    for (const url of this.pollQueues) {
      const out = await this.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      if (Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) > 0) return false;
    }
    return true;
  }

  /** Messages in a queue: visible, in flight and delayed. */
  async depth(queueUrl: string): Promise<number> {
    const out = await this.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = out.Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  /**
   * Waits until nothing is moving: S3 events handed over, every queue a function reads empty (in flight
   * included), no batch in a function and no asynchronous invocation pending or waiting to retry.
   */
  async settle(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietRounds = 0;
    while (Date.now() < deadline) {
      await this.notifier.drained();
      const depths = await Promise.all([...this.pollQueues].map((url) => this.depth(url)));
      const busy =
        depths.some((d) => d > 0) ||
        this.mappings.some((m) => m.active) ||
        [...this.asyncInvokers.values()].some((a) => a.busy);
      quietRounds = busy ? 0 : quietRounds + 1;
      // Twice quiet in a row: a function's own sends land in a queue before the next look.
      if (quietRounds >= 2) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    const waiting = await Promise.all(
      [...this.pollQueues].map(async (url) => `${url.split('/').pop()}: ${await this.depth(url)}`),
    );
    throw new Error(`local AWS did not settle in ${timeoutMs} ms (${waiting.join(', ')})`);
  }

  /** Messages sitting in dead-letter queues, plus events Lambda or a target dead-lettered. */
  async deadLettered(): Promise<number> {
    let total = 0;
    for (const arn of this.deadLetterQueues) {
      const queue = this.queueByArn(arn);
      if (queue) total += await this.depth(queue.url);
    }
    return total;
  }

  /** Grants of the roles that run here (functions, schedules) that no call needed. */
  unusedGrants(): Grant[] {
    const roles = new Set<string>();
    for (const fn of this.functions.values()) if (fn.config.roleId) roles.add(fn.config.roleId);
    for (const s of this.control.schedules.values()) {
      const role = this.iam.roleIdOfArn(s.target.RoleArn);
      if (role) roles.add(role);
    }
    // Roles that only EventBridge Scheduler assumes (their trust policy names it).
    for (const [id, role] of resourcesOfType(this.template, 'AWS::IAM::Role')) {
      if (JSON.stringify(props(role).AssumeRolePolicyDocument ?? {}).includes('scheduler.amazonaws.com'))
        roles.add(id);
    }
    return this.iam.unused([...roles]);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const stop of this.stoppers) await Promise.resolve(stop()).catch(() => {});
    await Promise.allSettled(this.shimLoops);
    this.clock.stop();
  }
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  return LocalAws.start(options);
}
