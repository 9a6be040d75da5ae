// The two small AWS APIs the functions call that no npm emulator covers: Secrets Manager (GetSecretValue
// and DescribeSecret for the secrets the template declares, with generated values) and EventBridge
// Scheduler (one-shot at() schedules, fired on the stack's clock). One loopback server answers both;
// the functions reach it through AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_SCHEDULER.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSchedule } from './schedule-expressions.js';

export interface LocalSecret {
  readonly arn: string;
  readonly name: string;
  value: string;
}

export interface OneShotSchedule {
  readonly group: string;
  readonly name: string;
  readonly atMs: number;
  readonly target: { Arn: string; RoleArn: string; Input?: string };
  fired: boolean;
}

/** A password as GenerateSecretString makes one: letters and digits when punctuation is excluded. */
export function generatePassword(length: number, excludePunctuation: boolean): string {
  const alphabet = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${excludePunctuation ? '' : '!#$%&()*+,-./:;<=>?@[]^_{|}~'}`;
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const body = async (req: IncomingMessage): Promise<string> => {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new ClientError(413, 'PayloadTooLarge', 'request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text || '{}') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ClientError(400, 'SerializationException', 'the body is not a JSON object');
}

export class ControlPlane {
  readonly secrets = new Map<string, LocalSecret>();
  readonly schedules = new Map<string, OneShotSchedule>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ControlPlane> {
    let plane: ControlPlane | undefined;
    const server = createServer((req, res) => {
      void plane?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    plane = new ControlPlane(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return plane;
  }

  secret(id: string): LocalSecret | undefined {
    return (
      this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.name === id || id.startsWith(s.arn))
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const text = await body(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.startsWith('secretsmanager.')) {
        return send(
          res,
          200,
          this.secretsManager(target.slice('secretsmanager.'.length), parseJson(text)),
          'application/x-amz-json-1.1',
        );
      }
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      if (path.startsWith('/schedules/'))
        return send(res, 200, this.scheduler(req, path, text), 'application/json');
      throw new ClientError(
        400,
        'UnknownOperationException',
        `no such operation: ${req.method} ${path} ${target}`,
      );
    } catch (error) {
      const e = error instanceof ClientError ? error : new ClientError(500, 'InternalFailure', String(error));
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type });
      res.end(JSON.stringify({ __type: e.type, message: e.message, Message: e.message }));
    }
  }

  private secretsManager(action: string, input: Record<string, unknown>): unknown {
    const secret = this.secret(String(input.SecretId ?? ''));
    if (action === 'GetRandomPassword') {
      return {
        RandomPassword: generatePassword(
          Number(input.PasswordLength ?? 32),
          input.ExcludePunctuation === true,
        ),
      };
    }
    if (!secret)
      throw new ClientError(
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    switch (action) {
      case 'GetSecretValue':
        return {
          ARN: secret.arn,
          Name: secret.name,
          SecretString: secret.value,
          VersionId: randomUUID(),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: Date.now() / 1000,
        };
      case 'DescribeSecret':
        return { ARN: secret.arn, Name: secret.name, RotationEnabled: false, VersionIdsToStages: {} };
      default:
        throw new ClientError(
          400,
          'UnknownOperationException',
          `secretsmanager ${action} is not emulated locally`,
        );
    }
  }

  private scheduler(req: IncomingMessage, path: string, text: string): unknown {
    const name = decodeURIComponent(path.slice('/schedules/'.length));
    const group = new URL(req.url ?? '/', 'http://local').searchParams.get('groupName');
    const method = req.method ?? 'GET';
    const input = method === 'POST' || method === 'PUT' ? parseJson(text) : {};
    const groupName = String(input.GroupName ?? group ?? 'default');
    const key = `${groupName}/${name}`;
    const arn = `arn:aws:scheduler:us-east-1:000000000000:schedule/${key}`;
    const existing = this.schedules.get(key);
    if (method === 'DELETE' || method === 'GET') {
      if (!existing)
        throw new ClientError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      if (method === 'DELETE') this.schedules.delete(key);
      return method === 'GET' ? { Arn: arn, Name: name, GroupName: groupName, Target: existing.target } : {};
    }
    if (method === 'PUT' && !existing)
      throw new ClientError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    if (method === 'POST' && existing)
      throw new ClientError(409, 'ConflictException', `Schedule ${name} already exists.`);
    const schedule = parseSchedule(String(input.ScheduleExpression ?? ''));
    if (schedule.kind !== 'at')
      throw new ClientError(400, 'ValidationException', 'only one-shot at() schedules are emulated');
    const target = input.Target as OneShotSchedule['target'] | undefined;
    if (!target?.Arn || !target.RoleArn)
      throw new ClientError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required');
    this.schedules.set(key, { group: groupName, name, atMs: schedule.atMs, target, fired: false });
    return { ScheduleArn: arn };
  }

  /** The one-shot schedules due at `now` that have not fired; each is marked fired. */
  due(now: number): OneShotSchedule[] {
    const out: OneShotSchedule[] = [];
    for (const s of this.schedules.values()) {
      if (!s.fired && s.atMs <= now) {
        s.fired = true;
        out.push(s);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function send(res: ServerResponse, status: number, value: unknown, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType }).end(JSON.stringify(value));
}
