import { describe, expect, it } from 'vitest';

import type { PhoneNumber } from '../../../src/api/phone-number.ts';
import { detectDrift, type DriftLabel } from '../../../src/controller/drift.ts';
import { buildStatus } from '../../../src/controller/status.ts';
import type { OwnedNumber } from '../../../src/vobiz/types.ts';
import { MAIN, phoneNumber } from './support/fakes.ts';

const E164 = '+14155550100';
const TRUNK_A = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01';
const TRUNK_B = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02';
const NOW = new Date('2026-07-01T12:00:00Z');
const owned: OwnedNumber = { id: 'n1', e164: E164, accountId: MAIN, country: 'US', status: 'active', trunkGroupId: TRUNK_A, setupFee: 1, monthlyFee: 1, currency: 'USD' };

/** Builds a resource whose status records convergence on `number`. */
function converged(number: OwnedNumber, spec: Record<string, unknown> = { e164: E164, trunkGroupId: TRUNK_A }): PhoneNumber {
  const resource = phoneNumber('line', spec);
  const { status } = buildStatus(resource, { observation: { number }, mainAccountId: MAIN, ready: { status: 'True', reason: 'Converged', message: 'ok' } }, NOW);
  return { ...resource, status };
}

function detect(resources: PhoneNumber[], numbers: OwnedNumber[], previous = new Map<string, ReadonlySet<DriftLabel>>()) {
  const byE164 = new Map(numbers.map((number) => [number.e164, number]));
  return detectDrift({ resources, observe: (e164) => byE164.get(e164), mainAccountId: MAIN, previous, now: NOW });
}

describe('detectDrift', () => {
  it('leaves a converged resource out of the queue', () => {
    const [finding] = detect([converged(owned)], [owned]);
    expect(finding?.enqueue).toBe(false);
    expect(finding?.fields.size).toBe(0);
  });

  it('finds a trunk changed by hand', () => {
    const [finding] = detect([converged(owned)], [{ ...owned, trunkGroupId: TRUNK_B }]);
    expect(finding?.enqueue).toBe(true);
    expect(finding?.newFields).toEqual(['trunk', 'status']);
    expect(finding?.specDrifted).toBe(true);
  });

  it('counts the same drift only once', () => {
    const previous = new Map<string, ReadonlySet<DriftLabel>>([['default/line', new Set<DriftLabel>(['trunk', 'status'])]]);
    const [finding] = detect([converged(owned)], [{ ...owned, trunkGroupId: TRUNK_B }], previous);
    expect(finding?.newFields).toEqual([]);
    expect(finding?.enqueue).toBe(true);
  });

  it('finds a released number as ownership drift', () => {
    const [finding] = detect([converged(owned)], []);
    expect(finding?.fields.has('ownership')).toBe(true);
  });

  it('enqueues a resource without status', () => {
    const [finding] = detect([phoneNumber('line', { e164: E164 })], [{ ...owned, trunkGroupId: undefined }]);
    expect(finding?.enqueue).toBe(true);
  });

  it('skips a slow retry whose drift is unchanged', () => {
    const resource = converged(owned);
    const failed = { ...resource, status: { ...resource.status, conditions: [{ type: 'Ready', status: 'False' as const, reason: 'TrunkGroupNotFound', message: 'm', lastTransitionTime: NOW.toISOString() }] } };
    const previous = new Map<string, ReadonlySet<DriftLabel>>([['default/line', new Set<DriftLabel>(['trunk', 'status'])]]);

    const [finding] = detect([failed], [{ ...owned, trunkGroupId: TRUNK_B }], previous);

    expect(finding?.enqueue).toBe(false);
  });

  it('skips paused, deleting and duplicate resources', () => {
    const paused = phoneNumber('paused', { e164: '+14155550101' }, { annotations: { 'telephony.vobiz-operator.dev/paused': 'true' } });
    const deleting = phoneNumber('deleting', { e164: '+14155550102' }, { deletionTimestamp: NOW.toISOString() });
    const older = phoneNumber('older', { e164: E164 }, { creationTimestamp: '2026-06-01T00:00:00Z' });
    const newer = phoneNumber('newer', { e164: E164 }, { creationTimestamp: '2026-06-02T00:00:00Z' });

    const findings = detect([paused, deleting, older, newer], []);

    expect(findings.map((finding) => finding.key)).toEqual(['default/older']);
  });
});
