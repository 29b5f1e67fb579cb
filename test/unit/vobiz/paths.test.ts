import { describe, expect, it } from 'vitest';

import {
  accountProfilePath,
  balancePath,
  cancelReleasePath,
  inventoryPath,
  numbersPath,
  purchasePath,
  releasePath,
  subAccountAssignmentPath,
  subAccountsPath,
  trunkAssignmentPath,
  trunkPath,
  trunksPath,
  withQuery,
} from '../../../src/vobiz/paths.ts';

const authId = 'MA_TEST1';
const e164 = '+14155551234';

describe('Vobiz paths', () => {
  it.each([
    ['inventory', inventoryPath(authId), '/api/v1/Account/MA_TEST1/inventory/numbers'],
    ['purchase', purchasePath(authId), '/api/v1/Account/MA_TEST1/numbers/purchase-from-inventory'],
    ['list numbers', numbersPath(authId), '/api/v1/Account/MA_TEST1/numbers'],
    ['release', releasePath(authId, e164), '/api/v1/Account/MA_TEST1/numbers/%2B14155551234'],
    ['cancel release', cancelReleasePath(authId, e164), '/api/v1/account/MA_TEST1/numbers/%2B14155551234/cancel-release'],
    ['trunk assignment', trunkAssignmentPath(authId, e164), '/api/v1/Account/MA_TEST1/numbers/%2B14155551234/assign'],
    ['sub-account assignment', subAccountAssignmentPath(authId, e164), '/api/v1/account/MA_TEST1/numbers/%2B14155551234/assign-subaccount'],
    ['trunks', trunksPath(authId), '/api/v1/Account/MA_TEST1/trunks'],
    ['one trunk', trunkPath(authId, 'abc-123'), '/api/v1/Account/MA_TEST1/trunks/abc-123'],
    ['sub-accounts', subAccountsPath(authId), '/api/v1/accounts/MA_TEST1/sub-accounts/'],
    ['profile', accountProfilePath(), '/api/v1/auth/me'],
    ['balance', balancePath(authId, 'USD'), '/api/v1/Account/MA_TEST1/balance/USD'],
  ])('%s path has Vobiz casing and encoding', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('never puts a raw plus into a path', () => {
    for (const path of [releasePath(authId, e164), cancelReleasePath(authId, e164), trunkAssignmentPath(authId, e164), subAccountAssignmentPath(authId, e164)]) {
      expect(path).not.toContain('+');
    }
  });

  it('escapes a path segment that would add a segment', () => {
    expect(trunkPath(authId, '../x')).toBe('/api/v1/Account/MA_TEST1/trunks/..%2Fx');
  });
});

describe('withQuery', () => {
  it('sends a plus in search as %2B', () => {
    expect(withQuery('/p', { search: '+1415' })).toBe('/p?search=%2B1415');
  });

  it('leaves out undefined values and joins arrays with commas', () => {
    expect(withQuery('/p', { page: 2, per_page: undefined, exclude: ['+1415', '+1212'] })).toBe('/p?page=2&exclude=%2B1415%2C%2B1212');
  });

  it('returns the bare path without parameters', () => {
    expect(withQuery('/p', { page: undefined, exclude: [] })).toBe('/p');
  });
});
