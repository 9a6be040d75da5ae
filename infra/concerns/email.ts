import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { Concern } from '../logical-ids.js';

/**
 * SES: the sending identity (a domain with Easy DKIM), the configuration set every message names, and the
 * encrypted topic its bounce and complaint events go to.
 */
export class Email extends Concern {
  readonly mailEvents: sns.Topic;
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: ses.EmailIdentity;
  /** SendEmail is authorized on both the identity and the configuration set it names. */
  readonly sendingArns: string[];
  private readonly senderAddress: string;

  constructor(scope: Construct, id: string, props: { sesIdentity: string; senderAddress: string }) {
    super(scope, id);
    const mailEventsKey = new kms.Key(this, 'MailEventsKey', {
      enableKeyRotation: true,
      // It encrypts messages in flight on a topic the stack deletes: nothing kept needs it afterwards.
      removalPolicy: RemovalPolicy.DESTROY,
      description: 'Encrypts SES bounce and complaint notifications',
    });
    mailEventsKey.grant(new iam.ServicePrincipal('ses.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.mailEvents = new sns.Topic(this, 'MailEvents', { masterKey: mailEventsKey, enforceSSL: true });
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(this.mailEvents),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: ses.Identity.domain(props.sesIdentity),
      configurationSet: this.configurationSet,
    });
    const { partition, region, account } = Stack.of(this);
    this.sendingArns = [
      `arn:${partition}:ses:${region}:${account}:identity/${this.identity.emailIdentityName}`,
      `arn:${partition}:ses:${region}:${account}:configuration-set/${this.configurationSet.configurationSetName}`,
    ];
    this.senderAddress = props.senderAddress;
  }

  /**
   * Lets a function send as the site's sender. SES also authorizes a send against the recipient's identity
   * when the recipient is itself verified in the account, as every recipient is in the sandbox: without a
   * grant on it, a test mail to a verified address is refused (AccessDenied on identity/<recipient>). That
   * grant covers every identity, so it holds only for messages from the site's own sender address.
   */
  grantSending(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: this.sendingArns }),
    );
    const { partition, region, account } = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [`arn:${partition}:ses:${region}:${account}:identity/*`],
        conditions: { StringEquals: { 'ses:FromAddress': this.senderAddress } },
      }),
    );
  }
}
