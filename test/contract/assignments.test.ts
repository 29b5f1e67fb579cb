/**
 * Trunk and sub-account assignment contract, the 15-day cool-off included. Simulator only:
 * against Vobiz these calls would need a purchased number and a real call to start a cool-off.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { defaultSeed, defaultSubAccountIds, defaultTrunkIds } from '../../src/simulator/index.ts';
import { VobizError, type VobizClient } from '../../src/vobiz/index.ts';
import { caught, rawRequest, targets, type ContractTarget } from './targets.ts';

const simulator = targets.find((definition) => definition.isSimulator);
const [trunkA, trunkB] = defaultTrunkIds;
const [subA, subB] = defaultSubAccountIds;
const e164 = '+14155550100';
const day = 24 * 60 * 60;

describe.runIf(simulator !== undefined)('assignments against the simulator', () => {
  let target: ContractTarget;
  let client: VobizClient;

  beforeAll(async () => {
    if (simulator === undefined) throw new Error('no simulator target');
    target = await simulator.start();
    client = target.client();
  });

  afterAll(async () => {
    await target.close();
  });

  beforeEach(async () => {
    await target.controls?.reset();
    await client.purchaseFromInventory(e164);
  });

  describe('trunk', () => {
    it('assigns and unassigns', async () => {
      await client.assignTrunk(e164, trunkA);
      expect((await client.findOwnedNumber(e164))?.trunkGroupId).toBe(trunkA);

      await client.unassignTrunk(e164);
      expect((await client.findOwnedNumber(e164))?.trunkGroupId).toBeUndefined();
    });

    it('assigning a number that has a trunk is VOBIZ_ALREADY_ASSIGNED', async () => {
      await client.assignTrunk(e164, trunkA);
      const error = await caught<VobizError>(() => client.assignTrunk(e164, trunkB));

      expect(error.code).toBe('VOBIZ_ALREADY_ASSIGNED');
      expect(error.status).toBe(400);
      expect((await client.findOwnedNumber(e164))?.trunkGroupId).toBe(trunkA);
    });

    it('moves to another trunk by unassign then assign', async () => {
      await client.assignTrunk(e164, trunkA);
      await client.unassignTrunk(e164);
      await client.assignTrunk(e164, trunkB);
      expect((await client.findOwnedNumber(e164))?.trunkGroupId).toBe(trunkB);
    });

    it('an unknown trunk is VOBIZ_NOT_FOUND', async () => {
      const error = await caught<VobizError>(() => client.assignTrunk(e164, '00000000-0000-4000-8000-000000000000'));
      expect(error.code).toBe('VOBIZ_NOT_FOUND');
    });

    it('a number not owned is VOBIZ_NOT_FOUND', async () => {
      const error = await caught<VobizError>(() => client.assignTrunk('+14155550101', trunkA));
      expect(error.code).toBe('VOBIZ_NOT_FOUND');
    });

    it('unassigning a number without a trunk is VOBIZ_NOT_FOUND', async () => {
      const error = await caught<VobizError>(() => client.unassignTrunk(e164));
      expect(error.code).toBe('VOBIZ_NOT_FOUND');
    });

    it('the capital Account prefix is required', async () => {
      const response = await rawRequest(target, 'POST', `/api/v1/account/${target.authId}/numbers/%2B14155550100/assign`, {
        body: { trunk_group_id: trunkA },
      });
      expect(response.status).toBe(404);
    });

    it('sees drift made in the console', async () => {
      await client.assignTrunk(e164, trunkA);
      await target.controls?.setNumberTrunk(e164, trunkB);
      expect((await client.findOwnedNumber(e164))?.trunkGroupId).toBe(trunkB);
    });
  });

  describe('sub-account', () => {
    it('assigns (200) and unassigns (204)', async () => {
      await client.assignSubAccount(e164, subA);
      expect((await client.findOwnedNumber(e164))?.accountId).toBe(subA);

      await client.unassignSubAccount(e164);
      expect((await client.findOwnedNumber(e164))?.accountId).toBe(target.authId);
    });

    it('a number on another sub-account is VOBIZ_ALREADY_ASSIGNED', async () => {
      await client.assignSubAccount(e164, subA);
      const error = await caught<VobizError>(() => client.assignSubAccount(e164, subB));

      expect(error.code).toBe('VOBIZ_ALREADY_ASSIGNED');
      expect(error.status).toBe(409);
    });

    it('an unknown sub-account is VOBIZ_NOT_FOUND', async () => {
      const error = await caught<VobizError>(() => client.assignSubAccount(e164, 'SA_UNKNOWN1'));
      expect(error.code).toBe('VOBIZ_NOT_FOUND');
    });

    it('the lower-case account prefix is required', async () => {
      const response = await rawRequest(target, 'POST', `/api/v1/Account/${target.authId}/numbers/%2B14155550100/assign-subaccount`, {
        body: { sub_account_id: subA },
      });
      expect(response.status).toBe(404);
    });

    it('a call 3 days ago is VOBIZ_COOL_OFF with its end', async () => {
      await client.assignSubAccount(e164, subA);
      const now = (await target.controls?.now()) ?? new Date();
      await target.controls?.recordCall(e164, new Date(now.getTime() - 3 * day * 1000));

      const error = await caught<VobizError>(() => client.unassignSubAccount(e164));
      expect(error.code).toBe('VOBIZ_COOL_OFF');
      expect(error.status).toBe(409);
      expect(error.coolOffUntil?.getTime()).toBe(now.getTime() + 12 * day * 1000);
      expect(error.coolOffRemainingSeconds).toBeGreaterThan(12 * day - 60);
      expect(error.coolOffRemainingSeconds).toBeLessThanOrEqual(12 * day);
      expect(error.retryable).toBe(false);
      expect((await client.findOwnedNumber(e164))?.accountId).toBe(subA);
    });

    it('the move succeeds once the cool-off has passed', async () => {
      await client.assignSubAccount(e164, subA);
      await target.controls?.recordCall(e164);
      await target.controls?.advanceClock(15 * day);

      await client.unassignSubAccount(e164);
      expect((await client.findOwnedNumber(e164))?.accountId).toBe(target.authId);
    });

    it('an admin may force the move during the cool-off', async () => {
      await client.assignSubAccount(e164, subA);
      await target.controls?.recordCall(e164);

      await client.unassignSubAccount(e164, { force: true });
      expect((await client.findOwnedNumber(e164))?.accountId).toBe(target.authId);
    });

    it('force from an account that is not admin is VOBIZ_FORBIDDEN', async () => {
      await target.controls?.seed({ account: { role: 'user' } });
      await client.assignSubAccount(e164, subA);
      await target.controls?.recordCall(e164);

      const error = await caught<VobizError>(() => client.unassignSubAccount(e164, { force: true }));
      expect(error.code).toBe('VOBIZ_FORBIDDEN');
      expect((await client.findOwnedNumber(e164))?.accountId).toBe(subA);
    });

    it('sub-account credentials cannot move numbers', async () => {
      await client.assignSubAccount(e164, subA);
      const seed = defaultSeed();
      const token = seed.subAccounts?.[0]?.authToken ?? '';
      const sub = target.client({ authId: subA, authToken: token });

      const error = await caught<VobizError>(() => sub.unassignSubAccount(e164));
      expect(error.code).toBe('VOBIZ_FORBIDDEN');
    });
  });
});
