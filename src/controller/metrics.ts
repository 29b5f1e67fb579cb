/**
 * The operator's Prometheus metrics, all prefixed `vobiz_operator_`, in a registry of their own
 * so several operators can run in one process (tests, the sandbox). No metric has a per-number
 * label: an account can hold thousands of numbers.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** State of a managed resource, the label of `vobiz_operator_numbers`. */
export type NumberState = 'ready' | 'drifted' | 'cool_off' | 'error';
export const NUMBER_STATES: readonly NumberState[] = ['ready', 'drifted', 'cool_off', 'error'];

/** Values the operator reads when Prometheus scrapes, instead of updating gauges on every change. */
export interface MetricSources {
  queueDepth(): number;
  numbersByState(): Record<NumberState, number>;
  unmanagedNumbers(): number;
  monthlyFeesByCurrency(): ReadonlyMap<string, number>;
  coolOffOverdueNumbers(): number;
  isLeader(): boolean;
}

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  reconcileDuration: Histogram;
  statusWrites: Counter;
  driftDetected: Counter<'field'>;
  purchases: Counter<'result'>;
  releases: Counter<'result'>;
  sweepDuration: Histogram;
  sweepPages: Counter;
  sweeps: Counter<'result'>;
  lastCompleteSweep: Gauge;
  vobizRequests: Counter<'operation' | 'code'>;
  vobizRequestDuration: Histogram<'operation'>;
  vobizLimiterWait: Histogram;
  leaderTransitions: Counter;
  purchaseBudgetExceeded: Counter<'budget'>;
}

const PREFIX = 'vobiz_operator_';

export function createMetrics(sources: MetricSources, options: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  const registers = [registry];

  if (options.defaultMetrics !== false) {
    // Unprefixed, under the standard names (process_cpu_seconds_total, ...) that dashboards expect.
    collectDefaultMetrics({ register: registry });
  }

  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'PhoneNumber keys waiting in the work queue.',
    registers,
    collect() {
      this.set(sources.queueDepth());
    },
  });

  new Gauge({
    name: `${PREFIX}numbers`,
    help: 'Managed PhoneNumber resources by state: ready, drifted, cool_off (waiting for a Vobiz cool-off) or error.',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = sources.numbersByState();
      for (const state of NUMBER_STATES) {
        this.set({ state }, counts[state]);
      }
    },
  });

  new Gauge({
    name: `${PREFIX}unmanaged_numbers`,
    help: 'Numbers the Vobiz account owns that no PhoneNumber claims, as of the last complete sweep.',
    registers,
    collect() {
      this.set(sources.unmanagedNumbers());
    },
  });

  new Gauge({
    name: `${PREFIX}monthly_fees`,
    help: 'Sum of the monthly fees of managed numbers the account owns, by currency, in that currency.',
    labelNames: ['currency'],
    registers,
    collect() {
      this.reset();
      for (const [currency, total] of sources.monthlyFeesByCurrency()) {
        this.set({ currency }, total);
      }
    },
  });

  new Gauge({
    name: `${PREFIX}cool_off_overdue_numbers`,
    help: 'PhoneNumbers still waiting in CoolOffInEffect although their coolOffUntil has passed.',
    registers,
    collect() {
      this.set(sources.coolOffOverdueNumbers());
    },
  });

  new Gauge({
    name: `${PREFIX}leader`,
    help: '1 when this replica is the leader or leader election is off, 0 otherwise.',
    registers,
    collect() {
      this.set(sources.isLeader() ? 1 : 0);
    },
  });

  return {
    registry,
    reconciles: new Counter({ name: `${PREFIX}reconcile_total`, help: 'Reconciles by result: success, error or requeue.', labelNames: ['result'], registers }),
    reconcileDuration: new Histogram({
      name: `${PREFIX}reconcile_duration_seconds`,
      help: 'Duration of one reconcile, Vobiz calls included, in seconds.',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    statusWrites: new Counter({
      name: `${PREFIX}status_writes_total`,
      help: 'PhoneNumber status writes; a converged resource causes none.',
      registers,
    }),
    driftDetected: new Counter({
      name: `${PREFIX}drift_detected_total`,
      help: 'Drift newly found by a sweep, by field: ownership, trunk, sub_account or status.',
      labelNames: ['field'],
      registers,
    }),
    purchases: new Counter({ name: `${PREFIX}purchases_total`, help: 'Number purchases by result.', labelNames: ['result'], registers }),
    releases: new Counter({ name: `${PREFIX}releases_total`, help: 'Number releases by result.', labelNames: ['result'], registers }),
    sweepDuration: new Histogram({
      name: `${PREFIX}sweep_duration_seconds`,
      help: 'Duration of one sweep of the Vobiz account, in seconds.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    sweepPages: new Counter({ name: `${PREFIX}sweep_pages_total`, help: 'Pages of owned numbers read by sweeps.', registers }),
    sweeps: new Counter({ name: `${PREFIX}sweeps_total`, help: 'Sweeps by result: complete or incomplete.', labelNames: ['result'], registers }),
    lastCompleteSweep: new Gauge({
      name: `${PREFIX}last_complete_sweep_timestamp_seconds`,
      help: 'Unix time of the last complete sweep, in seconds.',
      registers,
    }),
    vobizRequests: new Counter({
      name: `${PREFIX}vobiz_requests_total`,
      help: 'Vobiz API requests by operation and HTTP status code ("error" when no response arrived).',
      labelNames: ['operation', 'code'],
      registers,
    }),
    vobizRequestDuration: new Histogram({
      name: `${PREFIX}vobiz_request_duration_seconds`,
      help: 'Duration of one Vobiz API request, in seconds.',
      labelNames: ['operation'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    vobizLimiterWait: new Histogram({
      name: `${PREFIX}vobiz_limiter_wait_seconds`,
      help: 'Time a Vobiz request waited for the client rate limiter, in seconds.',
      buckets: [0, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      registers,
    }),
    leaderTransitions: new Counter({ name: `${PREFIX}leader_transitions_total`, help: 'Times this replica gained or lost leadership.', registers }),
    purchaseBudgetExceeded: new Counter({
      name: `${PREFIX}purchase_budget_exceeded_total`,
      help: 'Purchases held back by a spend guardrail, by budget: purchases_per_hour or monthly_fee.',
      labelNames: ['budget'],
      registers,
    }),
  };
}

/** Hooks for the Vobiz client that feed the request metrics. */
export function vobizClientHooks(metrics: OperatorMetrics): {
  onRequest(event: { operation: string; statusCode: number | 'error'; durationSeconds: number }): void;
  onLimiterWait(event: { operation: string; waitSeconds: number }): void;
} {
  return {
    onRequest(event) {
      metrics.vobizRequests.inc({ operation: event.operation, code: String(event.statusCode) });
      metrics.vobizRequestDuration.observe({ operation: event.operation }, event.durationSeconds);
    },
    onLimiterWait(event) {
      metrics.vobizLimiterWait.observe(event.waitSeconds);
    },
  };
}
