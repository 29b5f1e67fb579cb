import { describe, expect, it } from 'vitest';

import { FaultInjector, retryAfterHeader } from '../../../src/simulator/faults.ts';

describe('FaultInjector', () => {
  it('fires a rule with times only that often', () => {
    const faults = new FaultInjector();
    faults.configure({ rules: [{ operation: 'purchase', times: 2, action: { type: 'error', status: 503 } }] });

    const outcomes = [1, 2, 3].map(() => faults.decide('before', { operation: 'purchase' }).outcome?.type);
    expect(outcomes).toEqual(['respond', 'respond', undefined]);
    expect(faults.current().rules?.[0]?.times).toBe(0);
  });

  it('matches operation, number, page and phase', () => {
    const faults = new FaultInjector();
    faults.configure({ rules: [{ operation: 'listNumbers', page: 2, action: { type: 'drop' } }] });

    expect(faults.decide('before', { operation: 'listNumbers', page: 1 }).outcome).toBeUndefined();
    expect(faults.decide('after', { operation: 'listNumbers', page: 2 }).outcome).toBeUndefined();
    expect(faults.decide('before', { operation: 'purchase', page: 2 }).outcome).toBeUndefined();
    expect(faults.decide('before', { operation: 'listNumbers', page: 2 }).outcome).toEqual({ type: 'drop' });
  });

  it('adds delays and keeps the first error', () => {
    const faults = new FaultInjector();
    faults.configure({
      rules: [
        { action: { type: 'delay', ms: 10 } },
        { action: { type: 'error', status: 502 } },
        { action: { type: 'error', status: 500 } },
        { action: { type: 'delay', ms: 5 } },
      ],
    });

    const decision = faults.decide('before', { operation: 'getAccount' });
    expect(decision.delayMs).toBe(15);
    expect(decision.outcome).toMatchObject({ type: 'respond', status: 502 });
  });

  it('repeats the same draws for the same seed', () => {
    const draw = (): boolean[] => {
      const faults = new FaultInjector();
      faults.configure({ randomSeed: 42, rules: [{ probability: 0.5, action: { type: 'error', status: 500 } }] });
      return Array.from({ length: 20 }, () => faults.decide('before', { operation: 'listNumbers' }).outcome !== undefined);
    };

    const first = draw();
    expect(draw()).toEqual(first);
    expect(first.some(Boolean)).toBe(true);
    expect(first.every(Boolean)).toBe(false);
  });

  it('answers 429 above the configured rate', () => {
    const faults = new FaultInjector();
    faults.configure({ rateLimit: { requestsPerSecond: 2, retryAfterSeconds: 3 } });

    expect(faults.checkRate(0)).toBeUndefined();
    expect(faults.checkRate(100)).toBeUndefined();
    expect(faults.checkRate(200)).toBe(3);
    expect(faults.checkRate(1000)).toBeUndefined();
  });

  it('writes Retry-After as seconds or as an HTTP date rounded up', () => {
    const nowMs = Date.parse('2026-07-14T10:11:12.300Z');

    expect(retryAfterHeader(3, undefined, nowMs)).toBe('3');
    expect(retryAfterHeader(3, 'seconds', nowMs)).toBe('3');
    expect(retryAfterHeader(3, 'http-date', nowMs)).toBe('Tue, 14 Jul 2026 10:11:16 GMT');
  });

  it('rejects an unknown Retry-After format', () => {
    const faults = new FaultInjector();
    const rule = { action: { type: 'error', status: 429, retryAfterSeconds: 1, retryAfterFormat: 'date' } };

    expect(() => faults.configure({ rules: [rule as never] })).toThrow('rules[0].action.retryAfterFormat');
    expect(() => faults.configure({ rateLimit: { requestsPerSecond: 1, retryAfterFormat: 'date' as never } })).toThrow('rateLimit.retryAfterFormat');
  });

  it('rejects an invalid rule naming the field', () => {
    const faults = new FaultInjector();
    expect(() => faults.configure({ rules: [{ action: { type: 'error', status: 200 } }] })).toThrow('rules[0].action.status');
    expect(() => faults.configure({ rules: [{ times: 0, action: { type: 'drop' } }] })).toThrow('rules[0].times');
  });
});
