/**
 * The plan as JSON for CI (`plan --output json`). `formatVersion` changes when a field is
 * renamed or removed; new fields may be added within a version.
 */
import type { CurrencyTotal, EntryOutcome, PlanEntry, PlanReport } from './model.ts';
import { debitAtPurchase } from './totals.ts';

export interface PlanSummary {
  /** True when no Vobiz action would run and nothing is invalid or has a problem. */
  nothingToDo: boolean;
  purchases: number;
  actions: number;
  resources: Record<EntryOutcome, number>;
  invalidManifests: number;
}

export interface PlanJson {
  formatVersion: 1;
  account: PlanReport['account'];
  summary: PlanSummary;
  resources: PlanEntry[];
  invalid: PlanReport['invalid'];
  totals: Array<CurrencyTotal & { debitAtPurchase: number }>;
}

export function summarize(report: PlanReport): PlanSummary {
  const actions = report.entries.flatMap((entry) => entry.actions);
  const resources: Record<EntryOutcome, number> = { change: 0, problem: 0, waiting: 0, skipped: 0, 'in-sync': 0 };
  for (const entry of report.entries) resources[entry.outcome] += 1;

  return {
    nothingToDo: actions.length === 0 && resources.problem === 0 && report.invalid.length === 0,
    purchases: actions.filter((planned) => planned.action.type === 'purchase').length,
    actions: actions.length,
    resources,
    invalidManifests: report.invalid.length,
  };
}

export function toPlanJson(report: PlanReport): PlanJson {
  return {
    formatVersion: 1,
    account: report.account,
    summary: summarize(report),
    resources: report.entries,
    invalid: report.invalid,
    totals: report.totals.map((total) => ({ ...total, debitAtPurchase: debitAtPurchase(total) })),
  };
}

/** Renders the plan as indented JSON with a trailing newline. */
export function renderPlanJson(report: PlanReport): string {
  return `${JSON.stringify(toPlanJson(report), null, 2)}\n`;
}
