// S3 notifications for the content bucket (through SQS) → the one publish pipeline, then the digest hand-off.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { changedContentPaths } from '../src/adapters/aws/events.js';
import { awsPublisher } from '../src/cloud.js';
import { formatProblem, PublishBusyError } from '../src/core/errors.js';
import { leaseTimingFor } from '../src/core/publish-timing.js';
import { publishChanges } from '../src/pipeline/publish.js';

const publisher = awsPublisher(functionEnv());

/** Invoked with a batch from the content queue, or with an empty one by the wake-up schedule. */
export async function handler(event: Partial<SQSEvent>, context?: Context): Promise<SQSBatchResponse> {
  const records = event.Records ?? [];
  const { paths, malformed } = changedContentPaths({ Records: records });
  for (const id of malformed) logger.error('not an S3 notification; dropped', { messageId: id });
  let outcome: Awaited<ReturnType<typeof publishChanges>>;
  try {
    // The lease lasts as long as this invocation can, and waiting for it ends well inside it.
    const lease = leaseTimingFor(context?.getRemainingTimeInMillis());
    outcome = await publishChanges({ ...(await publisher.deps()), ...lease }, paths, new Date());
  } catch (error) {
    // A wake-up has no records to hand back: failing lets its retries and dead-letter queue apply.
    if (!(error instanceof PublishBusyError) || records.length === 0) throw error;
    // Another publish holds the lease: hand the whole batch back to the queue to be tried again.
    logger.warn('another publish is running; batch returned to the queue');
    return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  for (const problem of outcome.problems.filter((p) => p.severity === 'error')) {
    logger.error('rejected; the last good version stays online', {
      file: problem.file,
      field: problem.field,
      reason: problem.reason,
      detail: formatProblem(problem),
    });
  }
  // Went live more than announce_window after its date: recorded as announced, and never mailed.
  if (outcome.late && outcome.late.length > 0)
    logger.warn('past the announce window; recorded as announced without mail', {
      late: outcome.late.map((article) => article.url),
    });
  logger.info('published', {
    published: outcome.published,
    removed: outcome.removed,
    unchanged: outcome.unchanged.length,
    rejected: outcome.problems.filter((p) => p.severity === 'error').map((p) => p.file),
    written: outcome.site.written.length,
    deleted: outcome.site.removed.length,
    digestId: outcome.digest?.id,
    // A digest in its grace window (digest.delay): when it is due, and whether the operator holds it.
    ...(outcome.pendingDigest
      ? {
          pendingDigestDueAt: new Date(outcome.pendingDigest.dueAtMs).toISOString(),
          pendingDigestHeld: outcome.pendingDigest.held,
        }
      : {}),
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
