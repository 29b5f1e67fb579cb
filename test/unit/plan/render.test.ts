import { describe, expect, it } from 'vitest';

import type { PlanEntry, PlanReport } from '../../../src/plan/model.ts';
import { renderPlanJson, summarize } from '../../../src/plan/render-json.ts';
import { renderPlanText } from '../../../src/plan/render-text.ts';
import { formatMoney, purchaseTotals } from '../../../src/plan/totals.ts';

function purchase(e164: string, setupFee: number, monthlyFee: number, currency: string): PlanEntry {
  return {
    namespace: 'team-a',
    name: `pn-${e164.slice(1)}`,
    source: `${e164.slice(1)}.yaml:1`,
    e164,
    outcome: 'change',
    actions: [{ action: { type: 'purchase', e164 }, description: `purchase ${e164}`, price: { setupFee, monthlyFee, currency } }],
    notes: [],
  };
}

function report(entries: PlanEntry[], extra: Partial<PlanReport> = {}): PlanReport {
  return {
    account: { authId: 'MA_RENDER1', baseUrl: 'http://127.0.0.1:8790', ownedNumbers: 2 },
    entries,
    invalid: [],
    totals: purchaseTotals(entries),
    ...extra,
  };
}

describe('purchaseTotals', () => {
  it('sums per currency without float noise', () => {
    const totals = purchaseTotals([
      purchase('+14155550100', 1, 1.15, 'USD'),
      purchase('+14155550101', 1, 1.15, 'USD'),
      purchase('+14155550102', 1, 1.15, 'USD'),
      purchase('+442079460100', 1, 1.5, 'GBP'),
    ]);

    expect(totals).toEqual([
      { currency: 'GBP', setupFee: 1, monthlyFee: 1.5 },
      { currency: 'USD', setupFee: 3, monthlyFee: 3.45 },
    ]);
  });

  it('formats amounts with 2 to 4 decimals', () => {
    expect([formatMoney(1), formatMoney(1.15), formatMoney(20000), formatMoney(0.0125)]).toEqual(['1.00', '1.15', '20000.00', '0.0125']);
  });
});

describe('renderPlanText', () => {
  it('lists actions with prices, totals and a summary', () => {
    const entries = [purchase('+14155550100', 1, 1.15, 'USD'), purchase('+14155550101', 1, 1.15, 'USD')];
    const totals = purchaseTotals(entries).map((total) => ({ ...total, availableBalance: 3 }));
    const text = renderPlanText(report(entries, { totals }));

    expect(text).toContain('Plan for Vobiz account MA_RENDER1 at http://127.0.0.1:8790 (the account owns 2 numbers).\n');
    expect(text).toContain('Changes:\n  team-a/pn-14155550100  +14155550100  (14155550100.yaml:1)\n    - purchase +14155550100  [setup 1.00 USD, monthly 1.15 USD]\n');
    expect(text).toContain('  currency  setup  monthly  debited at purchase  available balance\n  USD       2.00   2.30     4.30                 3.00\n');
    expect(text).toContain('  warning: the purchases debit 4.30 USD, more than the available balance of 3.00 USD;');
    expect(text).toMatch(/Plan: 2 purchases and 0 other actions on 2 PhoneNumbers; 0 in sync, 0 waiting, 0 skipped, 0 problems, 0 invalid manifests\.\n$/);
  });

  it('says nothing to do when every resource is in sync', () => {
    const entry: PlanEntry = { namespace: 'team-a', name: 'line', source: 'cluster', e164: '+14155550100', outcome: 'in-sync', actions: [], notes: [] };
    const text = renderPlanText(report([entry, { ...entry, name: 'line-2' }]));

    expect(text).toContain('In sync:\n  team-a/line  +14155550100\n  team-a/line-2  +14155550100\n');
    expect(text).not.toContain('Purchases:');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Nothing to do: the Vobiz account matches all 2 PhoneNumbers.');
  });

  it('lists problems and invalid manifests', () => {
    const problem: PlanEntry = {
      namespace: 'team-a',
      name: 'dup',
      source: 'dup.yaml:1',
      e164: '+14155550100',
      outcome: 'problem',
      actions: [],
      notes: [{ kind: 'problem', reason: 'DuplicateNumber', message: 'PhoneNumber team-a/first comes first.' }],
    };
    const text = renderPlanText(report([problem], { invalid: [{ source: 'bad.yaml:3', namespace: 'team-a', name: 'bad', issues: ['spec.e164: Invalid string'] }] }));

    expect(text).toContain('Problems (these resources will not become Ready without a change):\n  team-a/dup  +14155550100  (dup.yaml:1)\n    problem: DuplicateNumber: PhoneNumber team-a/first comes first.\n');
    expect(text).toContain('Invalid manifests (not planned):\n  bad.yaml:3  team-a/bad\n    spec.e164: Invalid string\n');
    expect(text).toContain('1 problem, 1 invalid manifest.');
  });
});

describe('renderPlanJson', () => {
  it('parses back with summary and totals', () => {
    const entries = [purchase('+14155550100', 1, 1.15, 'USD')];
    const json = JSON.parse(renderPlanJson(report(entries))) as Record<string, unknown>;

    expect(json.formatVersion).toBe(1);
    expect(json.summary).toEqual({
      nothingToDo: false,
      purchases: 1,
      actions: 1,
      resources: { change: 1, problem: 0, waiting: 0, skipped: 0, 'in-sync': 0 },
      invalidManifests: 0,
    });
    expect(json.totals).toEqual([{ currency: 'USD', setupFee: 1, monthlyFee: 1.15, debitAtPurchase: 2.15 }]);
    expect(json.resources).toEqual(entries);
  });

  it('marks an empty plan as nothing to do', () => {
    expect(summarize(report([])).nothingToDo).toBe(true);
  });
});
