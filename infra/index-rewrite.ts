/**
 * The CloudFront viewer-request function in front of the site's bucket, as its source (CloudFront's
 * JavaScript 2.0 runtime). S3 behind an origin access control has no index documents: /posts/x/ is asked
 * for as /posts/x/index.html. An address without its closing slash whose last segment has no extension
 * (/about) is a folder: it is sent to /about/, as the preview server does. The redirect always stays on the
 * site: leading slashes and backslashes collapse to one slash, so //elsewhere.example/x is not a way out.
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
    var field = r.querystring[name];
    var values = field.multiValue ? field.multiValue : [field];
    for (var i = 0; i < values.length; i++) {
      query.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  var path = '/' + uri.replace(/^[\\\\/]+/, '');
  var location = path + '/' + (query.length > 0 ? '?' + query.join('&') : '');
  return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: location } } };
}`;
