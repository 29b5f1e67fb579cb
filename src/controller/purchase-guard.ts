/**
 * The spend check before a purchase: the hourly purchase budget first, then, when a monthly-fee
 * budget is set, the number's listed monthly fee against the managed total in the currency
 * Vobiz lists it in. The caller runs the check and the purchase inside
 * `PurchaseBudget.exclusive`, so the totals it reads include every earlier purchase.
 */
import type { VobizApi } from '../vobiz/types.ts';
import type { Action } from './actions.ts';
import type { PurchaseBudget } from './budget.ts';
import { SLOW_RETRY_MS, SYNCED_OK, type Failure } from './failures.ts';
import type { OperatorMetrics } from './metrics.ts';

export interface PurchaseCheck {
  budget: PurchaseBudget;
  vobiz: VobizApi;
  /** Monthly fees of managed numbers by currency. */
  monthlyFees: ReadonlyMap<string, number>;
  /** Purchase times read from PhoneNumber statuses, in milliseconds; see `purchaseTimesFromStatus`. */
  recordedPurchaseTimes?: readonly number[];
  action: Extract<Action, { type: 'purchase' }>;
  nowMs: number;
  metrics?: OperatorMetrics;
}

function budgetExceeded(message: string, afterMs: number): Failure {
  return {
    ready: { status: 'False', reason: 'PurchaseBudgetExceeded', message },
    synced: SYNCED_OK,
    state: 'error',
    result: { outcome: 'requeue', afterMs },
  };
}

/**
 * Returns a Failure when a spend guardrail holds the purchase back. Otherwise counts the
 * purchase against the hourly budget and returns undefined.
 */
export async function checkPurchaseBudget(check: PurchaseCheck): Promise<Failure | undefined> {
  const { budget, vobiz, action, nowMs, metrics } = check;

  const allowedAt = budget.nextPurchaseAllowedAt(nowMs, check.recordedPurchaseTimes);
  if (allowedAt !== undefined) {
    metrics?.purchaseBudgetExceeded.inc({ budget: 'purchases_per_hour' });
    return budgetExceeded(
      `The operator bought at least ${budget.limits.maxPurchasesPerHour} numbers in the last hour (--max-purchases-per-hour), so it buys ${action.e164} after ${allowedAt.toISOString()}.`,
      Math.max(1_000, allowedAt.getTime() - nowMs),
    );
  }

  if (budget.limits.maxMonthlyFee.size > 0) {
    const offers = await vobiz.searchInventory({ search: action.e164, perPage: 10 });
    const offer = offers.items.find((item) => item.e164 === action.e164);

    // A number not for sale passes: the purchase then fails with 404 and buys nothing.
    if (offer !== undefined) {
      // The budget and the total are both in the listed currency, even when spec.currency
      // makes Vobiz charge the purchase in another one.
      const currency = offer.currency;
      const current = check.monthlyFees.get(currency) ?? 0;

      if (budget.exceedsMonthlyFee(currency, current, offer.monthlyFee)) {
        metrics?.purchaseBudgetExceeded.inc({ budget: 'monthly_fee' });
        const total = Math.round((current + offer.monthlyFee) * 100) / 100;
        return budgetExceeded(
          `Buying ${action.e164} (monthly fee ${offer.monthlyFee} ${currency}) would take managed monthly fees from ${current} to ${total} ${currency}, above --max-monthly-fee ${currency}=${budget.limits.maxMonthlyFee.get(currency)}. Raise that budget or release numbers.`,
          SLOW_RETRY_MS,
        );
      }
    }
  }

  budget.recordPurchase(nowMs);
  return undefined;
}
