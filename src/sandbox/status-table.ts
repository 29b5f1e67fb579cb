/**
 * The sandbox's table of PhoneNumbers: one row per resource with its number, its trunk group and
 * sub-account at Vobiz, and its Ready condition. Pure, so the layout is tested without a
 * terminal.
 */
import { READY, findCondition } from '../api/conditions.ts';
import type { PhoneNumber } from '../api/phone-number.ts';

export interface StatusRow {
  name: string;
  e164: string;
  /**
   * Trunk group name and its UUID shortened to the first and last hex digits, such as
   * `primary-sip (3f1c6a2e…5c01)`, since spec.trunkGroupId and `kubectl get pn` use the UUID.
   * The whole UUID when the name is unknown, and `-` when the number routes nowhere.
   */
  trunk: string;
  subAccount: string;
  /** `True` only when Ready is True for the resource's current generation. */
  ready: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** True when the resource's Ready condition is True for its current generation. */
export function isReady(resource: PhoneNumber): boolean {
  const ready = findCondition(resource.status?.conditions, READY);
  return ready?.status === 'True' && resource.status?.observedGeneration === resource.metadata.generation;
}

/** A number's trunk group and sub-account at Vobiz now. */
export interface VobizPlacement {
  trunkGroupId?: string;
  /** Undefined when the number is on the main account. */
  subAccountId?: string;
}

export interface RowContext {
  /** Trunk group names by id. */
  trunkNames: ReadonlyMap<string, string>;
  /**
   * Reads a number's placement at Vobiz now; undefined when the account does not own it. Without
   * it, the row shows the placement the resource's status recorded at the last reconcile.
   */
  placement?: (e164: string) => VobizPlacement | undefined;
}

/**
 * Shortens a UUID to its first 8 and last 4 hex digits. Both ends are kept because ids can share
 * a prefix: the simulator's two trunk groups differ only in their last digits.
 */
function shortenId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

function formatTrunk(trunkId: string | undefined, trunkNames: ReadonlyMap<string, string>): string {
  if (trunkId === undefined) return '-';
  const name = trunkNames.get(trunkId);
  return name === undefined ? trunkId : `${name} (${shortenId(trunkId)})`;
}

/** Builds the row of one resource. */
export function statusRow(resource: PhoneNumber, context: RowContext): StatusRow {
  const condition = findCondition(resource.status?.conditions, READY);
  const current = resource.status?.observedGeneration === resource.metadata.generation;
  const placement: VobizPlacement | undefined = context.placement === undefined
    ? { trunkGroupId: resource.status?.trunkGroupId, subAccountId: resource.status?.subAccountId }
    : context.placement(resource.spec.e164);

  let ready: StatusRow['ready'] = 'Unknown';
  let reason = 'Pending';
  if (condition !== undefined && current) {
    ready = condition.status;
    reason = condition.reason;
  } else if (condition !== undefined) {
    reason = 'Reconciling';
  }

  return {
    name: resource.metadata.name,
    e164: resource.spec.e164,
    trunk: formatTrunk(placement?.trunkGroupId, context.trunkNames),
    subAccount: placement?.subAccountId ?? '-',
    ready,
    reason,
    message: condition?.message ?? 'The operator has not reconciled this resource yet.',
  };
}

const HEADERS = ['NAME', 'NUMBER', 'TRUNK', 'SUB-ACCOUNT', 'READY', 'REASON'] as const;

function cells(row: StatusRow): string[] {
  return [row.name, row.e164, row.trunk, row.subAccount, row.ready, row.reason];
}

/** Renders the rows as an aligned table with a header, one string per line. */
export function renderStatusTable(rows: readonly StatusRow[]): string[] {
  const table = [[...HEADERS], ...rows.map(cells)];
  const widths = HEADERS.map((_header, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  return table.map((line) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('   ').trimEnd());
}

/** Formats one plain line for a row, for logs and output that is not a terminal. */
export function formatStatusLine(row: StatusRow, at: Date): string {
  const time = `${at.toISOString().slice(11, 19)}Z`;
  return `${time} ${row.name} ${row.e164} trunk=${row.trunk} sub-account=${row.subAccount} ready=${row.ready} reason=${row.reason}`;
}
