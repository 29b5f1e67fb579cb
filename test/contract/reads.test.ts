/**
 * Read-only contract: every read endpoint, its errors, and the casing and encoding quirks
 * that can be checked without changing anything. Runs against Vobiz too when configured.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { VobizError, type VobizClient } from '../../src/vobiz/index.ts';
import { caught, rawRequest, targets, type ContractTarget } from './targets.ts';

for (const definition of targets) {
  describe.runIf(definition.enabled)(`reads against ${definition.name}`, () => {
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

    it('getAccount returns the auth id and role', async () => {
      const profile = await client.getAccount();
      expect(profile.authId).toBe(target.authId);
      expect(profile.role).not.toBe('');
    });

    it('getBalance returns the balance in a currency', async () => {
      const balance = await client.getBalance('USD');
      expect(balance.currency).toBe('USD');
      expect(Number.isFinite(balance.balance)).toBe(true);
      expect(Number.isFinite(balance.availableBalance)).toBe(true);
    });

    it('getBalance rejects a malformed currency before any request', async () => {
      const error = await caught<VobizError>(() => client.getBalance('usd'));
      expect(error.code).toBe('VOBIZ_BAD_REQUEST');
      expect(error.status).toBeUndefined();
    });

    it('listTrunks and getTrunk agree', async () => {
      const trunks = await client.listTrunks();
      if (definition.isSimulator) expect(trunks).toHaveLength(2);

      for (const trunk of trunks.slice(0, 3)) {
        expect(await client.getTrunk(trunk.trunkId)).toEqual(trunk);
      }
    });

    it('getTrunk of an unknown trunk is VOBIZ_NOT_FOUND', async () => {
      const error = await caught<VobizError>(() => client.getTrunk('00000000-0000-4000-8000-000000000000'));
      expect(error).toBeInstanceOf(VobizError);
      expect(error.code).toBe('VOBIZ_NOT_FOUND');
      expect(error.status).toBe(404);
    });

    it('listSubAccounts returns sub-account auth ids', async () => {
      const subAccounts = await client.listSubAccounts();
      if (definition.isSimulator) expect(subAccounts.map((subAccount) => subAccount.authId)).toEqual(['SA_SIMTEAM01', 'SA_SIMTEAM02']);
      for (const subAccount of subAccounts) expect(subAccount.authId).toMatch(/^SA_/);
    });

    it('searchInventory pages with total', async () => {
      const first = await client.searchInventory({ country: 'US', page: 1, perPage: 5 });
      expect(first.page).toBe(1);
      expect(first.perPage).toBe(5);
      expect(first.items.length).toBeLessThanOrEqual(5);
      expect(first.items.every((number) => number.country === 'US')).toBe(true);

      if (first.total > 5) {
        const second = await client.searchInventory({ country: 'US', page: 2, perPage: 5 });
        expect(second.total).toBe(first.total);
        const firstNumbers = new Set(first.items.map((number) => number.e164));
        expect(second.items.some((number) => firstNumbers.has(number.e164))).toBe(false);
      }
    });

    it('searchInventory finds a number by its E.164 with the plus', async () => {
      const sample = (await client.searchInventory({ country: 'US', perPage: 1 })).items[0];
      if (sample === undefined) return;

      const found = await client.searchInventory({ search: sample.e164 });
      expect(found.items.map((number) => number.e164)).toContain(sample.e164);
    });

    it('searchInventory leaves out excluded prefixes', async () => {
      const page = await client.searchInventory({ country: 'US', exclude: ['+1212'], perPage: 100 });
      expect(page.items.some((number) => number.e164.startsWith('+1212'))).toBe(false);
    });

    it('listAllNumbers agrees with the first page total', async () => {
      const first = await client.listNumbersPage({ page: 1, perPage: 25 });
      const all = await client.listAllNumbers();
      expect(all).toHaveLength(first.total);
      expect(new Set(all.map((number) => number.e164)).size).toBe(all.length);
    });

    it('findOwnedNumber returns undefined for a number not owned', async () => {
      expect(await client.findOwnedNumber('+19995550199')).toBeUndefined();
    });

    it('wrong credentials are VOBIZ_UNAUTHORIZED', async () => {
      const stranger = target.client({ authToken: 'wrong-token', retry: { maxAttempts: 1 } });
      const error = await caught<VobizError>(() => stranger.getAccount());
      expect(error.code).toBe('VOBIZ_UNAUTHORIZED');
      expect(error.status).toBe(401);
      expect(error.message).not.toContain('wrong-token');
    });

    it('an invalid E.164 is rejected before any request', async () => {
      await target.controls?.clearRequestLog();
      const error = await caught<VobizError>(() => client.findOwnedNumber('4155550100'));
      expect(error.code).toBe('VOBIZ_INVALID_E164');
      if (target.controls !== undefined) expect(await target.controls.requestLog()).toHaveLength(0);
    });

    it('the lower-case account prefix does not list numbers', async () => {
      const response = await rawRequest(target, 'GET', `/api/v1/account/${target.authId}/numbers`);
      expect(response.status).toBe(404);
    });

    it('a request without credentials is 401', async () => {
      const response = await rawRequest(target, 'GET', `/api/v1/Account/${target.authId}/numbers`, {
        headers: { 'x-auth-id': '', 'x-auth-token': '' },
      });
      expect(response.status).toBe(401);
    });
  });
}
