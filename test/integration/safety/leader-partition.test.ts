/**
 * A leader that can no longer reach the API server, while it still reaches Vobiz, must stop
 * changing Vobiz before a standby can take the Lease over. The leader talks to the API server
 * through a TCP proxy that the test cuts, and the standby connects directly. Both run in this
 * process and send their identity in the User-Agent that the simulator logs.
 */
import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LeaderElectionConfig } from '../../../src/controller/config.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { SimulatorControls, defaultSeed, defaultTrunkIds, startSimulator, type RequestLogEntry, type RunningSimulator } from '../../../src/simulator/index.ts';
import { MUTATIONS, createPhoneNumber, installCrd, metricValue, startTestOperator, waitForReady, type ResourceAccess } from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

const [TRUNK_1, TRUNK_2] = defaultTrunkIds;
const LEASE_MS = 3_000;
const RENEW_DEADLINE_MS = 2_000;
const RETRY_MS = 500;
const NUMBERS = ['+14155550131', '+14155550132', '+14155550133'];

/** Builds a kubeconfig that reaches the same API server through the proxy on `port`. */
function throughProxy(admin: KubeConfig, port: number): KubeConfig {
  const cluster = admin.getCurrentCluster();
  const user = admin.getCurrentUser();
  if (cluster === null || user === null) throw new Error('the test kubeconfig has no current cluster or user');
  const proxied = new KubeConfig();
  proxied.loadFromClusterAndUser({ ...cluster, server: `https://127.0.0.1:${port}` }, user);
  return proxied;
}

describe('leader cut off from the API server', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let access: ResourceAccess;
  let proxy: TcpProxy;
  const replicas: RunningOperator[] = [];

  const identityOf = (entry: RequestLogEntry): string | undefined => /\(([^)]+)\)$/.exec(entry.userAgent ?? '')?.[1];

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-partition');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });
    controls = new SimulatorControls(simulator.url);
    access = { objects: kubeConfig.makeApiClient(CustomObjectsApi), namespace: namespace.name };
    const server = new URL(kubeConfig.getCurrentCluster()?.server ?? '');
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port) });
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await simulator?.close();
    await namespace?.remove();
  });

  it('stops mutating before the standby takes over', async () => {
    const leaderElection: LeaderElectionConfig = {
      enabled: true,
      namespace: namespace.name,
      id: 'vobiz-operator',
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
    };
    const options = { sweepIntervalMs: 500, leaderElection };
    const leader = await startTestOperator(throughProxy(kubeConfig, proxy.port), simulator, namespace.name, options, { identity: 'cut-off' });
    replicas.push(leader);
    await eventually('the first replica to lead', () => (leader.isLeader() ? true : undefined));
    const standby = await startTestOperator(kubeConfig, simulator, namespace.name, options, { identity: 'standby' });
    replicas.push(standby);
    await standby.ready;

    for (const [index, e164] of NUMBERS.entries()) {
      await createPhoneNumber(access, `line-${index}`, { e164, trunkGroupId: TRUNK_1 });
    }
    for (const index of NUMBERS.keys()) {
      await waitForReady(access, `line-${index}`);
    }

    // Trunks moved by hand keep both replicas busy: the cut-off leader still reaches Vobiz
    // and repairs drift until its renew deadline passes.
    let drifting = true;
    const drift = (async () => {
      for (let round = 0; drifting; round += 1) {
        await controls.setNumberTrunk(NUMBERS[round % NUMBERS.length] as string, TRUNK_2).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();

    const leaderDone = leader.done.then(() => 'stopped', (error: Error) => error.message);
    const cutAtMs = Date.now();
    await proxy.cut();

    await eventually('the standby to lead', () => (standby.isLeader() ? true : undefined), 15_000);
    await eventually('a repair by the new leader', async () => {
      const repairs = (await controls.requestLog({ operation: 'assignTrunk' })).filter((entry) => identityOf(entry) === 'standby');
      return repairs.length >= 2 ? true : undefined;
    });
    drifting = false;
    await drift;

    expect(leader.isLeader()).toBe(false);
    expect(await leaderDone).toContain('lost leadership');
    expect(await metricValue(leader, 'vobiz_operator_leader_transitions_total')).toBe(2);

    const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'vobiz-operator', namespace: namespace.name });
    expect(lease.spec?.holderIdentity).toBe('standby');
    const acquiredAtMs = new Date(lease.spec?.acquireTime as unknown as string).getTime();

    const mutations = (await controls.requestLog()).filter((entry) => MUTATIONS.has(entry.operation));
    const fromLeader = mutations.filter((entry) => identityOf(entry) === 'cut-off');
    const fromStandby = mutations.filter((entry) => identityOf(entry) === 'standby');
    expect(fromLeader.length).toBeGreaterThan(0);
    expect(fromStandby.length).toBeGreaterThan(0);
    expect(Math.max(...fromLeader.map((entry) => entry.seq))).toBeLessThan(Math.min(...fromStandby.map((entry) => entry.seq)));

    // The cut-off leader's gate closed at most one renew deadline after its last renewal,
    // which came before the cut, and well before the standby took the Lease.
    const lastOfLeaderMs = Math.max(...fromLeader.map((entry) => Date.parse(entry.time)));
    expect(lastOfLeaderMs).toBeLessThan(cutAtMs + RENEW_DEADLINE_MS + 500);
    expect(lastOfLeaderMs).toBeLessThan(acquiredAtMs);
  });
});
