/**
 * The modes and ownership rules that keep the operator from spending money or touching numbers
 * it should not. The cases are duplicate claims, AdoptOnly, Observe, the paused annotation, a
 * resource recreated inside the 24-hour release window, numbers no resource claims,
 * insufficient balance, and a spec the operator never writes. Each case checks the
 * simulator's request log for exactly the Vobiz calls that are due, and none where none are.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GROUP, PAUSED_ANNOTATION, PLURAL, VERSION, type PhoneNumber } from '../../../src/api/phone-number.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { type SimulatorControls, defaultSubAccountIds, defaultTrunkIds } from '../../../src/simulator/index.ts';
import {
  MUTATIONS,
  callsFor,
  createPhoneNumber,
  getPhoneNumber,
  installCrd,
  metricValue,
  readyCondition,
  startHarness,
  waitForReady,
  waitForReason,
  waitForSweeps,
  type Harness,
  type ResourceAccess,
} from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';

const [TRUNK_1, TRUNK_2] = defaultTrunkIds;
const [SA_1] = defaultSubAccountIds;

/** Summarizes the mutations among `entries` as "operation status". */
function mutations(entries: { operation: string; status: number | 'dropped' }[]): string[] {
  return entries.filter((entry) => MUTATIONS.has(entry.operation)).map((entry) => `${entry.operation} ${entry.status}`);
}

describe('modes and ownership', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let controls: SimulatorControls;
  let operator: RunningOperator;
  let access: ResourceAccess;
  let harness: Harness;

  const common = () => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace: namespace.name });

  const remove = async (name: string): Promise<void> => {
    await access.objects.deleteNamespacedCustomObject({ ...common(), name });
    await eventually(`${name} to be gone`, async () => ((await getPhoneNumber(access, name)) === undefined ? true : undefined));
  };

  const seedOwned = async (e164: string, fields: { accountId?: string; trunkGroupId?: string } = {}): Promise<void> => {
    await controls.seed({ owned: [{ e164, country: 'US', setupFee: 1, monthlyFee: 1.15, currency: 'USD', ...fields }] });
  };

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-modes');
    harness = await startHarness(kubeConfig, namespace.name, { sweepIntervalMs: 1_000 });
    ({ controls, operator } = harness);
    access = harness;
    await operator.ready;
  });

  afterAll(async () => {
    await harness?.stop();
    await namespace?.remove();
  });

  it('gives a duplicate DuplicateNumber until the owner goes', async () => {
    const e164 = '+12125550110';
    await createPhoneNumber(access, 'owner', { e164, trunkGroupId: TRUNK_1, deletionPolicy: 'Release' });
    await waitForReady(access, 'owner');
    await controls.clearRequestLog();

    await createPhoneNumber(access, 'duplicate', { e164, trunkGroupId: TRUNK_2 });
    const duplicate = await waitForReason(access, 'duplicate', 'DuplicateNumber');
    await waitForSweeps(operator, 3);

    expect(readyCondition(duplicate)?.message).toContain(`${namespace.name}/owner`);
    expect(await callsFor(controls, e164)).toEqual([]);
    expect((await getPhoneNumber(access, 'duplicate'))?.status?.trunkGroupId).toBeUndefined();

    // The owner asks for a release, but the duplicate still claims the number, so it stays.
    await remove('owner');
    const adopted = await waitForReady(access, 'duplicate');

    expect(adopted.status?.trunkGroupId).toBe(TRUNK_2);
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignTrunk 204', 'assignTrunk 204']);
    expect((await controls.getNumber(e164))?.holding).toMatchObject({ kind: 'owned', status: 'active', trunkGroupId: TRUNK_2 });
  });

  it('AdoptOnly waits with NotOwned, then adopts', async () => {
    const e164 = '+12125550111';
    await controls.clearRequestLog();

    await createPhoneNumber(access, 'adopt-only', { e164, trunkGroupId: TRUNK_1, acquisition: 'AdoptOnly' });
    const waiting = await waitForReason(access, 'adopt-only', 'NotOwned');
    await waitForSweeps(operator, 3);

    expect(readyCondition(waiting)?.message).toContain('AdoptOnly');
    expect(await callsFor(controls, e164)).toEqual([]);

    // The number arrives on the account some other way.
    await seedOwned(e164);
    await waitForReady(access, 'adopt-only');

    expect(mutations(await callsFor(controls, e164))).toEqual(['assignTrunk 204']);
  });

  it('PurchaseOrAdopt adopts a number the account owns', async () => {
    const e164 = '+12125550112';
    await seedOwned(e164, { trunkGroupId: TRUNK_1 });
    await controls.clearRequestLog();

    // No sweep has seen the number yet, so the operator looks it up before it would buy.
    await createPhoneNumber(access, 'adopted', { e164, trunkGroupId: TRUNK_1 });
    await waitForReady(access, 'adopted');

    const calls = await callsFor(controls, e164);
    expect(mutations(calls)).toEqual([]);
    expect(calls.map((entry) => entry.operation)).toEqual(['listNumbers']);
  });

  it('Observe reports drift and changes nothing', async () => {
    const e164 = '+12125550113';
    await seedOwned(e164, { trunkGroupId: TRUNK_1 });
    await operator.sweepNow();
    await controls.clearRequestLog();
    const driftBefore = await metricValue(operator, 'vobiz_operator_drift_detected_total', { field: 'trunk' });

    await createPhoneNumber(access, 'observed', { e164, trunkGroupId: TRUNK_2, subAccountId: SA_1, managementPolicy: 'Observe', deletionPolicy: 'Release' });
    const observed = await waitForReason(access, 'observed', 'Drifted');
    await waitForSweeps(operator, 3);

    expect(readyCondition(observed)?.message).toContain('trunk');
    expect(observed.status?.trunkGroupId).toBe(TRUNK_1);
    expect(await metricValue(operator, 'vobiz_operator_drift_detected_total', { field: 'trunk' })).toBeGreaterThan(driftBefore);
    expect(await metricValue(operator, 'vobiz_operator_numbers', { state: 'drifted' })).toBeGreaterThanOrEqual(1);

    await remove('observed');
    expect(mutations(await callsFor(controls, e164))).toEqual([]);
    expect((await controls.getNumber(e164))?.holding).toMatchObject({ kind: 'owned', status: 'active', trunkGroupId: TRUNK_1 });
  });

  it('paused makes no call until resumed', async () => {
    const e164 = '+12125550114';
    await controls.clearRequestLog();

    await access.objects.createNamespacedCustomObject({
      ...common(),
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PhoneNumber', metadata: { name: 'paused', annotations: { [PAUSED_ANNOTATION]: 'true' } }, spec: { e164, trunkGroupId: TRUNK_1 } },
    });
    const paused = await eventually('the Paused reason', async () => {
      const resource = await getPhoneNumber(access, 'paused');
      return resource?.status?.conditions?.find((condition) => condition.type === 'Synced')?.reason === 'Paused' ? resource : undefined;
    });
    await waitForSweeps(operator, 3);

    expect(paused.metadata.finalizers ?? []).toEqual([]);
    expect(await callsFor(controls, e164)).toEqual([]);

    await access.objects.patchNamespacedCustomObject({ ...common(), name: 'paused', body: [{ op: 'remove', path: `/metadata/annotations/${PAUSED_ANNOTATION.replace('/', '~1')}` }] });
    await waitForReady(access, 'paused');

    expect(mutations(await callsFor(controls, e164))).toEqual(['purchase 200', 'assignTrunk 204']);
  });

  it('cancels a pending release when recreated', async () => {
    const e164 = '+12125550115';
    await createPhoneNumber(access, 'recreated', { e164, trunkGroupId: TRUNK_1, deletionPolicy: 'Release' });
    await waitForReady(access, 'recreated');
    await remove('recreated');
    expect((await controls.getNumber(e164))?.holding).toMatchObject({ kind: 'owned', status: 'pending_release' });

    await createPhoneNumber(access, 'recreated', { e164, trunkGroupId: TRUNK_1 });
    await waitForReady(access, 'recreated');

    expect(mutations(await callsFor(controls, e164))).toEqual(['purchase 200', 'assignTrunk 204', 'release 200', 'cancelRelease 200', 'assignTrunk 204']);
    expect((await controls.getNumber(e164))?.holding).toMatchObject({ kind: 'owned', status: 'active', trunkGroupId: TRUNK_1 });
  });

  it('never touches numbers no resource claims', async () => {
    const unclaimed = ['+12125550120', '+12125550121', '+12125550122'];
    await seedOwned(unclaimed[0] as string);
    await seedOwned(unclaimed[1] as string, { trunkGroupId: TRUNK_2 });
    await seedOwned(unclaimed[2] as string, { accountId: SA_1, trunkGroupId: TRUNK_1 });
    await controls.clearRequestLog();

    await waitForSweeps(operator, 3);

    const touched = (await controls.requestLog()).filter((entry) => entry.e164 !== undefined && unclaimed.includes(entry.e164));
    expect(touched).toEqual([]);
    expect(await metricValue(operator, 'vobiz_operator_unmanaged_numbers')).toBeGreaterThanOrEqual(3);
  });

  it('reports InsufficientBalance without a second attempt', async () => {
    const e164 = '+12125550116';
    await controls.seed({ balances: { USD: 0 } });
    await controls.clearRequestLog();

    await createPhoneNumber(access, 'unpaid', { e164, trunkGroupId: TRUNK_1 });
    const unpaid = await waitForReason(access, 'unpaid', 'InsufficientBalance');
    await waitForSweeps(operator, 3);

    expect(readyCondition(unpaid)?.message).toContain('top up');
    expect(mutations(await callsFor(controls, e164))).toEqual(['purchase 500']);
    expect(unpaid.status?.pendingPurchase).toBeUndefined();
    expect((await fetch(`${operator.httpUrl}/healthz`)).status).toBe(200);
    await controls.seed({ balances: { USD: 500 } });
  });

  it('never writes to spec', async () => {
    const names = ['adopt-only', 'adopted', 'paused', 'recreated', 'unpaid', 'duplicate'];
    for (const name of names) {
      const resource = (await getPhoneNumber(access, name)) as (PhoneNumber & { metadata: { managedFields?: { manager?: string; fieldsV1?: unknown }[] } }) | undefined;
      const owned = (resource?.metadata.managedFields ?? []).filter((entry) => entry.manager === 'vobiz-operator');

      expect(owned.length, name).toBeGreaterThan(0);
      for (const entry of owned) {
        expect(Object.keys(entry.fieldsV1 as Record<string, unknown>), name).not.toContain('f:spec');
      }
    }
  });
});
