import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { PublishScheduler } from '../../core/ports.js';

export interface WakeUpTarget {
  /** Schedule group and name: one schedule, moved as articles come and go. */
  readonly group: string;
  readonly name: string;
  /** The publish function, and the role EventBridge Scheduler assumes to invoke it. */
  readonly functionArn: string;
  readonly roleArn: string;
  /** An SQS queue for a wake-up the scheduler could not deliver after its retries (the role may send to it). */
  readonly deadLetterArn?: string;
}

/**
 * One EventBridge Scheduler one-shot schedule, `at(…)` the next scheduled article's date, that invokes the
 * publish function with an empty batch: it publishes whatever is due and sets the next wake-up.
 */
export class EventBridgePublishScheduler implements PublishScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly target: WakeUpTarget,
  ) {}

  async scheduleNext(at: Date | undefined): Promise<void> {
    const { group, name } = this.target;
    if (at === undefined) {
      try {
        await this.client.send(new DeleteScheduleCommand({ GroupName: group, Name: name }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      return;
    }
    const input = {
      GroupName: group,
      Name: name,
      // Whole seconds in UTC; a second late is on time, a second early would publish nothing.
      ScheduleExpression: `at(${new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: {
        Arn: this.target.functionArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify({ Records: [] }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        ...(this.target.deadLetterArn ? { DeadLetterConfig: { Arn: this.target.deadLetterArn } } : {}),
      },
      Description: 'Broadsheet: publish the next scheduled article when it is due',
    };
    try {
      await this.client.send(new UpdateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.client.send(new CreateScheduleCommand(input));
    }
  }
}
