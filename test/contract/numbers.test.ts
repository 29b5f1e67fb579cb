/**
 * Purchase, list and release contract. Against Vobiz it runs only with
 * VOBIZ_CONTRACT_ALLOW_PURCHASE=true, buys the cheapest US number it finds and releases it
 * with `immediate`; the clock and balance checks need the simulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { pendingReleaseMs, quarantineMs } from '../../src/simulator/index.ts';
import { VobizError, type VobizClient } from '../../src/vobiz/index.ts';
import { caught, rawRequest, targets, type ContractTarget } from './targets.ts';

const purchasesAllowed = process.env['VOBIZ_CONTRACT_ALLOW_PURCHASE'] === 'true';

for (const definition of targets) {
  const simulatorOnly = it.runIf(definition.isSimulator);

  describe.runIf(definition.enabled && (definition.isSimulator || purchasesAllowed))(`numbers against ${definition.name}`, () => {
    let target: ContractTarget;
    let client: VobizClient;

    beforeAll(async () => {
      target = await definition.start();
      client = target.client();
    });

    afterAll(async () => {
      await target.close();
    });

    beforeEach(async () => {
      await target.controls?.reset();
    });

    async function cheapestUsNumber(): Promise<string> {
      const page = await client.searchInventory({ country: 'US', perPage: 100 });
      const sorted = [...page.items].sort((a, b) => a.setupFee + a.monthlyFee - (b.setupFee + b.monthlyFee));
      const number = sorted[0];
      if (number === undefined) throw new Error('no US number in inventory');
      return number.e164;
    }

    it('purchase, list, release immediately', async () => {
      const e164 = await cheapestUsNumber();

      const owned = await client.purchaseFromInventory(e164);
      expect(owned.e164).toBe(e164);
      expect(owned.status).toBe('active');
      expect(owned.accountId).toBe(target.authId);
      expect(owned.trunkGroupId).toBeUndefined();

      expect((await client.findOwnedNumber(e164))?.id).toBe(owned.id);

      const again = await caught<VobizError>(() => client.purchaseFromInventory(e164));
      expect(again.code).toBe('VOBIZ_NOT_FOUND');

      const released = await client.releaseNumber(e164, { immediate: true });
      expect(released.status).toBe('released');
      expect(await client.findOwnedNumber(e164)).toBeUndefined();
    });

    simulatorOnly('purchase debits setup and monthly fee', async () => {
      const before = await client.getBalance('USD');
      await client.purchaseFromInventory('+14155550100');
      const after = await client.getBalance('USD');
      expect(after.balance).toBeCloseTo(before.balance - 2.15, 2);
    });

    simulatorOnly('purchase in another currency debits that balance', async () => {
      const before = await client.getBalance('EUR');
      const owned = await client.purchaseFromInventory('+14155550100', 'EUR');
      expect(owned.currency).toBe('USD');
      expect((await client.getBalance('EUR')).balance).toBeLessThan(before.balance);
    });

    simulatorOnly('purchase with a short balance is VOBIZ_INSUFFICIENT_BALANCE and changes nothing', async () => {
      await target.controls?.seed({ balances: { USD: 1 } });

      const error = await caught<VobizError>(() => client.purchaseFromInventory('+14155550100'));
      expect(error.code).toBe('VOBIZ_INSUFFICIENT_BALANCE');
      expect(error.status).toBe(500);
      expect(error.retryable).toBe(false);
      expect(await client.findOwnedNumber('+14155550100')).toBeUndefined();
      expect((await client.getBalance('USD')).balance).toBe(1);
      expect(await target.controls?.requestLog({ operation: 'purchase' })).toHaveLength(1);
    });

    simulatorOnly('purchase of a number never stocked is VOBIZ_NOT_FOUND', async () => {
      const error = await caught<VobizError>(() => client.purchaseFromInventory('+19995550100'));
      expect(error.code).toBe('VOBIZ_NOT_FOUND');
      expect(error.message).toContain('+19995550100');
    });

    simulatorOnly('release enters pending_release and cancel restores active without the trunk', async () => {
      const e164 = '+14155550100';
      await client.purchaseFromInventory(e164);
      await client.assignTrunk(e164, '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01');
      const balance = (await client.getBalance('USD')).balance;

      const released = await client.releaseNumber(e164);
      expect(released.status).toBe('pending_release');
      expect(released.releaseFee).toBe(7);
      expect(released.cooldownEndsAt).toBeDefined();
      expect((await client.findOwnedNumber(e164))?.status).toBe('pending_release');
      expect((await client.getBalance('USD')).balance).toBe(balance - 7);

      await client.cancelRelease(e164);
      const restored = await client.findOwnedNumber(e164);
      expect(restored?.status).toBe('active');
      expect(restored?.trunkGroupId).toBeUndefined();
      expect((await client.getBalance('USD')).balance).toBe(balance);
    });

    simulatorOnly('a release leaves after 24 hours, then quarantine, then inventory', async () => {
      const e164 = '+14155550100';
      await client.purchaseFromInventory(e164);
      await client.releaseNumber(e164);

      await target.controls?.advanceClock(pendingReleaseMs / 1000);
      expect(await client.findOwnedNumber(e164)).toBeUndefined();
      expect((await client.searchInventory({ search: e164 })).total).toBe(0);
      expect((await caught<VobizError>(() => client.cancelRelease(e164))).code).toBe('VOBIZ_NOT_FOUND');
      expect((await caught<VobizError>(() => client.purchaseFromInventory(e164))).code).toBe('VOBIZ_NOT_FOUND');

      await target.controls?.advanceClock(quarantineMs / 1000);
      expect((await client.searchInventory({ search: e164 })).total).toBe(1);
      expect((await client.purchaseFromInventory(e164)).e164).toBe(e164);
    });

    simulatorOnly('cancelRelease of an active number is VOBIZ_BAD_REQUEST', async () => {
      await client.purchaseFromInventory('+14155550100');
      const error = await caught<VobizError>(() => client.cancelRelease('+14155550100'));
      expect(error.code).toBe('VOBIZ_BAD_REQUEST');
      expect(error.vobizError).toBe('number is not pending release');
    });

    simulatorOnly('release of a number not owned is VOBIZ_FORBIDDEN', async () => {
      const error = await caught<VobizError>(() => client.releaseNumber('+14155550100'));
      expect(error.code).toBe('VOBIZ_FORBIDDEN');
      expect(error.status).toBe(403);
    });

    simulatorOnly('release accepts the bare digits and answers a cancel_url with a literal plus', async () => {
      await client.purchaseFromInventory('+14155550100');
      const response = await rawRequest(target, 'DELETE', `/api/v1/Account/${target.authId}/numbers/14155550100`);

      expect(response.status).toBe(200);
      expect((response.body as { cancel_url: string }).cancel_url).toBe(`/api/v1/account/${target.authId}/numbers/+14155550100/cancel-release`);
    });

    simulatorOnly('a raw plus in the path is rejected with 404 and changes nothing', async () => {
      await client.purchaseFromInventory('+14155550100');

      const release = await rawRequest(target, 'DELETE', `/api/v1/Account/${target.authId}/numbers/+14155550100`);
      const assign = await rawRequest(target, 'POST', `/api/v1/Account/${target.authId}/numbers/+14155550100/assign`, {
        body: { trunk_group_id: '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01' },
      });
      expect(release.status).toBe(404);
      expect(assign.status).toBe(404);

      const number = await client.findOwnedNumber('+14155550100');
      expect(number?.status).toBe('active');
      expect(number?.trunkGroupId).toBeUndefined();
    });

    simulatorOnly('a raw plus in search means a space and finds nothing', async () => {
      await client.purchaseFromInventory('+14155550100');

      const raw = await rawRequest(target, 'GET', `/api/v1/Account/${target.authId}/numbers?search=+14155550100`);
      const encoded = await rawRequest(target, 'GET', `/api/v1/Account/${target.authId}/numbers?search=%2B14155550100`);
      expect((raw.body as { total: number }).total).toBe(0);
      expect((encoded.body as { total: number }).total).toBe(1);
    });

    simulatorOnly('list numbers ignores limit and offset and caps per_page at 100', async () => {
      const owned = Array.from({ length: 120 }, (_, index) => ({
        e164: `+1650555${String(1000 + index)}`,
        country: 'US',
        setupFee: 1,
        monthlyFee: 1,
        currency: 'USD',
      }));
      await target.controls?.seed({ owned });

      const ignored = await rawRequest(target, 'GET', `/api/v1/Account/${target.authId}/numbers?limit=5&offset=10`);
      expect((ignored.body as { per_page: number; items: unknown[] }).per_page).toBe(25);
      expect((ignored.body as { items: unknown[] }).items).toHaveLength(25);

      const capped = await rawRequest(target, 'GET', `/api/v1/Account/${target.authId}/numbers?per_page=500`);
      expect((capped.body as { per_page: number }).per_page).toBe(100);
      expect((capped.body as { items: unknown[] }).items).toHaveLength(100);
    });

    simulatorOnly('1,000 owned numbers are listed in exactly 10 calls with per_page 100', async () => {
      const owned = Array.from({ length: 1000 }, (_, index) => ({
        e164: `+1650555${String(index).padStart(4, '0')}`,
        country: 'US',
        setupFee: 1,
        monthlyFee: 1,
        currency: 'USD',
      }));
      await target.controls?.seed({ owned });
      await target.controls?.clearRequestLog();

      const numbers = await client.listAllNumbers({ perPage: 100 });

      expect(numbers).toHaveLength(1000);
      expect(new Set(numbers.map((number) => number.e164)).size).toBe(1000);
      const calls = (await target.controls?.requestLog({ operation: 'listNumbers' })) ?? [];
      expect(calls).toHaveLength(10);
      expect(calls.map((call) => call.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(calls.every((call) => call.rawPath.includes('per_page=100'))).toBe(true);
    });

    simulatorOnly('findOwnedNumber keeps only the exact match of a substring search', async () => {
      await target.controls?.seed({
        owned: [
          { e164: '+1415555010', country: 'US', setupFee: 1, monthlyFee: 1, currency: 'USD' },
          { e164: '+14155550100', country: 'US', setupFee: 1, monthlyFee: 1, currency: 'USD' },
        ],
      });

      expect((await client.findOwnedNumber('+1415555010'))?.e164).toBe('+1415555010');
      const searched = await target.controls?.requestLog({ operation: 'listNumbers' });
      expect(searched?.at(-1)?.rawPath).toContain('search=%2B1415555010');
    });

    simulatorOnly('a sub-account sees only its own numbers', async () => {
      await client.purchaseFromInventory('+14155550100');
      await client.purchaseFromInventory('+14155550101');
      await client.assignSubAccount('+14155550101', 'SA_SIMTEAM01');

      const sub = target.client({ authId: 'SA_SIMTEAM01', authToken: 'simulator-sub-account-token-1' });
      const subNumbers = await sub.listAllNumbers();
      expect(subNumbers.map((number) => number.e164)).toEqual(['+14155550101']);
      expect(subNumbers[0]?.accountId).toBe('SA_SIMTEAM01');

      const mainNumbers = await client.listAllNumbers();
      expect(mainNumbers.map((number) => number.e164).sort()).toEqual(['+14155550100', '+14155550101']);
    });
  });
}
