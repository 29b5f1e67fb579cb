import { describe, expect, it } from 'vitest';

import type { PhoneNumber } from '../../../src/api/phone-number.ts';
import { COOL_OFF_JITTER_MS } from '../../../src/controller/cool-off.ts';
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

function detect(resources: PhoneNumber[], numbers: OwnedNumber[], previous = new Map<string, ReadonlySet<DriftLabel>>(), now = NOW) {
  const byE164 = new Map(numbers.map((number) => [number.e164, number]));
  return detectDrift({ resources, observe: (e164) => byE164.get(e164), mainAccountId: MAIN, previous, now });
}

/** Builds a resource that waits for a cool-off ending at `until` to move its number off SA_ONE. */
function coolingOff(number: OwnedNumber, until: Date): PhoneNumber {
  const resource = phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A });
  const { status } = buildStatus(
    resource,
    { observation: { number }, mainAccountId: MAIN, ready: { status: 'False', reason: 'CoolOffInEffect', message: 'm' }, coolOffUntil: until },
    NOW,
  );
  return { ...resource, status };
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

  it('retries a slow failure once when no timer is pending', () => {
    const resource = converged(owned);
    const failed = { ...resource, status: { ...resource.status, conditions: [{ type: 'Ready', status: 'False' as const, reason: 'InsufficientBalance', message: 'm', lastTransitionTime: NOW.toISOString() }] } };
    const byE164 = new Map([[E164, { ...owned, trunkGroupId: TRUNK_B }]]);
    const input = { resources: [failed], observe: (e164: string) => byE164.get(e164), mainAccountId: MAIN, previous: new Map(), now: NOW };

    expect(detectDrift({ ...input, retryPending: () => true })[0]?.enqueue).toBe(false);
    expect(detectDrift({ ...input, retryPending: () => false })[0]?.enqueue).toBe(true);
  });

  it('skips a cool-off that has not ended', () => {
    const onSubAccount = { ...owned, accountId: 'SA_ONE' };
    const [finding] = detect([coolingOff(onSubAccount, new Date(NOW.getTime() + 86_400_000))], [onSubAccount]);

    expect(finding?.fields).toEqual(new Set(['sub_account']));
    expect(finding?.newFields).toEqual(['sub_account']);
    expect(finding?.enqueue).toBe(false);
  });

  it('enqueues a cool-off once its end has passed', () => {
    const onSubAccount = { ...owned, accountId: 'SA_ONE' };
    const until = new Date(NOW.getTime() + 86_400_000);
    const later = new Date(until.getTime() + COOL_OFF_JITTER_MS);

    const [finding] = detect([coolingOff(onSubAccount, until)], [onSubAccount], new Map(), later);

    expect(finding?.enqueue).toBe(true);
  });

  it('enqueues a cooling resource whose trunk drifted', () => {
    const onSubAccount = { ...owned, accountId: 'SA_ONE' };
    const resource = coolingOff(onSubAccount, new Date(NOW.getTime() + 86_400_000));

    const [finding] = detect([resource], [{ ...onSubAccount, trunkGroupId: TRUNK_B }]);

    expect(finding?.enqueue).toBe(true);
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
