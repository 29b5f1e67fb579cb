/**
 * `vobiz-operator run`: parses flags and environment, starts the operator, and stops it cleanly
 * on SIGTERM or SIGINT (Kubernetes sends SIGTERM before it kills a pod).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { createLogger } from '../log.ts';
import { ConfigError, RUN_EXIT, STOP_TIMEOUT_MS, parseConfig, usage } from './config.ts';
import { startOperator } from './manager.ts';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseConfig(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`vobiz-operator run: ${error.message}`);
      return RUN_EXIT.usage;
    }
    throw error;
  }

  if (parsed.help) {
    console.log(usage());
    return RUN_EXIT.ok;
  }

  const config = parsed.config;
  const logger = createLogger({ level: config.logLevel });

  let operator;
  try {
    operator = await startOperator(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'the operator failed to start');
    return RUN_EXIT.failure;
  }

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

  let exitCode: number = RUN_EXIT.ok;
  try {
    const signal = await Promise.race([signalled, operator.done.then(() => undefined)]);
    logger.info({ signal }, 'stopping');
  } catch (error) {
    logger.error({ err: error }, 'the operator stopped working; exiting');
    exitCode = RUN_EXIT.failure;
  }

  const stopped = await Promise.race([operator.stop().then(() => true), sleep(STOP_TIMEOUT_MS, false, { ref: false })]);
  if (!stopped) {
    logger.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'stopping timed out; exiting with reconciles still in flight');
    // The hanging requests would keep the event loop, and so the process, alive.
    process.exit(RUN_EXIT.failure);
  }
  return exitCode;
}
