// Daily schedule → repair any drift between the content bucket and the published site.
import type { Context } from 'aws-lambda';
import { functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { awsPublisher } from '../src/cloud.js';
import { leaseTimingFor } from '../src/core/publish-timing.js';
import { reconcile } from '../src/pipeline/reconcile.js';

const publisher = awsPublisher(functionEnv());

export async function handler(_event?: unknown, context?: Context): Promise<{ drift: string[] }> {
  // Held for the whole of this (up to 15-minute) invocation: a publish must not take it while we announce.
  const lease = leaseTimingFor(context?.getRemainingTimeInMillis());
  const outcome = await reconcile({ ...(await publisher.deps()), ...lease }, new Date());
  if (outcome.drift.length > 0) logger.warn('repaired drift', { paths: outcome.drift });
  for (const p of outcome.problems)
    logger.error('article rejected', { file: p.file, field: p.field, reason: p.reason });
  metrics.addMetric('DriftRepaired', 'Count', outcome.drift.length);
  metrics.publishStoredMetrics();
  return { drift: outcome.drift };
}
