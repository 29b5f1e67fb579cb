/**
 * Events on the real API server: a failure that the work queue retries with backoff shows as
 * one Event whose count grows, as client-go's event recorder aggregates repeats.
 */
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultTrunkIds } from '../../../src/simulator/index.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { createPhoneNumber, installCrd, startHarness, waitForReady, type Harness } from './support.ts';

describe('Event aggregation', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let harness: Harness;

  const eventsOf = async (name: string): Promise<CoreV1Event[]> =>
    (await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace.name, fieldSelector: `involvedObject.name=${name}` })).items;

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-events');
    harness = await startHarness(kubeConfig, namespace.name);
    await harness.operator.ready;
  });

  afterAll(async () => {
    await harness?.stop();
    await namespace?.remove();
  });

  it('counts retries of one failure on one Event', async () => {
    const e164 = '+14155550110';
    await harness.controls.setFaults({ rules: [{ operation: 'assignTrunk', e164, action: { type: 'error', status: 503 } }] });

    await createPhoneNumber(harness, 'failing-trunk', { e164, trunkGroupId: defaultTrunkIds[0] });
    const repeated = await eventually('a VobizError Event counted 3 times', async () => {
      const failures = (await eventsOf('failing-trunk')).filter((event) => event.reason === 'VobizError');
      return failures.some((event) => (event.count ?? 0) >= 3) ? failures : undefined;
    });

    const attempts = (await harness.controls.requestLog({ operation: 'assignTrunk', e164 })).length;
    expect(repeated).toHaveLength(1);
    expect(repeated[0]?.type).toBe('Warning');
    expect(repeated[0]?.message).toContain(`Failed to assign ${e164} to trunk group ${defaultTrunkIds[0]}`);
    expect(repeated[0]?.count).toBeGreaterThanOrEqual(3);
    expect(repeated[0]?.count).toBeLessThanOrEqual(attempts);
    expect(new Date(repeated[0]?.lastTimestamp ?? 0).getTime()).toBeGreaterThan(new Date(repeated[0]?.firstTimestamp ?? 0).getTime());

    await harness.controls.clearFaults();
    await waitForReady(harness, 'failing-trunk');

    const reasons = (await eventsOf('failing-trunk')).map((event) => `${event.reason} ${event.count}`).sort();
    expect(reasons.filter((reason) => reason.startsWith('VobizError'))).toHaveLength(1);
    expect(reasons).toContain('Purchased 1');
    expect(reasons).toContain('TrunkAssigned 1');
  });
});
