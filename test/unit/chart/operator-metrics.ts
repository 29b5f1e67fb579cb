/** The series names the operator's metrics registry exports, read from the registry itself. */
import { createMetrics } from '../../../src/controller/metrics.ts';

/**
 * Returns the series names of the registry, each histogram as its `_bucket`, `_sum` and `_count`
 * series. The process metrics are left out.
 */
export async function exportedSeriesNames(): Promise<Set<string>> {
  const metrics = createMetrics(
    {
      queueDepth: () => 0,
      numbersByState: () => ({ ready: 0, drifted: 0, cool_off: 0, error: 0 }),
      unmanagedNumbers: () => 0,
      monthlyFeesByCurrency: () => new Map(),
      coolOffOverdueNumbers: () => 0,
      isLeader: () => true,
    },
    { defaultMetrics: false },
  );

  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    if (String(metric.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    } else {
      names.add(metric.name);
    }
  }
  return names;
}
