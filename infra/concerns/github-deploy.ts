import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { Concern } from '../logical-ids.js';

/**
 * Deploying from GitHub without stored keys: an OIDC provider and a role that only the main branch of one
 * repository may assume, allowed nothing but assuming the CDK bootstrap roles.
 */
export class GitHubDeploy extends Concern {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: { repository: string }) {
    super(scope, id);
    const { partition, account, region } = Stack.of(this);
    const github = new iam.OpenIdConnectProvider(this, 'GitHubOidc', {
      url: 'https://token.actions.githubusercontent.com',
      clientIds: ['sts.amazonaws.com'],
    });
    this.role = new iam.Role(this, 'GitHubDeployRole', {
      assumedBy: new iam.WebIdentityPrincipal(github.openIdConnectProviderArn, {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: {
          'token.actions.githubusercontent.com:sub': `repo:${props.repository}:ref:refs/heads/main`,
        },
      }),
      description: 'Assumed by GitHub Actions on main to run cdk deploy',
      maxSessionDuration: Duration.hours(1),
    });
    // The CDK bootstrap roles `cdk deploy` works through (no container images here, so no image role).
    const bootstrapRole = (purpose: string) =>
      `arn:${partition}:iam::${account}:role/cdk-hnb659fds-${purpose}-role-${account}-${region}`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: ['deploy', 'file-publishing', 'lookup'].map(bootstrapRole),
      }),
    );
    new CfnOutput(this, 'GitHubDeployRoleArn', { value: this.role.roleArn });
  }
}
