import { describe, expect, it } from 'vitest';

import { buildStatus, statusMirrors } from '../../../src/controller/status.ts';
import type { OwnedNumber } from '../../../src/vobiz/types.ts';
import { MAIN, phoneNumber } from './support/fakes.ts';

const NOW = new Date('2026-07-01T12:00:00Z');
const LATER = new Date('2026-07-01T13:00:00Z');
const owned: OwnedNumber = {
  id: 'n1',
  e164: '+14155550100',
  accountId: 'SA_ONE',
  country: 'US',
  status: 'active',
  trunkGroupId: '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01',
  setupFee: 1,
  monthlyFee: 1.15,
  currency: 'USD',
  purchasedAt: '2026-07-01T00:00:00Z',
};
const converged = { status: 'True' as const, reason: 'Converged', message: 'ok' };

describe('buildStatus', () => {
  it('mirrors the observed number', () => {
    const { status, changed } = buildStatus(phoneNumber('line', { e164: owned.e164 }), { observation: { number: owned }, mainAccountId: MAIN, ready: converged }, NOW);

    expect(changed).toBe(true);
    expect(status).toMatchObject({
      observedGeneration: 1,
      accountId: 'SA_ONE',
      subAccountId: 'SA_ONE',
      trunkGroupId: owned.trunkGroupId,
      vobizStatus: 'active',
      setupFee: 1,
      monthlyFee: 1.15,
      currency: 'USD',
      purchasedAt: owned.purchasedAt,
      lastSyncTime: NOW.toISOString(),
    });
    expect(statusMirrors(status, owned, MAIN)).toBe(true);
  });

  it('leaves subAccountId out on the main account', () => {
    const { status } = buildStatus(phoneNumber('line', { e164: owned.e164 }), { observation: { number: { ...owned, accountId: MAIN } }, mainAccountId: MAIN }, NOW);
    expect(status.subAccountId).toBeUndefined();
    expect(status.accountId).toBe(MAIN);
  });

  it('reports no change and keeps lastSyncTime when nothing changed', () => {
    const resource = phoneNumber('line', { e164: owned.e164 });
    const first = buildStatus(resource, { observation: { number: owned }, mainAccountId: MAIN, ready: converged }, NOW);

    const second = buildStatus({ ...resource, status: first.status }, { observation: { number: owned }, mainAccountId: MAIN, ready: converged }, LATER);

    expect(second.changed).toBe(false);
    expect(second.status.lastSyncTime).toBe(NOW.toISOString());
  });

  it('clears observed fields when the account no longer owns the number', () => {
    const resource = phoneNumber('line', { e164: owned.e164 });
    const first = buildStatus(resource, { observation: { number: owned }, mainAccountId: MAIN }, NOW);

    const second = buildStatus({ ...resource, status: first.status }, { observation: { number: undefined }, mainAccountId: MAIN }, LATER);

    expect(second.status.trunkGroupId).toBeUndefined();
    expect(second.status.accountId).toBeUndefined();
  });

  it('keeps observed fields when no observation is given', () => {
    const resource = phoneNumber('line', { e164: owned.e164 });
    const first = buildStatus(resource, { observation: { number: owned }, mainAccountId: MAIN }, NOW);

    const second = buildStatus({ ...resource, status: first.status }, { mainAccountId: MAIN, pendingPurchase: { startedAt: LATER.toISOString() } }, LATER);

    expect(second.status.trunkGroupId).toBe(owned.trunkGroupId);
    expect(second.status.pendingPurchase).toEqual({ startedAt: LATER.toISOString() });
  });

  it('notices a changed trunk', () => {
    const { status } = buildStatus(phoneNumber('line', { e164: owned.e164 }), { observation: { number: owned }, mainAccountId: MAIN }, NOW);
    const { trunkGroupId: _trunk, ...unrouted } = owned;
    expect(statusMirrors(status, unrouted, MAIN)).toBe(false);
  });
});
