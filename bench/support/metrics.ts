/** Reads the operator's prom-client metrics in this process, without a scrape over HTTP. */
import type { Counter, Histogram } from 'prom-client';

import type { Bucket } from './stats.ts';

/** Sum of a counter over all its label values. */
export async function counterTotal(counter: Counter<string>): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((sum, sample) => sum + sample.value, 0);
}

/** Cumulative buckets of an unlabelled histogram, `+Inf` included. */
export async function histogramBuckets(histogram: Histogram<string>): Promise<Bucket[]> {
  const { values } = await histogram.get();

  return values
    .filter((sample) => sample.metricName?.endsWith('_bucket') === true)
    .map((sample) => {
      const le = sample.labels.le;
      return { le: le === '+Inf' ? Infinity : Number(le), count: sample.value };
    });
}
