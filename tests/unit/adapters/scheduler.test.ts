import { ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { EventBridgePublishScheduler } from '../../../src/adapters/aws/scheduler.js';

/** A Scheduler client that never leaves the process: records each command; Update fails until Create ran. */
function recordingClient() {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  let exists = false;
  const client = new SchedulerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = context.commandName ?? '';
      calls.push({ command, input: args.input as Record<string, unknown> });
      if (command === 'UpdateScheduleCommand' && !exists) {
        throw new ResourceNotFoundException({
          message: 'no schedule',
          Message: 'no schedule',
          $metadata: {},
        });
      }
      if (command === 'CreateScheduleCommand') exists = true;
      if (command === 'DeleteScheduleCommand') {
        if (!exists)
          throw new ResourceNotFoundException({
            message: 'no schedule',
            Message: 'no schedule',
            $metadata: {},
          });
        exists = false;
      }
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'record' },
  );
  return { client, calls };
}

const target = {
  group: 'broadsheet-wake',
  name: 'next-publish',
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Broadsheet-publish',
  roleArn: 'arn:aws:iam::123456789012:role/wake',
};

describe('EventBridgePublishScheduler', () => {
  it('creates, then moves, then removes one one-shot schedule that invokes publish with an empty batch', async () => {
    const { client, calls } = recordingClient();
    const scheduler = new EventBridgePublishScheduler(client, target);
    await scheduler.scheduleNext(new Date('2027-06-01T06:00:00.250Z'));
    await scheduler.scheduleNext(new Date('2027-07-01T06:00:00Z'));
    await scheduler.scheduleNext(undefined);
    await scheduler.scheduleNext(undefined);
    expect(calls.map((c) => c.command)).toEqual([
      'UpdateScheduleCommand',
      'CreateScheduleCommand',
      'UpdateScheduleCommand',
      'DeleteScheduleCommand',
      'DeleteScheduleCommand',
    ]);
    expect(calls[1]?.input).toMatchObject({
      GroupName: 'broadsheet-wake',
      Name: 'next-publish',
      ScheduleExpression: 'at(2027-06-01T06:00:01)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: target.functionArn, RoleArn: target.roleArn, Input: '{"Records":[]}' },
    });
    expect(calls[2]?.input).toMatchObject({ ScheduleExpression: 'at(2027-07-01T06:00:00)' });
  });

  it('gives the schedule its dead-letter queue, so a wake-up that fails every retry is kept', async () => {
    const { client, calls } = recordingClient();
    const deadLetterArn = 'arn:aws:sqs:us-east-1:123456789012:Broadsheet-WakeDlq';
    await new EventBridgePublishScheduler(client, { ...target, deadLetterArn }).scheduleNext(
      new Date('2027-06-01T06:00:00Z'),
    );
    for (const call of calls)
      expect(call.input).toMatchObject({
        Target: {
          DeadLetterConfig: { Arn: deadLetterArn },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        },
      });
    expect(calls).toHaveLength(2);
  });
});
