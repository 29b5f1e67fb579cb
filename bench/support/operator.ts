/**
 * Starts the operator in this process for a benchmark, configured through the same flags as
 * `vobiz-operator run`, so the record can show them as a user would type them.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { KubeConfig } from '@kubernetes/client-node';

import { parseConfig } from '../../src/controller/config.ts';
import { startOperator, type RunningOperator } from '../../src/controller/manager.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { quietLogger } from './cluster.ts';
import { counterTotal } from './metrics.ts';

/** Flags every operator benchmark shares. The Vobiz rate limit is set high so the client limiter does not decide the result. */
export const commonFlags = [
  '--vobiz-rate-limit', '1000',
  '--vobiz-burst', '1000',
  '--max-purchases-per-hour', '100000',
  '--http-host', '127.0.0.1',
  '--http-port', '0',
  '--log-level', 'warn',
] as const;

/**
 * The work queue's limit on reconciles started, as `startOperator` sets it (client-go's default
 * controller rate limit): 10 per second after a burst of 100. No flag changes it.
 * NOTE: a copy of the values in `startOperator`, which does not export them; change both together.
 */
export const workQueueLimit = { perSecond: 10, burst: 100 } as const;

/** Minimum time the work-queue limit allows for `reconciles` reconciles started from a full bucket. */
export function workQueueFloorMs(reconciles: number): number {
  return (Math.max(0, reconciles - workQueueLimit.burst) / workQueueLimit.perSecond) * 1_000;
}

/** Starts an operator that watches `namespace` and talks to `simulator`; `flags` come after the common ones and win. */
export async function startBenchOperator(kubeConfig: KubeConfig, simulator: RunningSimulator, namespace: string, flags: readonly string[]): Promise<RunningOperator> {
  const parsed = parseConfig(
    ['--vobiz-url', simulator.url, '--namespaces', namespace, ...commonFlags, ...flags],
    // A fresh environment, so no VOBIZ_* or KUBECONFIG variable of the shell changes the run.
    { VOBIZ_AUTH_ID: simulator.authId, VOBIZ_AUTH_TOKEN: simulator.authToken },
  );
  if (parsed.help) throw new Error('parseConfig returned help instead of a configuration: remove --help from the benchmark flags');

  return startOperator(parsed.config, { kubeConfig, logger: quietLogger() });
}

async function queueDepth(operator: RunningOperator): Promise<number> {
  const gauge = operator.metrics.registry.getSingleMetric('vobiz_operator_queue_depth');
  if (gauge === undefined) throw new Error('the operator registers no vobiz_operator_queue_depth metric');
  const { values } = await gauge.get();
  return values[0]?.value ?? 0;
}

/**
 * Waits until the operator's work queue is empty and no reconcile has finished for `quietMs`,
 * which also covers a reconcile that was running when the queue emptied, unless one takes
 * longer than `quietMs`.
 */
export async function waitForQuiet(operator: RunningOperator, options: { quietMs: number; timeoutMs: number }): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let reconciles = await counterTotal(operator.metrics.reconciles);
  let quietSince = performance.now();

  while (performance.now() < deadline) {
    await sleep(Math.min(250, options.quietMs));

    const current = await counterTotal(operator.metrics.reconciles);
    if (current !== reconciles || (await queueDepth(operator)) > 0) {
      reconciles = current;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= options.quietMs) {
      return;
    }
  }
  throw new Error(`timed out after ${options.timeoutMs / 1_000} s waiting for the operator's work queue to stay empty for ${options.quietMs} ms`);
}
