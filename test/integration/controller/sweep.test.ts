/**
 * Sweeps against the simulator: an incomplete sweep (a failed page) changes nothing, and the
 * operator retries it without waiting a whole interval.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultTrunkIds, type SeedOwnedNumber } from '../../../src/simulator/index.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { MUTATIONS, createPhoneNumber, installCrd, metricValue, startHarness, waitForReady, type Harness } from './support.ts';

const [TRUNK_1, TRUNK_2] = defaultTrunkIds;
const E164 = '+14155550110';

/** Numbers the account owns and no resource claims, enough to make the list two pages long. */
function unmanagedNumbers(count: number): SeedOwnedNumber[] {
  return Array.from({ length: count }, (_unused, index) => ({
    e164: `+1212555${String(2000 + index)}`,
    country: 'US',
    setupFee: 1,
    monthlyFee: 1.15,
    currency: 'USD',
  }));
}

describe('sweep', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let harness: Harness;

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-sweep');
    harness = await startHarness(kubeConfig, namespace.name, { sweepIntervalMs: 3_000 });
    await harness.controls.seed({ owned: unmanagedNumbers(150) });
    await harness.operator.ready;
  });

  afterAll(async () => {
    await harness?.stop();
    await namespace?.remove();
  });

  it('counts numbers no resource claims', async () => {
    await createPhoneNumber(harness, 'line', { e164: E164, trunkGroupId: TRUNK_1 });
    await waitForReady(harness, 'line');

    await harness.operator.sweepNow();

    expect(await metricValue(harness.operator, 'vobiz_operator_unmanaged_numbers')).toBe(150);
    expect(await metricValue(harness.operator, 'vobiz_operator_sweep_pages_total')).toBeGreaterThanOrEqual(2);
  });

  it('changes nothing when the second page fails, then retries', async () => {
    await harness.controls.setFaults({ rules: [{ operation: 'listNumbers', page: 2, action: { type: 'error', status: 500 } }] });
    await harness.controls.setNumberTrunk(E164, TRUNK_2);
    await harness.controls.clearRequestLog();
    const lastComplete = await metricValue(harness.operator, 'vobiz_operator_last_complete_sweep_timestamp_seconds');
    const incompleteBefore = await metricValue(harness.operator, 'vobiz_operator_sweeps_total', { result: 'incomplete' });

    await harness.operator.sweepNow();
    await eventually('a second incomplete sweep', async () => {
      const incomplete = await metricValue(harness.operator, 'vobiz_operator_sweeps_total', { result: 'incomplete' });
      return incomplete >= incompleteBefore + 2 ? true : undefined;
    });

    const mutations = (await harness.controls.requestLog()).filter((entry) => MUTATIONS.has(entry.operation));
    expect(mutations).toEqual([]);
    expect(await metricValue(harness.operator, 'vobiz_operator_last_complete_sweep_timestamp_seconds')).toBe(lastComplete);
    const number = await harness.controls.getNumber(E164);
    expect(number?.holding.kind === 'owned' ? number.holding.trunkGroupId : undefined).toBe(TRUNK_2);

    await harness.controls.clearFaults();

    await eventually('the trunk to be repaired after a complete sweep', async () => {
      const repaired = await harness.controls.getNumber(E164);
      return repaired?.holding.kind === 'owned' && repaired.holding.trunkGroupId === TRUNK_1 ? true : undefined;
    });
    expect(await metricValue(harness.operator, 'vobiz_operator_last_complete_sweep_timestamp_seconds')).toBeGreaterThan(lastComplete);
  });
});
