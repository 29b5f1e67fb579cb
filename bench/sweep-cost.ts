/**
 * Sweep cost: how many Vobiz calls and how much time one sweep of the account takes, for
 * accounts of 1,000 and 10,000 owned numbers, with `per_page` 25 (the Vobiz default) and 100
 * (the maximum, which the operator uses). The added latency on every list call models the
 * round trip to Vobiz, which loopback does not have.
 *
 * The sweep is the operator's own (`listAllOwnedNumbers`) through the real Vobiz client,
 * against a simulator in this process. Calls are counted from the simulator's request log.
 *
 *   npm exec -- node bench/sweep-cost.ts [--numbers 1000,10000] [--latency 0,20] [--runs 3]
 */
import { FLAGS } from '../src/controller/config.ts';
import { listAllOwnedNumbers } from '../src/controller/sweep.ts';
import { SimulatorControls, defaultSeed, startSimulator } from '../src/simulator/index.ts';
import { createVobizClient } from '../src/vobiz/index.ts';
import { runBenchmark } from './support/lifecycle.ts';
import { describeMachine } from './support/machine.ts';
import { formatCount, formatMs, formatRatio, markdownTable, progress } from './support/markdown.ts';
import { ownedFleet } from './support/numbers.ts';
import { parseIntegerLists } from './support/options.ts';
import { median } from './support/stats.ts';

const pageSizes = [25, 100] as const;

/** Client rate limit high enough that the limiter never delays a sweep here. */
const unlimited = { requestsPerSecond: 100_000, burst: 10_000 };

/** The operator's default client rate limit, for the lower bound a real deployment would see. */
const defaultRate = Number(FLAGS['vobiz-rate-limit'].default);
const defaultBurst = Number(FLAGS['vobiz-burst'].default);

interface SweepMeasurement {
  numbers: number;
  latencyMs: number;
  perPage: number;
  callsPerSweep: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** Time the client's rate limiter alone needs for `calls` requests at the operator's defaults. */
function limiterFloorMs(calls: number): number {
  return (Math.max(0, calls - defaultBurst) / defaultRate) * 1_000;
}

async function measureAccount(numbers: number, latencies: readonly number[], runs: number): Promise<SweepMeasurement[]> {
  const simulator = await startSimulator({ port: 0, seed: { ...defaultSeed(), owned: ownedFleet(numbers) } });
  const client = createVobizClient({ baseUrl: simulator.url, authId: simulator.authId, authToken: simulator.authToken, rateLimit: unlimited });
  const controls = new SimulatorControls(simulator.url);
  const results: SweepMeasurement[] = [];

  try {
    for (const latencyMs of latencies) {
      if (latencyMs === 0) {
        await controls.clearFaults();
      } else {
        await controls.setFaults({ rules: [{ operation: 'listNumbers', action: { type: 'delay', ms: latencyMs } }] });
      }

      for (const perPage of pageSizes) {
        progress(`sweep: ${numbers} numbers, ${latencyMs} ms added latency, per_page ${perPage}`);

        // One untimed sweep first, so JIT compilation and the first connection are not measured.
        await listAllOwnedNumbers(client, perPage);
        await controls.clearRequestLog();

        const durations: number[] = [];
        for (let run = 0; run < runs; run += 1) {
          const started = performance.now();
          const listing = await listAllOwnedNumbers(client, perPage);
          durations.push(performance.now() - started);

          if (listing.numbers.length !== numbers) {
            throw new Error(`sweep listed ${listing.numbers.length} numbers, expected ${numbers}`);
          }
        }

        const calls = (await controls.requestLog({ operation: 'listNumbers' })).length;
        results.push({
          numbers,
          latencyMs,
          perPage,
          callsPerSweep: calls / runs,
          medianMs: median(durations),
          minMs: Math.min(...durations),
          maxMs: Math.max(...durations),
        });
      }
    }
  } finally {
    await client.close();
    await simulator.close();
  }
  return results;
}

function render(results: readonly SweepMeasurement[], runs: number, machine: string): string {
  const measured = markdownTable(
    ['owned numbers', 'added latency per list call', 'per_page', 'list calls per sweep', `time per sweep (median of ${runs})`, 'min – max', 'limiter floor at 10 req/s'],
    results.map((result) => [
      formatCount(result.numbers),
      `${result.latencyMs} ms`,
      String(result.perPage),
      formatCount(result.callsPerSweep),
      formatMs(result.medianMs),
      `${formatMs(result.minMs)} – ${formatMs(result.maxMs)}`,
      formatMs(limiterFloorMs(result.callsPerSweep)),
    ]),
  );

  const ratioRows: string[][] = [];
  for (const small of results.filter((result) => result.perPage === 25)) {
    const large = results.find((result) => result.perPage === 100 && result.numbers === small.numbers && result.latencyMs === small.latencyMs);
    if (large === undefined) continue;
    ratioRows.push([
      formatCount(small.numbers),
      `${small.latencyMs} ms`,
      formatRatio(small.callsPerSweep / large.callsPerSweep),
      formatRatio(small.medianMs / large.medianMs),
    ]);
  }
  const ratios = markdownTable(['owned numbers', 'added latency per list call', 'calls 25 / 100', 'time 25 / 100'], ratioRows);

  return [
    '### Sweep cost',
    '',
    machine,
    '',
    measured,
    '',
    `The limiter floor is (calls − ${defaultBurst}) / ${defaultRate} s: the least time the operator's default Vobiz client rate limit ` +
      `(--vobiz-rate-limit ${defaultRate}, --vobiz-burst ${defaultBurst}) allows for that many calls. It is computed, not measured; the runs above use a limit of ${unlimited.requestsPerSecond} requests per second.`,
    '',
    ratios,
  ].join('\n');
}

await runBenchmark('sweep-cost', { timeoutMs: 20 * 60_000 }, async () => {
  const options = parseIntegerLists('Usage: npm exec -- node bench/sweep-cost.ts [flags]', {
    numbers: { default: [1_000, 10_000], help: 'owned numbers in the account' },
    latency: { default: [0, 20], min: 0, help: 'milliseconds the simulator adds to every list call; 0 adds none' },
    runs: { default: [3], single: true, help: 'timed sweeps per configuration' },
  });
  const runs = options.runs[0] ?? 3;
  const machine = describeMachine();

  const results: SweepMeasurement[] = [];
  for (const numbers of options.numbers) {
    results.push(...(await measureAccount(numbers, options.latency, runs)));
  }
  return render(results, runs, machine);
});
