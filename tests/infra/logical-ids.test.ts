import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Concern, FlatIdStack, logicalIdOf } from '../../infra/logical-ids.js';

/** Constructs at assorted depths, with the names CDK treats specially (Default, Resource, repeats). */
function populate(scope: Construct): CfnResource[] {
  const made: CfnResource[] = [];
  const resource = (parent: Construct, id: string) => {
    made.push(new CfnResource(parent, id, { type: 'AWS::SNS::Topic' }));
  };
  resource(scope, 'Top');
  resource(scope, 'With-Dashes_and.dots');
  const queue = new Construct(scope, 'Queue');
  resource(queue, 'Resource');
  resource(queue, 'Policy');
  const nested = new Construct(queue, 'Queue');
  resource(nested, 'Queue');
  const hidden = new Construct(scope, 'Wrapper');
  resource(new Construct(hidden, 'Default'), 'Inner');
  resource(new Construct(scope, 'A'.repeat(300)), 'Long');
  return made;
}

const idsOf = (stack: Stack, resources: CfnResource[]) =>
  resources.map((r) => `${r.node.path.split('/').slice(1).join('/')} → ${stack.resolve(r.logicalId)}`);

describe('logical IDs of a stack split into concerns', () => {
  it('are the IDs CDK gives the same constructs placed straight in the stack', () => {
    const plain = new Stack(new App(), 'Plain');
    const expected = idsOf(plain, populate(plain));
    const split = new FlatIdStack(new App(), 'Plain');
    const actual = idsOf(split, populate(new Concern(split, 'Storage')));
    expect(actual.map((line) => line.replace(/^Storage\//, ''))).toEqual(expected);
    expect(expected).toContain('Top → Top');
  });

  it('refuses two resources in different concerns that would share an ID', () => {
    const app = new App();
    const stack = new FlatIdStack(app, 'Clash');
    new CfnResource(new Concern(stack, 'One'), 'Bucket', { type: 'AWS::S3::Bucket' });
    new CfnResource(new Concern(stack, 'Two'), 'Bucket', { type: 'AWS::S3::Bucket' });
    expect(() => app.synth()).toThrow(
      /logical ID Bucket would name both Clash\/One\/Bucket and Clash\/Two\/Bucket/,
    );
  });

  it('need at least one name that is not hidden', () => {
    expect(() => logicalIdOf(['Default'])).toThrow(/at least one/);
  });
});
