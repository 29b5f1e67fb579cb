import { describe, expect, it } from 'vitest';

import { claimOwner, otherLiveClaimants, ownsNumber } from '../../../src/controller/ownership.ts';
import { phoneNumber } from './support/fakes.ts';

const E164 = '+14155550100';

describe('claimOwner', () => {
  it('picks the oldest resource', () => {
    const older = phoneNumber('older', { e164: E164 }, { creationTimestamp: '2026-07-01T00:00:00Z' });
    const newer = phoneNumber('newer', { e164: E164 }, { creationTimestamp: '2026-07-02T00:00:00Z' });
    expect(claimOwner([newer, older], E164)?.metadata.name).toBe('older');
    expect(ownsNumber(newer, [newer, older])).toBe(false);
    expect(ownsNumber(older, [newer, older])).toBe(true);
  });

  it('breaks a creation-time tie by uid', () => {
    const a = phoneNumber('a', { e164: E164 }, { uid: 'uid-b' });
    const b = phoneNumber('b', { e164: E164 }, { uid: 'uid-a' });
    expect(claimOwner([a, b], E164)?.metadata.name).toBe('b');
  });

  it('keeps the number with the claimant that acted in a tie', () => {
    // Same creation second; the duplicate has the lower uid but the owner already bought the number.
    const readyStatus = { conditions: [{ type: 'Ready', status: 'True' as const, reason: 'Converged', message: 'm', lastTransitionTime: '2026-07-01T00:00:00Z' }] };
    const owner = { ...phoneNumber('owner', { e164: E164 }, { uid: 'uid-b' }), status: readyStatus };
    const duplicate = phoneNumber('duplicate', { e164: E164 }, { uid: 'uid-a' });

    expect(claimOwner([duplicate, owner], E164)?.metadata.name).toBe('owner');
    expect(ownsNumber(duplicate, [duplicate, owner])).toBe(false);
  });

  it('keeps the number with a claimant that is buying it in a tie', () => {
    const buying = { ...phoneNumber('buying', { e164: E164 }, { uid: 'uid-b' }), status: { pendingPurchase: { startedAt: '2026-07-01T00:00:00Z' } } };
    const duplicate = phoneNumber('duplicate', { e164: E164 }, { uid: 'uid-a' });

    expect(claimOwner([duplicate, buying], E164)?.metadata.name).toBe('buying');
  });

  it('does not count a DuplicateNumber status as acting', () => {
    const duplicateStatus = { conditions: [{ type: 'Ready', status: 'False' as const, reason: 'DuplicateNumber', message: 'm', lastTransitionTime: '2026-07-01T00:00:00Z' }] };
    const a = { ...phoneNumber('a', { e164: E164 }, { uid: 'uid-b' }), status: duplicateStatus };
    const b = phoneNumber('b', { e164: E164 }, { uid: 'uid-a' });

    expect(claimOwner([a, b], E164)?.metadata.name).toBe('b');
  });

  it('ignores other numbers', () => {
    const other = phoneNumber('other', { e164: '+14155550101' });
    expect(claimOwner([other], E164)).toBeUndefined();
  });
});

describe('otherLiveClaimants', () => {
  it('leaves out the resource itself and those being deleted', () => {
    const self = phoneNumber('self', { e164: E164 });
    const live = phoneNumber('live', { e164: E164 });
    const leaving = phoneNumber('leaving', { e164: E164 }, { deletionTimestamp: '2026-07-01T00:00:00Z' });
    expect(otherLiveClaimants(self, [self, live, leaving]).map((resource) => resource.metadata.name)).toEqual(['live']);
  });
});
