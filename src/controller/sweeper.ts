/**
 * Runs a sweep every interval and stores complete ones in the snapshot. After an incomplete
 * sweep the next try comes sooner, with exponential backoff capped at the interval, so one
 * failed page does not leave the operator blind for a whole interval.
 */
import type { Logger } from '../log.ts';
import type { VobizApi } from '../vobiz/types.ts';
import { isUnauthorized } from './credential-alarm.ts';
import type { NumberSnapshot } from './snapshot.ts';
import { IncompleteSweepError, listAllOwnedNumbers, SWEEP_PAGE_SIZE } from './sweep.ts';

export interface SweepMetrics {
  onPage(): void;
  onSweep(result: 'complete' | 'incomplete', durationSeconds: number, completedAt?: Date): void;
}

export interface SweeperOptions {
  vobiz: VobizApi;
  snapshot: NumberSnapshot;
  intervalMs: number;
  /** First retry delay after an incomplete sweep; doubles up to `intervalMs`. */
  retryBaseMs?: number;
  perPage?: number;
  logger: Logger;
  metrics?: SweepMetrics;
  /** Called after each complete sweep, once the snapshot contains it. */
  onComplete: () => void;
  /** Called with the error of each incomplete sweep. */
  onIncomplete?: (error: unknown) => void;
  now?: () => number;
}

export class Sweeper {
  private readonly options: SweeperOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failuresInARow = 0;

  constructor(options: SweeperOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Starts sweeping now and then every interval. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.running;
  }

  /** Runs one sweep now unless one is running; resolves when it has finished. */
  async sweepNow(): Promise<void> {
    if (this.running !== undefined) {
      return this.running;
    }
    this.running = this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) {
      return;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweepNow().then(() => this.schedule(this.nextDelayMs()));
    }, delayMs);
  }

  private nextDelayMs(): number {
    if (this.failuresInARow === 0) {
      return this.options.intervalMs;
    }
    const base = this.options.retryBaseMs ?? 5_000;
    return Math.min(this.options.intervalMs, base * 2 ** (this.failuresInARow - 1));
  }

  private async sweep(): Promise<void> {
    const { vobiz, snapshot, logger, metrics } = this.options;
    const startedAtMs = this.now();

    try {
      const listing = await listAllOwnedNumbers(vobiz, this.options.perPage ?? SWEEP_PAGE_SIZE, { onPage: () => metrics?.onPage() });
      const completedAt = new Date(this.now());
      snapshot.replace(listing.numbers, startedAtMs, completedAt);
      this.failuresInARow = 0;

      const durationSeconds = (this.now() - startedAtMs) / 1000;
      metrics?.onSweep('complete', durationSeconds, completedAt);
      logger.debug({ numbers: listing.numbers.length, pages: listing.pages, durationSeconds }, 'sweep complete');
    } catch (error) {
      this.failuresInARow += 1;
      metrics?.onSweep('incomplete', (this.now() - startedAtMs) / 1000);

      const pages = error instanceof IncompleteSweepError ? error.pages : undefined;
      // The credential alarm reports a 401 once per window, so it is logged here at debug level only.
      const level = isUnauthorized(error) ? 'debug' : 'warn';
      logger[level](
        { err: error, pages, retryInMs: this.nextDelayMs() },
        'sweep incomplete; keeping the last complete snapshot and retrying',
      );
      this.notifyIncomplete(error);
      return;
    }

    try {
      this.options.onComplete();
    } catch (error) {
      logger.error({ err: error }, 'handling a complete sweep failed');
    }
  }

  private notifyIncomplete(error: unknown): void {
    try {
      this.options.onIncomplete?.(error);
    } catch (callbackError) {
      this.options.logger.error({ err: callbackError }, 'handling an incomplete sweep failed');
    }
  }
}
