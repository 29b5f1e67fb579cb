import { describe, expect, it } from 'vitest';

import { decodeNumberParameter, matchRoute } from '../../../src/simulator/vobiz-routes.ts';

describe('simulator route matching', () => {
  it.each([
    ['GET', '/api/v1/Account/MA_X/inventory/numbers', 'searchInventory'],
    ['POST', '/api/v1/Account/MA_X/numbers/purchase-from-inventory', 'purchase'],
    ['GET', '/api/v1/Account/MA_X/numbers', 'listNumbers'],
    ['DELETE', '/api/v1/Account/MA_X/numbers/%2B14155551234', 'release'],
    ['DELETE', '/api/v1/Account/MA_X/numbers/14155551234', 'release'],
    ['POST', '/api/v1/account/MA_X/numbers/%2B14155551234/cancel-release', 'cancelRelease'],
    ['POST', '/api/v1/Account/MA_X/numbers/%2b14155551234/assign', 'assignTrunk'],
    ['DELETE', '/api/v1/Account/MA_X/numbers/%2B14155551234/assign', 'unassignTrunk'],
    ['POST', '/api/v1/account/MA_X/numbers/%2B14155551234/assign-subaccount', 'assignSubAccount'],
    ['DELETE', '/api/v1/account/MA_X/numbers/%2B14155551234/assign-subaccount', 'unassignSubAccount'],
    ['GET', '/api/v1/Account/MA_X/trunks', 'listTrunks'],
    ['GET', '/api/v1/Account/MA_X/trunks/abc', 'getTrunk'],
    ['GET', '/api/v1/accounts/MA_X/sub-accounts/', 'listSubAccounts'],
    ['GET', '/api/v1/auth/me', 'getAccount'],
    ['GET', '/api/v1/Account/MA_X/balance/USD', 'getBalance'],
  ])('matches %s %s', (method, path, operation) => {
    expect(matchRoute(method, path)?.route.operation).toBe(operation);
  });

  it.each([
    ['raw plus in release', 'DELETE', '/api/v1/Account/MA_X/numbers/+14155551234'],
    ['raw plus in assign', 'POST', '/api/v1/Account/MA_X/numbers/+14155551234/assign'],
    ['bare digits in assign', 'POST', '/api/v1/Account/MA_X/numbers/14155551234/assign'],
    ['lower-case account for numbers', 'GET', '/api/v1/account/MA_X/numbers'],
    ['capital Account for sub-account assignment', 'POST', '/api/v1/Account/MA_X/numbers/%2B14155551234/assign-subaccount'],
    ['capital Account for cancel-release', 'POST', '/api/v1/Account/MA_X/numbers/%2B14155551234/cancel-release'],
    ['singular account for sub-accounts', 'GET', '/api/v1/account/MA_X/sub-accounts/'],
    ['sub-accounts without trailing slash', 'GET', '/api/v1/accounts/MA_X/sub-accounts'],
    ['wrong method', 'PUT', '/api/v1/Account/MA_X/numbers'],
    ['malformed escape', 'GET', '/api/v1/Account/%ZZ/numbers'],
  ])('does not match %s', (_name, method, path) => {
    expect(matchRoute(method, path)).toBeUndefined();
  });

  it('decodes the auth id and number', () => {
    const match = matchRoute('POST', '/api/v1/Account/MA_X/numbers/%2B14155551234/assign');
    expect(match?.pathAuthId).toBe('MA_X');
    expect(decodeNumberParameter(match?.params[0] ?? '')).toBe('+14155551234');
    expect(decodeNumberParameter('14155551234')).toBe('+14155551234');
  });
});
