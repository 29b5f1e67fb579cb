import { describe, expect, it } from 'vitest';

import { backoffDelayMs, parseRetryAfter } from '../../../src/vobiz/retry-policy.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-07-14T10:00:00Z');

  it('reads seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
  });

  it('reads fractional seconds', () => {
    expect(parseRetryAfter('0.5', now)).toBe(500);
  });

  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Tue, 14 Jul 2026 10:00:30 GMT', now)).toBe(30_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Tue, 14 Jul 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores missing and unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });
});

describe('backoffDelayMs', () => {
  const options = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles per attempt', () => {
    expect(backoffDelayMs(1, options, () => 0)).toBe(50);
    expect(backoffDelayMs(2, options, () => 0)).toBe(100);
    expect(backoffDelayMs(3, options, () => 0)).toBe(200);
  });

  it('adds up to half the delay as jitter', () => {
    expect(backoffDelayMs(1, options, () => 0.999)).toBe(100);
  });

  it('stops at the maximum', () => {
    expect(backoffDelayMs(10, options, () => 0.999)).toBe(1000);
  });
});
