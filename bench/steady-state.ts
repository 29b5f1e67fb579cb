/**
 * Steady state: what a converged fleet of 500 PhoneNumbers costs per sweep. A converged fleet
 * should cost ceil(owned numbers / per_page) list calls per sweep, no mutation, no status write
 * and no reconcile.
 *
 * The operator first buys and routes the fleet itself (a purchase, a sub-account and a trunk
 * group per number), then waits for its work queue to go quiet. The sweeps are then started
 * one by one with `sweepNow()`, and the sweep interval is an hour so no timer sweep interferes.
 * Reconcile durations come from the `vobiz_operator_reconcile_duration_seconds` histogram.
 *
 *   npm exec -- node bench/steady-state.ts [--numbers 500] [--sweeps 3] [--concurrency 8]
 */
import { SWEEP_PAGE_SIZE } from '../src/controller/sweep.ts';
import type { RunningOperator } from '../src/controller/manager.ts';
import { SimulatorControls, defaultSeed, defaultSubAccountIds, defaultTrunkIds, startSimulator } from '../src/simulator/index.ts';
import { createNamespace, createPhoneNumbers, startBenchCluster, waitForAllReady } from './support/cluster.ts';
import { runBenchmark } from './support/lifecycle.ts';
import { describeMachine } from './support/machine.ts';
import { formatCount, formatMs, markdownTable, progress } from './support/markdown.ts';
import { counterTotal, histogramBuckets } from './support/metrics.ts';
import { fleetNumbers, inventoryFleet } from './support/numbers.ts';
import { commonFlags, startBenchOperator, waitForQuiet, workQueueFloorMs, workQueueLimit } from './support/operator.ts';
import { parseIntegerLists } from './support/options.ts';
import { bucketsSince, histogramQuantile, medianGap, type Bucket } from './support/stats.ts';

const mutationOperations = new Set(['purchase', 'release', 'cancelRelease', 'assignTrunk', 'unassignTrunk', 'assignSubAccount', 'unassignSubAccount']);

/** How long the work queue must stay empty before the operator counts as idle. */
const quietMs = 2_000;

interface SweepRow {
  sweep: number;
  owned: number;
  listCalls: number;
  otherReads: number;
  mutations: number;
  statusWrites: number;
  reconciles: number;
  sweepMs: number;
}

interface Counters {
  statusWrites: number;
  reconciles: number;
  durations: Bucket[];
}

async function readCounters(operator: RunningOperator): Promise<Counters> {
  return {
    statusWrites: await counterTotal(operator.metrics.statusWrites),
    reconciles: await counterTotal(operator.metrics.reconciles),
    durations: await histogramBuckets(operator.metrics.reconcileDuration),
  };
}

/** Formats the p50 and p95 estimates of a reconcile duration histogram. */
function quantiles(buckets: readonly Bucket[]): { count: string; p50: string; p95: string } {
  const count = buckets.find((bucket) => bucket.le === Infinity)?.count ?? 0;
  const estimate = (quantile: number): string => {
    const seconds = histogramQuantile(quantile, buckets);
    return seconds === undefined ? 'no reconciles' : formatMs(seconds * 1_000);
  };
  return { count: formatCount(count), p50: estimate(0.5), p95: estimate(0.95) };
}

await runBenchmark('steady-state', { timeoutMs: 40 * 60_000 }, async (cleanup) => {
  const options = parseIntegerLists('Usage: npm exec -- node bench/steady-state.ts [flags]', {
    numbers: { default: [500], single: true, help: 'PhoneNumbers in the fleet' },
    sweeps: { default: [3], single: true, help: 'sweeps to measure once the fleet has converged' },
    concurrency: { default: [8], single: true, help: '--max-concurrency of the operator' },
  });
  const numbers = options.numbers[0] ?? 500;
  const sweeps = options.sweeps[0] ?? 3;
  const concurrency = options.concurrency[0] ?? 8;
  const machine = describeMachine();

  const cluster = await startBenchCluster(cleanup);
  const setting = `${machine} Control plane: kube-apiserver ${cluster.versions.kubeApiserver} and etcd ${cluster.versions.etcd} on loopback.`;
  const namespace = await createNamespace(cluster.kubeConfig, 'steady-state');
  const simulator = await startSimulator({ port: 0, seed: { ...defaultSeed(), inventory: inventoryFleet(numbers), balances: { USD: 1_000_000 } } });
  cleanup.add('simulator', () => simulator.close());
  const controls = new SimulatorControls(simulator.url);

  const flags = ['--max-concurrency', String(concurrency), '--sweep-interval', '1h'];
  const operator = await startBenchOperator(cluster.kubeConfig, simulator, namespace, flags);
  cleanup.add('operator', () => operator.stop());
  await operator.ready;

  progress(`steady state: converging ${numbers} PhoneNumbers`);
  const started = performance.now();
  const specs = fleetNumbers(numbers).map((e164) => ({ e164, trunkGroupId: defaultTrunkIds[0], subAccountId: defaultSubAccountIds[0] }));
  await createPhoneNumbers(cluster.kubeConfig, namespace, specs, 8);
  const readyAt = await waitForAllReady(cluster.kubeConfig, namespace, numbers, { pollMs: 1_000, timeoutMs: 20 * 60_000 });
  await waitForQuiet(operator, { quietMs, timeoutMs: 10 * 60_000 });
  const quietAt = performance.now();
  const purchaseArrivals = (await controls.requestLog({ operation: 'purchase' })).map((entry) => Date.parse(entry.time));
  const purchaseIntervalMs = medianGap(purchaseArrivals);

  const converged = await readCounters(operator);
  const rows: SweepRow[] = [];

  for (let sweep = 1; sweep <= sweeps; sweep += 1) {
    progress(`steady state: sweep ${sweep} of ${sweeps}`);
    await controls.clearRequestLog();
    const before = await readCounters(operator);

    const sweepStarted = performance.now();
    await operator.sweepNow();
    const sweepMs = performance.now() - sweepStarted;
    await waitForQuiet(operator, { quietMs, timeoutMs: 5 * 60_000 });

    const log = await controls.requestLog();
    const after = await readCounters(operator);
    const listCalls = log.filter((entry) => entry.operation === 'listNumbers').length;
    const mutations = log.filter((entry) => mutationOperations.has(entry.operation)).length;

    rows.push({
      sweep,
      owned: operator.snapshot.all().length,
      listCalls,
      otherReads: log.length - listCalls - mutations,
      mutations,
      statusWrites: after.statusWrites - before.statusWrites,
      reconciles: after.reconciles - before.reconciles,
      sweepMs,
    });
  }

  const final = await readCounters(operator);
  const convergence = quantiles(converged.durations);
  const steady = quantiles(bucketsSince(final.durations, converged.durations));

  const sweepTable = markdownTable(
    ['sweep', 'owned numbers', `expected list calls (per_page ${SWEEP_PAGE_SIZE})`, 'list calls', 'other Vobiz reads', 'mutations', 'status writes', 'reconciles', 'sweep time'],
    rows.map((row) => [
      String(row.sweep),
      formatCount(row.owned),
      formatCount(Math.ceil(row.owned / SWEEP_PAGE_SIZE)),
      formatCount(row.listCalls),
      formatCount(row.otherReads),
      formatCount(row.mutations),
      formatCount(row.statusWrites),
      formatCount(row.reconciles),
      formatMs(row.sweepMs),
    ]),
  );
  const durationTable = markdownTable(
    ['phase', 'reconciles', 'p50', 'p95'],
    [
      [`convergence of ${numbers} new PhoneNumbers`, convergence.count, convergence.p50, convergence.p95],
      [`${sweeps} steady-state sweep${sweeps === 1 ? '' : 's'}`, steady.count, steady.p50, steady.p95],
    ],
  );

  return [
    '### Steady state',
    '',
    `${numbers} PhoneNumbers, each with a trunk group and a sub-account, bought and routed by the operator. ` +
      `Operator flags: \`${commonFlags.join(' ')} ${flags.join(' ')}\`. ` +
      `All Ready after ${formatMs(readyAt - started)}; work queue quiet after ${formatMs(quietAt - started)}. ` +
      `The work queue's fixed limit (${workQueueLimit.perSecond} reconciles started per second after a burst of ${workQueueLimit.burst}) ` +
      `alone needs ${formatMs(workQueueFloorMs(converged.reconciles))} for the ${formatCount(converged.reconciles)} reconciles of the convergence. ` +
      `Median time between purchases: ${purchaseIntervalMs === undefined ? 'n/a' : formatMs(purchaseIntervalMs)}.`,
    '',
    setting,
    '',
    sweepTable,
    '',
    'Reconcile duration, estimated from the histogram buckets the way PromQL `histogram_quantile` does (bucket bounds 5 ms, 10 ms, 50 ms, 100 ms, 250 ms, …):',
    '',
    durationTable,
  ].join('\n');
});
