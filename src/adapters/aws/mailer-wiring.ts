// The AWS adapters the functions that email people share (send, subscribe). Apart from the publisher's
// wiring, so that neither bundles what only the other needs (the publisher's YAML parser, for one).
import { dynamoClient, s3Client, sesClient } from './clients.js';
import { endpointsOf, type FunctionEnv, tokenSecret } from './env.js';
import { SesMailer } from './ses.js';

/** Table and bucket clients, SES, and the signing secret. */
export async function awsMailer(env: FunctionEnv) {
  const endpoints = endpointsOf(env);
  const signing = await tokenSecret(env);
  return {
    db: dynamoClient(endpoints),
    s3: s3Client(endpoints),
    mail: new SesMailer(sesClient(endpoints), env.SES_CONFIGURATION_SET),
    // New links are signed with the current key; the previous one still verifies links mailed before.
    secret: signing.current,
    ...(signing.previous ? { previousSecret: signing.previous } : {}),
  };
}
