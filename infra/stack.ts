import { CfnOutput, CfnParameter, CfnRule, Fn, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../src/core/site.js';
import { Delivery } from './concerns/delivery.js';
import { Email } from './concerns/email.js';
import { GitHubDeploy } from './concerns/github-deploy.js';
import { Mail } from './concerns/mail.js';
import { Operations } from './concerns/operations.js';
import { Publishing } from './concerns/publishing.js';
import { Queues } from './concerns/queues.js';
import { Storage } from './concerns/storage.js';
import { SubscriptionApi } from './concerns/subscription-api.js';
import { type DeployConfig, EXAMPLE_DOMAIN } from './config.js';
import { FlatIdStack } from './logical-ids.js';

export interface BroadsheetStackProps extends StackProps {
  readonly config: DeployConfig;
  /** content/site.yaml, validated. */
  readonly site: SiteConfig;
  /** The repository root (content/, functions/, package-lock.json). */
  readonly root: string;
}

/**
 * Everything Broadsheet runs on, one construct per concern (infra/concerns/*). The concerns are left out of
 * logical IDs, so the template keeps the IDs the stack had before it was split.
 */
export class BroadsheetStack extends FlatIdStack {
  readonly storage: Storage;
  readonly queues: Queues;
  readonly email: Email;
  readonly publishing: Publishing;
  readonly mail: Mail;
  readonly subscriptionApi: SubscriptionApi;
  readonly delivery: Delivery;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: BroadsheetStackProps) {
    super(scope, id, props);
    const { config, root } = props;
    // siteDomain alone is not enough: a new base_url with the example sender would create an SES identity
    // for a domain nobody can verify, and no digest or confirmation would ever go.
    const exampleDomain = [config.siteDomain, config.sesIdentity].find((d) => EXAMPLE_DOMAIN.test(d));
    if (exampleDomain !== undefined) this.refuseToDeploy(exampleDomain);

    this.storage = new Storage(this, 'Storage');
    this.queues = new Queues(this, 'Queues');
    this.email = new Email(this, 'Email', {
      sesIdentity: config.sesIdentity,
      // As the mail's From header has it (site.yaml lowercases it): cdk.json's may differ in case.
      senderAddress: props.site.sender.address,
    });
    const { storage, queues, email } = this;
    this.publishing = new Publishing(this, 'Publishing', { root, site: props.site, storage, queues });
    this.mail = new Mail(this, 'Mail', { root, storage, queues, email });
    this.subscriptionApi = new SubscriptionApi(this, 'SubscriptionApi', {
      root,
      storage,
      email,
      tokenSecret: this.mail.tokenSecret,
    });
    this.delivery = new Delivery(this, 'Delivery', {
      config,
      site: props.site,
      siteBucket: storage.site,
      accessLogs: storage.accessLogs,
      api: this.subscriptionApi.api,
      originSecret: this.subscriptionApi.originSecret,
    });
    const { publish, reconcile } = this.publishing;
    const { digest, weekly, send, rotateSecret, bounces } = this.mail;
    this.operations = new Operations(this, 'Operations', {
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      deadLetterQueues: {
        ...queues.deadLetterQueues(),
        ...this.publishing.deadLetterQueues(),
        ...this.mail.deadLetterQueues(),
      },
      functions: {
        Publish: publish,
        Reconcile: reconcile,
        Digest: digest,
        Weekly: weekly,
        Send: send,
        RotateSecret: rotateSecret,
        Subscribe: this.subscriptionApi.subscribe,
        Bounces: bounces,
      },
    });
    if (config.githubRepository)
      new GitHubDeploy(this, 'GitHubDeploy', { repository: config.githubRepository });

    const siteUrl = this.delivery.siteUrl;
    new CfnOutput(this, 'SiteUrl', { value: `${siteUrl}/` });
    new CfnOutput(this, 'RssFeedUrl', { value: `${siteUrl}/feed.xml` });
    new CfnOutput(this, 'AtomFeedUrl', { value: `${siteUrl}/atom.xml` });
    new CfnOutput(this, 'JsonFeedUrl', { value: `${siteUrl}/feed.json` });
    new CfnOutput(this, 'ContentBucketName', { value: storage.content.bucketName });
    new CfnOutput(this, 'ApiUrl', { value: `${siteUrl}/api` });
    new CfnOutput(this, 'TableName', { value: storage.table.tableName });
    // Where siteDomain's DNS record must point (a CNAME, or a Route 53 alias): with a certificate the
    // outputs above name siteDomain, and nothing else tells the operator the distribution's own name.
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.delivery.distribution.distributionDomainName,
    });
  }

  /**
   * `cdk deploy` with the example configuration fails before anything is created: CloudFormation checks
   * rules before it touches a resource. Synthesis still works, so a fresh clone can run `cdk synth`.
   */
  private refuseToDeploy(exampleDomain: string): void {
    const domain = new CfnParameter(this, 'SiteDomain', { type: 'String', default: exampleDomain });
    new CfnRule(this, 'RefuseExampleConfiguration', {
      assertions: [
        {
          assert: Fn.conditionNot(Fn.conditionContains([exampleDomain], domain.valueAsString)),
          assertDescription: `cdk.json still holds the example configuration (${exampleDomain}): set siteDomain, senderAddress and sesIdentity to your own before deploying (see docs/deploy.md).`,
        },
      ],
    });
  }
}
