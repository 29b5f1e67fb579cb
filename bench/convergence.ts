/**
 * Convergence throughput: how long the operator takes to bring 100 new PhoneNumbers to Ready
 * (purchase, sub-account and trunk group each) with `--max-concurrency` 1, 4 and 8, and how
 * many Vobiz calls and status writes each number costs.
 *
 * Each run gets a fresh simulator, a fresh namespace and a fresh operator in this process,
 * against one real kube-apiserver and etcd. The simulator adds a fixed latency to every
 * mutation, modelling the time Vobiz takes to buy or route a number. The clock starts
 * before the first PhoneNumber is created and stops at the first list that shows all Ready.
 *
 *   npm exec -- node bench/convergence.ts [--numbers 100] [--concurrency 1,4,8] [--latency 20] [--runs 3]
 */
import type { RunningOperator } from '../src/controller/manager.ts';
import { SimulatorControls, defaultSeed, defaultSubAccountIds, defaultTrunkIds, startSimulator, type RequestLogEntry } from '../src/simulator/index.ts';
import { createNamespace, createPhoneNumbers, startBenchCluster, waitForAllReady, type BenchCluster } from './support/cluster.ts';
import { runBenchmark, type Cleanup } from './support/lifecycle.ts';
import { describeMachine } from './support/machine.ts';
import { formatCount, formatMs, formatRatio, markdownTable, progress } from './support/markdown.ts';
import { cpuSince, cpuTime, type CpuTime } from './support/cpu.ts';
import { counterTotal } from './support/metrics.ts';
import { fleetNumbers, inventoryFleet } from './support/numbers.ts';
import { commonFlags, startBenchOperator, workQueueFloorMs, workQueueLimit } from './support/operator.ts';
import { parseIntegerLists } from './support/options.ts';
import { maxOverlap, median, medianGap } from './support/stats.ts';

/** Vobiz operations that change the account; the simulator adds the latency to each. */
const mutationOperations = ['purchase', 'release', 'cancelRelease', 'assignTrunk', 'unassignTrunk', 'assignSubAccount', 'unassignSubAccount'];

/** PhoneNumber creates in flight at once, about what `kubectl apply` of a folder achieves. */
const createParallelism = 8;

interface RunSettings {
  numbers: number;
  concurrency: number;
  latencyMs: number;
  run: number;
}

/** Counts and timings of one run, from the simulator's request log. */
interface CallCounts {
  calls: number;
  mutations: number;
  purchases: number;
  failedCalls: number;
  /** Vobiz calls by operation name, as the simulator's request log names them. */
  byOperation: Map<string, number>;
  /** Most purchases the simulator was serving at one instant. */
  purchasesInFlight: number;
  /** Most mutations of any kind the simulator was serving at one instant. */
  mutationsInFlight: number;
  /** Median time between the arrivals of consecutive purchases at the simulator. */
  purchaseIntervalMs: number | undefined;
}

interface RunResult extends RunSettings, CallCounts {
  createMs: number;
  readyMs: number;
  /** CPU time of this process and of kube-apiserver and etcd until all were Ready; undefined without `/proc`. */
  cpu: CpuTime | undefined;
  statusWrites: number;
  reconciles: number;
}

/**
 * Counts the calls in the simulator's request log. A mutation is in flight from its arrival for
 * at least the added latency, which the simulator waits before it runs the operation, so
 * overlapping those intervals gives how many the operator had in flight at once.
 */
function countCalls(log: readonly RequestLogEntry[], latencyMs: number): CallCounts {
  const byOperation = new Map<string, number>();
  for (const entry of log) byOperation.set(entry.operation, (byOperation.get(entry.operation) ?? 0) + 1);

  const arrivals = (entries: readonly RequestLogEntry[]): number[] => entries.map((entry) => Date.parse(entry.time));
  const mutationEntries = log.filter((entry) => mutationOperations.includes(entry.operation));
  const purchaseArrivals = arrivals(log.filter((entry) => entry.operation === 'purchase'));

  return {
    byOperation,
    purchaseIntervalMs: medianGap(purchaseArrivals),
    purchasesInFlight: maxOverlap(purchaseArrivals, latencyMs),
    mutationsInFlight: maxOverlap(arrivals(mutationEntries), latencyMs),
    calls: log.length,
    mutations: mutationEntries.length,
    purchases: purchaseArrivals.length,
    failedCalls: log.filter((entry) => entry.status === 'dropped' || entry.status >= 400).length,
  };
}

async function counters(operator: RunningOperator): Promise<{ statusWrites: number; reconciles: number }> {
  return { statusWrites: await counterTotal(operator.metrics.statusWrites), reconciles: await counterTotal(operator.metrics.reconciles) };
}

async function convergeOnce(cluster: BenchCluster, cleanup: Cleanup, settings: RunSettings): Promise<RunResult> {
  const { numbers, concurrency, latencyMs, run } = settings;
  progress(`convergence: ${numbers} PhoneNumbers, --max-concurrency ${concurrency}, ${run === 0 ? 'warm-up run' : `run ${run}`}`);

  const namespace = await createNamespace(cluster.kubeConfig, `converge-n${numbers}-c${concurrency}-run${run}`);
  const simulator = await startSimulator({ port: 0, seed: { ...defaultSeed(), inventory: inventoryFleet(numbers), balances: { USD: 1_000_000 } } });
  cleanup.add('simulator', () => simulator.close());

  const controls = new SimulatorControls(simulator.url);
  await controls.setFaults({ rules: mutationOperations.map((operation) => ({ operation, action: { type: 'delay' as const, ms: latencyMs } })) });

  // A sweep during the run would add list calls; the first sweep runs at start, the next after an hour.
  const operator = await startBenchOperator(cluster.kubeConfig, simulator, namespace, ['--max-concurrency', String(concurrency), '--sweep-interval', '1h']);
  cleanup.add('operator', () => operator.stop());
  await operator.ready;
  await controls.clearRequestLog();
  const before = await counters(operator);

  const specs = fleetNumbers(numbers).map((e164) => ({ e164, trunkGroupId: defaultTrunkIds[0], subAccountId: defaultSubAccountIds[0] }));
  const cpuBefore = cpuTime();
  const started = performance.now();
  await createPhoneNumbers(cluster.kubeConfig, namespace, specs, createParallelism);
  const created = performance.now();
  const ready = await waitForAllReady(cluster.kubeConfig, namespace, numbers, { pollMs: 100, timeoutMs: 10 * 60_000 });
  const cpuAfter = cpuTime();

  const calls = countCalls(await controls.requestLog(), latencyMs);
  const after = await counters(operator);
  await cleanup.runNow('operator');
  await cleanup.runNow('simulator');

  if (calls.purchases !== numbers) {
    throw new Error(`Vobiz served ${calls.purchases} purchases for ${numbers} PhoneNumbers; expected exactly one each`);
  }
  return {
    ...settings,
    ...calls,
    createMs: created - started,
    readyMs: ready - started,
    cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuSince(cpuAfter, cpuBefore),
    statusWrites: after.statusWrites - before.statusWrites,
    reconciles: after.reconciles - before.reconciles,
  };
}

/** Rows of both tables for runs with the same number of PhoneNumbers, one row per concurrency. */
function renderRows(results: readonly RunResult[], concurrencies: readonly number[]): { time: string[][]; cost: string[][] } {
  const rows = { time: [] as string[][], cost: [] as string[][] };
  let baselineMs: number | undefined;

  for (const concurrency of concurrencies) {
    const group = results.filter((result) => result.concurrency === concurrency);
    const first = group[0];
    if (first === undefined) continue;

    const perNumber = (pick: (result: RunResult) => number): string => formatCount(median(group.map(pick)) / first.numbers);
    const readyMs = median(group.map((result) => result.readyMs));
    const mutationsPerNumber = median(group.map((result) => result.mutations)) / first.numbers;
    baselineMs ??= concurrency === 1 ? readyMs : undefined;

    const cpu = group.flatMap((result) => (result.cpu === undefined ? [] : [{ ...result.cpu, seconds: result.readyMs / 1_000 }]));
    const measuredCpu = cpu.length === group.length;
    const cores = measuredCpu ? median(cpu.map((run) => (run.process + run.children) / run.seconds)).toFixed(2) : 'n/a';
    const cpuPerNumber = measuredCpu
      ? `${formatMs((median(cpu.map((run) => run.process)) * 1_000) / first.numbers)} + ${formatMs((median(cpu.map((run) => run.children)) * 1_000) / first.numbers)}`
      : 'n/a';

    rows.time.push([
      formatCount(first.numbers),
      String(concurrency),
      formatMs(readyMs),
      `${formatMs(Math.min(...group.map((result) => result.readyMs)))} – ${formatMs(Math.max(...group.map((result) => result.readyMs)))}`,
      baselineMs === undefined ? 'n/a' : formatRatio(baselineMs / readyMs),
      formatMs((first.numbers * mutationsPerNumber * first.latencyMs) / concurrency),
      formatMs(workQueueFloorMs(median(group.map((result) => result.reconciles)))),
      cores,
      formatCount(Math.max(...group.map((result) => result.mutationsInFlight))),
      formatCount(Math.max(...group.map((result) => result.purchasesInFlight))),
      group.every((result) => result.purchaseIntervalMs !== undefined) ? formatMs(median(group.map((result) => result.purchaseIntervalMs as number))) : 'n/a',
    ]);
    const operations = [...first.byOperation.keys()].sort();
    const callsByOperation = operations.map((operation) => `${operation} ${perNumber((result) => result.byOperation.get(operation) ?? 0)}`).join(', ');

    rows.cost.push([
      formatCount(first.numbers),
      String(concurrency),
      perNumber((result) => result.calls),
      callsByOperation,
      perNumber((result) => result.mutations),
      formatCount(median(group.map((result) => result.failedCalls))),
      perNumber((result) => result.statusWrites),
      perNumber((result) => result.reconciles),
      cpuPerNumber,
      formatMs(median(group.map((result) => result.createMs))),
    ]);
  }
  return rows;
}

function render(results: readonly RunResult[], sizes: readonly number[], concurrencies: readonly number[], runs: number, machine: string): string {
  const groups = sizes.map((numbers) => renderRows(results.filter((result) => result.numbers === numbers), concurrencies));
  const latencyMs = results[0]?.latencyMs ?? 0;

  return [
    '### Convergence throughput',
    '',
    `New PhoneNumbers, each with a trunk group and a sub-account; ${latencyMs} ms added to every Vobiz mutation; ${runs} runs per row. ` +
      `Operator flags: \`${commonFlags.join(' ')} --sweep-interval 1h --max-concurrency N\`.`,
    '',
    machine,
    '',
    markdownTable(
      [
        'PhoneNumbers',
        '--max-concurrency',
        `time to all Ready (median of ${runs})`,
        'min – max',
        'speed-up vs 1',
        'added-latency floor',
        'work-queue floor',
        'CPU cores busy',
        'mutations in flight, max',
        'purchases in flight, max',
        'time between purchases',
      ],
      groups.flatMap((group) => group.time),
    ),
    '',
    'The added-latency floor is PhoneNumbers × mutations per number × added latency / concurrency: the time the injected latency alone takes. ' +
      `The work-queue floor is (reconciles − ${workQueueLimit.burst}) / ${workQueueLimit.perSecond} s: the least time the work queue's fixed limit of ` +
      `${workQueueLimit.perSecond} reconciles started per second, after a burst of ${workQueueLimit.burst}, allows for the reconciles counted. Both floors are computed, not measured. ` +
      'CPU cores busy is the CPU time of the benchmark process (operator, simulator and Ready poller) and of the control plane ' +
      '(kube-apiserver and etcd), divided by the time to all Ready. In flight, max is the most Vobiz mutations (or purchases) the simulator was serving at one instant, ' +
      'counting each from its arrival for the added latency; it is 0 without added latency. Time between purchases is the median gap between ' +
      'the arrivals of consecutive purchases at the simulator.',
    '',
    markdownTable(
      [
        'PhoneNumbers',
        '--max-concurrency',
        'Vobiz calls per number',
        'by operation',
        'mutations per number',
        'failed Vobiz calls',
        'status writes per number',
        'reconciles per number',
        'CPU per number: process + control plane',
        'creating the PhoneNumbers',
      ],
      groups.flatMap((group) => group.cost),
    ),
    '',
    'Counts are taken when the last PhoneNumber turned Ready, so reconciles still queued then are missing.',
  ].join('\n');
}

await runBenchmark('convergence', { timeoutMs: 40 * 60_000 }, async (cleanup) => {
  const options = parseIntegerLists('Usage: npm exec -- node bench/convergence.ts [flags]', {
    numbers: { default: [100], help: 'PhoneNumbers created per run; one group of rows per value' },
    concurrency: { default: [1, 4, 8], help: 'values of --max-concurrency to compare; put 1 first for the speed-up column' },
    latency: { default: [20], min: 0, single: true, help: 'milliseconds the simulator adds to every mutation' },
    runs: { default: [3], single: true, help: 'runs per row' },
  });
  const latencyMs = options.latency[0] ?? 20;
  const runs = options.runs[0] ?? 3;
  const machine = describeMachine();

  const cluster = await startBenchCluster(cleanup);
  const setting = `${machine} Control plane: kube-apiserver ${cluster.versions.kubeApiserver} and etcd ${cluster.versions.etcd} on loopback.`;

  // An untimed run first: the API server's first writes of a new resource type are slower.
  await convergeOnce(cluster, cleanup, { numbers: 20, concurrency: options.concurrency[0] ?? 1, latencyMs, run: 0 });

  const results: RunResult[] = [];
  for (const numbers of options.numbers) {
    for (const concurrency of options.concurrency) {
      for (let run = 1; run <= runs; run += 1) {
        results.push(await convergeOnce(cluster, cleanup, { numbers, concurrency, latencyMs, run }));
      }
    }
  }
  return render(results, options.numbers, options.concurrency, runs, setting);
});
