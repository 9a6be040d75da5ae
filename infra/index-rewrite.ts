/**
 * The CloudFront viewer-request function in front of the site's bucket, as its source (CloudFront's
 * JavaScript 2.0 runtime). S3 behind an origin access control has no index documents: /posts/x/ is asked
 * for as /posts/x/index.html. An address without its closing slash and without an extension (/about) is
 * a folder: it is sent to /about/, as the preview server does, so either address reaches the page.
 */
export const INDEX_REWRITE = `function handler(event) {
  var r = event.request;
  var uri = r.uri;
  if (uri.endsWith('/')) {
    r.uri = uri + 'index.html';
    return r;
  }
  if (uri.lastIndexOf('.') > uri.lastIndexOf('/')) return r;
  var query = [];
  for (var name in r.querystring) {
    var value = r.querystring[name].value;
    query.push(value === '' ? name : name + '=' + value);
  }
  var location = uri + '/' + (query.length > 0 ? '?' + query.join('&') : '');
  return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: location } } };
}`;
