import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../../src/adapters/http/client-address.js';

const secret = 'cloudfront-only-knows-this';
const edge = '130.176.1.1';

describe('who is asking, for the per-client limit', () => {
  it("takes the reader's address from CloudFront when the request carries CloudFront's secret", () => {
    const via = (viewer: string) =>
      clientAddress({ 'cloudfront-viewer-address': viewer, 'x-broadsheet-origin': secret }, edge, secret);
    expect(via('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(via('2001:db8::7:443')).toBe('2001:db8::7');
  });

  it('ignores the header from anyone else: no secret, a wrong one, or none configured', () => {
    const spoofed = { 'cloudfront-viewer-address': '198.51.100.1:1' };
    expect(clientAddress(spoofed, '192.0.2.9', secret)).toBe('192.0.2.9');
    expect(clientAddress({ ...spoofed, 'x-broadsheet-origin': 'guess' }, '192.0.2.9', secret)).toBe(
      '192.0.2.9',
    );
    expect(clientAddress({ ...spoofed, 'x-broadsheet-origin': secret }, '192.0.2.9', undefined)).toBe(
      '192.0.2.9',
    );
  });

  it('falls back to the connecting address when the header is malformed', () => {
    const headers = { 'x-broadsheet-origin': secret };
    expect(clientAddress({ ...headers, 'cloudfront-viewer-address': 'not an address:1' }, edge, secret)).toBe(
      edge,
    );
    expect(clientAddress({ ...headers, 'cloudfront-viewer-address': '203.0.113.7' }, edge, secret)).toBe(
      edge,
    );
  });
});
