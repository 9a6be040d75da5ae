// The CloudFront function's own source, run here on the events CloudFront hands it.
import { describe, expect, it } from 'vitest';
import { INDEX_REWRITE } from '../../infra/index-rewrite.js';

type Request = { uri: string; querystring: Record<string, { value: string }> };
const handler = new Function(`${INDEX_REWRITE}\nreturn handler;`)() as (event: {
  request: Request;
}) => Request | { statusCode: number; headers: { location: { value: string } } };
const run = (uri: string, querystring: Request['querystring'] = {}) =>
  handler({ request: { uri, querystring } });

describe('the index rewrite in front of the site bucket', () => {
  it('asks S3 for a folder’s index.html', () => {
    expect(run('/posts/x/')).toMatchObject({ uri: '/posts/x/index.html' });
    expect(run('/')).toMatchObject({ uri: '/index.html' });
  });

  it('sends an address without its closing slash to the folder, keeping the query', () => {
    expect(run('/about')).toEqual({
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: '/about/' } },
    });
    expect(run('/posts/x', { a: { value: '1' }, b: { value: '' } })).toMatchObject({
      headers: { location: { value: '/posts/x/?a=1&b' } },
    });
  });

  it('keeps every value of a repeated parameter, and never redirects off the site', () => {
    expect(
      run('/posts/x', { a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } } as never),
    ).toMatchObject({ headers: { location: { value: '/posts/x/?a=1&a=2' } } });
    expect(run('//evil.example/x')).toMatchObject({ headers: { location: { value: '/evil.example/x/' } } });
    expect(run('/\\evil.example/x')).toMatchObject({ headers: { location: { value: '/evil.example/x/' } } });
  });

  it('leaves files alone', () => {
    expect(run('/feed.xml')).toMatchObject({ uri: '/feed.xml' });
    expect(run('/images/a.b/c.png')).toMatchObject({ uri: '/images/a.b/c.png' });
  });
});
