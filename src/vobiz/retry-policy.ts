/**
 * When the client retries a call and how long it waits first: exponential backoff with
 * jitter, or exactly the wait that a `Retry-After` header requests.
 */

export interface RetryOptions {
  /** Attempts in all, the first included; 1 disables retries. */
  maxAttempts: number;
  /** Backoff before the second attempt, in milliseconds; it doubles on each further attempt. */
  baseDelayMs: number;
  /** Upper bound of the exponential backoff, in milliseconds. */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` the client waits for inside one call, in milliseconds. A longer
   * request fails with `VOBIZ_RATE_LIMITED` and its `retryAfterMs`, so the caller can requeue.
   */
  maxRetryAfterMs?: number;
}

/** Three attempts in all, as Vobiz's own SDKs make. */
export const defaultRetryOptions: Required<RetryOptions> = {
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Parses `Retry-After` (delay in seconds, or an HTTP date) into milliseconds from `nowMs`.
 * Returns undefined when the header is missing or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;

  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }

  // An HTTP date always names a weekday and month; this keeps "-1" from parsing as the year 1 BC.
  const date = /[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Backoff before attempt `attempt + 1` (attempt counts from 1), with "equal jitter": half
 * of the exponential delay is fixed and half is random, so delays still grow while
 * concurrent callers spread out. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const exponential = options.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxDelayMs, exponential);
  return Math.round(capped / 2 + random() * (capped / 2));
}
