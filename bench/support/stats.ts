/** Summary statistics for repeated measurements and Prometheus histograms. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values: measure at least once');

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A cumulative histogram bucket: observations at or below `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * Estimates the `quantile` (0 to 1) of a cumulative histogram the way PromQL's
 * `histogram_quantile` does: linear interpolation inside the bucket that contains the rank, and the
 * upper bound of the largest finite bucket when the rank falls into `+Inf`. Returns undefined
 * for an empty histogram. The estimate is only as fine as the bucket bounds.
 */
export function histogramQuantile(quantile: number, buckets: readonly Bucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return undefined;

  const rank = quantile * total;
  let lowerBound = 0;
  let lowerCount = 0;

  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0 ? bucket.le : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** Subtracts an earlier snapshot of the same histogram, leaving the observations made since. */
export function bucketsSince(later: readonly Bucket[], earlier: readonly Bucket[]): Bucket[] {
  return later.map((bucket) => ({ le: bucket.le, count: bucket.count - (earlier.find((old) => old.le === bucket.le)?.count ?? 0) }));
}

/**
 * Returns the largest number of intervals `[start, start + durationMs)` that overlap at one
 * instant, or 0 when `durationMs` is 0. An interval ending as another starts does not overlap it.
 */
export function maxOverlap(startsMs: readonly number[], durationMs: number): number {
  if (durationMs <= 0) return 0;

  // Ends sort before starts at the same instant, so back-to-back intervals count once.
  const events = startsMs.flatMap((start) => [{ at: start, change: 1 }, { at: start + durationMs, change: -1 }]);
  events.sort((a, b) => a.at - b.at || a.change - b.change);

  let current = 0;
  let maximum = 0;
  for (const event of events) {
    current += event.change;
    maximum = Math.max(maximum, current);
  }
  return maximum;
}

/** Median gap between consecutive times, in their unit; undefined for fewer than two times. */
export function medianGap(times: readonly number[]): number | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((time, index) => time - (sorted[index] as number));
  return gaps.length === 0 ? undefined : median(gaps);
}
