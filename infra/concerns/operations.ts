import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { BroadsheetFunction } from '../function.js';
import { Concern } from '../logical-ids.js';
import { type DeadLetters, deadLetterQueue } from './queues.js';

export interface OperationsProps {
  /** Who is told when an alarm fires. */
  readonly alarmEmail?: string;
  /** Every dead-letter queue and on-failure destination, by the name its alarm carries. */
  readonly deadLetterQueues: DeadLetters;
  /** Every function, by the name its error alarm carries. */
  readonly functions: Record<string, BroadsheetFunction>;
}

/**
 * The alarms and where they go: one per dead-letter queue (anything in it is work that failed for good),
 * one per function's errors, and the SES reputation rates well before SES reviews the account.
 */
export class Operations extends Concern {
  readonly alarms: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const alarmTopicKey = new kms.Key(this, 'AlarmsKey', {
      enableKeyRotation: true,
      // It encrypts messages in flight on a topic the stack deletes: nothing kept needs it afterwards.
      removalPolicy: RemovalPolicy.DESTROY,
      description: 'Encrypts alarm notifications',
    });
    const { partition, region, account } = Stack.of(this);
    // CloudWatch encrypts each alarm message it publishes to the topic, for this account's alarms only (it
    // names the alarm's account in aws:SourceAccount), so no other account's alarm can use the key.
    alarmTopicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.alarms = new sns.Topic(this, 'Alarms', { masterKey: alarmTopicKey, enforceSSL: true });
    // The topic policy that enforceSSL attaches replaces SNS's default one, and CloudWatch publishes as its
    // service principal, which only a topic policy can allow: without this every alarm action is refused.
    this.alarms.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarms.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    const notify = new actions.SnsAction(this.alarms);
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) =>
      new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(notify);

    const deadLetters: DeadLetters = { ...props.deadLetterQueues };
    if (props.alarmEmail) {
      // An alarm mail SNS could not deliver; its own alarm shows in the console even if mail is what fails.
      const undelivered = deadLetterQueue(this, 'AlarmMailDlq');
      this.alarms.addSubscription(
        new subscriptions.EmailSubscription(props.alarmEmail, { deadLetterQueue: undelivered }),
      );
      deadLetters.AlarmMail = { queue: undelivered, meaning: 'SNS could not deliver an alarm email' };
    }
    for (const [name, { queue, meaning }] of Object.entries(deadLetters)) {
      alarm(
        `${name}DlqNotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        1,
        meaning,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        fn.fn.metricErrors({ period: Duration.minutes(5) }),
        1,
        `the ${name} function failed`,
      );
    }
    // SES reviews an account at 5 % bounces and 0.1 % complaints: warn well before.
    const reputation = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        statistic: 'Average',
        period: Duration.hours(1),
      });
    alarm('BounceRate', reputation('Reputation.BounceRate'), 0.02, 'bounce rate at 2 % (SES reviews at 5 %)');
    alarm(
      'ComplaintRate',
      reputation('Reputation.ComplaintRate'),
      0.0005,
      'complaint rate at 0.05 % (SES reviews at 0.1 %)',
    );
  }
}
