/**
 * A keyed work queue in the style of client-go's `workqueue`: a key is queued at most once
 * (dedup), is never handled by two workers at once, and a key added while it is being handled
 * is handled again afterwards. Failed keys come back after a per-key exponential backoff with
 * jitter; a handler can also ask for a key to come back after a given delay. A global token
 * bucket limits how many keys start per second, and `maxConcurrency` how many run at once.
 */
import { TokenBucket } from './token-bucket.ts';

/** Result the handler reports for one key. A thrown error counts as `{ outcome: 'error' }`. */
export type HandlerResult =
  | { outcome: 'success' }
  | { outcome: 'requeue'; afterMs: number }
  /** `afterMs` overrides the backoff, for example with Vobiz's Retry-After. */
  | { outcome: 'error'; afterMs?: number };

export type Handler = (key: string) => Promise<HandlerResult>;

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of each delay that is random, from 0 (none) to 1. */
  jitter: number;
}

export interface WorkQueueOptions {
  maxConcurrency: number;
  /** Keys started per second, across all keys, and the burst above that rate. */
  rateLimit: { perSecond: number; burst: number };
  backoff?: BackoffOptions;
  random?: () => number;
  now?: () => number;
  /** Called when a handler throws; the queue then backs the key off. */
  onHandlerError?: (key: string, error: unknown) => void;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 300_000, jitter: 0.2 };

/** Maximum delay `setTimeout` accepts (about 24.8 days); Node.js fires a longer one after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Returns the delay before the `failures`-th retry: base × 2^(failures−1), capped, with jitter. */
export function backoffDelayMs(failures: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, failures - 1);
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(exponent, 30));
  return Math.round(capped * (1 - options.jitter) + capped * options.jitter * random());
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { atMs: number; timer: NodeJS.Timeout }>();
  private readonly bucket: TokenBucket;
  private readonly options: WorkQueueOptions;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly now: () => number;
  private handler: Handler | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be an integer >= 1, got ${options.maxConcurrency}`);
    }
    this.options = options;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.bucket = new TokenBucket(options.rateLimit.perSecond, options.rateLimit.burst, this.now());
  }

  /** Keys waiting to be handled, excluding those being handled and those waiting on a timer. */
  get depth(): number {
    return this.queue.length;
  }

  /** Keys being handled right now. */
  get active(): number {
    return this.processing.size;
  }

  /** True when the key waits on a timer to be queued again, for example a handler's requeue. */
  hasDelayed(key: string): boolean {
    return this.delayed.has(key);
  }

  /** Number of failures in a row recorded for a key. */
  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Queues a key unless it is already queued. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) {
      return;
    }
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.pump();
    }
  }

  /** Queues a key after `delayMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) {
      return;
    }
    if (delayMs <= 0) {
      this.add(key);
      return;
    }

    // A longer delay ends early and the handler requeues the key for the remainder.
    delayMs = Math.min(delayMs, MAX_TIMER_MS);
    const atMs = this.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.atMs <= atMs) {
        return;
      }
      clearTimeout(pending.timer);
    }

    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { atMs, timer });
  }

  /** Records a failure for the key and queues it again after its backoff delay. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delayMs = backoffDelayMs(failures, this.backoff, this.random);
    this.addAfter(key, delayMs);
    return delayMs;
  }

  /** Clears the failure count of a key, so its next failure starts the backoff again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Starts handling keys with `handler`. */
  start(handler: Handler): void {
    this.handler = handler;
    this.pump();
  }

  /** Stops starting keys, cancels delayed keys and waits for running handlers to finish. */
  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const pending of this.delayed.values()) {
      clearTimeout(pending.timer);
    }
    this.delayed.clear();
    if (this.pumpTimer !== undefined) {
      clearTimeout(this.pumpTimer);
      this.pumpTimer = undefined;
    }
    this.queue.length = 0;
    this.dirty.clear();

    if (this.processing.size > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private pump(): void {
    const handler = this.handler;
    if (handler === undefined) {
      return;
    }

    while (!this.shuttingDown && this.processing.size < this.options.maxConcurrency && this.queue.length > 0) {
      const waitMs = this.bucket.tryTake(this.now());
      if (waitMs > 0) {
        this.pumpTimer ??= setTimeout(() => {
          this.pumpTimer = undefined;
          this.pump();
        }, waitMs);
        return;
      }

      const key = this.queue.shift() as string;
      this.dirty.delete(key);
      this.processing.add(key);
      void this.process(handler, key);
    }
  }

  private async process(handler: Handler, key: string): Promise<void> {
    let result: HandlerResult;
    try {
      result = await handler(key);
    } catch (error) {
      this.options.onHandlerError?.(key, error);
      result = { outcome: 'error' };
    }

    this.processing.delete(key);
    this.applyResult(key, result);

    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
    }
    if (this.processing.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
    this.pump();
  }

  private applyResult(key: string, result: HandlerResult): void {
    switch (result.outcome) {
      case 'success':
        this.forget(key);
        return;
      case 'requeue':
        this.forget(key);
        this.addAfter(key, result.afterMs);
        return;
      case 'error':
        if (result.afterMs === undefined) {
          this.addRateLimited(key);
        } else {
          this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
          this.addAfter(key, Math.max(result.afterMs, backoffDelayMs(this.failureCount(key), this.backoff, this.random)));
        }
        return;
    }
  }
}
