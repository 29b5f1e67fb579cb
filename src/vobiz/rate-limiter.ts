/**
 * The client's one limiter for every Vobiz call: a token bucket (average rate and burst)
 * and a concurrency limit, served first come, first served. A 429 from Vobiz pauses it
 * for everyone, since the whole account shares Vobiz's limit.
 */

export interface RateLimiterOptions {
  /** Tokens added per second: the sustained request rate. */
  requestsPerSecond: number;
  /** Bucket size: how many requests may start at once after a quiet period. */
  burst: number;
  /** Requests in flight at most. */
  maxConcurrency: number;
  /** Monotonic clock in milliseconds; `performance.now` by default. */
  now?: () => number;
}

/** A granted request slot. Call `release()` when the request has finished; later calls are ignored. */
export interface RateLimiterPermit {
  /** Time spent waiting for the permit, in milliseconds. */
  waitMs: number;
  release(): void;
}

interface Waiter {
  enqueuedAt: number;
  resolve: (permit: RateLimiterPermit) => void;
}

function checkPositive(name: string, value: number, integer: boolean): void {
  const valid = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!valid) {
    throw new RangeError(`invalid rate limiter option ${name}=${value}: expected a positive ${integer ? 'integer' : 'number'}`);
  }
}

export class RateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #maxConcurrency: number;
  readonly #now: () => number;

  #tokens: number;
  #refilledAt: number;
  #pausedUntil = 0;
  #active = 0;
  #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    checkPositive('requestsPerSecond', options.requestsPerSecond, false);
    checkPositive('burst', options.burst, true);
    checkPositive('maxConcurrency', options.maxConcurrency, true);

    this.#ratePerMs = options.requestsPerSecond / 1000;
    this.#burst = options.burst;
    this.#maxConcurrency = options.maxConcurrency;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.burst;
    this.#refilledAt = this.#now();
  }

  /** Requests waiting for a permit. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Requests holding a permit. */
  get active(): number {
    return this.#active;
  }

  acquire(): Promise<RateLimiterPermit> {
    return new Promise((resolve) => {
      this.#queue.push({ enqueuedAt: this.#now(), resolve });
      this.#pump();
    });
  }

  /** Grants no permit for `ms` milliseconds from now, for example after a 429 with `Retry-After`. */
  pauseFor(ms: number): void {
    const until = this.#now() + Math.max(0, ms);
    if (until <= this.#pausedUntil) return;

    this.#pausedUntil = until;
    this.#schedule(ms);
  }

  #refill(now: number): void {
    const elapsed = now - this.#refilledAt;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
    this.#refilledAt = now;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#active >= this.#maxConcurrency) return;

      const now = this.#now();
      if (now < this.#pausedUntil) {
        this.#schedule(this.#pausedUntil - now);
        return;
      }

      this.#refill(now);
      if (this.#tokens < 1) {
        this.#schedule((1 - this.#tokens) / this.#ratePerMs);
        return;
      }

      const waiter = this.#queue.shift();
      if (waiter === undefined) return;

      this.#tokens -= 1;
      this.#active += 1;
      waiter.resolve({ waitMs: now - waiter.enqueuedAt, release: this.#releaseOnce() });
    }
  }

  #releaseOnce(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active -= 1;
      this.#pump();
    };
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);

    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, Math.max(1, Math.ceil(delayMs)));
  }
}
