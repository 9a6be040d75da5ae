import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BroadsheetFunction } from '../function.js';
import { Concern } from '../logical-ids.js';

export interface OperationsProps {
  /** Who is told when an alarm fires. */
  readonly alarmEmail?: string;
  /** Every dead-letter queue, by the name its alarm carries. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
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
      description: 'Encrypts alarm notifications',
    });
    alarmTopicKey.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:GenerateDataKey*',
      'kms:Decrypt',
    );
    this.alarms = new sns.Topic(this, 'Alarms', { masterKey: alarmTopicKey, enforceSSL: true });
    if (props.alarmEmail) this.alarms.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
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

    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DlqNotEmpty`,
        dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        1,
        `${name} messages failed five times`,
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
