// A CloudFront distribution from the template: cache behaviours chosen by path pattern, the viewer-request
// CloudFront Function run as written in the template (in a fresh VM context, as the cloudfront-js
// runtime runs it), S3 origins read from the site bucket with the object's own metadata, custom origins
// (the HTTP API) proxied with the origin request policy's headers and the origin's custom headers, the
// default root object, custom error responses and the managed security response headers.
// Not emulated: caching (every request goes to the origin) and HTTPS (viewers use http on loopback).
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';

export interface Origin {
  readonly id: string;
  readonly kind: 's3' | 'custom';
  /** s3: the bucket; custom: host:port of the origin. */
  readonly target: string;
  readonly path: string;
  readonly customHeaders: Readonly<Record<string, string>>;
}

export interface OriginRequestPolicy {
  readonly headers: 'none' | 'all' | readonly string[];
  readonly queryStrings: boolean;
  readonly cookies: boolean;
}

export interface Behavior {
  readonly pathPattern: string | undefined;
  readonly originId: string;
  readonly allowedMethods: readonly string[];
  readonly viewerRequest: string | undefined;
  readonly originRequestPolicy: OriginRequestPolicy;
  /** The response headers policy's headers (lower-case names), added to every response. */
  readonly responseHeaders: Readonly<Record<string, string>>;
}

export interface DistributionConfig {
  readonly origins: readonly Origin[];
  readonly behaviors: readonly Behavior[];
  readonly defaultRootObject: string | undefined;
  readonly errorResponses: readonly { errorCode: number; responseCode: number; pagePath: string }[];
}

/** Managed SecurityHeadersPolicy (67f7725c-…): what it adds to every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'x-xss-protection': '1; mode=block',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** CloudFront path patterns: case-sensitive, `*` any run of characters, `?` exactly one. */
export function pathMatches(pattern: string, path: string): boolean {
  const normalized = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const regex = new RegExp(
    `^${normalized
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(path);
}

interface CfRequest {
  method: string;
  uri: string;
  querystring: Record<string, { value: string; multiValue?: { value: string }[] }>;
  headers: Record<string, { value: string }>;
  cookies: Record<string, { value: string }>;
}
interface CfResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, { value: string }>;
  body?: string | { data: string; encoding?: string };
}

/** Runs a CloudFront Function's code on a viewer-request event; a response short-circuits the origin. */
export function runViewerRequest(code: string, request: CfRequest, viewerIp: string): CfRequest | CfResponse {
  const event = {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: viewerIp },
    request,
  };
  const handler = runInNewContext(`${code}\n;handler`, {}, { timeout: 50 }) as (e: unknown) => unknown;
  const result = handler(JSON.parse(JSON.stringify(event))) as CfRequest | CfResponse;
  if (!result || typeof result !== 'object') throw new Error('the CloudFront function returned nothing');
  return result;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

export class LocalCloudFront {
  private config: DistributionConfig | undefined;
  readonly stats = { requests: 0, functionErrors: 0 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly s3: string,
  ) {}

  static async listen(s3Endpoint: string): Promise<LocalCloudFront> {
    let cf: LocalCloudFront | undefined;
    const server = createServer((req, res) => {
      if (!cf?.config) return void res.writeHead(503).end();
      cf.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('502 Bad Gateway');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cf = new LocalCloudFront(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      s3Endpoint,
    );
    return cf;
  }

  configure(config: DistributionConfig): void {
    this.config = config;
  }

  private behaviorFor(path: string): Behavior {
    const behaviors = this.config?.behaviors ?? [];
    const found =
      behaviors.find((b) => b.pathPattern !== undefined && pathMatches(b.pathPattern, path)) ??
      behaviors.find((b) => b.pathPattern === undefined);
    if (!found) throw new Error('the distribution has no default behaviour');
    return found;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const config = this.config as DistributionConfig;
    const url = new URL(req.url ?? '/', this.url);
    const behavior = this.behaviorFor(url.pathname);
    const method = req.method ?? 'GET';
    if (!behavior.allowedMethods.includes(method))
      return this.plain(
        res,
        403,
        'This distribution is not configured to allow the HTTP request method that was used for this request.',
        behavior,
      );

    const querystring: CfRequest['querystring'] = {};
    for (const [k, v] of url.searchParams) {
      const existing = querystring[k];
      if (existing)
        existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value: v }];
      else querystring[k] = { value: v };
    }
    const headers: CfRequest['headers'] = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = { value: v };
    let cfRequest: CfRequest = { method, uri: url.pathname, querystring, headers, cookies: {} };
    const viewerIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    if (behavior.viewerRequest) {
      let result: CfRequest | CfResponse;
      try {
        result = runViewerRequest(behavior.viewerRequest, cfRequest, viewerIp);
      } catch {
        this.stats.functionErrors++;
        return this.plain(res, 503, 'The CloudFront function associated with the request failed.', behavior);
      }
      if ('statusCode' in result) {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(result.headers ?? {})) out[k] = v.value;
        const text = typeof result.body === 'string' ? result.body : (result.body?.data ?? '');
        return void res.writeHead(result.statusCode, this.withPolicy(out, behavior)).end(text);
      }
      cfRequest = result;
    }
    if (cfRequest.uri === '/' && config.defaultRootObject) cfRequest.uri = `/${config.defaultRootObject}`;
    const origin = config.origins.find((o) => o.id === behavior.originId);
    if (!origin) return this.plain(res, 502, `no origin ${behavior.originId}`, behavior);

    if (origin.kind === 's3') {
      const reply = await this.fromS3(origin, cfRequest.uri, method, req.headers);
      // s3rver answers a missing key with 404. CloudFront reads the bucket through origin access control with
      // s3:GetObject alone, no s3:ListBucket, so S3 answers it 403: that is the code error responses see.
      if (reply.status === 403 || reply.status === 404) return this.errorPage(res, 403, behavior);
      return void res
        .writeHead(reply.status, this.withPolicy(reply.headers, behavior))
        .end(method === 'HEAD' ? undefined : reply.body);
    }
    const body = await readBody(req);
    const reply = await this.fromCustom(
      origin,
      behavior.originRequestPolicy,
      cfRequest,
      method,
      req,
      viewerIp,
      body,
    );
    // Error responses belong to the distribution, not to a behaviour: a custom origin's error is replaced too.
    if (config.errorResponses.some((e) => e.errorCode === reply.status))
      return this.errorPage(res, reply.status, behavior);
    res.writeHead(reply.status, this.withPolicy(reply.headers, behavior)).end(reply.body);
  }

  private async errorPage(res: ServerResponse, status: number, behavior: Behavior): Promise<void> {
    const rule = this.config?.errorResponses.find((e) => e.errorCode === status);
    if (!rule) return this.plain(res, status, status === 404 ? 'Not Found' : 'Access Denied', behavior);
    // The page comes from the origin of the behaviour its path matches, as CloudFront fetches it.
    const origin = this.config?.origins.find((o) => o.id === this.behaviorFor(rule.pagePath).originId);
    if (origin?.kind !== 's3') return this.plain(res, rule.responseCode, 'Not Found', behavior);
    const page = await this.fromS3(origin, rule.pagePath, 'GET', {});
    if (page.status !== 200) return this.plain(res, rule.responseCode, 'Not Found', behavior);
    res.writeHead(rule.responseCode, this.withPolicy(page.headers, behavior)).end(page.body);
  }

  private plain(res: ServerResponse, status: number, text: string, behavior: Behavior): void {
    res
      .writeHead(status, this.withPolicy({ 'content-type': 'text/plain; charset=utf-8' }, behavior))
      .end(text);
  }

  private withPolicy(headers: Record<string, string>, behavior: Behavior): Record<string, string> {
    return {
      ...headers,
      ...behavior.responseHeaders,
      via: '1.1 local.cloudfront.net (CloudFront)',
      'x-cache': 'Miss from cloudfront',
    };
  }

  /** GET from the bucket as the origin access control would: the object's own headers, conditional requests honoured. */
  private async fromS3(origin: Origin, uri: string, method: string, viewer: IncomingMessage['headers']) {
    const forward: Record<string, string> = {};
    for (const name of ['if-none-match', 'if-modified-since', 'range', 'if-match', 'if-unmodified-since']) {
      const v = viewer[name];
      if (typeof v === 'string') forward[name] = v;
    }
    const response = await fetch(`${this.s3}/${origin.target}${origin.path}${uri}`, {
      method: method === 'HEAD' ? 'HEAD' : 'GET',
      headers: forward,
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of response.headers)
      if (!HOP_BY_HOP.has(k) && !k.startsWith('x-amz-') && k !== 'server' && k !== 'date') headers[k] = v;
    return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
  }

  private fromCustom(
    origin: Origin,
    policy: OriginRequestPolicy,
    cf: CfRequest,
    method: string,
    req: IncomingMessage,
    viewerIp: string,
    body: Buffer,
  ) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(cf.headers)) {
      const allowed =
        policy.headers === 'all' ||
        (Array.isArray(policy.headers) && policy.headers.some((h) => h.toLowerCase() === k));
      if (allowed && k !== 'host') headers[k] = v.value;
    }
    const wantsViewerAddress =
      Array.isArray(policy.headers) &&
      policy.headers.some((h) => h.toLowerCase() === 'cloudfront-viewer-address');
    if (wantsViewerAddress || policy.headers === 'all')
      headers['cloudfront-viewer-address'] = `${viewerIp}:${req.socket.remotePort ?? 0}`;
    headers['x-forwarded-for'] = viewerIp;
    headers.via = '1.1 local.cloudfront.net (CloudFront)';
    for (const [k, v] of Object.entries(origin.customHeaders)) headers[k.toLowerCase()] = v;
    if (body.length > 0) headers['content-length'] = String(body.length);
    const search = policy.queryStrings ? new URL(req.url ?? '/', this.url).search : '';
    const [host = '127.0.0.1', port = '80'] = origin.target.split(':');
    return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>(
      (resolve, reject) => {
        const out = request(
          {
            host,
            port: Number(port),
            method,
            path: `${origin.path}${cf.uri}${search}`,
            headers: { ...headers, host: origin.target },
          },
          async (upstream) => {
            const chunks: Buffer[] = [];
            for await (const chunk of upstream) chunks.push(chunk as Buffer);
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(upstream.headers))
              if (v !== undefined && !HOP_BY_HOP.has(k)) h[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: upstream.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
          },
        );
        out.on('error', reject);
        out.end(body);
      },
    );
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // CloudFront refuses bodies over 1 MB to custom origins with a 413; so does this.
    if (size > 1024 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
