import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { BroadsheetFunction } from '../function.js';

/** One statement: these actions on these resources, for this function alone. */
export function allow(fn: BroadsheetFunction, actions: string[], resources: string[]): void {
  fn.role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
}

/**
 * DynamoDB item actions on a table, for items whose partition key matches one of these patterns
 * (`subscriber#*`). DynamoDB gives every item request the partition keys it names as `dynamodb:LeadingKeys`;
 * ForAllValues means each of them must match, so a batch cannot carry one foreign key among its own.
 */
export function allowItems(
  fn: BroadsheetFunction,
  actions: string[],
  tableArn: string,
  partitions: string[],
): void {
  fn.role.addToPolicy(
    new iam.PolicyStatement({
      actions,
      resources: [tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
    }),
  );
}

/**
 * s3:ListBucket on a bucket for exactly these keys (the `s3:prefix` of the listing must equal one of them).
 * S3 answers a GetObject of a missing key with 404 NoSuchKey only to a caller that may list it, and with 403
 * to anyone else; with this, "not there yet" and "refused" differ, and the function can list nothing else.
 */
export function allowFindingMissing(fn: BroadsheetFunction, bucket: s3.IBucket, keys: string[]): void {
  fn.role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringEquals: { 's3:prefix': keys } },
    }),
  );
}
