/**
 * Vobiz failures during a reconcile: a purchase whose response is lost is bought exactly once,
 * a failed trunk assignment is retried until the number is Ready, and a sub-account cool-off
 * stops sub-account calls until it ends, across an operator restart.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultSubAccountIds, defaultTrunkIds } from '../../../src/simulator/index.ts';
import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';
import { createPhoneNumber, getPhoneNumber, installCrd, metricValue, startHarness, startTestOperator, waitForReady, type Harness } from './support.ts';
import { eventually } from '../support/kube.ts';

describe('Vobiz faults during reconcile', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let harness: Harness;

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-faults');
    harness = await startHarness(kubeConfig, namespace.name);
    await harness.operator.ready;
  });

  afterAll(async () => {
    await harness?.stop();
    await namespace?.remove();
  });

  it('buys once when the purchase response is lost', async () => {
    const e164 = '+14155550105';
    await harness.controls.setFaults({ rules: [{ operation: 'purchase', e164, phase: 'after', action: { type: 'drop' }, times: 1 }] });

    await createPhoneNumber(harness, 'lost-response', { e164, trunkGroupId: defaultTrunkIds[0] });
    await waitForReady(harness, 'lost-response');

    const purchases = await harness.controls.requestLog({ operation: 'purchase', e164 });
    expect(purchases.map((entry) => entry.status)).toEqual(['dropped']);
    const number = await harness.controls.getNumber(e164);
    expect(number?.holding).toMatchObject({ kind: 'owned', status: 'active', trunkGroupId: defaultTrunkIds[0] });
  });

  it('retries a failed trunk assignment', async () => {
    const e164 = '+14155550106';
    await harness.controls.setFaults({ rules: [{ operation: 'assignTrunk', e164, action: { type: 'error', status: 503 }, times: 2 }] });
    const errorsBefore = await metricValue(harness.operator, 'vobiz_operator_reconcile_total', { result: 'error' });

    await createPhoneNumber(harness, 'flaky-trunk', { e164, trunkGroupId: defaultTrunkIds[1] });
    await waitForReady(harness, 'flaky-trunk');

    const assigns = await harness.controls.requestLog({ operation: 'assignTrunk', e164 });
    expect(assigns.map((entry) => entry.status)).toEqual([503, 503, 204]);
    expect((await harness.controls.requestLog({ operation: 'purchase', e164 })).length).toBe(1);
    expect(await metricValue(harness.operator, 'vobiz_operator_reconcile_total', { result: 'error' })).toBeGreaterThan(errorsBefore);
  });

  it('waits out a cool-off with no sub-account calls, across a restart', async () => {
    const e164 = '+14155550107';
    await harness.controls.seed({
      owned: [{ e164, country: 'US', setupFee: 1, monthlyFee: 1.15, currency: 'USD', accountId: defaultSubAccountIds[0], lastCallAt: new Date().toISOString() }],
    });

    await createPhoneNumber(harness, 'cooling', { e164, trunkGroupId: defaultTrunkIds[0] });
    const cooling = await eventually('the CoolOffInEffect reason', async () => {
      const resource = await getPhoneNumber(harness, 'cooling');
      const ready = resource?.status?.conditions?.find((condition) => condition.type === 'Ready');
      return ready?.reason === 'CoolOffInEffect' && resource?.status?.trunkGroupId === defaultTrunkIds[0] ? resource : undefined;
    });
    expect(Date.parse(cooling.status?.coolOffUntil ?? '')).toBeGreaterThan(Date.now() + 14 * 24 * 3_600_000);
    expect(await metricValue(harness.operator, 'vobiz_operator_numbers', { state: 'cool_off' })).toBe(1);

    await harness.operator.stop();
    harness.operator = await startTestOperator(kubeConfig, harness.simulator, namespace.name);
    await harness.operator.ready;
    await harness.controls.clearRequestLog();
    const sweepsBefore = await metricValue(harness.operator, 'vobiz_operator_sweeps_total', { result: 'complete' });
    await eventually('two more sweeps', async () => ((await metricValue(harness.operator, 'vobiz_operator_sweeps_total', { result: 'complete' })) >= sweepsBefore + 2 ? true : undefined));

    expect(await harness.controls.requestLog({ operation: 'unassignSubAccount', e164 })).toEqual([]);
    const number = await harness.controls.getNumber(e164);
    expect(number?.holding).toMatchObject({ kind: 'owned', accountId: defaultSubAccountIds[0] });
  });
});
