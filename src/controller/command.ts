/**
 * `vobiz-operator run`: parses flags and environment, starts the operator, and stops it cleanly
 * on SIGTERM or SIGINT (Kubernetes sends SIGTERM before it kills a pod).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { createLogger } from '../log.ts';
import { ConfigError, parseConfig, usage } from './config.ts';
import { startOperator } from './manager.ts';

/**
 * Maximum wait for reconciles in flight when stopping. A request to an API server that stopped
 * responding can hang, and a replica that lost leadership must still exit so that it restarts
 * and campaigns again. Leaving a reconcile unfinished is as safe as a crash.
 */
const STOP_TIMEOUT_MS = 20_000;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseConfig(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`vobiz-operator run: ${error.message}`);
      return 2;
    }
    throw error;
  }

  if (parsed.help) {
    console.log(usage());
    return 0;
  }

  const config = parsed.config;
  const logger = createLogger({ level: config.logLevel });

  let operator;
  try {
    operator = await startOperator(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'the operator failed to start');
    return 1;
  }

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

  let exitCode = 0;
  try {
    const signal = await Promise.race([signalled, operator.done.then(() => undefined)]);
    logger.info({ signal }, 'stopping');
  } catch (error) {
    logger.error({ err: error }, 'the operator stopped working; exiting');
    exitCode = 1;
  }

  const stopped = await Promise.race([operator.stop().then(() => true), sleep(STOP_TIMEOUT_MS, false, { ref: false })]);
  if (!stopped) {
    logger.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'stopping timed out; exiting with reconciles still in flight');
    // The hanging requests would keep the event loop, and so the process, alive.
    process.exit(exitCode === 0 ? 1 : exitCode);
  }
  return exitCode;
}
