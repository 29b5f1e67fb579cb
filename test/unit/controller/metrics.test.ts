import { describe, expect, it } from 'vitest';

import { createMetrics, vobizClientHooks } from '../../../src/controller/metrics.ts';

const FIXED_NAMES = [
  'vobiz_operator_reconcile_total',
  'vobiz_operator_reconcile_duration_seconds',
  'vobiz_operator_queue_depth',
  'vobiz_operator_numbers',
  'vobiz_operator_drift_detected_total',
  'vobiz_operator_unmanaged_numbers',
  'vobiz_operator_monthly_fees',
  'vobiz_operator_purchases_total',
  'vobiz_operator_releases_total',
  'vobiz_operator_sweep_duration_seconds',
  'vobiz_operator_sweep_pages_total',
  'vobiz_operator_sweeps_total',
  'vobiz_operator_last_complete_sweep_timestamp_seconds',
  'vobiz_operator_vobiz_requests_total',
  'vobiz_operator_vobiz_request_duration_seconds',
  'vobiz_operator_vobiz_limiter_wait_seconds',
  'vobiz_operator_cool_off_overdue_numbers',
  'vobiz_operator_leader',
  'vobiz_operator_leader_transitions_total',
  'vobiz_operator_purchase_budget_exceeded_total',
];

function sources() {
  return {
    queueDepth: () => 3,
    numbersByState: () => ({ ready: 5, drifted: 1, cool_off: 2, error: 0 }),
    unmanagedNumbers: () => 7,
    monthlyFeesByCurrency: () => new Map([['USD', 12.5], ['GBP', 3]]),
    coolOffOverdueNumbers: () => 1,
    isLeader: () => true,
  };
}

describe('createMetrics', () => {
  it('registers every fixed metric name', async () => {
    const metrics = createMetrics(sources(), { defaultMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    for (const name of FIXED_NAMES) {
      expect(names).toContain(name);
    }
  });

  it('reads gauges from their sources at scrape time', async () => {
    const text = await createMetrics(sources(), { defaultMetrics: false }).registry.metrics();
    expect(text).toContain('vobiz_operator_queue_depth 3');
    expect(text).toContain('vobiz_operator_numbers{state="cool_off"} 2');
    expect(text).toContain('vobiz_operator_unmanaged_numbers 7');
    expect(text).toContain('vobiz_operator_monthly_fees{currency="USD"} 12.5');
    expect(text).toContain('vobiz_operator_cool_off_overdue_numbers 1');
    expect(text).toContain('vobiz_operator_leader 1');
  });

  it('counts Vobiz requests by operation and status code', async () => {
    const metrics = createMetrics(sources(), { defaultMetrics: false });
    const hooks = vobizClientHooks(metrics);
    hooks.onRequest({ operation: 'purchase', statusCode: 200, durationSeconds: 0.2 });
    hooks.onRequest({ operation: 'listNumbers', statusCode: 'error', durationSeconds: 1 });

    const text = await metrics.registry.metrics();

    expect(text).toContain('vobiz_operator_vobiz_requests_total{operation="purchase",code="200"} 1');
    expect(text).toContain('vobiz_operator_vobiz_requests_total{operation="listNumbers",code="error"} 1');
  });

  it('adds the default process metrics', async () => {
    const text = await createMetrics(sources()).registry.metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });
});
