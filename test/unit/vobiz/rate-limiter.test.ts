import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { RateLimiter } from '../../../src/vobiz/rate-limiter.ts';

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function limiter(requestsPerSecond: number, burst: number, maxConcurrency: number): RateLimiter {
    return new RateLimiter({ requestsPerSecond, burst, maxConcurrency, now: () => Date.now() });
  }

  it('grants the burst at once', async () => {
    const rateLimiter = limiter(1, 3, 10);
    const permits = await Promise.all([rateLimiter.acquire(), rateLimiter.acquire(), rateLimiter.acquire()]);
    expect(permits.map((permit) => permit.waitMs)).toEqual([0, 0, 0]);
  });

  it('spaces requests beyond the burst at the rate', async () => {
    const rateLimiter = limiter(2, 1, 10);
    await rateLimiter.acquire();

    let granted = false;
    const second = rateLimiter.acquire().then((permit) => {
      granted = true;
      return permit;
    });

    await vi.advanceTimersByTimeAsync(400);
    expect(granted).toBe(false);

    await vi.advanceTimersByTimeAsync(100);
    expect(granted).toBe(true);
    expect((await second).waitMs).toBe(500);
  });

  it('holds requests beyond the concurrency limit until a release', async () => {
    const rateLimiter = limiter(100, 100, 1);
    const first = await rateLimiter.acquire();

    let granted = false;
    const second = rateLimiter.acquire().then((permit) => {
      granted = true;
      return permit;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(granted).toBe(false);
    expect(rateLimiter.pending).toBe(1);

    first.release();
    await second;
    expect(granted).toBe(true);
    expect(rateLimiter.active).toBe(1);
  });

  it('ignores a second release of the same permit', async () => {
    const rateLimiter = limiter(100, 100, 2);
    const permit = await rateLimiter.acquire();
    await rateLimiter.acquire();

    permit.release();
    permit.release();
    expect(rateLimiter.active).toBe(1);
  });

  it('grants nothing while paused', async () => {
    const rateLimiter = limiter(100, 100, 10);
    rateLimiter.pauseFor(1000);

    let granted = false;
    const waiting = rateLimiter.acquire().then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(granted).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(granted).toBe(true);
  });

  it('serves waiters first come, first served', async () => {
    const rateLimiter = limiter(10, 1, 10);
    const order: number[] = [];
    const waiters = [1, 2, 3].map((index) => rateLimiter.acquire().then(() => order.push(index)));

    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
  });

  it.each([
    ['requestsPerSecond', { requestsPerSecond: 0, burst: 1, maxConcurrency: 1 }],
    ['burst', { requestsPerSecond: 1, burst: 0.5, maxConcurrency: 1 }],
    ['maxConcurrency', { requestsPerSecond: 1, burst: 1, maxConcurrency: -1 }],
  ])('rejects an invalid %s', (name, options) => {
    expect(() => new RateLimiter(options)).toThrow(name);
  });
});
