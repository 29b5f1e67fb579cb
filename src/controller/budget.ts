/**
 * Spend guardrails on purchases: at most `maxPurchasesPerHour` purchases in any rolling hour,
 * and per currency at most `maxMonthlyFee` in monthly fees across managed numbers.
 */
export interface BudgetLimits {
  maxPurchasesPerHour: number;
  /** Maximum total monthly fee per currency (ISO 4217 code); a currency absent here has no limit. */
  maxMonthlyFee: ReadonlyMap<string, number>;
}

const HOUR_MS = 3_600_000;

export class PurchaseBudget {
  readonly limits: BudgetLimits;
  // NOTE: the purchase history lives in memory, so a restarted operator may buy up to
  // maxPurchasesPerHour again within the same hour.
  private purchaseTimes: number[] = [];

  constructor(limits: BudgetLimits) {
    this.limits = limits;
  }

  /** Undefined when a purchase may start now, or the time the hourly budget frees a slot. */
  nextPurchaseAllowedAt(nowMs: number): Date | undefined {
    this.purchaseTimes = this.purchaseTimes.filter((at) => at > nowMs - HOUR_MS);
    if (this.purchaseTimes.length < this.limits.maxPurchasesPerHour) {
      return undefined;
    }
    const oldest = this.purchaseTimes[0] ?? nowMs;
    return new Date(oldest + HOUR_MS);
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
