/**
 * Two operator processes with leader election on a Lease. Only the leader changes Vobiz; each
 * process sends its identity in the User-Agent, which the simulator's request log records.
 * The leader is killed with SIGKILL while it repairs drift, and the standby takes the Lease
 * over once it expires. The request log must show no mutation from the standby before the
 * leader's last one.
 */
import { CoordinationV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SimulatorControls, defaultSeed, defaultTrunkIds, startSimulator, type RequestLogEntry, type RunningSimulator } from '../../../src/simulator/index.ts';
import { MUTATIONS, createPhoneNumber, installCrd, waitForReady, type ResourceAccess } from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { OperatorProcess } from './support/operator-process.ts';

const [TRUNK_1, TRUNK_2] = defaultTrunkIds;
const LEASE_MS = 3_000;
const RENEW_DEADLINE_MS = 2_000;
const RETRY_MS = 500;
const NUMBERS = ['+12125550125', '+12125550126', '+12125550127', '+12125550128'];

/** Returns the identity in a User-Agent such as `vobiz-operator/0.1.0 (replica-a_1a2b3c4d)`. */
function identityOf(entry: RequestLogEntry): string | undefined {
  return /\(([^)]+)\)$/.exec(entry.userAgent ?? '')?.[1];
}

describe('leader failover between two processes', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let access: ResourceAccess;
  let replicas: OperatorProcess[] = [];

  const readLease = () => kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'vobiz-operator', namespace: namespace.name });

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-failover');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });
    controls = new SimulatorControls(simulator.url);
    access = { objects: kubeConfig.makeApiClient(CustomObjectsApi), namespace: namespace.name };

    const args = [
      '--leader-elect',
      '--leader-election-namespace', namespace.name,
      '--lease-duration', `${LEASE_MS}ms`,
      '--renew-deadline', `${RENEW_DEADLINE_MS}ms`,
      '--retry-period', `${RETRY_MS}ms`,
    ];
    replicas = ['replica-a', 'replica-b'].map((name) => new OperatorProcess({ name, simulator, namespace: namespace.name, args }));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await simulator?.close();
    await namespace?.remove();
  });

  it('fails over without overlapping mutations', async () => {
    await Promise.all(replicas.map((replica) => replica.waitForReady()));
    const identities = await Promise.all(replicas.map((replica) => replica.identity()));
    const holder = await eventually('a Lease holder', async () => (await readLease().catch(() => undefined))?.spec?.holderIdentity || undefined);
    const leaderIndex = identities.indexOf(holder);
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    const leader = replicas[leaderIndex] as OperatorProcess;
    const standby = replicas[1 - leaderIndex] as OperatorProcess;
    const standbyIdentity = identities[1 - leaderIndex] as string;

    for (const [index, e164] of NUMBERS.entries()) {
      await createPhoneNumber(access, `line-${index}`, { e164, trunkGroupId: TRUNK_1 });
    }
    for (const index of NUMBERS.keys()) {
      await waitForReady(access, `line-${index}`);
    }

    // Keep moving trunks by hand, so the leader is repairing drift when it dies and the new
    // leader has drift to repair after it takes over.
    let drifting = true;
    const drift = (async () => {
      for (let round = 0; drifting; round += 1) {
        await controls.setNumberTrunk(NUMBERS[round % NUMBERS.length] as string, TRUNK_2).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    await eventually('the leader to repair drift', async () => {
      const repairs = (await controls.requestLog({ operation: 'assignTrunk' })).filter((entry) => identityOf(entry) === holder);
      return repairs.length >= NUMBERS.length + 2 ? true : undefined;
    });
    const killedAtMs = Date.now();
    await leader.kill();

    await standby.waitForLog('the standby to become the leader', (record) => record.msg === 'became the leader', 15_000);
    await eventually('a repair by the new leader', async () => {
      const repairs = (await controls.requestLog({ operation: 'assignTrunk' })).filter((entry) => identityOf(entry) === standbyIdentity);
      return repairs.length >= 2 ? true : undefined;
    });
    drifting = false;
    await drift;

    const lease = await readLease();
    expect(lease.spec?.holderIdentity).toBe(standbyIdentity);

    // The standby sees the last renewal at most one retry period after it happened. It takes
    // over at its first attempt after the Lease duration has passed since then. So the
    // takeover comes at most the Lease duration plus two retry periods, plus API server
    // latency, after the kill.
    const acquiredAtMs = new Date(lease.spec?.acquireTime as unknown as string).getTime();
    expect(acquiredAtMs - killedAtMs).toBeLessThanOrEqual(LEASE_MS + 2 * RETRY_MS + 1_000);

    const mutations = (await controls.requestLog()).filter((entry) => MUTATIONS.has(entry.operation));
    expect(new Set(mutations.map(identityOf))).toEqual(new Set([holder, standbyIdentity]));
    const lastOfLeader = Math.max(...mutations.filter((entry) => identityOf(entry) === holder).map((entry) => entry.seq));
    const firstOfStandby = Math.min(...mutations.filter((entry) => identityOf(entry) === standbyIdentity).map((entry) => entry.seq));
    expect(lastOfLeader).toBeLessThan(firstOfStandby);
    const standbyTimes = mutations.filter((entry) => identityOf(entry) === standbyIdentity).map((entry) => Date.parse(entry.time));
    expect(Math.min(...standbyTimes)).toBeGreaterThanOrEqual(acquiredAtMs);

    const metrics = await (await fetch(`${await standby.httpUrl()}/metrics`)).text();
    expect(metrics).toContain('vobiz_operator_leader 1');
    expect(metrics).toContain('vobiz_operator_leader_transitions_total 1');
  });
});
