import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Where the clients point: AWS by default, or local emulators (tests, `npm run dev`). */
export interface Endpoints {
  readonly region?: string;
  readonly s3?: string;
  readonly dynamodb?: string;
  readonly ses?: string;
  readonly sqs?: string;
}

const region = (e: Endpoints) => e.region ?? process.env.AWS_REGION ?? 'us-east-1';

export function s3Client(e: Endpoints = {}): S3Client {
  return new S3Client({
    region: region(e),
    ...(e.s3
      ? {
          endpoint: e.s3,
          forcePathStyle: true,
          // s3rver stores streamed uploads with flexible checksums corrupted; only checksum when required.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}

export function dynamoClient(e: Endpoints = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region: region(e), ...(e.dynamodb ? { endpoint: e.dynamodb } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function sesClient(e: Endpoints = {}): SESv2Client {
  // Throttling and 5xx are retried by the sender with its own limiter and backoff, not by the SDK.
  return new SESv2Client({ region: region(e), maxAttempts: 1, ...(e.ses ? { endpoint: e.ses } : {}) });
}

export function sqsClient(e: Endpoints = {}): SQSClient {
  return new SQSClient({ region: region(e), ...(e.sqs ? { endpoint: e.sqs } : {}) });
}
