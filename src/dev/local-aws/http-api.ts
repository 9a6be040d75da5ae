// API Gateway HTTP APIs (v2) from the template: routes ("POST /api/subscribe", path parameters, greedy
// {proxy+}, ANY, $default) to Lambda proxy integrations with payload format 2.0, and the stage's
// throttling (rate and burst), answered as API Gateway answers.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaFunction } from './lambda-runtime.js';
import { ACCOUNT } from './template.js';

export interface ApiRoute {
  readonly routeKey: string;
  readonly fn: LambdaFunction;
}

const MAX_PAYLOAD = 10 * 1024 * 1024;

interface Match {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string>;
}

/** Route selection: an exact method and path beat ANY, literal segments beat parameters, $default last. */
export function matchRoute(routes: readonly ApiRoute[], method: string, path: string): Match | undefined {
  let best: { match: Match; score: number } | undefined;
  for (const route of routes) {
    if (route.routeKey === '$default') {
      if (!best) best = { match: { route, pathParameters: {} }, score: -1 };
      continue;
    }
    const [routeMethod = '', routePath = ''] = route.routeKey.split(' ');
    if (routeMethod !== 'ANY' && routeMethod !== method) continue;
    const wanted = routePath.split('/').filter(Boolean);
    const given = path.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    let score = routeMethod === 'ANY' ? 0 : 1;
    let ok = true;
    for (let i = 0; i < wanted.length; i++) {
      const segment = wanted[i] ?? '';
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy) {
        if (i >= given.length) ok = false;
        else params[greedy[1] ?? 'proxy'] = given.slice(i).join('/');
        break;
      }
      const value = given[i];
      if (value === undefined) {
        ok = false;
        break;
      }
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) params[param[1] ?? ''] = decodeURIComponent(value);
      else if (segment === value) score += 10;
      else {
        ok = false;
        break;
      }
      if (i === wanted.length - 1 && given.length !== wanted.length) ok = false;
    }
    if (wanted.length === 0 && given.length > 0) ok = false;
    if (ok && (!best || score > best.score)) best = { match: { route, pathParameters: params }, score };
  }
  return best?.match;
}

/** A token bucket: `rate` requests a second on average, `burst` at once. */
class TokenBucket {
  private tokens: number;
  private at = Date.now();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/;

export class HttpApi {
  private bucket: TokenBucket | undefined;
  readonly stats = { requests: 0, throttled: 0 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly apiId: string,
    readonly routes: ApiRoute[],
  ) {}

  /** Listens first: the API's URL is part of what the template's references resolve to. */
  static async listen(apiId: string): Promise<HttpApi> {
    let api: HttpApi | undefined;
    const server = createServer((req, res) => {
      if (!api) return void res.writeHead(503).end();
      api.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = new HttpApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiId, []);
    return api;
  }

  configure(routes: ApiRoute[], throttle: { rate: number; burst: number } | undefined): void {
    this.routes.push(...routes);
    this.bucket = throttle ? new TokenBucket(throttle.rate, throttle.burst) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const json = (status: number, message: string): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'apigw-requestid': randomUUID() })
        .end(JSON.stringify({ message }));
    };
    const url = new URL(req.url ?? '/', this.url);
    const match = matchRoute(this.routes, req.method ?? 'GET', url.pathname);
    if (!match) return json(404, 'Not Found');
    if (this.bucket && !this.bucket.take()) {
      this.stats.throttled++;
      return json(429, 'Too Many Requests');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_PAYLOAD) return json(413, 'Request Entity Too Large');
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && k !== 'cookie') headers[k] = Array.isArray(v) ? v.join(',') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
    const textual = TEXT_TYPES.test(headers['content-type'] ?? '') || raw.length === 0;
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: match.route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
      headers,
      ...(url.search ? { queryStringParameters: query } : {}),
      ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
      requestContext: {
        accountId: ACCOUNT,
        apiId: this.apiId,
        domainName: url.host,
        domainPrefix: url.hostname.split('.')[0],
        http: {
          method: req.method ?? 'GET',
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: match.route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(raw.length > 0 ? { body: textual ? raw.toString('utf8') : raw.toString('base64') } : {}),
      isBase64Encoded: !textual,
    };
    const outcome = await match.route.fn.invoke(event);
    if (!outcome.ok)
      return json(
        outcome.kind === 'timeout' ? 503 : 500,
        outcome.kind === 'timeout' ? 'Service Unavailable' : 'Internal Server Error',
      );
    const value = outcome.value as {
      statusCode?: number;
      headers?: Record<string, unknown>;
      body?: unknown;
      isBase64Encoded?: boolean;
      cookies?: string[];
    } | null;
    // Payload 2.0: a result without statusCode is a 200 JSON body.
    if (!value || typeof value !== 'object' || typeof value.statusCode !== 'number') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(typeof value === 'string' ? value : JSON.stringify(value));
      return;
    }
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(value.headers ?? {})) out[k.toLowerCase()] = String(v);
    if (value.cookies?.length) out['set-cookie'] = value.cookies;
    const bodyText = typeof value.body === 'string' ? value.body : '';
    res
      .writeHead(value.statusCode, out)
      .end(value.isBase64Encoded ? Buffer.from(bodyText, 'base64') : bodyText);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
