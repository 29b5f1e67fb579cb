/**
 * Runs one benchmark script to the end in bounded time. A watchdog stops it after a time limit,
 * and SIGINT or SIGTERM stop it early. In every case the cleanup steps it registered (operators,
 * simulators, the control plane and its temporary folder) run in reverse order.
 */
import { progress } from './markdown.ts';
import { UsageError } from './options.ts';

export type CleanupStep = () => Promise<void>;

export class Cleanup {
  readonly #steps: Array<{ name: string; step: CleanupStep }> = [];

  /** Registers a step; steps run last-registered first. */
  add(name: string, step: CleanupStep): void {
    this.#steps.push({ name, step });
  }

  /** Runs the step last registered as `name` now and removes it, for resources that a loop starts and stops again. */
  async runNow(name: string): Promise<void> {
    const index = this.#steps.findLastIndex((entry) => entry.name === name);
    const [entry] = index === -1 ? [] : this.#steps.splice(index, 1);
    await entry?.step();
  }

  /** Runs every registered step once, logging and skipping a step that fails. */
  async runAll(): Promise<void> {
    for (let entry = this.#steps.pop(); entry !== undefined; entry = this.#steps.pop()) {
      try {
        await entry.step();
      } catch (error) {
        progress(`cleanup step "${entry.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** Formats a failure: a usage error without a stack trace, anything else (possibly a bug in the benchmark) with one. */
function describeFailure(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

export interface BenchmarkOptions {
  /** Wall-clock limit for the whole script; the watchdog stops it with exit code 1 after that. */
  timeoutMs: number;
}

/**
 * Runs `body`, writes its Markdown to standard output, cleans up and exits. The explicit exit
 * ends the process even when a library leaves a handle open, such as a keep-alive socket.
 */
export async function runBenchmark(name: string, options: BenchmarkOptions, body: (cleanup: Cleanup) => Promise<string>): Promise<never> {
  const cleanup = new Cleanup();
  let exitCode = 0;
  let stopping = false;

  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    progress(`${name}: ${reason}; cleaning up`);
    await cleanup.runAll();
    process.exit(1);
  };

  const watchdog = setTimeout(() => void stop(`timed out after ${options.timeoutMs / 1_000} s`), options.timeoutMs);
  process.once('SIGINT', () => void stop('interrupted by SIGINT'));
  process.once('SIGTERM', () => void stop('stopped by SIGTERM'));

  let output = '';
  try {
    output = await body(cleanup);
  } catch (error) {
    exitCode = 1;
    progress(`${name} failed: ${describeFailure(error)}`);
  } finally {
    clearTimeout(watchdog);
  }

  if (!stopping) await cleanup.runAll();

  // Writing through the callback makes sure a piped standard output is flushed before exit.
  await new Promise<void>((resolve) => process.stdout.write(output === '' ? '' : `${output}\n`, () => resolve()));
  process.exit(exitCode);
}
