/**
 * A token bucket: `ratePerSecond` tokens are added per second up to `burst`, and each take
 * removes one. Time is passed in, so the bucket has no timers of its own.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private tokens: number;
  private updatedAtMs: number;

  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`token bucket needs ratePerSecond > 0 and burst >= 1, got ${ratePerSecond} and ${burst}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = burst;
    this.updatedAtMs = nowMs;
  }

  /** Takes a token and returns 0, or returns how many milliseconds until one is available. */
  tryTake(nowMs: number): number {
    const elapsedSeconds = Math.max(0, nowMs - this.updatedAtMs) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsedSeconds * this.ratePerSecond);
    this.updatedAtMs = nowMs;

    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }
}
