/**
 * A typo in spec.trunkGroupId or spec.subAccountId must cost nothing: the operator checks the
 * account's trunk groups and sub-accounts before it buys a number, reports the unknown id, and
 * buys once the spec is fixed. The simulator's request log is the proof of what was bought.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { type SimulatorControls, defaultSubAccountIds, defaultTrunkIds } from '../../../src/simulator/index.ts';
import { createPhoneNumber, installCrd, readyCondition, startHarness, waitForReady, waitForReason, waitForSweeps, type Harness, type ResourceAccess } from '../controller/support.ts';
import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';

const [TRUNK_1] = defaultTrunkIds;
const [SA_1] = defaultSubAccountIds;
const UNKNOWN_TRUNK = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c99';

describe('trunk group and sub-account checks before a purchase', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let controls: SimulatorControls;
  let operator: RunningOperator;
  let access: ResourceAccess;
  let harness: Harness;

  const common = () => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace: namespace.name });

  const purchasesOf = async (e164: string): Promise<number> => (await controls.requestLog({ operation: 'purchase', e164 })).length;
  const listCalls = async (operation: 'listTrunks' | 'listSubAccounts'): Promise<number> => (await controls.requestLog({ operation })).length;

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-references');
    harness = await startHarness(kubeConfig, namespace.name, { sweepIntervalMs: 1_000 });
    ({ controls, operator } = harness);
    access = harness;
    await operator.ready;
  });

  afterAll(async () => {
    await harness?.stop();
    await namespace?.remove();
  });

  it('buys nothing for an unknown trunk group, then once after the fix', async () => {
    const e164 = '+12125550130';

    await createPhoneNumber(access, 'trunk-typo', { e164, trunkGroupId: UNKNOWN_TRUNK });
    const unfixed = await waitForReason(access, 'trunk-typo', 'TrunkGroupNotFound');
    await waitForSweeps(operator, 2);

    expect(readyCondition(unfixed)?.status).toBe('False');
    expect(readyCondition(unfixed)?.message).toContain(`Vobiz has no trunk group ${UNKNOWN_TRUNK}, so the operator does not purchase ${e164}.`);
    expect(readyCondition(unfixed)?.message).toContain(`Fix spec.trunkGroupId; the account has the trunk groups ${TRUNK_1}`);
    expect(unfixed.status?.pendingPurchase).toBeUndefined();
    expect(await purchasesOf(e164)).toBe(0);

    await access.objects.patchNamespacedCustomObject({ ...common(), name: 'trunk-typo', body: [{ op: 'replace', path: '/spec/trunkGroupId', value: TRUNK_1 }] });
    const fixed = await waitForReady(access, 'trunk-typo');

    expect(fixed.status?.trunkGroupId).toBe(TRUNK_1);
    expect(await purchasesOf(e164)).toBe(1);
    expect((await controls.getNumber(e164))?.holding).toMatchObject({ kind: 'owned', status: 'active', trunkGroupId: TRUNK_1 });
  });

  it('buys nothing for an unknown sub-account, then once after the fix', async () => {
    const e164 = '+12125550131';

    await createPhoneNumber(access, 'sub-account-typo', { e164, subAccountId: 'SA_SIMTEAM99', trunkGroupId: TRUNK_1 });
    const unfixed = await waitForReason(access, 'sub-account-typo', 'SubAccountNotFound');
    await waitForSweeps(operator, 2);

    expect(readyCondition(unfixed)?.message).toContain('Vobiz has no sub-account SA_SIMTEAM99');
    expect(readyCondition(unfixed)?.message).toContain(`Fix spec.subAccountId; the account has the sub-accounts ${SA_1}`);
    expect(await purchasesOf(e164)).toBe(0);

    await access.objects.patchNamespacedCustomObject({ ...common(), name: 'sub-account-typo', body: [{ op: 'replace', path: '/spec/subAccountId', value: SA_1 }] });
    const fixed = await waitForReady(access, 'sub-account-typo');

    expect(fixed.status?.subAccountId).toBe(SA_1);
    expect(await purchasesOf(e164)).toBe(1);
  });

  it('lists trunk groups once for many typos', async () => {
    const numbers = ['+12125550132', '+12125550133', '+12125550134', '+12125550135'];
    // Two sweeps take longer than the 1 s sweep interval, which is the lists' TTL, so the first reconcile reads the list.
    await waitForSweeps(operator, 2);
    await controls.clearRequestLog();

    for (const [index, e164] of numbers.entries()) {
      await createPhoneNumber(access, `many-typos-${index}`, { e164, trunkGroupId: UNKNOWN_TRUNK });
    }
    for (const index of numbers.keys()) {
      await waitForReason(access, `many-typos-${index}`, 'TrunkGroupNotFound');
    }
    const afterReconciles = await listCalls('listTrunks');
    await waitForSweeps(operator, 3);

    // The list may have been read once more if the reconciles spanned the 1 s sweep interval.
    expect(afterReconciles).toBeGreaterThanOrEqual(1);
    expect(afterReconciles).toBeLessThanOrEqual(2);
    // Sweeps do not retry a resource unfixed for a typo, so they read no list either.
    expect(await listCalls('listTrunks')).toBe(afterReconciles);
    expect(await listCalls('listSubAccounts')).toBe(0);
    for (const e164 of numbers) {
      expect(await purchasesOf(e164)).toBe(0);
    }
  });
});
