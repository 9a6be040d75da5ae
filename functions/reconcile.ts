// Daily schedule → repair any drift between the content bucket and the published site.
import { functionEnv, logger, metrics } from '../src/adapters/aws/env.js';
import { awsPublisher } from '../src/cloud.js';
import { reconcile } from '../src/pipeline/reconcile.js';

const publisher = awsPublisher(functionEnv());

export async function handler(): Promise<{ drift: string[] }> {
  const outcome = await reconcile(await publisher.deps(), new Date());
  if (outcome.drift.length > 0) logger.warn('repaired drift', { paths: outcome.drift });
  for (const p of outcome.problems)
    logger.error('article rejected', { file: p.file, field: p.field, reason: p.reason });
  metrics.addMetric('DriftRepaired', 'Count', outcome.drift.length);
  metrics.publishStoredMetrics();
  return { drift: outcome.drift };
}
