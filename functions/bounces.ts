// SES bounce and complaint notifications (through SNS) → suppressed subscribers.
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { dynamoClient } from '../src/adapters/aws/clients.js';
import { DynamoSubscribers } from '../src/adapters/aws/dynamo/subscribers.js';
import { endpointsOf, functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { digestIdOfMessageId } from '../src/core/email.js';
import { applyFeedback, type MailFeedback } from '../src/pipeline/subscriptions.js';

const env = functionEnv();
const subscribers = new DynamoSubscribers(dynamoClient(endpointsOf(env)), env.TABLE_NAME);

// SES event publishing (eventType) and the older feedback notifications (notificationType) carry the same parts.
const sesEvent = z.object({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  bounce: z
    .object({ bounceType: z.string(), bouncedRecipients: z.array(z.object({ emailAddress: z.string() })) })
    .optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
  // Which message it answers: SES's id always; our own Message-ID when the original headers are included.
  mail: z
    .object({
      messageId: z.string().optional(),
      commonHeaders: z.object({ messageId: z.string().optional() }).optional(),
    })
    .optional(),
});

export function feedbackOf(message: string): MailFeedback | undefined {
  const parsed = sesEvent.safeParse(JSON.parse(message));
  if (!parsed.success) return undefined;
  const { bounce, complaint, mail } = parsed.data;
  const ownId = mail?.commonHeaders?.messageId;
  const digestId = ownId ? digestIdOfMessageId(ownId) : undefined;
  const about = {
    ...(mail?.messageId ? { messageId: mail.messageId } : {}),
    ...(digestId ? { digestId } : {}),
  };
  if (complaint)
    return {
      kind: 'complaint',
      addresses: complaint.complainedRecipients.map((r) => r.emailAddress),
      ...about,
    };
  if (bounce) {
    return {
      kind: bounce.bounceType === 'Permanent' ? 'hard-bounce' : 'soft-bounce',
      addresses: bounce.bouncedRecipients.map((r) => r.emailAddress),
      ...about,
    };
  }
  return undefined;
}

export async function handler(event: SNSEvent): Promise<void> {
  for (const record of event.Records) {
    const feedback = feedbackOf(record.Sns.Message);
    if (!feedback) {
      logger.warn('not a bounce or complaint; ignored', { messageId: record.Sns.MessageId });
      continue;
    }
    const { suppressed } = await applyFeedback(subscribers, feedback, new Date());
    logger.info('mail feedback', {
      kind: feedback.kind,
      recipients: feedback.addresses.length,
      suppressed: suppressed.length,
    });
    metrics.addMetric(
      feedback.kind === 'complaint' ? 'Complaints' : 'Bounces',
      'Count',
      feedback.addresses.length,
    );
    metrics.addMetric('Suppressed', 'Count', suppressed.length);
  }
  metrics.publishStoredMetrics();
}
