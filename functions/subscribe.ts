// HTTP API → subscribe, confirm (with the choice of delivery), preferences, unsubscribe (one-click).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoAttemptLimiter } from '../src/adapters/aws/dynamo/attempt-limiter.js';
import { DynamoSubscribers } from '../src/adapters/aws/dynamo/subscribers.js';
import { functionEnv, logger, originSecret } from '../src/adapters/aws/env.js';
import { awsMailer } from '../src/adapters/aws/mailer-wiring.js';
import { S3PublishedTheme, siteAndTheme } from '../src/adapters/aws/published-theme.js';
import { clientAddress } from '../src/adapters/http/client-address.js';
import { handleSubscriptionRequest } from '../src/api/subscription-api.js';

const env = functionEnv();
const { db, s3, mail, secret, previousSecret } = await awsMailer(env);
const fromCloudFront = await originSecret(env);
// Kept per container and asked again by ETag: a theme the last publish handed on applies to the next call.
const publishedTheme = new S3PublishedTheme(s3, env.CONTENT_BUCKET);
const fixed = {
  subscribers: new DynamoSubscribers(db, env.TABLE_NAME),
  limiter: new DynamoAttemptLimiter(db, env.TABLE_NAME),
  mail,
  secret,
  ...(previousSecret ? { previousSecret } : {}),
};

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  const { site, theme, nav } = await siteAndTheme(s3, env.CONTENT_BUCKET, publishedTheme, (message, error) =>
    logger.error(message, { error }),
  );
  const response = await handleSubscriptionRequest(
    { ...fixed, site, theme, nav },
    {
      method: event.requestContext.http.method,
      path: event.rawPath.replace(/^\/api(?=\/)/, ''),
      query: new URLSearchParams(event.rawQueryString ?? ''),
      contentType: event.headers['content-type'] ?? '',
      body,
      client: clientAddress(event.headers, event.requestContext.http.sourceIp, fromCloudFront),
    },
    new Date(),
  );
  // Only the route and status: addresses, tokens and bodies stay out of the logs.
  logger.info('request', {
    route: `${event.requestContext.http.method} ${event.rawPath}`,
    status: response.status,
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
