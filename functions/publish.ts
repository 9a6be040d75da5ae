// S3 notifications for the content bucket (through SQS) → the one publish pipeline, then the digest hand-off.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { changedContentPaths } from '../src/adapters/aws/events.js';
import { awsPublisher } from '../src/cloud.js';
import { formatProblem, PublishBusyError } from '../src/core/errors.js';
import { publishChanges } from '../src/pipeline/publish.js';

const publisher = awsPublisher(functionEnv());

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { paths, malformed } = changedContentPaths(event);
  for (const id of malformed) logger.error('not an S3 notification; dropped', { messageId: id });
  let outcome: Awaited<ReturnType<typeof publishChanges>>;
  try {
    outcome = await publishChanges(await publisher.deps(), paths, new Date());
  } catch (error) {
    if (!(error instanceof PublishBusyError)) throw error;
    // Another publish holds the lease: hand the whole batch back to the queue to be tried again.
    logger.warn('another publish is running; batch returned to the queue');
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  for (const problem of outcome.problems.filter((p) => p.severity === 'error')) {
    logger.error('rejected; the last good version stays online', {
      file: problem.file,
      field: problem.field,
      reason: problem.reason,
      detail: formatProblem(problem),
    });
  }
  logger.info('published', {
    published: outcome.published,
    removed: outcome.removed,
    unchanged: outcome.unchanged.length,
    rejected: outcome.problems.filter((p) => p.severity === 'error').map((p) => p.file),
    written: outcome.site.written.length,
    deleted: outcome.site.removed.length,
    digestId: outcome.digest?.id,
  });
  metrics.addMetric('ArticlesPublished', 'Count', outcome.published.length);
  metrics.addMetric('ArticlesRemoved', 'Count', outcome.removed.length);
  metrics.addMetric(
    'ArticlesRejected',
    'Count',
    outcome.problems.filter((p) => p.severity === 'error').length,
  );
  metrics.publishStoredMetrics();
  return { batchItemFailures: [] };
}
