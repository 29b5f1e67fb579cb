import { describe, expect, it } from 'vitest';

import { parsePhoneNumber, type PhoneNumber } from '../../../src/api/phone-number.ts';
import type { SourcedPhoneNumber } from '../../../src/manifests/phone-numbers.ts';
import { buildPlan, numbersToPrice } from '../../../src/plan/build.ts';
import type { AccountView } from '../../../src/plan/model.ts';
import type { InventoryNumber, OwnedNumber } from '../../../src/vobiz/types.ts';

const MAIN = 'MA_PLANTEST1';
const TRUNK_A = '0b6c3a56-8f0e-4f5e-9a64-3c7f1f0c2a11';
const TRUNK_B = '7d2e9c44-1a3b-4c5d-8e6f-90a1b2c3d4e5';
const UNKNOWN_TRUNK = '11111111-2222-4333-8444-555555555555';
const NOW = new Date('2026-07-01T12:00:00Z');

function target(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}, status?: Record<string, unknown>): SourcedPhoneNumber {
  const resource: PhoneNumber = parsePhoneNumber({
    apiVersion: 'telephony.vobiz-operator.dev/v1alpha1',
    kind: 'PhoneNumber',
    metadata: { name, namespace: 'team-a', ...metadata },
    spec,
    ...(status === undefined ? {} : { status }),
  });
  return { resource, source: `${name}.yaml:1` };
}

function owned(e164: string, fields: Partial<OwnedNumber> = {}): OwnedNumber {
  return { id: `id-${e164}`, e164, accountId: MAIN, country: 'US', status: 'active', setupFee: 1, monthlyFee: 1.15, currency: 'USD', ...fields };
}

function offer(e164: string, fields: Partial<InventoryNumber> = {}): InventoryNumber {
  return { e164, country: 'US', setupFee: 1, monthlyFee: 1.15, currency: 'USD', ...fields };
}

function account(numbers: OwnedNumber[], offers: InventoryNumber[] = []): AccountView {
  return {
    authId: MAIN,
    owned: new Map(numbers.map((number) => [number.e164, number])),
    offers: new Map(offers.map((item) => [item.e164, item])),
    trunks: new Map([
      [TRUNK_A, { trunkId: TRUNK_A, name: 'primary' }],
      [TRUNK_B, { trunkId: TRUNK_B, name: 'backup' }],
    ]),
    subAccounts: new Map([
      ['SA_TEAMA', { authId: 'SA_TEAMA', name: 'Team A' }],
      ['SA_TEAMB', { authId: 'SA_TEAMB', name: 'Team B' }],
    ]),
  };
}

describe('buildPlan', () => {
  it('prices a purchase and lists the assignments after it', () => {
    const [entry] = buildPlan([target('new-line', { e164: '+14155550100', trunkGroupId: TRUNK_A, subAccountId: 'SA_TEAMA' })], account([], [offer('+14155550100')]), NOW);

    expect(entry?.outcome).toBe('change');
    expect(entry?.actions.map((planned) => planned.description)).toEqual([
      'purchase +14155550100',
      'assign +14155550100 to sub-account SA_TEAMA (Team A)',
      `assign +14155550100 to trunk group ${TRUNK_A} (primary)`,
    ]);
    expect(entry?.actions[0]?.price).toEqual({ setupFee: 1, monthlyFee: 1.15, currency: 'USD' });
    expect(entry?.actions[1]?.price).toBeUndefined();
    expect(entry?.notes).toEqual([]);
  });

  it('reports a converged number as in sync', () => {
    const [entry] = buildPlan([target('line', { e164: '+14155550100', trunkGroupId: TRUNK_A })], account([owned('+14155550100', { trunkGroupId: TRUNK_A })]), NOW);

    expect(entry).toMatchObject({ outcome: 'in-sync', actions: [], notes: [] });
  });

  it('lists a number not for sale as NotInInventory with no action', () => {
    const [entry] = buildPlan([target('line', { e164: '+14155559999', trunkGroupId: TRUNK_A })], account([]), NOW);

    expect(entry?.outcome).toBe('problem');
    expect(entry?.actions).toEqual([]);
    expect(entry?.notes).toHaveLength(1);
    expect(entry?.notes[0]).toMatchObject({ kind: 'problem', reason: 'NotInInventory' });
    expect(entry?.notes[0]?.message).toMatch(/^\+14155559999 cannot be purchased: it is not in Vobiz's inventory/);
  });

  it('lets the first claim of a number win and marks the other DuplicateNumber', () => {
    const entries = buildPlan(
      [target('first', { e164: '+14155550100' }), target('second', { e164: '+14155550100' })],
      account([], [offer('+14155550100')]),
      NOW,
    );

    expect(entries[0]?.outcome).toBe('change');
    expect(entries[1]?.outcome).toBe('problem');
    expect(entries[1]?.actions).toEqual([]);
    expect(entries[1]?.notes[0]?.reason).toBe('DuplicateNumber');
    expect(entries[1]?.notes[0]?.message).toMatch(/^PhoneNumber team-a\/first comes first and already claims \+14155550100/);
  });

  it('lets the older resource win among cluster resources', () => {
    const entries = buildPlan(
      [
        target('newer', { e164: '+14155550100' }, { uid: 'b', creationTimestamp: '2026-06-02T00:00:00Z' }),
        target('older', { e164: '+14155550100' }, { uid: 'a', creationTimestamp: '2026-06-01T00:00:00Z' }),
      ],
      account([], [offer('+14155550100')]),
      NOW,
    );

    expect(entries.map((entry) => entry.outcome)).toEqual(['problem', 'change']);
    expect(entries[0]?.notes[0]?.message).toMatch(/^PhoneNumber team-a\/older is older and already claims \+14155550100/);
  });

  it('reports AdoptOnly for a number the account does not own as NotOwned', () => {
    const [entry] = buildPlan([target('line', { e164: '+14155550100', acquisition: 'AdoptOnly' })], account([], [offer('+14155550100')]), NOW);

    expect(entry?.outcome).toBe('problem');
    expect(entry?.actions).toEqual([]);
    expect(entry?.notes.map((note) => note.reason)).toEqual(['NotOwned']);
  });

  it('stops at an unknown trunk group after the steps before it', () => {
    const [entry] = buildPlan(
      [target('line', { e164: '+14155550100', trunkGroupId: UNKNOWN_TRUNK, subAccountId: 'SA_TEAMA' })],
      account([owned('+14155550100')]),
      NOW,
    );

    expect(entry?.outcome).toBe('problem');
    expect(entry?.actions.map((planned) => planned.action.type)).toEqual(['assignSubAccount']);
    expect(entry?.notes.map((note) => note.reason)).toEqual(['TrunkGroupNotFound']);
  });

  it('stops at an unknown sub-account before the trunk steps', () => {
    const [entry] = buildPlan(
      [target('line', { e164: '+14155550100', trunkGroupId: TRUNK_B, subAccountId: 'SA_NOBODY' })],
      account([owned('+14155550100', { trunkGroupId: TRUNK_A })]),
      NOW,
    );

    expect(entry?.actions).toEqual([]);
    expect(entry?.notes.map((note) => note.reason)).toEqual(['SubAccountNotFound']);
  });

  it('skips the trunk and sub-account checks when the lists are unknown', () => {
    const view: AccountView = { ...account([owned('+14155550100')]), trunks: undefined, subAccounts: undefined };
    const [entry] = buildPlan([target('line', { e164: '+14155550100', trunkGroupId: UNKNOWN_TRUNK })], view, NOW);

    expect(entry?.outcome).toBe('change');
    expect(entry?.actions.map((planned) => planned.description)).toEqual([`assign +14155550100 to trunk group ${UNKNOWN_TRUNK}`]);
  });

  it('notes a possible cool-off on a move off a sub-account', () => {
    const [entry] = buildPlan(
      [target('line', { e164: '+14155550100', subAccountId: 'SA_TEAMB' })],
      account([owned('+14155550100', { accountId: 'SA_TEAMA' })]),
      NOW,
    );

    expect(entry?.outcome).toBe('change');
    expect(entry?.actions.map((planned) => planned.action.type)).toEqual(['unassignSubAccount', 'assignSubAccount']);
    expect(entry?.notes.map((note) => [note.kind, note.reason])).toEqual([['info', 'CoolOffPossible']]);
  });

  it('waits for a cool-off recorded in status but still plans the trunk', () => {
    const [entry] = buildPlan(
      [target('line', { e164: '+14155550100', subAccountId: 'SA_TEAMB', trunkGroupId: TRUNK_B }, {}, { coolOffUntil: '2026-07-10T00:00:00Z' })],
      account([owned('+14155550100', { accountId: 'SA_TEAMA', trunkGroupId: TRUNK_A })]),
      NOW,
    );

    expect(entry?.outcome).toBe('change');
    expect(entry?.actions.map((planned) => planned.action.type)).toEqual(['unassignTrunk', 'assignTrunk']);
    expect(entry?.notes.map((note) => [note.kind, note.reason])).toEqual([['wait', 'CoolOffInEffect']]);
  });

  it('reports a cool-off with nothing else to do as waiting', () => {
    const [entry] = buildPlan(
      [target('line', { e164: '+14155550100' }, {}, { coolOffUntil: '2026-07-10T00:00:00Z' })],
      account([owned('+14155550100', { accountId: 'SA_TEAMA' })]),
      NOW,
    );

    expect(entry?.outcome).toBe('waiting');
    expect(entry?.actions).toEqual([]);
  });

  it('notes a purchase in another currency', () => {
    const [entry] = buildPlan([target('line', { e164: '+493090182001', currency: 'USD' })], account([], [offer('+493090182001', { currency: 'EUR', setupFee: 2, monthlyFee: 1.9 })]), NOW);

    expect(entry?.actions[0]?.price).toEqual({ setupFee: 2, monthlyFee: 1.9, currency: 'EUR' });
    expect(entry?.notes.map((note) => note.reason)).toEqual(['CurrencyConversion']);
  });

  it('plans the cancel of a pending release', () => {
    const [entry] = buildPlan([target('line', { e164: '+14155550100' })], account([owned('+14155550100', { status: 'pending_release' })]), NOW);

    expect(entry?.actions.map((planned) => planned.action.type)).toEqual(['cancelRelease']);
  });

  it('reports a blocked number as a problem', () => {
    const [entry] = buildPlan([target('line', { e164: '+14155550100' })], account([owned('+14155550100', { status: 'blocked' })]), NOW);

    expect(entry?.outcome).toBe('problem');
    expect(entry?.notes.map((note) => note.reason)).toEqual(['NumberBlocked']);
  });

  it('skips paused resources and Observe resources that drifted', () => {
    const entries = buildPlan(
      [
        target('paused', { e164: '+14155550100' }, { annotations: { 'telephony.vobiz-operator.dev/paused': 'true' } }),
        target('observed', { e164: '+14155550101', trunkGroupId: TRUNK_B, managementPolicy: 'Observe' }),
        target('observed-in-sync', { e164: '+14155550102', managementPolicy: 'Observe' }),
      ],
      account([owned('+14155550101', { trunkGroupId: TRUNK_A }), owned('+14155550102')], [offer('+14155550100')]),
      NOW,
    );

    expect(entries.map((entry) => entry.outcome)).toEqual(['skipped', 'skipped', 'in-sync']);
    expect(entries.every((entry) => entry.actions.length === 0)).toBe(true);
    expect(entries[0]?.notes[0]?.reason).toBe('Paused');
    expect(entries[1]?.notes[0]?.reason).toBe('Observe');
    expect(entries[1]?.notes[0]?.message).toContain(`It would: unassign +14155550101 from trunk group ${TRUNK_A} (primary)`);
  });

  it('plans the release of a deleted resource with deletionPolicy Release', () => {
    const deleting = { deletionTimestamp: '2026-07-01T11:00:00Z', finalizers: ['telephony.vobiz-operator.dev/release'] };
    const entries = buildPlan(
      [
        target('release-me', { e164: '+14155550100', deletionPolicy: 'Release' }, deleting),
        target('retain-me', { e164: '+14155550101' }, deleting),
      ],
      account([owned('+14155550100'), owned('+14155550101')]),
      NOW,
    );

    expect(entries[0]?.outcome).toBe('change');
    expect(entries[0]?.actions.map((planned) => planned.action)).toEqual([{ type: 'release', e164: '+14155550100' }]);
    expect(entries[1]?.outcome).toBe('skipped');
    expect(entries[1]?.notes[0]?.message).toMatch(/deletionPolicy Retain/);
  });
});

describe('numbersToPrice', () => {
  it('lists the numbers the account does not own, once each', () => {
    const targets = [target('a', { e164: '+14155550100' }), target('b', { e164: '+14155550101' }), target('c', { e164: '+14155550101' })];

    expect(numbersToPrice(targets, new Map([['+14155550100', owned('+14155550100')]]))).toEqual(['+14155550101']);
  });
});
