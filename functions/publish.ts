// S3 notifications for posts/ (through SQS) → incremental publish of the site, then the digest hand-off.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { changedArticlePaths } from '../src/adapters/aws/events.js';
import { awsPublisher } from '../src/adapters/aws/wiring.js';
import { formatProblem } from '../src/core/errors.js';
import { publishChanges } from '../src/pipeline/incremental.js';

const publisher = awsPublisher(functionEnv());

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { paths, malformed } = changedArticlePaths(event);
  for (const id of malformed) logger.error('not an S3 notification; dropped', { messageId: id });
  const outcome = await publishChanges(await publisher.deps(), paths, new Date());
  for (const problem of outcome.problems) {
    logger.error('article rejected; the last good version stays online', {
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
    written: outcome.written.length,
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
