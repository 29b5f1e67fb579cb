/**
 * The human-readable plan: resources grouped by outcome, their actions with prices, invalid
 * manifests, purchase totals per currency, and a one-line summary.
 */
import type { InvalidManifest } from '../manifests/phone-numbers.ts';
import type { EntryOutcome, PlanEntry, PlanReport } from './model.ts';
import { summarize } from './render-json.ts';
import { debitAtPurchase, formatMoney } from './totals.ts';

const SECTIONS: Array<{ outcome: EntryOutcome; title: string }> = [
  { outcome: 'change', title: 'Changes' },
  { outcome: 'problem', title: 'Problems (these resources will not become Ready without a change)' },
  { outcome: 'waiting', title: 'Waiting (the controller goes on by itself later)' },
  { outcome: 'skipped', title: 'Skipped (the controller takes no action by design)' },
  { outcome: 'in-sync', title: 'In sync' },
];

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function heading(entry: PlanEntry): string {
  const location = entry.source === 'cluster' ? '' : `  (${entry.source})`;
  return `  ${entry.namespace}/${entry.name}  ${entry.e164}${location}`;
}

function renderEntry(entry: PlanEntry): string[] {
  const lines = [heading(entry)];
  for (const planned of entry.actions) {
    const price = planned.price === undefined
      ? ''
      : `  [setup ${formatMoney(planned.price.setupFee)} ${planned.price.currency}, monthly ${formatMoney(planned.price.monthlyFee)} ${planned.price.currency}]`;
    lines.push(`    - ${planned.description}${price}`);
  }
  for (const note of entry.notes) {
    lines.push(`    ${note.kind === 'info' ? 'note' : note.kind}: ${note.reason}: ${note.message}`);
  }
  return lines;
}

function renderInvalid(invalid: InvalidManifest): string[] {
  const name = invalid.name === undefined ? '' : `  ${invalid.namespace ?? '?'}/${invalid.name}`;
  return [`  ${invalid.source}${name}`, ...invalid.issues.map((issue) => `    ${issue}`)];
}

function renderTable(rows: string[][]): string[] {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}`);
}

function renderTotals(report: PlanReport): string[] {
  if (report.totals.length === 0) return [];

  const rows = [['currency', 'setup', 'monthly', 'debited at purchase', 'available balance']];
  const warnings: string[] = [];
  for (const total of report.totals) {
    const debit = debitAtPurchase(total);
    rows.push([
      total.currency,
      formatMoney(total.setupFee),
      formatMoney(total.monthlyFee),
      formatMoney(debit),
      total.availableBalance === undefined ? 'unknown' : formatMoney(total.availableBalance),
    ]);
    if (total.availableBalance !== undefined && debit > total.availableBalance) {
      warnings.push(`  warning: the purchases debit ${formatMoney(debit)} ${total.currency}, more than the available balance of ${formatMoney(total.availableBalance)} ${total.currency}; Vobiz rejects a purchase it cannot debit.`);
    }
  }
  return ['Purchases:', ...renderTable(rows), ...warnings, ''];
}

function summaryLine(report: PlanReport): string {
  const summary = summarize(report);
  const { resources } = summary;
  const counts = `${resources['in-sync']} in sync, ${resources.waiting} waiting, ${resources.skipped} skipped`;

  if (summary.nothingToDo) {
    if (report.entries.length === 0) {
      return 'Nothing to do: no PhoneNumbers to plan.';
    }
    if (resources['in-sync'] === report.entries.length) {
      return `Nothing to do: the Vobiz account matches ${report.entries.length === 1 ? 'the PhoneNumber' : `all ${report.entries.length} PhoneNumbers`}.`;
    }
    return `Nothing to do now: no Vobiz action for ${plural(report.entries.length, 'PhoneNumber')}; ${counts}.`;
  }

  const resourcesChanged = report.entries.filter((entry) => entry.actions.length > 0).length;
  return (
    `Plan: ${plural(summary.purchases, 'purchase')} and ${plural(summary.actions - summary.purchases, 'other action')} on ${plural(resourcesChanged, 'PhoneNumber')}; ` +
    `${counts}, ${plural(resources.problem, 'problem')}, ${plural(summary.invalidManifests, 'invalid manifest')}.`
  );
}

/** Renders the plan as text for a terminal or a review comment. */
export function renderPlanText(report: PlanReport): string {
  const { account } = report;
  const lines = [
    `Plan for Vobiz account ${account.authId} at ${account.baseUrl} (the account owns ${plural(account.ownedNumbers, 'number')}).`,
    '',
  ];

  for (const section of SECTIONS) {
    const entries = report.entries.filter((entry) => entry.outcome === section.outcome);
    if (entries.length === 0) continue;
    lines.push(`${section.title}:`, ...entries.flatMap(renderEntry), '');
  }

  if (report.invalid.length > 0) {
    lines.push('Invalid manifests (not planned):', ...report.invalid.flatMap(renderInvalid), '');
  }

  lines.push(...renderTotals(report), summaryLine(report));
  return `${lines.join('\n')}\n`;
}
