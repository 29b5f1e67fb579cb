import { beforeEach, describe, expect, it } from 'vitest';

import type { Holding, SimNumber } from '../../../src/simulator/model.ts';
import {
  assignSubAccount,
  assignTrunk,
  cancelRelease,
  listNumbers,
  purchase,
  release,
  searchInventory,
  unassignSubAccount,
  unassignTrunk,
} from '../../../src/simulator/operations.ts';
import { defaultSeed, defaultSubAccountIds, defaultTrunkIds, type SimulatorSeed } from '../../../src/simulator/seed.ts';
import { SimulatorHttpError, SimulatorState, type Caller } from '../../../src/simulator/state.ts';

const day = 24 * 60 * 60;
const [trunkA, trunkB] = defaultTrunkIds;
const [subA, subB] = defaultSubAccountIds;

function httpError(run: () => unknown): SimulatorHttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof SimulatorHttpError) return error;
    throw error;
  }
  throw new Error('expected a SimulatorHttpError');
}

function holdingKind(state: SimulatorState, e164: string): string | undefined {
  return state.numbers.get(e164)?.holding.kind;
}

function ownedHolding(state: SimulatorState, e164: string): Extract<Holding, { kind: 'owned' }> {
  const holding = state.numbers.get(e164)?.holding;
  if (holding?.kind !== 'owned') throw new Error(`expected ${e164} to be owned, found ${holding?.kind ?? 'nothing'}`);
  return holding;
}

function owner(number: SimNumber | undefined): string | undefined {
  return number?.holding.kind === 'owned' ? number.holding.accountId : undefined;
}

describe('simulator operations', () => {
  let clock: Date;
  let state: SimulatorState;
  let main: Caller;
  let e164: string;

  function setup(seed: SimulatorSeed = defaultSeed()): void {
    clock = new Date('2026-07-01T00:00:00Z');
    state = SimulatorState.fromSeed(seed, () => clock);
    main = { authId: state.account.authId, kind: 'main', role: state.account.role };
    e164 = searchInventory(state, { country: 'US', exclude: [] })[0]?.e164 ?? '';
  }

  beforeEach(() => setup());

  describe('purchase', () => {
    it('moves the number from inventory to the account and debits the balance', () => {
      const before = state.balances.get('USD') ?? 0;
      const number = purchase(state, main, e164, undefined);

      expect(owner(number)).toBe(main.authId);
      expect(state.balances.get('USD')).toBeCloseTo(before - 2.15, 2);
      expect(searchInventory(state, { search: e164, exclude: [] })).toHaveLength(0);
      expect(listNumbers(state, main).map((owned) => owned.e164)).toEqual([e164]);
    });

    it('answers 404 for a number the caller already owns', () => {
      purchase(state, main, e164, undefined);
      const error = httpError(() => purchase(state, main, e164, undefined));

      expect(error.status).toBe(404);
      expect(error.body).toEqual({ error: 'not_found', message: 'number not found in inventory' });
    });

    it('answers 404 for a number never stocked', () => {
      expect(httpError(() => purchase(state, main, '+19995550100', undefined)).status).toBe(404);
    });

    it('answers 500 and changes nothing when the balance is short', () => {
      state.balances.set('USD', 1);
      const error = httpError(() => purchase(state, main, e164, undefined));

      expect(error.status).toBe(500);
      expect(error.body).toEqual({ error: 'internal_server_error', message: 'failed to purchase number' });
      expect(state.balances.get('USD')).toBe(1);
      expect(holdingKind(state, e164)).toBe('inventory');
    });

    it('charges another currency at the fixed rate', () => {
      const before = state.balances.get('EUR') ?? 0;
      purchase(state, main, e164, 'EUR');
      expect(state.balances.get('EUR')).toBeCloseTo(before - 1.98, 2);
    });

    it('bills a sub-account purchase to the main account', () => {
      const sub: Caller = { authId: subA, kind: 'sub', role: 'user' };
      const before = state.balances.get('USD') ?? 0;
      const number = purchase(state, sub, e164, undefined);

      expect(owner(number)).toBe(subA);
      expect(state.balances.get('USD')).toBeLessThan(before);
      expect(listNumbers(state, main).map((owned) => owned.e164)).toContain(e164);
      expect(listNumbers(state, sub).map((owned) => owned.e164)).toEqual([e164]);
    });

    it('rejects a body without an E.164 number', () => {
      expect(httpError(() => purchase(state, main, '14155550100', undefined)).status).toBe(400);
    });
  });

  describe('release lifecycle', () => {
    beforeEach(() => {
      purchase(state, main, e164, undefined);
      assignTrunk(state, main, e164, trunkA);
    });

    it('enters pending_release for 24 hours, detaching the trunk and charging the fee', () => {
      const before = state.balances.get('USD') ?? 0;
      const outcome = release(state, main, e164, false);

      expect(outcome.status).toBe('pending_release');
      expect(outcome.cooldownEndsAt).toBe('2026-07-02T00:00:00.000Z');
      expect(state.balances.get('USD')).toBe(before - 7);

      expect(listNumbers(state, main).map((listed) => listed.e164)).toEqual([e164]);
      expect(ownedHolding(state, e164).status).toBe('pending_release');
      expect(ownedHolding(state, e164).trunkGroupId).toBeUndefined();
    });

    it('cancels inside the window, refunding the fee but not the trunk', () => {
      const before = state.balances.get('USD') ?? 0;
      release(state, main, e164, false);
      clock = new Date('2026-07-01T23:00:00Z');
      state.settle();

      expect(cancelRelease(state, main, e164)).toEqual({ refund: 7, currency: 'USD' });
      expect(state.balances.get('USD')).toBe(before);

      expect(ownedHolding(state, e164).status).toBe('active');
      expect(ownedHolding(state, e164).trunkGroupId).toBeUndefined();
    });

    it('quarantines after 24 hours and returns to inventory after 45 more days', () => {
      release(state, main, e164, false);

      clock = new Date('2026-07-02T00:00:00Z');
      state.settle();
      expect(holdingKind(state, e164)).toBe('quarantine');
      expect(listNumbers(state, main)).toHaveLength(0);
      expect(httpError(() => cancelRelease(state, main, e164)).status).toBe(404);
      expect(httpError(() => purchase(state, main, e164, undefined)).status).toBe(404);

      state.advanceClock(45 * day - 1);
      expect(holdingKind(state, e164)).toBe('quarantine');

      state.advanceClock(1);
      expect(holdingKind(state, e164)).toBe('inventory');
    });

    it('releases at once with immediate', () => {
      const outcome = release(state, main, e164, true);
      expect(outcome.status).toBe('released');
      expect(holdingKind(state, e164)).toBe('quarantine');
      expect(httpError(() => cancelRelease(state, main, e164)).status).toBe(404);
    });

    it('answers 403 for a number the caller does not own', () => {
      const other = searchInventory(state, { country: 'GB', exclude: [] })[0]?.e164 ?? '';
      const error = httpError(() => release(state, main, other, false));
      expect(error.status).toBe(403);
      expect(error.body).toEqual({ error: 'forbidden', message: 'account does not own this number' });
    });

    it('answers 400 for a second release while pending', () => {
      release(state, main, e164, false);
      expect(httpError(() => release(state, main, e164, false)).status).toBe(400);
    });

    it('answers 400 when cancelling a release that is not pending', () => {
      const error = httpError(() => cancelRelease(state, main, e164));
      expect(error.status).toBe(400);
      expect(error.body).toEqual({ error: 'number is not pending release' });
    });

    it('answers 403 when a sub-account cancels the main account release', () => {
      release(state, main, e164, false);
      const sub: Caller = { authId: subA, kind: 'sub', role: 'user' };
      expect(httpError(() => cancelRelease(state, sub, e164)).body).toEqual({ error: 'access denied' });
    });
  });

  describe('trunk assignment', () => {
    beforeEach(() => {
      purchase(state, main, e164, undefined);
    });

    it('assigns and unassigns', () => {
      assignTrunk(state, main, e164, trunkA);
      expect(ownedHolding(state, e164).trunkGroupId).toBe(trunkA);

      unassignTrunk(state, main, e164);
      expect(ownedHolding(state, e164).trunkGroupId).toBeUndefined();
    });

    it('answers 400 when the number already has a trunk, even the same one', () => {
      assignTrunk(state, main, e164, trunkA);
      for (const trunk of [trunkA, trunkB]) {
        const error = httpError(() => assignTrunk(state, main, e164, trunk));
        expect(error.status).toBe(400);
        expect(error.body['message']).toBe('This number is already assigned to a trunk.');
      }
    });

    it('answers 404 for an unknown trunk', () => {
      expect(httpError(() => assignTrunk(state, main, e164, '00000000-0000-0000-0000-000000000000')).status).toBe(404);
    });

    it('answers 404 for a number not owned', () => {
      const other = searchInventory(state, { country: 'GB', exclude: [] })[0]?.e164 ?? '';
      expect(httpError(() => assignTrunk(state, main, other, trunkA)).status).toBe(404);
    });

    it('answers 404 when unassigning a number without a trunk', () => {
      expect(httpError(() => unassignTrunk(state, main, e164)).status).toBe(404);
    });
  });

  describe('sub-account assignment and cool-off', () => {
    beforeEach(() => {
      purchase(state, main, e164, undefined);
      assignSubAccount(state, main, e164, subA);
    });

    it('moves the number to the sub-account', () => {
      expect(owner(state.numbers.get(e164))).toBe(subA);
    });

    it('answers 409 already_assigned for another sub-account', () => {
      const error = httpError(() => assignSubAccount(state, main, e164, subB));
      expect(error.status).toBe(409);
      expect(error.body['error']).toBe('already_assigned');
    });

    it('accepts the same sub-account again', () => {
      expect(() => assignSubAccount(state, main, e164, subA)).not.toThrow();
    });

    it('answers 404 for an unknown sub-account', () => {
      const error = httpError(() => assignSubAccount(state, main, e164, 'SA_NOPE'));
      expect(error.status).toBe(404);
      expect(error.body).toEqual({ error: 'not_found', message: 'number or sub-account not found' });
    });

    it('moves a never-called number back at once', () => {
      unassignSubAccount(state, main, e164, false);
      expect(owner(state.numbers.get(e164))).toBe(main.authId);
    });

    it('answers 409 with cool_off_until for a call 3 days ago', () => {
      state.recordCall(e164, new Date('2026-06-28T00:00:00Z'));
      const error = httpError(() => unassignSubAccount(state, main, e164, false));

      expect(error.status).toBe(409);
      expect(error.body).toEqual({
        error: 'did_cool_off_in_effect',
        cool_off_until: '2026-07-13T00:00:00.000Z',
        cool_off_remaining_seconds: 12 * day,
      });
      expect(owner(state.numbers.get(e164))).toBe(subA);
    });

    it('moves the number once 15 days have passed', () => {
      state.recordCall(e164, new Date('2026-06-28T00:00:00Z'));
      state.advanceClock(12 * day);
      unassignSubAccount(state, main, e164, false);
      expect(owner(state.numbers.get(e164))).toBe(main.authId);
    });

    it('lets an admin force the move during the cool-off', () => {
      state.recordCall(e164);
      unassignSubAccount(state, main, e164, true);
      expect(owner(state.numbers.get(e164))).toBe(main.authId);
    });

    it('answers 403 to force from an account that is not admin', () => {
      state.recordCall(e164);
      const user: Caller = { ...main, role: 'user' };
      expect(httpError(() => unassignSubAccount(state, user, e164, true)).status).toBe(403);
      expect(owner(state.numbers.get(e164))).toBe(subA);
    });

    it('answers 403 to a sub-account caller', () => {
      const sub: Caller = { authId: subA, kind: 'sub', role: 'user' };
      expect(httpError(() => unassignSubAccount(state, sub, e164, false)).status).toBe(403);
    });

    it('answers 404 when the number is on the main account', () => {
      unassignSubAccount(state, main, e164, false);
      expect(httpError(() => unassignSubAccount(state, main, e164, false)).status).toBe(404);
    });
  });

  describe('search inventory', () => {
    it('filters by country, substring and excluded prefixes', () => {
      const us = searchInventory(state, { country: 'US', exclude: [] });
      expect(us.every((number) => number.country === 'US')).toBe(true);

      const sanFrancisco = searchInventory(state, { country: 'US', exclude: ['+1212'] });
      expect(sanFrancisco.every((number) => number.e164.startsWith('+1415'))).toBe(true);
      expect(sanFrancisco.length).toBeGreaterThan(0);

      const found = searchInventory(state, { search: '4155550101', exclude: [] });
      expect(found.map((number) => number.e164)).toEqual(['+14155550101']);
    });

    it('finds nothing for a search whose plus was decoded as a space', () => {
      expect(searchInventory(state, { search: ' 14155550101', exclude: [] })).toHaveLength(0);
    });
  });

  it('keeps every number in exactly one holding', () => {
    purchase(state, main, e164, undefined);
    release(state, main, e164, true);

    const kinds = [...state.numbers.values()].map((number) => number.holding.kind);
    expect(kinds.length).toBe(state.numbers.size);
    expect(state.numbers.get(e164)?.holding.kind).toBe('quarantine');
    expect(searchInventory(state, { search: e164, exclude: [] })).toHaveLength(0);
    expect(listNumbers(state, main)).toHaveLength(0);
  });
});
