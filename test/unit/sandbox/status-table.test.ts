import { describe, expect, it } from 'vitest';

import { parsePhoneNumber, type PhoneNumber } from '../../../src/api/phone-number.ts';
import { LiveTable } from '../../../src/sandbox/live-table.ts';
import { formatStatusLine, isReady, renderStatusTable, statusRow, type RowContext } from '../../../src/sandbox/status-table.ts';

const TRUNK = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01';
const CONTEXT: RowContext = { trunkNames: new Map([[TRUNK, 'primary-sip']]) };

function resource(name: string, generation: number, status?: Record<string, unknown>): PhoneNumber {
  return parsePhoneNumber({
    apiVersion: 'telephony.vobiz-operator.dev/v1alpha1',
    kind: 'PhoneNumber',
    metadata: { name, namespace: 'default', generation },
    spec: { e164: '+14155550100', trunkGroupId: TRUNK },
    ...(status === undefined ? {} : { status }),
  });
}

function readyStatus(observedGeneration: number, status: 'True' | 'False', reason: string): Record<string, unknown> {
  return {
    observedGeneration,
    trunkGroupId: TRUNK,
    subAccountId: 'SA_SIMTEAM01',
    conditions: [{ type: 'Ready', status, reason, message: `${reason} message`, lastTransitionTime: '2026-07-01T00:00:00Z' }],
  };
}

describe('statusRow', () => {
  it('shows a new resource as pending', () => {
    expect(statusRow(resource('line', 1), CONTEXT)).toEqual({
      name: 'line',
      e164: '+14155550100',
      trunk: '-',
      subAccount: '-',
      ready: 'Unknown',
      reason: 'Pending',
      message: 'The operator has not reconciled this resource yet.',
    });
  });

  it('shows trunk name, short UUID and Ready', () => {
    const row = statusRow(resource('line', 2, readyStatus(2, 'True', 'Converged')), CONTEXT);

    expect(row).toMatchObject({ trunk: 'primary-sip (3f1c6a2e…5c01)', subAccount: 'SA_SIMTEAM01', ready: 'True', reason: 'Converged' });
  });

  it('tells apart trunks with one prefix', () => {
    const other = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02';
    const context: RowContext = { trunkNames: new Map([[TRUNK, 'primary-sip'], [other, 'failover-sip']]) };
    const row = statusRow(resource('line', 2, readyStatus(2, 'True', 'Converged')), { ...context, placement: () => ({ trunkGroupId: other }) });

    expect(row.trunk).toBe('failover-sip (3f1c6a2e…5c02)');
    expect(statusRow(resource('line', 2, readyStatus(2, 'True', 'Converged')), context).trunk).toBe('primary-sip (3f1c6a2e…5c01)');
  });

  it('shows a condition for an older generation as reconciling', () => {
    const stale = resource('line', 3, readyStatus(2, 'True', 'Converged'));

    expect(statusRow(stale, CONTEXT)).toMatchObject({ ready: 'Unknown', reason: 'Reconciling' });
    expect(isReady(stale)).toBe(false);
  });

  it('takes the placement from the lookup when given one', () => {
    const row = statusRow(resource('line', 2, readyStatus(2, 'True', 'Converged')), {
      ...CONTEXT,
      placement: () => ({ trunkGroupId: '7d2e9c44-1a3b-4c5d-8e6f-90a1b2c3d4e5' }),
    });

    expect(row).toMatchObject({ trunk: '7d2e9c44-1a3b-4c5d-8e6f-90a1b2c3d4e5', subAccount: '-' });
  });
});

describe('renderStatusTable', () => {
  it('aligns the columns', () => {
    const lines = renderStatusTable([statusRow(resource('support-line', 1, readyStatus(1, 'False', 'CoolOffInEffect')), CONTEXT)]);

    expect(lines).toEqual([
      'NAME           NUMBER         TRUNK                         SUB-ACCOUNT    READY   REASON',
      'support-line   +14155550100   primary-sip (3f1c6a2e…5c01)   SA_SIMTEAM01   False   CoolOffInEffect',
    ]);
  });
});

describe('LiveTable', () => {
  const at = new Date('2026-07-01T10:11:12Z');

  it('prints only changed rows when not on a terminal', () => {
    const written: string[] = [];
    const table = new LiveTable({ write: (text: string) => written.push(text), isTTY: false }, () => at);
    const pending = statusRow(resource('line', 1), CONTEXT);
    const ready = statusRow(resource('line', 1, readyStatus(1, 'True', 'Converged')), CONTEXT);

    table.update([pending]);
    table.update([pending]);
    table.update([ready]);

    expect(written).toEqual([`${formatStatusLine(pending, at)}\n`, `${formatStatusLine(ready, at)}\n`]);
    expect(written[1]).toBe('10:11:12Z line +14155550100 trunk=primary-sip (3f1c6a2e…5c01) sub-account=SA_SIMTEAM01 ready=True reason=Converged\n');
  });

  it('redraws in place on a terminal', () => {
    const written: string[] = [];
    const table = new LiveTable({ write: (text: string) => written.push(text), isTTY: true, columns: 0 });
    const pending = statusRow(resource('line', 1), CONTEXT);
    const ready = statusRow(resource('line', 1, readyStatus(1, 'True', 'Converged')), CONTEXT);

    table.update([pending]);
    table.update([pending]);
    table.update([ready]);

    expect(written).toHaveLength(2);
    expect(written[0]?.startsWith('NAME')).toBe(true);
    expect(written[1]?.startsWith('\u001b[2A\r\u001b[J')).toBe(true);
  });
});
