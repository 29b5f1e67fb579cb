/**
 * Purchase totals per currency. Fees are summed in ten-thousandths of a unit, so 3 × 1.15 is
 * 3.45 and not 3.4499999999999997.
 *
 * NOTE: a fee with more than 4 decimals is rounded to 4 before it is summed.
 */
import type { CurrencyTotal, PlanEntry } from './model.ts';

const SCALE = 10_000;

function toUnits(amount: number): number {
  return Math.round(amount * SCALE);
}

/** Sums the setup and monthly fees of every priced purchase in `entries`, per currency. */
export function purchaseTotals(entries: readonly PlanEntry[]): CurrencyTotal[] {
  const sums = new Map<string, { setup: number; monthly: number }>();

  for (const entry of entries) {
    for (const planned of entry.actions) {
      if (planned.price === undefined) continue;
      const sum = sums.get(planned.price.currency) ?? { setup: 0, monthly: 0 };
      sum.setup += toUnits(planned.price.setupFee);
      sum.monthly += toUnits(planned.price.monthlyFee);
      sums.set(planned.price.currency, sum);
    }
  }

  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, sum]) => ({ currency, setupFee: sum.setup / SCALE, monthlyFee: sum.monthly / SCALE }));
}

/** Returns the amount Vobiz debits at purchase: the setup fee plus the first month. */
export function debitAtPurchase(total: CurrencyTotal): number {
  return (toUnits(total.setupFee) + toUnits(total.monthlyFee)) / SCALE;
}

const moneyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4, useGrouping: false });

/** Formats an amount with 2 to 4 decimals and no grouping, such as `1.15` or `20000.00`. */
export function formatMoney(amount: number): string {
  return moneyFormat.format(amount);
}
