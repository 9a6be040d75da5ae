// The local API server's reading of request bodies: a body over the API's limit is answered 413, whether it
// arrives in one piece or several, and never handed on cut short as if it were the whole request.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../src/api/subscription-api.js';
import { type SiteServer, startSiteServer } from '../../../src/dev/site-server.js';
import { MemoryAttempts, MemoryMailer, MemorySubscribers } from '../../helpers/memory.js';
import { testSite } from '../../helpers/site.js';

const servers: SiteServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve() {
  const mail = new MemoryMailer();
  const deps = {
    site: testSite,
    subscribers: new MemorySubscribers(),
    limiter: new MemoryAttempts(),
    mail,
    secret: 's'.repeat(40),
  };
  const server = await startSiteServer(() => deps, { port: 0 });
  servers.push(server);
  return { url: server.url, mail };
}

/** POSTs `parts` as chunks of one request, each written after the one before has gone. */
function post(url: string, parts: readonly string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/subscribe`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const write = (i: number) => {
      if (i === parts.length) {
        req.end();
        return;
      }
      req.write(parts[i], () => setTimeout(() => write(i + 1), 50));
    };
    write(0);
  });
}

describe("the local server's request bodies", () => {
  it('answers 413 to a body over the limit that arrives in one piece', async () => {
    const { url, mail } = await serve();
    const response = await post(url, [`email=big%40example.org&pad=${'a'.repeat(MAX_BODY_BYTES * 3)}`]);
    expect(response.status).toBe(413);
    expect(mail.sent).toHaveLength(0);
  });

  it('answers 413 to a body whose first piece is within the limit and whose rest is not', async () => {
    const { url, mail } = await serve();
    const first = `email=chunky%40example.org&pad=${'a'.repeat(MAX_BODY_BYTES - 100)}`;
    const response = await post(url, [first, 'b'.repeat(MAX_BODY_BYTES * 2)]);
    expect(response.status).toBe(413);
    expect(mail.sent).toHaveLength(0);
  });
});
