import { describe, expect, it } from 'vitest';

import { READY, SYNCED, findCondition } from '../../../src/api/conditions.ts';
import { FINALIZER, type PhoneNumber } from '../../../src/api/phone-number.ts';
import { PurchaseBudget } from '../../../src/controller/budget.ts';
import { COOL_OFF_BACKOFF_BASE_MS, coolOffJitterMs } from '../../../src/controller/cool-off.ts';
import type { NumberState } from '../../../src/controller/metrics.ts';
import { NotLeaderError, type MutationGate } from '../../../src/controller/mutation-gate.ts';
import { Reconciler } from '../../../src/controller/reconciler.ts';
import { ReferenceCache } from '../../../src/controller/references.ts';
import { ResourceStore } from '../../../src/controller/resource-store.ts';
import { NumberSnapshot } from '../../../src/controller/snapshot.ts';
import { createLogger } from '../../../src/log.ts';
import { VobizError } from '../../../src/vobiz/errors.ts';
import { FakeCluster, FakeVobiz, RecordedEvents, phoneNumber } from './support/fakes.ts';

const E164 = '+14155550100';
const TRUNK_A = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01';
const TRUNK_B = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02';
const NOW = new Date('2026-07-01T12:00:00Z');
const logger = createLogger({ level: 'silent' });

interface Harness {
  vobiz: FakeVobiz;
  cluster: FakeCluster;
  events: RecordedEvents;
  snapshot: NumberSnapshot;
  states: Map<string, NumberState>;
  reconciler: Reconciler;
  sweep(): void;
  stored(name?: string): PhoneNumber | undefined;
  newReconciler(): Reconciler;
}

function harness(options: { maxPurchasesPerHour?: number; maxMonthlyFee?: Map<string, number>; gate?: MutationGate } = {}): Harness {
  const vobiz = new FakeVobiz();
  for (const id of [TRUNK_A, TRUNK_B]) vobiz.trunkGroupIds.add(id);
  for (const id of ['SA_ONE', 'SA_TWO']) vobiz.subAccountIds.add(id);
  const references = new ReferenceCache({ vobiz, ttlMs: 60_000, logger, now: () => NOW.getTime() });
  const cluster = new FakeCluster();
  const events = new RecordedEvents();
  const snapshot = new NumberSnapshot();
  const states = new Map<string, NumberState>();

  const newReconciler = (): Reconciler =>
    new Reconciler({
      store: new ResourceStore(cluster, logger),
      vobiz,
      snapshot,
      writer: cluster,
      events,
      references,
      budget: new PurchaseBudget({ maxPurchasesPerHour: options.maxPurchasesPerHour ?? 20, maxMonthlyFee: options.maxMonthlyFee ?? new Map() }),
      monthlyFees: () => new Map([['USD', 10]]),
      logger,
      states,
      now: () => NOW,
      ...(options.gate === undefined ? {} : { gate: options.gate }),
    });

  return {
    vobiz,
    cluster,
    events,
    snapshot,
    states,
    reconciler: newReconciler(),
    sweep: () => snapshot.replace([...vobiz.numbers.values()], Date.now(), new Date()),
    stored: (name = 'line') => {
      const found = cluster.objects.get(`default/${name}`);
      return found === undefined ? undefined : structuredClone(found);
    },
    newReconciler,
  };
}

function ready(resource: PhoneNumber | undefined): { status?: string; reason?: string; message?: string } {
  return findCondition(resource?.status?.conditions, READY) ?? {};
}

describe('Reconciler', () => {
  it('purchases, places and routes a new number', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A, subAccountId: 'SA_ONE' }));

    const result = await h.reconciler.reconcile('default/line');

    expect(result).toEqual({ outcome: 'success' });
    expect(h.vobiz.mutations()).toEqual([`purchase ${E164}`, `assignSubAccount ${E164} SA_ONE`, `assignTrunk ${E164} ${TRUNK_A}`]);
    const stored = h.stored();
    expect(stored?.metadata.finalizers).toEqual([FINALIZER]);
    expect(ready(stored)).toMatchObject({ status: 'True', reason: 'Converged' });
    expect(stored?.status).toMatchObject({ accountId: 'SA_ONE', subAccountId: 'SA_ONE', trunkGroupId: TRUNK_A, vobizStatus: 'active', observedGeneration: 1 });
    expect(stored?.status?.pendingPurchase).toBeUndefined();
    expect(h.events.events.map((event) => event.reason)).toEqual(['Purchased', 'SubAccountAssigned', 'TrunkAssigned']);
    expect(h.states.get('default/line')).toBe('ready');
  });

  it('records the purchase intent before buying', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164 }));
    const statuses: (string | undefined)[] = [];
    const write = h.cluster.writeStatus.bind(h.cluster);
    h.cluster.writeStatus = async (resource, status) => {
      statuses.push(status.pendingPurchase?.startedAt);
      return write(resource, status);
    };

    await h.reconciler.reconcile('default/line');

    expect(statuses).toEqual([NOW.toISOString(), undefined]);
  });

  it('leaves a converged resource alone', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));
    await h.reconciler.reconcile('default/line');
    h.sweep();
    const writes = h.cluster.statusWrites;
    const calls = h.vobiz.calls.length;

    for (let round = 0; round < 3; round += 1) {
      await h.reconciler.reconcile('default/line');
    }

    expect(h.cluster.statusWrites).toBe(writes);
    expect(h.vobiz.calls.length).toBe(calls);
  });

  it('adopts a number the account owns', async () => {
    const h = harness();
    h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A, acquisition: 'AdoptOnly' }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.mutations()).toEqual([]);
    expect(ready(h.stored())).toMatchObject({ status: 'True', reason: 'Converged' });
  });

  it('AdoptOnly waits with NotOwned', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, acquisition: 'AdoptOnly' }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.calls).toEqual([]);
    expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'NotOwned' });
  });

  it('moves a trunk as unassign then assign', async () => {
    const h = harness();
    h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_B }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.mutations()).toEqual([`unassignTrunk ${E164}`, `assignTrunk ${E164} ${TRUNK_B}`]);
    expect(h.stored()?.status?.trunkGroupId).toBe(TRUNK_B);
  });

  it('re-reads the number when Vobiz disagrees with the snapshot', async () => {
    const h = harness();
    h.vobiz.own(E164);
    h.sweep();
    // Changed by hand after the sweep: the snapshot still shows no trunk.
    h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_B }));

    const result = await h.reconciler.reconcile('default/line');

    expect(result).toEqual({ outcome: 'success' });
    expect(h.vobiz.mutations()).toEqual([`assignTrunk ${E164} ${TRUNK_B}`, `unassignTrunk ${E164}`, `assignTrunk ${E164} ${TRUNK_B}`]);
    expect(h.vobiz.numbers.get(E164)?.trunkGroupId).toBe(TRUNK_B);
  });

  it('cancels a pending release instead of buying', async () => {
    const h = harness();
    h.vobiz.own(E164, { status: 'pending_release' });
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.mutations()).toEqual([`cancelRelease ${E164}`, `assignTrunk ${E164} ${TRUNK_A}`]);
    expect(ready(h.stored())).toMatchObject({ status: 'True' });
  });

  describe('cool-off', () => {
    const until = new Date('2026-07-10T00:00:00Z');

    function coolOffHarness(): Harness {
      const h = harness();
      h.vobiz.own(E164, { accountId: 'SA_ONE', trunkGroupId: TRUNK_A });
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_B }));
      h.vobiz.failNext('unassignSubAccount', new VobizError('VOBIZ_COOL_OFF', 'unassignSubAccount', 'did_cool_off_in_effect', { status: 409, coolOffUntil: until }));
      return h;
    }

    it('records coolOffUntil and requeues at that time', async () => {
      const h = coolOffHarness();

      const result = await h.reconciler.reconcile('default/line');

      const jitterMs = coolOffJitterMs(h.stored()?.metadata.uid);
      expect(result).toEqual({ outcome: 'requeue', afterMs: until.getTime() - NOW.getTime() + jitterMs });
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'CoolOffInEffect' });
      expect(ready(h.stored()).message).toContain(until.toISOString());
      expect(h.stored()?.status?.coolOffUntil).toBe(until.toISOString());
      expect(h.states.get('default/line')).toBe('cool_off');
    });

    it('still repairs the trunk during the cool-off', async () => {
      const h = coolOffHarness();

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([`unassignSubAccount ${E164}`, `unassignTrunk ${E164}`, `assignTrunk ${E164} ${TRUNK_B}`]);
    });

    it('makes no Vobiz call before the cool-off ends, even after a restart', async () => {
      const h = coolOffHarness();
      await h.reconciler.reconcile('default/line');
      h.sweep();
      const calls = h.vobiz.calls.length;
      const writes = h.cluster.statusWrites;

      const result = await h.newReconciler().reconcile('default/line');

      expect(h.vobiz.calls.length).toBe(calls);
      expect(h.cluster.statusWrites).toBe(writes);
      expect(result.outcome).toBe('requeue');
    });

    it('backs off when Vobiz names no end time', async () => {
      const h = harness();
      h.vobiz.own(E164, { accountId: 'SA_ONE' });
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));
      h.vobiz.failNext('unassignSubAccount', new VobizError('VOBIZ_COOL_OFF', 'unassignSubAccount', 'did_cool_off_in_effect', { status: 409 }));

      const result = await h.reconciler.reconcile('default/line');

      const estimate = new Date(NOW.getTime() + COOL_OFF_BACKOFF_BASE_MS);
      expect(h.vobiz.mutations()).toEqual([`unassignSubAccount ${E164}`]);
      expect(h.stored()?.status?.coolOffUntil).toBe(estimate.toISOString());
      expect(h.stored()?.status?.coolOffRetries).toBe(1);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'CoolOffInEffect' });
      expect(ready(h.stored()).message).toContain('named no end time');
      expect(result.outcome).toBe('requeue');
    });

    it('doubles the backoff on the next refusal without a time', async () => {
      const h = harness();
      h.vobiz.own(E164, { accountId: 'SA_ONE' });
      h.sweep();
      const earlier = new Date(NOW.getTime() - 60_000).toISOString();
      h.cluster.put({ ...phoneNumber('line', { e164: E164 }), status: { coolOffUntil: earlier, coolOffRetries: 1 } });
      h.vobiz.failNext('unassignSubAccount', new VobizError('VOBIZ_COOL_OFF', 'unassignSubAccount', 'did_cool_off_in_effect', { status: 409 }));

      await h.reconciler.reconcile('default/line');

      expect(h.stored()?.status?.coolOffUntil).toBe(new Date(NOW.getTime() + 2 * COOL_OFF_BACKOFF_BASE_MS).toISOString());
      expect(h.stored()?.status?.coolOffRetries).toBe(2);
    });

    it('backs off when the reported end has already passed', async () => {
      const h = harness();
      h.vobiz.own(E164, { accountId: 'SA_ONE' });
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));
      const past = new Date(NOW.getTime() - 1_000);
      h.vobiz.failNext('unassignSubAccount', new VobizError('VOBIZ_COOL_OFF', 'unassignSubAccount', 'did_cool_off_in_effect', { status: 409, coolOffUntil: past }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([`unassignSubAccount ${E164}`]);
      expect(h.stored()?.status?.coolOffRetries).toBe(1);
    });

    it('replaces coolOffUntil with the time of a later call', async () => {
      const h = harness();
      h.vobiz.own(E164, { accountId: 'SA_ONE' });
      h.sweep();
      const ended = new Date(NOW.getTime() - 60_000).toISOString();
      h.cluster.put({ ...phoneNumber('line', { e164: E164 }), status: { coolOffUntil: ended } });
      const renewed = new Date('2026-07-15T08:00:00Z');
      h.vobiz.failNext('unassignSubAccount', new VobizError('VOBIZ_COOL_OFF', 'unassignSubAccount', 'did_cool_off_in_effect', { status: 409, coolOffUntil: renewed }));

      await h.reconciler.reconcile('default/line');

      expect(h.stored()?.status?.coolOffUntil).toBe(renewed.toISOString());
      expect(h.stored()?.status?.coolOffRetries).toBeUndefined();
      expect(h.events.events.map((event) => event.reason)).toContain('CoolOffInEffect');
    });

    it('clears the cool-off once the move succeeds', async () => {
      const h = harness();
      h.vobiz.own(E164, { accountId: 'SA_ONE' });
      h.sweep();
      const ended = new Date(NOW.getTime() - 3_600_000).toISOString();
      h.cluster.put({ ...phoneNumber('line', { e164: E164, subAccountId: 'SA_TWO' }), status: { coolOffUntil: ended, coolOffRetries: 3 } });

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([`unassignSubAccount ${E164}`, `assignSubAccount ${E164} SA_TWO`]);
      expect(h.stored()?.status?.coolOffUntil).toBeUndefined();
      expect(h.stored()?.status?.coolOffRetries).toBeUndefined();
      expect(ready(h.stored())).toMatchObject({ status: 'True' });
    });
  });

  it('reports ForceNotPermitted when Vobiz refuses force', async () => {
    const h = harness();
    h.vobiz.own(E164, { accountId: 'SA_ONE' });
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, forceSubAccountMove: true }));
    h.vobiz.failNext('unassignSubAccount', new VobizError('VOBIZ_FORBIDDEN', 'unassignSubAccount', 'forbidden', { status: 403 }));

    const result = await h.reconciler.reconcile('default/line');

    expect(h.vobiz.mutations()).toEqual([`unassignSubAccount ${E164} force`]);
    expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'ForceNotPermitted' });
    expect(result.outcome).toBe('requeue');
  });

  describe('purchase intent', () => {
    it('looks the number up before buying again after a restart', async () => {
      const h = harness();
      h.sweep();
      // The previous process bought the number, then stopped before confirming it.
      h.vobiz.own(E164);
      h.cluster.put({ ...phoneNumber('line', { e164: E164 }), status: { pendingPurchase: { startedAt: '2026-07-01T11:59:00Z' } } });

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.calls).toEqual([`findOwnedNumber ${E164}`]);
      expect(h.stored()?.status?.pendingPurchase).toBeUndefined();
      expect(ready(h.stored())).toMatchObject({ status: 'True' });
    });

    it('buys once when the lookup finds nothing', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put({ ...phoneNumber('line', { e164: E164 }), status: { pendingPurchase: { startedAt: '2026-07-01T11:59:00Z' } } });

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.calls).toEqual([`findOwnedNumber ${E164}`, `purchase ${E164}`]);
    });

    it('keeps the intent when the purchase outcome is uncertain', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));
      h.vobiz.failNext('purchase', new VobizError('VOBIZ_OUTCOME_UNKNOWN', 'purchase', 'could not tell', {}));

      const result = await h.reconciler.reconcile('default/line');

      expect(result.outcome).toBe('error');
      expect(h.stored()?.status?.pendingPurchase?.startedAt).toBe(NOW.toISOString());
      expect(findCondition(h.stored()?.status?.conditions, SYNCED)).toMatchObject({ status: 'False', reason: 'VobizError' });
    });

    it('clears the intent when Vobiz rejects the debit', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));
      h.vobiz.failNext('purchase', new VobizError('VOBIZ_INSUFFICIENT_BALANCE', 'purchase', 'failed to purchase number', { status: 500 }));

      const result = await h.reconciler.reconcile('default/line');

      expect(result).toEqual({ outcome: 'requeue', afterMs: 300_000 });
      expect(h.stored()?.status?.pendingPurchase).toBeUndefined();
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'InsufficientBalance' });
    });
  });

  it('reports NotInInventory when the number is not for sale', async () => {
    const h = harness();
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164 }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.calls).toEqual([`findOwnedNumber ${E164}`, `purchase ${E164}`, `findOwnedNumber ${E164}`]);
    expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'NotInInventory' });
  });

  describe('references checked before spending', () => {
    const TYPO = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c0f';

    it('buys nothing for an unknown trunk group', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TYPO }));

      const result = await h.reconciler.reconcile('default/line');

      expect(result).toEqual({ outcome: 'requeue', afterMs: 300_000 });
      expect(h.vobiz.mutations()).toEqual([]);
      const condition = ready(h.stored());
      expect(condition).toMatchObject({ status: 'False', reason: 'TrunkGroupNotFound' });
      expect(condition.message).toContain(`Vobiz has no trunk group ${TYPO}, so the operator does not purchase ${E164}.`);
      expect(condition.message).toContain(`Fix spec.trunkGroupId; the account has the trunk groups ${TRUNK_A}, ${TRUNK_B}.`);
      expect(h.stored()?.status?.pendingPurchase).toBeUndefined();
      expect(h.events.events).toEqual([{ type: 'Warning', reason: 'TrunkGroupNotFound', message: condition.message }]);
      expect(h.states.get('default/line')).toBe('error');
    });

    it('buys nothing for an unknown sub-account', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, subAccountId: 'SA_TYPO', trunkGroupId: TRUNK_A }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'SubAccountNotFound' });
      expect(ready(h.stored()).message).toContain('Vobiz has no sub-account SA_TYPO');
      expect(ready(h.stored()).message).toContain('Fix spec.subAccountId; the account has the sub-accounts SA_ONE, SA_TWO.');
    });

    it('keeps a pending release for an unknown trunk group', async () => {
      const h = harness();
      h.vobiz.own(E164, { status: 'pending_release' });
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TYPO }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'TrunkGroupNotFound' });
      expect(ready(h.stored()).message).toContain(`does not cancel the pending release of ${E164}`);
    });

    it('buys nothing when the trunk groups cannot be listed', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));
      h.vobiz.failNext('listTrunks', new VobizError('VOBIZ_SERVER_ERROR', 'listTrunks', 'Vobiz returned HTTP 503', { status: 503 }));

      const result = await h.reconciler.reconcile('default/line');

      expect(result).toEqual({ outcome: 'error' });
      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'VobizError' });
    });

    it('checks nothing for an owned number', async () => {
      const h = harness();
      h.vobiz.own(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.calls).toEqual([`assignTrunk ${E164} ${TRUNK_A}`]);
    });

    it('buys once the spec names a known trunk group', async () => {
      const h = harness();
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TYPO }));
      await h.reconciler.reconcile('default/line');

      const stored = h.stored();
      if (stored === undefined) throw new Error('line is missing');
      h.cluster.put({ ...stored, metadata: { ...stored.metadata, generation: 2 }, spec: { ...stored.spec, trunkGroupId: TRUNK_A } });
      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([`purchase ${E164}`, `assignTrunk ${E164} ${TRUNK_A}`]);
      expect(ready(h.stored())).toMatchObject({ status: 'True', reason: 'Converged' });
    });
  });

  it('adopts a number the snapshot has not seen yet', async () => {
    const h = harness();
    h.sweep();
    h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.calls).toEqual([`findOwnedNumber ${E164}`]);
    expect(ready(h.stored())).toMatchObject({ status: 'True' });
  });

  describe('spend guardrails', () => {
    it('holds a purchase beyond the hourly budget', async () => {
      const h = harness({ maxPurchasesPerHour: 0 });
      h.vobiz.offer(E164);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'PurchaseBudgetExceeded' });
    });

    it('holds a purchase beyond the monthly-fee budget', async () => {
      const h = harness({ maxMonthlyFee: new Map([['USD', 11]]) });
      h.vobiz.offer(E164, 2);
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())?.message).toContain('USD=11');
      expect(h.events.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'PurchaseBudgetExceeded' }));
    });

    it('counts purchases recorded in status after a restart', async () => {
      const h = harness({ maxPurchasesPerHour: 1 });
      h.vobiz.offer(E164);
      h.vobiz.own('+14155550101', { purchasedAt: new Date(NOW.getTime() - 10 * 60_000).toISOString() });
      h.sweep();
      h.cluster.put({ ...phoneNumber('earlier', { e164: '+14155550101' }), status: { purchasedAt: new Date(NOW.getTime() - 10 * 60_000).toISOString() } });
      h.cluster.put(phoneNumber('line', { e164: E164 }));

      const result = await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'PurchaseBudgetExceeded' });
      expect(result).toEqual({ outcome: 'requeue', afterMs: 50 * 60_000 });
    });

    it('checks the monthly fee in the listed currency', async () => {
      const h = harness({ maxMonthlyFee: new Map([['USD', 11]]) });
      h.vobiz.offer(E164, 2, 'USD');
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, currency: 'EUR' }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'PurchaseBudgetExceeded' });
      expect(ready(h.stored()).message).toContain('2 USD');
    });

    it('ignores the budget of the payment currency', async () => {
      const h = harness({ maxMonthlyFee: new Map([['EUR', 1]]) });
      h.vobiz.offer(E164, 2, 'USD');
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164, currency: 'EUR' }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([`purchase ${E164}`]);
    });

    it('runs one budget check and purchase at a time', async () => {
      const h = harness({ maxPurchasesPerHour: 1, maxMonthlyFee: new Map([['USD', 1000]]) });
      h.vobiz.offer(E164);
      h.vobiz.offer('+14155550101');
      h.sweep();
      h.cluster.put(phoneNumber('line', { e164: E164 }));
      h.cluster.put(phoneNumber('other', { e164: '+14155550101' }));

      await Promise.all([h.reconciler.reconcile('default/line'), h.reconciler.reconcile('default/other')]);

      expect(h.vobiz.mutations().filter((call) => call.startsWith('purchase'))).toHaveLength(1);
      const reasons = [ready(h.stored('line')).reason, ready(h.stored('other')).reason].sort();
      expect(reasons).toEqual(['Converged', 'PurchaseBudgetExceeded']);
    });
  });

  it('makes no Vobiz call in Observe mode and reports drift', async () => {
    const h = harness();
    h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_B, managementPolicy: 'Observe' }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.calls).toEqual([]);
    expect(ready(h.stored())).toMatchObject({ status: 'False', reason: 'Drifted' });
    expect(h.stored()?.status?.trunkGroupId).toBe(TRUNK_A);
    expect(h.states.get('default/line')).toBe('drifted');
  });

  it('makes no Vobiz call while paused', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164 }, { annotations: { 'telephony.vobiz-operator.dev/paused': 'true' } }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.calls).toEqual([]);
    expect(findCondition(h.stored()?.status?.conditions, SYNCED)).toMatchObject({ status: 'False', reason: 'Paused' });
  });

  it('gives the newer of two claimants DuplicateNumber', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('first', { e164: E164 }, { creationTimestamp: '2026-07-01T00:00:00Z' }));
    h.cluster.put(phoneNumber('second', { e164: E164 }, { creationTimestamp: '2026-07-01T00:00:01Z' }));

    await h.reconciler.reconcile('default/second');

    expect(h.vobiz.calls).toEqual([]);
    expect(ready(h.stored('second'))).toMatchObject({ status: 'False', reason: 'DuplicateNumber' });
    expect(ready(h.stored('second')).message).toContain('default/first');
  });

  it('buys nothing for a claimant that lost a same-second tie', async () => {
    // "early" is reconciled first and stalls in the look-up before it buys. "tied" arrives in
    // the same second with a lower uid, so it owns the number, and buys it in the meantime.
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    const created = { creationTimestamp: '2026-07-01T00:00:00Z' };
    h.cluster.put(phoneNumber('early', { e164: E164, trunkGroupId: TRUNK_A }, { ...created, uid: 'uid-b' }));

    const findOwnedNumber = h.vobiz.findOwnedNumber.bind(h.vobiz);
    let resume: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (resume = resolve));
    let stallNext = true;
    h.vobiz.findOwnedNumber = async (e164) => {
      const found = await findOwnedNumber(e164);
      if (stallNext) {
        stallNext = false;
        await stalled;
      }
      return found;
    };

    const early = h.newReconciler().reconcile('default/early');
    await new Promise((resolve) => setImmediate(resolve));
    h.cluster.put(phoneNumber('tied', { e164: E164, trunkGroupId: TRUNK_B }, { ...created, uid: 'uid-a' }));
    await h.newReconciler().reconcile('default/tied');
    resume();
    await early;

    expect(h.vobiz.mutations()).toEqual([`purchase ${E164}`, `assignTrunk ${E164} ${TRUNK_B}`]);
    expect(h.vobiz.numbers.get(E164)?.trunkGroupId).toBe(TRUNK_B);
    expect(ready(h.stored('tied'))).toMatchObject({ status: 'True', reason: 'Converged' });
    expect(ready(h.stored('early'))).toMatchObject({ status: 'False', reason: 'DuplicateNumber' });
    expect(h.stored('early')?.status?.pendingPurchase).toBeUndefined();
  });

  it('buys nothing once the resource changed', async () => {
    // The resource is paused while the reconcile waits for the look-up before the purchase.
    const h = harness();
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));

    const findOwnedNumber = h.vobiz.findOwnedNumber.bind(h.vobiz);
    h.vobiz.findOwnedNumber = async (e164) => {
      const current = h.stored();
      if (current !== undefined) {
        h.cluster.put({ ...current, metadata: { ...current.metadata, annotations: { 'telephony.vobiz-operator.dev/paused': 'true' } } });
      }
      return findOwnedNumber(e164);
    };

    const result = await h.reconciler.reconcile('default/line');

    expect(result).toEqual({ outcome: 'error' });
    expect(h.vobiz.mutations()).toEqual([]);
    expect(h.stored()?.status?.pendingPurchase).toBeUndefined();
  });

  it('tells a duplicate to delete one of the two', async () => {
    const h = harness();
    h.sweep();
    h.cluster.put(phoneNumber('first', { e164: E164 }, { creationTimestamp: '2026-07-01T00:00:00Z' }));
    h.cluster.put(phoneNumber('second', { e164: E164 }, { creationTimestamp: '2026-07-01T00:00:01Z' }));

    await h.reconciler.reconcile('default/second');

    const message = ready(h.stored('second')).message;
    expect(message).toContain('spec.e164 cannot be changed');
    expect(message).toContain('Delete one of the two resources: this one, or PhoneNumber default/first');
    expect(message).not.toContain('change its spec.e164');
  });

  describe('deletion', () => {
    function deleting(spec: Record<string, unknown>, name = 'line'): PhoneNumber {
      return phoneNumber(name, spec, { deletionTimestamp: '2026-07-01T11:00:00Z', finalizers: [FINALIZER] });
    }

    it('releases an owned number with Release', async () => {
      const h = harness();
      h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
      h.sweep();
      h.cluster.put(deleting({ e164: E164, deletionPolicy: 'Release' }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([`release ${E164}`]);
      expect(h.stored()).toBeUndefined();
      expect(h.snapshot.get(E164)?.status).toBe('pending_release');
    });

    it('leaves the number with Retain', async () => {
      const h = harness();
      h.vobiz.own(E164);
      h.sweep();
      h.cluster.put(deleting({ e164: E164 }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.calls).toEqual([]);
      expect(h.stored()).toBeUndefined();
    });

    it('does not release a number the account does not own', async () => {
      const h = harness();
      h.sweep();
      h.cluster.put(deleting({ e164: E164, deletionPolicy: 'Release' }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(h.stored()).toBeUndefined();
    });

    it('does not release a number another resource claims', async () => {
      const h = harness();
      h.vobiz.own(E164);
      h.sweep();
      h.cluster.put(deleting({ e164: E164, deletionPolicy: 'Release' }));
      h.cluster.put(phoneNumber('other', { e164: E164 }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(h.stored()).toBeUndefined();
    });

    it('does not release for a duplicate when both go', async () => {
      // Deleting a namespace deletes the owner, whose policy is Retain, and the duplicate
      // together. The duplicate never acted on the number, so its Release must not apply.
      const h = harness();
      h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
      h.sweep();
      const duplicateStatus = {
        conditions: [{ type: 'Ready', status: 'False', reason: 'DuplicateNumber', message: 'PhoneNumber default/owner claims it.', lastTransitionTime: '2026-07-01T00:00:02Z' }],
      };
      h.cluster.put(phoneNumber('owner', { e164: E164, trunkGroupId: TRUNK_A }, { creationTimestamp: '2026-07-01T00:00:00Z', deletionTimestamp: '2026-07-01T11:00:00Z', finalizers: [FINALIZER] }));
      h.cluster.put({
        ...phoneNumber('duplicate', { e164: E164, deletionPolicy: 'Release' }, { creationTimestamp: '2026-07-01T00:00:01Z', deletionTimestamp: '2026-07-01T11:00:00Z', finalizers: [FINALIZER] }),
        status: duplicateStatus,
      } as PhoneNumber);

      await h.reconciler.reconcile('default/duplicate');
      await h.reconciler.reconcile('default/owner');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(h.vobiz.numbers.get(E164)?.status).toBe('active');
      expect(h.stored('duplicate')).toBeUndefined();
      expect(h.stored('owner')).toBeUndefined();
    });

    it('does not release for a duplicate after the owner went', async () => {
      const h = harness();
      h.vobiz.own(E164, { trunkGroupId: TRUNK_A });
      h.sweep();
      h.cluster.put({
        ...phoneNumber('duplicate', { e164: E164, deletionPolicy: 'Release' }, { deletionTimestamp: '2026-07-01T11:00:00Z', finalizers: [FINALIZER] }),
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'DuplicateNumber', message: 'PhoneNumber default/owner claims it.', lastTransitionTime: '2026-07-01T00:00:02Z' }] },
      } as PhoneNumber);

      await h.reconciler.reconcile('default/duplicate');

      expect(h.vobiz.mutations()).toEqual([]);
      expect(h.stored('duplicate')).toBeUndefined();
    });

    it('keeps the finalizer while Vobiz is unreachable', async () => {
      const h = harness();
      h.vobiz.own(E164);
      h.sweep();
      h.cluster.put(deleting({ e164: E164, deletionPolicy: 'Release' }));
      h.vobiz.failNext('findOwnedNumber', new VobizError('VOBIZ_CONNECTION_RESET', 'listNumbers', 'socket hang up', {}));

      const result = await h.reconciler.reconcile('default/line');

      expect(result.outcome).toBe('error');
      expect(h.stored()?.metadata.finalizers).toEqual([FINALIZER]);
      expect(findCondition(h.stored()?.status?.conditions, SYNCED)).toMatchObject({ status: 'False', reason: 'VobizError' });
    });

    it('never releases in Observe mode', async () => {
      const h = harness();
      h.vobiz.own(E164);
      h.sweep();
      h.cluster.put(deleting({ e164: E164, deletionPolicy: 'Release', managementPolicy: 'Observe' }));

      await h.reconciler.reconcile('default/line');

      expect(h.vobiz.calls).toEqual([]);
      expect(h.stored()).toBeUndefined();
    });
  });

  it('writes nothing after the gate closes', async () => {
    // The gate closes as soon as the purchase has been made, as when leadership ends mid-reconcile.
    const seen: { vobiz?: FakeVobiz } = {};
    const gate: MutationGate = {
      assertOpen(action: string) {
        if ((seen.vobiz?.mutations().length ?? 0) > 0) throw new NotLeaderError(`not allowed to ${action}`);
      },
    };
    const h = harness({ gate });
    seen.vobiz = h.vobiz;
    h.vobiz.offer(E164);
    h.sweep();
    h.cluster.put(phoneNumber('line', { e164: E164, trunkGroupId: TRUNK_A }));

    await expect(h.reconciler.reconcile('default/line')).rejects.toBeInstanceOf(NotLeaderError);

    expect(h.vobiz.mutations()).toEqual([`purchase ${E164}`]);
    expect(h.stored()?.status?.pendingPurchase?.startedAt).toBe(NOW.toISOString());
  });

  it('waits for the first sweep before acting', async () => {
    const h = harness();
    h.vobiz.offer(E164);
    h.cluster.put(phoneNumber('line', { e164: E164 }));

    await h.reconciler.reconcile('default/line');

    expect(h.vobiz.calls).toEqual([]);
    expect(h.stored()?.metadata.finalizers).toEqual([FINALIZER]);
  });
});
