import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { TokenBucket } from '../../../src/controller/token-bucket.ts';
import { WorkQueue, backoffDelayMs, type HandlerResult } from '../../../src/controller/work-queue.ts';

const FAST = { perSecond: 1_000, burst: 1_000 };
const NO_JITTER = { baseMs: 100, maxMs: 1_000, jitter: 0 };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('deduplicates a key queued twice', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, now: Date.now });
    const handled: string[] = [];
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect(queue.depth).toBe(2);

    queue.start(async (key) => {
      handled.push(key);
      return { outcome: 'success' };
    });
    await vi.runAllTimersAsync();

    expect(handled).toEqual(['a', 'b']);
  });

  it('handles a key re-added while running once more afterwards', async () => {
    const queue = new WorkQueue({ maxConcurrency: 4, rateLimit: FAST, now: Date.now });
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;

    queue.start(async () => {
      calls += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) {
        await gate.promise;
      }
      running -= 1;
      return { outcome: 'success' };
    });

    queue.add('a');
    await vi.advanceTimersByTimeAsync(0);
    queue.add('a');
    queue.add('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);

    gate.resolve();
    await vi.runAllTimersAsync();

    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('runs at most maxConcurrency keys at once', async () => {
    const queue = new WorkQueue({ maxConcurrency: 2, rateLimit: FAST, now: Date.now });
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;

    queue.start(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await gate.promise;
      running -= 1;
      return { outcome: 'success' };
    });
    for (const key of ['a', 'b', 'c', 'd']) {
      queue.add(key);
    }
    await vi.advanceTimersByTimeAsync(0);

    expect(queue.active).toBe(2);
    expect(queue.depth).toBe(2);

    gate.resolve();
    await vi.runAllTimersAsync();
    expect(maxRunning).toBe(2);
    expect(queue.depth).toBe(0);
  });

  it('backs a failing key off exponentially', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, backoff: NO_JITTER, now: Date.now });
    const times: number[] = [];
    const start = Date.now();

    queue.start(async () => {
      times.push(Date.now() - start);
      return times.length < 5 ? { outcome: 'error' } : { outcome: 'success' };
    });
    queue.add('a');
    await vi.advanceTimersByTimeAsync(5_000);

    expect(times).toEqual([0, 100, 300, 700, 1_500]);
    expect(queue.failureCount('a')).toBe(0);
  });

  it('treats a thrown error as a failure and reports it', async () => {
    const errors: unknown[] = [];
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, backoff: NO_JITTER, now: Date.now, onHandlerError: (_key, error) => errors.push(error) });
    let calls = 0;

    queue.start(async () => {
      calls += 1;
      if (calls === 1) {
        throw new Error('boom');
      }
      return { outcome: 'success' };
    });
    queue.add('a');
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('requeues after the delay the handler asks for', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, now: Date.now });
    const results: HandlerResult[] = [{ outcome: 'requeue', afterMs: 2_000 }, { outcome: 'success' }];
    let calls = 0;

    queue.start(async () => {
      const result = results[calls] ?? { outcome: 'success' };
      calls += 1;
      return result;
    });
    queue.add('a');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
  });

  it('uses an error delay given by the handler', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, backoff: NO_JITTER, now: Date.now });
    let calls = 0;

    queue.start(async () => {
      calls += 1;
      return calls === 1 ? { outcome: 'error', afterMs: 5_000 } : { outcome: 'success' };
    });
    queue.add('a');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
  });

  it('keeps the earlier of two delays for a key', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, now: Date.now });
    let calls = 0;
    queue.start(async () => {
      calls += 1;
      return { outcome: 'success' };
    });

    queue.addAfter('a', 1_000);
    queue.addAfter('a', 5_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
  });

  it('caps delays at the timer limit', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, now: Date.now });
    let calls = 0;
    queue.start(async () => {
      calls += 1;
      return { outcome: 'success' };
    });

    queue.addAfter('a', 40 * 24 * 3_600_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(calls).toBe(1);
  });

  it('starts keys no faster than the global rate limit', async () => {
    const queue = new WorkQueue({ maxConcurrency: 10, rateLimit: { perSecond: 2, burst: 1 }, now: Date.now });
    let calls = 0;
    queue.start(async () => {
      calls += 1;
      return { outcome: 'success' };
    });
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      queue.add(key);
    }

    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(5);
  });

  it('shutDown waits for running handlers and drops queued keys', async () => {
    const queue = new WorkQueue({ maxConcurrency: 1, rateLimit: FAST, now: Date.now });
    const gate = deferred();
    const handled: string[] = [];
    queue.start(async (key) => {
      handled.push(key);
      await gate.promise;
      return { outcome: 'success' };
    });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 1_000);
    await vi.advanceTimersByTimeAsync(0);

    let stopped = false;
    const stopping = queue.shutDown().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);

    gate.resolve();
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(handled).toEqual(['a']);
  });
});

describe('backoffDelayMs', () => {
  it('doubles up to the cap', () => {
    const delays = [1, 2, 3, 4, 5].map((failures) => backoffDelayMs(failures, NO_JITTER, () => 0.5));
    expect(delays).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('keeps jitter within the jitter fraction', () => {
    const options = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };
    expect(backoffDelayMs(1, options, () => 0)).toBe(800);
    expect(backoffDelayMs(1, options, () => 0.999_999)).toBe(1_000);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then one token per interval', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.tryTake(0)).toBe(0);
    expect(bucket.tryTake(0)).toBe(0);
    expect(bucket.tryTake(0)).toBe(100);
    expect(bucket.tryTake(100)).toBe(0);
  });

  it('rejects a zero rate', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(/ratePerSecond > 0/);
  });
});
