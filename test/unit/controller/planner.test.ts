import { describe, expect, it } from 'vitest';

import { phoneNumberSpecSchema, type PhoneNumberSpec } from '../../../src/api/phone-number.ts';
import type { Action } from '../../../src/controller/actions.ts';
import { planNumber, type DriftField, type WaitReason } from '../../../src/controller/planner.ts';
import type { OwnedNumber } from '../../../src/vobiz/types.ts';

const MAIN = 'MA_MAIN0001';
const E164 = '+14155551234';
const TRUNK_A = '0b6c3a56-8f0e-4f5e-9a64-3c7f1f0c2a11';
const TRUNK_B = '7d2e9c44-1a3b-4c5d-8e6f-90a1b2c3d4e5';
const NOW = new Date('2026-07-01T12:00:00Z');
const LATER = new Date('2026-07-10T12:00:00Z');
const EARLIER = new Date('2026-06-20T12:00:00Z');

function spec(fields: Partial<PhoneNumberSpec> = {}): PhoneNumberSpec {
  return phoneNumberSpecSchema.parse({ e164: E164, ...fields });
}

function owned(fields: Partial<OwnedNumber> = {}): OwnedNumber {
  return {
    id: '5f0c8a3e-0000-4000-8000-000000000001',
    e164: E164,
    accountId: MAIN,
    country: 'US',
    status: 'active',
    setupFee: 1,
    monthlyFee: 2,
    currency: 'USD',
    ...fields,
  };
}

interface Row {
  name: string;
  spec: PhoneNumberSpec;
  observed: OwnedNumber | undefined;
  coolOffUntil?: Date;
  actions: Action[];
  drift: DriftField[];
  wait?: WaitReason;
}

const rows: Row[] = [
  {
    name: 'converged number needs nothing',
    spec: spec({ trunkGroupId: TRUNK_A, subAccountId: 'SA_ONE' }),
    observed: owned({ trunkGroupId: TRUNK_A, accountId: 'SA_ONE' }),
    actions: [],
    drift: [],
  },
  {
    name: 'bare spec on an owned, unrouted number needs nothing',
    spec: spec(),
    observed: owned(),
    actions: [],
    drift: [],
  },
  {
    name: 'absent number is purchased, placed and routed',
    spec: spec({ trunkGroupId: TRUNK_A, subAccountId: 'SA_ONE', currency: 'USD' }),
    observed: undefined,
    actions: [
      { type: 'purchase', e164: E164, currency: 'USD' },
      { type: 'assignSubAccount', e164: E164, subAccountId: 'SA_ONE' },
      { type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_A },
    ],
    drift: ['ownership', 'sub_account', 'trunk'],
  },
  {
    name: 'absent number without trunk or sub-account is only purchased',
    spec: spec(),
    observed: undefined,
    actions: [{ type: 'purchase', e164: E164 }],
    drift: ['ownership'],
  },
  {
    name: 'released number is purchased again',
    spec: spec(),
    observed: owned({ status: 'released' }),
    actions: [{ type: 'purchase', e164: E164 }],
    drift: ['ownership'],
  },
  {
    name: 'AdoptOnly never purchases',
    spec: spec({ acquisition: 'AdoptOnly', trunkGroupId: TRUNK_A }),
    observed: undefined,
    actions: [],
    drift: ['ownership'],
    wait: 'NotOwned',
  },
  {
    name: 'AdoptOnly adopts an owned number',
    spec: spec({ acquisition: 'AdoptOnly', trunkGroupId: TRUNK_A }),
    observed: owned(),
    actions: [{ type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_A }],
    drift: ['trunk'],
  },
  {
    name: 'pending release is cancelled, then the trunk reassigned',
    spec: spec({ trunkGroupId: TRUNK_A }),
    observed: owned({ status: 'pending_release' }),
    actions: [
      { type: 'cancelRelease', e164: E164 },
      { type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_A },
    ],
    drift: ['ownership', 'trunk'],
  },
  {
    name: 'pending purchase waits',
    spec: spec({ trunkGroupId: TRUNK_A }),
    observed: owned({ status: 'pending_purchase' }),
    actions: [],
    drift: [],
    wait: 'PurchasePending',
  },
  {
    name: 'blocked number waits',
    spec: spec({ trunkGroupId: TRUNK_A }),
    observed: owned({ status: 'blocked' }),
    actions: [],
    drift: [],
    wait: 'NumberBlocked',
  },
  {
    name: 'unrouted number is assigned its trunk',
    spec: spec({ trunkGroupId: TRUNK_A }),
    observed: owned(),
    actions: [{ type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_A }],
    drift: ['trunk'],
  },
  {
    name: 'trunk move is unassign then assign',
    spec: spec({ trunkGroupId: TRUNK_B }),
    observed: owned({ trunkGroupId: TRUNK_A }),
    actions: [
      { type: 'unassignTrunk', e164: E164, fromTrunkGroupId: TRUNK_A },
      { type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_B },
    ],
    drift: ['trunk'],
  },
  {
    name: 'absent trunkGroupId unroutes the number',
    spec: spec(),
    observed: owned({ trunkGroupId: TRUNK_A }),
    actions: [{ type: 'unassignTrunk', e164: E164, fromTrunkGroupId: TRUNK_A }],
    drift: ['trunk'],
  },
  {
    name: 'main-account number is assigned its sub-account',
    spec: spec({ subAccountId: 'SA_ONE' }),
    observed: owned(),
    actions: [{ type: 'assignSubAccount', e164: E164, subAccountId: 'SA_ONE' }],
    drift: ['sub_account'],
  },
  {
    name: 'sub-account move is unassign then assign',
    spec: spec({ subAccountId: 'SA_TWO' }),
    observed: owned({ accountId: 'SA_ONE' }),
    actions: [
      { type: 'unassignSubAccount', e164: E164, fromSubAccountId: 'SA_ONE', force: false },
      { type: 'assignSubAccount', e164: E164, subAccountId: 'SA_TWO' },
    ],
    drift: ['sub_account'],
  },
  {
    name: 'absent subAccountId returns the number to the main account',
    spec: spec(),
    observed: owned({ accountId: 'SA_ONE' }),
    actions: [{ type: 'unassignSubAccount', e164: E164, fromSubAccountId: 'SA_ONE', force: false }],
    drift: ['sub_account'],
  },
  {
    name: 'forceSubAccountMove sends force',
    spec: spec({ subAccountId: 'SA_TWO', forceSubAccountMove: true }),
    observed: owned({ accountId: 'SA_ONE' }),
    actions: [
      { type: 'unassignSubAccount', e164: E164, fromSubAccountId: 'SA_ONE', force: true },
      { type: 'assignSubAccount', e164: E164, subAccountId: 'SA_TWO' },
    ],
    drift: ['sub_account'],
  },
  {
    name: 'cool-off blocks the sub-account move but not the trunk',
    spec: spec({ subAccountId: 'SA_TWO', trunkGroupId: TRUNK_B }),
    observed: owned({ accountId: 'SA_ONE', trunkGroupId: TRUNK_A }),
    coolOffUntil: LATER,
    actions: [
      { type: 'unassignTrunk', e164: E164, fromTrunkGroupId: TRUNK_A },
      { type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_B },
    ],
    drift: ['sub_account', 'trunk'],
    wait: 'CoolOffInEffect',
  },
  {
    name: 'ended cool-off no longer blocks',
    spec: spec({ subAccountId: 'SA_TWO' }),
    observed: owned({ accountId: 'SA_ONE' }),
    coolOffUntil: EARLIER,
    actions: [
      { type: 'unassignSubAccount', e164: E164, fromSubAccountId: 'SA_ONE', force: false },
      { type: 'assignSubAccount', e164: E164, subAccountId: 'SA_TWO' },
    ],
    drift: ['sub_account'],
  },
  {
    name: 'cool-off does not block an assign from the main account',
    spec: spec({ subAccountId: 'SA_TWO' }),
    observed: owned(),
    coolOffUntil: LATER,
    actions: [{ type: 'assignSubAccount', e164: E164, subAccountId: 'SA_TWO' }],
    drift: ['sub_account'],
  },
  {
    name: 'force ignores a recorded cool-off',
    spec: spec({ forceSubAccountMove: true }),
    observed: owned({ accountId: 'SA_ONE' }),
    coolOffUntil: LATER,
    actions: [{ type: 'unassignSubAccount', e164: E164, fromSubAccountId: 'SA_ONE', force: true }],
    drift: ['sub_account'],
  },
  {
    name: 'everything drifted is repaired in order',
    spec: spec({ subAccountId: 'SA_TWO', trunkGroupId: TRUNK_B }),
    observed: owned({ accountId: 'SA_ONE', trunkGroupId: TRUNK_A }),
    actions: [
      { type: 'unassignSubAccount', e164: E164, fromSubAccountId: 'SA_ONE', force: false },
      { type: 'assignSubAccount', e164: E164, subAccountId: 'SA_TWO' },
      { type: 'unassignTrunk', e164: E164, fromTrunkGroupId: TRUNK_A },
      { type: 'assignTrunk', e164: E164, trunkGroupId: TRUNK_B },
    ],
    drift: ['sub_account', 'trunk'],
  },
];

describe('planNumber', () => {
  it.each(rows)('$name', (row) => {
    const plan = planNumber({
      spec: row.spec,
      observed: row.observed,
      mainAccountId: MAIN,
      now: NOW,
      ...(row.coolOffUntil === undefined ? {} : { coolOffUntil: row.coolOffUntil }),
    });

    expect(plan.actions).toEqual(row.actions);
    expect(plan.drift).toEqual(row.drift);
    expect(plan.wait?.reason).toBe(row.wait);
  });

  it('cool-off wait retries at the cool-off end', () => {
    const plan = planNumber({ spec: spec(), observed: owned({ accountId: 'SA_ONE' }), mainAccountId: MAIN, now: NOW, coolOffUntil: LATER });
    expect(plan.wait?.retryAt).toEqual(LATER);
    expect(plan.wait?.message).toContain('SA_ONE');
    expect(plan.wait?.message).toContain(LATER.toISOString());
  });

  it('cool-off jitter delays the retry past the end', () => {
    const plan = planNumber({ spec: spec(), observed: owned({ accountId: 'SA_ONE' }), mainAccountId: MAIN, now: NOW, coolOffUntil: NOW, coolOffJitterMs: 5_000 });
    expect(plan.actions).toEqual([]);
    expect(plan.wait?.retryAt).toEqual(new Date(NOW.getTime() + 5_000));
  });

  it('cool-off ends once the jitter has passed', () => {
    const until = new Date(NOW.getTime() - 5_000);
    const plan = planNumber({ spec: spec(), observed: owned({ accountId: 'SA_ONE' }), mainAccountId: MAIN, now: NOW, coolOffUntil: until, coolOffJitterMs: 5_000 });
    expect(plan.wait).toBeUndefined();
    expect(plan.actions.map((action) => action.type)).toEqual(['unassignSubAccount']);
  });
});
