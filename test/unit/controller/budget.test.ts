import { describe, expect, it } from 'vitest';

import { PurchaseBudget, purchaseTimesFromStatus } from '../../../src/controller/budget.ts';
import { phoneNumber } from './support/fakes.ts';

const NOW_MS = Date.parse('2026-07-01T12:00:00Z');
const MINUTE_MS = 60_000;

function budget(maxPurchasesPerHour: number): PurchaseBudget {
  return new PurchaseBudget({ maxPurchasesPerHour, maxMonthlyFee: new Map() });
}

describe('PurchaseBudget.nextPurchaseAllowedAt', () => {
  it('allows purchases below the hourly limit', () => {
    const limited = budget(2);
    limited.recordPurchase(NOW_MS - 10 * MINUTE_MS);
    expect(limited.nextPurchaseAllowedAt(NOW_MS)).toBeUndefined();
  });

  it('frees a slot an hour after the oldest counted purchase', () => {
    const limited = budget(2);
    limited.recordPurchase(NOW_MS - 50 * MINUTE_MS);
    limited.recordPurchase(NOW_MS - 10 * MINUTE_MS);
    expect(limited.nextPurchaseAllowedAt(NOW_MS)).toEqual(new Date(NOW_MS + 10 * MINUTE_MS));
  });

  it('counts purchases recorded in status after a restart', () => {
    const restarted = budget(2);
    const recorded = [NOW_MS - 30 * MINUTE_MS, NOW_MS - 20 * MINUTE_MS, NOW_MS - 90 * MINUTE_MS];
    expect(restarted.nextPurchaseAllowedAt(NOW_MS, recorded)).toEqual(new Date(NOW_MS + 30 * MINUTE_MS));
  });

  it('takes the larger of its history and the recorded times', () => {
    const limited = budget(2);
    limited.recordPurchase(NOW_MS - 5 * MINUTE_MS);
    limited.recordPurchase(NOW_MS - 4 * MINUTE_MS);
    expect(limited.nextPurchaseAllowedAt(NOW_MS, [NOW_MS - 5 * MINUTE_MS])).toEqual(new Date(NOW_MS + 55 * MINUTE_MS));
  });

  it('never allows a purchase with a limit of 0', () => {
    expect(budget(0).nextPurchaseAllowedAt(NOW_MS)).toEqual(new Date(NOW_MS + 60 * MINUTE_MS));
  });
});

describe('PurchaseBudget.exclusive', () => {
  it('runs one piece of work at a time, in order', async () => {
    const limited = budget(1);
    const steps: string[] = [];
    const work = (name: string) => async () => {
      steps.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      steps.push(`${name} end`);
    };

    await Promise.all([limited.exclusive(work('a')), limited.exclusive(work('b'))]);

    expect(steps).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('goes on after a failed piece of work', async () => {
    const limited = budget(1);
    const failed = limited.exclusive(async () => {
      throw new Error('purchase failed');
    });

    await expect(failed).rejects.toThrow('purchase failed');
    await expect(limited.exclusive(async () => 'next')).resolves.toBe('next');
  });
});

describe('purchaseTimesFromStatus', () => {
  it('reads purchasedAt and pending purchases', () => {
    const bought = { ...phoneNumber('bought', { e164: '+14155550100' }), status: { purchasedAt: '2026-07-01T11:30:00.123456Z' } };
    const pending = { ...phoneNumber('pending', { e164: '+14155550101' }), status: { pendingPurchase: { startedAt: '2026-07-01T11:59:00Z' } } };
    const fresh = phoneNumber('fresh', { e164: '+14155550102' });

    expect(purchaseTimesFromStatus([bought, pending, fresh])).toEqual([Date.parse('2026-07-01T11:30:00.123Z'), Date.parse('2026-07-01T11:59:00Z')]);
  });
});
