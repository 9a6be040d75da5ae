// SES v2 in front of aws-ses-v2-local: what the emulator lacks and production has. The account's
// maximum send rate is enforced (a send over it is throttled, as SES throttles), a test can make SES
// throttle a share of calls, and the mailbox simulator's behaviour for bounces and complaints is kept:
// mail to a bouncing address is accepted, then SES publishes the bounce to the configuration set's
// SNS event destination.
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesModule from 'aws-ses-v2-local';

export interface SesAccount {
  readonly maxSendRate: number;
  readonly max24HourSend: number;
}

export interface SesOptions {
  readonly account?: Partial<SesAccount>;
}

/** A bounce or complaint SES would report for a send, published to the configuration set's topic. */
export type MailEventPublisher = (
  configurationSet: string,
  eventType: 'Bounce' | 'Complaint',
  event: object,
) => Promise<void>;

export interface SesFaults {
  /** Throttle every n-th SendEmail call (3 → a third of calls), on top of the send-rate limit. */
  throttleEvery?: number;
}

const SIMULATOR_BOUNCE = 'bounce@simulator.amazonses.com';
const SIMULATOR_COMPLAINT = 'complaint@simulator.amazonses.com';

/** What the SES emulator answers to GetAccount (it reads AWS_SES_ACCOUNT per request): an account out of
 * the sandbox with these quotas. The bare emulators and the local AWS both set it from here. */
export function sesAccount(quota: { maxSendRate: number; max24HourSend: number }): string {
  return JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'MARKETING',
      ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
      UseCaseDescription: 'local AWS',
      WebsiteURL: 'https://gazette.example.com',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: quota.max24HourSend, MaxSendRate: quota.maxSendRate, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
  });
}

export class LocalSes {
  readonly faults: SesFaults = {};
  /** Addresses that bounce (hard) besides the simulator's; tests add to it. */
  readonly bouncing = new Set<string>([SIMULATOR_BOUNCE]);
  readonly complaining = new Set<string>([SIMULATOR_COMPLAINT]);
  /** Accepted sends (epoch ms), for the send rate reached. */
  readonly accepted: number[] = [];
  readonly stats = { calls: 0, rateThrottled: 0, injectedThrottles: 0 };
  private calls = 0;
  private tokens: number;
  private refilledAt = Date.now();
  private publisher: MailEventPublisher | undefined;

  private constructor(
    private readonly upstream: Server,
    private readonly proxy: Server,
    readonly url: string,
    readonly account: SesAccount,
  ) {
    this.tokens = account.maxSendRate;
  }

  static async start(options: SesOptions = {}): Promise<LocalSes> {
    const account = { maxSendRate: 14, max24HourSend: 50_000, ...options.account };
    // What the emulator answers to GetAccount (it reads this variable per request).
    process.env.AWS_SES_ACCOUNT = sesAccount(account);
    type Start = (config: { host: string; port: number }) => Promise<Server>;
    const loaded = sesModule as unknown as Start | { default: Start };
    const start = typeof loaded === 'function' ? loaded : loaded.default;
    const upstream = await start({ host: '127.0.0.1', port: 0 });
    const upstreamPort = (upstream.address() as AddressInfo).port;
    // The emulator keeps its mailbox in module state, shared by every server in this process: start empty.
    await fetch(`http://127.0.0.1:${upstreamPort}/clear-store`, { method: 'POST' });
    let ses: LocalSes | undefined;
    const proxy = createServer((req, res) => {
      if (!ses) return void res.writeHead(503).end();
      ses.handle(req, res, upstreamPort).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'InternalFailure' }));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    ses = new LocalSes(upstream, proxy, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, account);
    return ses;
  }

  onMailEvent(publisher: MailEventPublisher): void {
    this.publisher = publisher;
  }

  /** The most sends SES accepted in any one second. */
  peakRate(): number {
    let peak = 0;
    let start = 0;
    for (let end = 0; end < this.accepted.length; end++) {
      while ((this.accepted[end] ?? 0) - (this.accepted[start] ?? 0) >= 1000) start++;
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  private takeToken(): boolean {
    const now = Date.now();
    this.tokens = Math.min(
      this.account.maxSendRate,
      this.tokens + ((now - this.refilledAt) / 1000) * this.account.maxSendRate,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async handle(
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
    upstreamPort: number,
  ) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 40 * 1024 * 1024) return void res.writeHead(413).end();
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const isSend = req.method === 'POST' && (req.url ?? '').startsWith('/v2/email/outbound-emails');
    if (isSend) {
      this.stats.calls++;
      this.calls++;
      const every = this.faults.throttleEvery;
      if (every && this.calls % every === 0) {
        this.stats.injectedThrottles++;
        return throttled(res, 'Too many requests.');
      }
      if (!this.takeToken()) {
        this.stats.rateThrottled++;
        return throttled(res, 'Maximum sending rate exceeded.');
      }
    }
    // SES counts a send against the rate when it admits the call, not when its answer reaches the caller.
    const admittedAt = Date.now();
    const upstream = await forward(req, body, upstreamPort);
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
    if (isSend && upstream.status === 200) {
      this.accepted.push(admittedAt);
      await this.afterSend(body, upstream.body).catch(() => {});
    }
  }

  private async afterSend(requestBody: Buffer, responseBody: Buffer): Promise<void> {
    const sent = JSON.parse(requestBody.toString('utf8')) as {
      Destination?: { ToAddresses?: string[] };
      ConfigurationSetName?: string;
      FromEmailAddress?: string;
    };
    const messageId =
      (JSON.parse(responseBody.toString('utf8')) as { MessageId?: string }).MessageId ?? randomUUID();
    const to = (sent.Destination?.ToAddresses ?? []).map((a) => a.toLowerCase());
    const set = sent.ConfigurationSetName;
    if (!set || !this.publisher) return;
    const mail = {
      timestamp: new Date().toISOString(),
      messageId,
      source: sent.FromEmailAddress ?? '',
      destination: to,
    };
    const bounced = to.filter((a) => this.bouncing.has(a));
    if (bounced.length > 0) {
      await this.publisher(set, 'Bounce', {
        eventType: 'Bounce',
        mail,
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: bounced.map((emailAddress) => ({
            emailAddress,
            action: 'failed',
            status: '5.1.1',
          })),
          timestamp: new Date().toISOString(),
          feedbackId: randomUUID(),
        },
      });
    }
    const complained = to.filter((a) => this.complaining.has(a));
    if (complained.length > 0) {
      await this.publisher(set, 'Complaint', {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
          timestamp: new Date().toISOString(),
          feedbackId: randomUUID(),
        },
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.all([close(this.proxy), close(this.upstream)]);
  }
}

function throttled(res: import('node:http').ServerResponse, message: string): void {
  res
    .writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' })
    .end(JSON.stringify({ message }));
}

function forward(req: import('node:http').IncomingMessage, body: Buffer, port: number) {
  return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
    const out = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${port}`, 'content-length': String(body.length) },
      },
      async (upstream) => {
        const chunks: Buffer[] = [];
        for await (const chunk of upstream) chunks.push(chunk as Buffer);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(upstream.headers))
          if (typeof v === 'string' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
        resolve({ status: upstream.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

export interface CapturedEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/** Every message the emulator kept. */
export async function sesMailbox(ses: string): Promise<CapturedEmail[]> {
  const res = await fetch(`${ses}/store`);
  return ((await res.json()) as { emails: CapturedEmail[] }).emails;
}
