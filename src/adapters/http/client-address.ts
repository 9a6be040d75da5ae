import { timingSafeEqual } from 'node:crypto';

/** The header CloudFront adds to every request it forwards to the API, with a value only it knows. */
export const ORIGIN_HEADER = 'x-broadsheet-origin';

/**
 * Who is asking, for the per-client rate limit. Behind CloudFront, API Gateway sees the edge, so every
 * reader of one region would share a limit; CloudFront passes the reader's own address in
 * CloudFront-Viewer-Address. That header is believed only when the request also carries the origin secret:
 * anyone calling API Gateway directly can set the header, not the secret.
 */
export function clientAddress(
  headers: Readonly<Record<string, string | undefined>>,
  sourceIp: string,
  originSecret: string | undefined,
): string {
  const viewer = headers['cloudfront-viewer-address'];
  const proof = headers[ORIGIN_HEADER];
  if (!viewer || !proof || !originSecret || !sameSecret(proof, originSecret)) return sourceIp;
  // "203.0.113.7:51234" or "2001:db8::7:51234": the port is after the last colon.
  const cut = viewer.lastIndexOf(':');
  const address = cut > 0 ? viewer.slice(0, cut) : '';
  return /^[0-9a-f.:]+$/i.test(address) ? address : sourceIp;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
