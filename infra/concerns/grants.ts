import * as iam from 'aws-cdk-lib/aws-iam';
import type { BroadsheetFunction } from '../function.js';

/** One statement: these actions on these resources, for this function alone. */
export function allow(fn: BroadsheetFunction, actions: string[], resources: string[]): void {
  fn.role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
}
