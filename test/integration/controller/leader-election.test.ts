/**
 * Two replicas with leader election on a Lease: exactly one sweeps and changes Vobiz, the
 * standby reports ready, and the standby takes over when the leader stops.
 */
import { CoordinationV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningOperator } from '../../../src/controller/manager.ts';
import { SimulatorControls, defaultSeed, defaultTrunkIds, startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { createPhoneNumber, installCrd, metricValue, startTestOperator, waitForReady } from './support.ts';

const E164 = '+14155550120';

describe('leader election', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let simulator: RunningSimulator;
  let replicas: RunningOperator[] = [];

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-leader');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });

    const leaderElection = { enabled: true, namespace: namespace.name, id: 'vobiz-operator', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    replicas = [
      await startTestOperator(kubeConfig, simulator, namespace.name, { leaderElection }),
      await startTestOperator(kubeConfig, simulator, namespace.name, { leaderElection }),
    ];
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await simulator?.close();
    await namespace?.remove();
  });

  it('elects exactly one leader', async () => {
    await eventually('a leader', () => (replicas.some((replica) => replica.isLeader()) ? true : undefined));
    await Promise.all(replicas.map((replica) => replica.ready));

    expect(replicas.filter((replica) => replica.isLeader())).toHaveLength(1);
    const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'vobiz-operator', namespace: namespace.name });
    expect(lease.spec?.holderIdentity).toBeTruthy();
    for (const replica of replicas) {
      expect((await fetch(`${replica.httpUrl}/readyz`)).status).toBe(200);
      expect(await metricValue(replica, 'vobiz_operator_leader')).toBe(replica.isLeader() ? 1 : 0);
    }
  });

  it('buys a number once with two replicas running', async () => {
    const access = { objects: kubeConfig.makeApiClient(CustomObjectsApi), namespace: namespace.name };
    await createPhoneNumber(access, 'line', { e164: E164, trunkGroupId: defaultTrunkIds[0] });

    await waitForReady(access, 'line');

    const purchases = await new SimulatorControls(simulator.url).requestLog({ operation: 'purchase', e164: E164 });
    expect(purchases).toHaveLength(1);
    const standby = replicas.find((replica) => !replica.isLeader());
    expect(standby === undefined ? -1 : await metricValue(standby, 'vobiz_operator_sweeps_total', { result: 'complete' })).toBe(0);
  });

  it('hands over when the leader stops', async () => {
    const leader = replicas.find((replica) => replica.isLeader());
    const standby = replicas.find((replica) => !replica.isLeader());
    if (leader === undefined || standby === undefined) throw new Error('expected one leader and one standby');

    await leader.stop();
    replicas = [standby];

    await eventually('the standby to lead', () => (standby.isLeader() ? true : undefined), 15_000);
    await eventually('a sweep by the new leader', async () => ((await metricValue(standby, 'vobiz_operator_sweeps_total', { result: 'complete' })) > 0 ? true : undefined));
  });
});
