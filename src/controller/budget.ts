/**
 * Spend guardrails on purchases: at most `maxPurchasesPerHour` purchases in any rolling hour,
 * and per currency at most `maxMonthlyFee` in monthly fees across managed numbers.
 *
 * The monthly fee of a number counts in the currency Vobiz lists it in (the `currency` of the
 * number and of its inventory offer), which is also the currency of the
 * `vobiz_operator_monthly_fees` metric. `spec.currency` only chooses the currency a purchase is
 * paid in: the operator knows no exchange rate, so it never converts a fee.
 */
import type { PhoneNumber } from '../api/phone-number.ts';

export interface BudgetLimits {
  maxPurchasesPerHour: number;
  /** Maximum total monthly fee per currency (ISO 4217 code); a currency absent here has no limit. */
  maxMonthlyFee: ReadonlyMap<string, number>;
}

const HOUR_MS = 3_600_000;

/**
 * Returns the purchase times recorded in PhoneNumber statuses, in milliseconds: `purchasedAt`
 * as Vobiz reported it, and the start of every pending purchase. They survive a restart, unlike
 * the budget's own history. A number the account bought outside the operator and a resource
 * then adopted counts too, which errs on the side of buying less.
 */
export function purchaseTimesFromStatus(resources: readonly PhoneNumber[]): number[] {
  const times: number[] = [];
  for (const resource of resources) {
    for (const text of [resource.status?.purchasedAt, resource.status?.pendingPurchase?.startedAt]) {
      const ms = text === undefined ? Number.NaN : Date.parse(text);
      if (!Number.isNaN(ms)) {
        times.push(ms);
      }
    }
  }
  return times;
}

export class PurchaseBudget {
  readonly limits: BudgetLimits;
  /** Purchases this process started, in milliseconds, including those that failed. */
  private purchaseTimes: number[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(limits: BudgetLimits) {
    this.limits = limits;
  }

  /**
   * Runs `work` after every earlier `exclusive` call has finished, so a budget check and the
   * purchase it allows are never interleaved with another purchase.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Undefined when a purchase may start now, or the time the hourly budget frees a slot.
   *
   * The count in the last hour is the larger of this process's own history and
   * `recordedTimes` (see `purchaseTimesFromStatus`). Each alone can miss purchases: the history
   * starts empty after a restart, and statuses lose the purchases of deleted resources.
   */
  nextPurchaseAllowedAt(nowMs: number, recordedTimes: readonly number[] = []): Date | undefined {
    const windowStart = nowMs - HOUR_MS;
    this.purchaseTimes = this.purchaseTimes.filter((at) => at > windowStart);
    const recorded = recordedTimes.filter((at) => at > windowStart && at <= nowMs).sort((a, b) => a - b);

    // NOTE: a resource deleted before a restart leaves no trace, so right after a restart the
    // operator can buy more than maxPurchasesPerHour in the hour that the deleted resources' purchases fall in.
    const times = recorded.length > this.purchaseTimes.length ? recorded : this.purchaseTimes;
    if (times.length < this.limits.maxPurchasesPerHour) {
      return undefined;
    }

    // The slot frees when enough of the counted purchases have left the window.
    const freeing = times[times.length - this.limits.maxPurchasesPerHour] ?? nowMs;
    return new Date(freeing + HOUR_MS);
  }

  /** Counts a purchase against the hourly budget; call it before the request, so failures count too. */
  recordPurchase(nowMs: number): void {
    this.purchaseTimes.push(nowMs);
  }

  /** True when adding `monthlyFee` to `currentTotal` would exceed the currency's monthly-fee budget. */
  exceedsMonthlyFee(currency: string, currentTotal: number, monthlyFee: number): boolean {
    const limit = this.limits.maxMonthlyFee.get(currency);
    return limit !== undefined && currentTotal + monthlyFee > limit;
  }
}
