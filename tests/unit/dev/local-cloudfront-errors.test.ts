import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Behavior,
  type DistributionConfig,
  LocalCloudFront,
} from '../../../src/dev/local-aws/cloudfront.js';

// A bucket with the site's 404 page, and an API that answers every request with a 404 page of its own.
let bucket: Server;
let api: Server;
let cloudFront: LocalCloudFront;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  bucket = createServer((req, res) => {
    if (req.url === '/site/404.html') res.writeHead(200, { 'content-type': 'text/html' }).end('site 404');
    // As s3rver answers a missing key (AWS answers CloudFront 403, as it may not list the bucket).
    else if (req.url?.startsWith('/site/missing/')) res.writeHead(404).end('NoSuchKey');
    else res.writeHead(403).end();
  });
  api = createServer((_req, res) =>
    res.writeHead(404, { 'content-type': 'text/html' }).end('not subscribed'),
  );
  const s3 = await listen(bucket);
  await listen(api);
  cloudFront = await LocalCloudFront.listen(`http://${s3}`);
});

afterAll(async () => {
  await cloudFront.stop();
  await new Promise((resolve) => bucket.close(resolve));
  await new Promise((resolve) => api.close(resolve));
});

function distribution(errorCodes: number[]): DistributionConfig {
  const behavior = (pathPattern: string | undefined, originId: string): Behavior => ({
    pathPattern,
    originId,
    allowedMethods: ['GET', 'HEAD'],
    viewerRequest: undefined,
    originRequestPolicy: { headers: 'none', queryStrings: true, cookies: false },
    responseHeaders: {},
  });
  return {
    origins: [
      { id: 'site', kind: 's3', target: 'site', path: '', customHeaders: {} },
      {
        id: 'api',
        kind: 'custom',
        target: `127.0.0.1:${(api.address() as AddressInfo).port}`,
        path: '',
        customHeaders: {},
      },
    ],
    behaviors: [behavior('/api/*', 'api'), behavior(undefined, 'site')],
    defaultRootObject: 'index.html',
    errorResponses: errorCodes.map((errorCode) => ({ errorCode, responseCode: 404, pagePath: '/404.html' })),
  };
}

describe('the local CloudFront’s error responses', () => {
  it('replaces an error from any origin, the API’s too, as CloudFront does: they belong to the distribution', async () => {
    cloudFront.configure(distribution([403, 404]));
    const missing = await fetch(`${cloudFront.url}/nothing-here/index.html`);
    expect([missing.status, await missing.text()]).toEqual([404, 'site 404']);
    const fromApi = await fetch(`${cloudFront.url}/api/preferences?token=t`);
    expect([fromApi.status, await fromApi.text()]).toEqual([404, 'site 404']);
  });

  it('passes the API’s own 404 page through when no error response names 404', async () => {
    cloudFront.configure(distribution([403]));
    const fromApi = await fetch(`${cloudFront.url}/api/preferences?token=t`);
    expect([fromApi.status, await fromApi.text()]).toEqual([404, 'not subscribed']);
    const missing = await fetch(`${cloudFront.url}/nothing-here/index.html`);
    expect([missing.status, await missing.text()]).toEqual([404, 'site 404']);
  });

  it('shows the site’s 404 page for a key the local bucket answers 404, as AWS answers CloudFront 403', async () => {
    cloudFront.configure(distribution([403]));
    const missing = await fetch(`${cloudFront.url}/missing/index.html`);
    expect([missing.status, await missing.text()]).toEqual([404, 'site 404']);
  });
});
