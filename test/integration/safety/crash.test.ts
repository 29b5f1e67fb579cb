/**
 * Crash safety of purchases: a real operator process is killed with SIGKILL at points that
 * the simulator's latency faults hold open, then a new process starts. Whatever the kill
 * point, the simulator's request log must show exactly one purchase that succeeded, and the
 * resource must end Ready.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { SimulatorControls, defaultSeed, defaultSubAccountIds, defaultTrunkIds, startSimulator, type FaultRule, type RunningSimulator } from '../../../src/simulator/index.ts';
import { createPhoneNumber, getPhoneNumber, installCrd, waitForReady, type ResourceAccess } from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { OperatorProcess } from './support/operator-process.ts';

const [TRUNK_1] = defaultTrunkIds;
const [SA_1] = defaultSubAccountIds;

interface KillContext {
  controls: SimulatorControls;
  access: ResourceAccess;
  core: CoreV1Api;
  name: string;
  e164: string;
}

interface KillPoint {
  name: string;
  e164: string;
  spec: Record<string, unknown>;
  faults: (e164: string) => FaultRule[];
  /** Resolves at the moment to kill the first process. */
  killWhen(context: KillContext): Promise<void>;
  /** Resolves once the simulator has finished the request the killed process left behind. */
  settled(context: KillContext): Promise<void>;
  /** Statuses of every purchase request in the log, in order. */
  purchases: (number | 'dropped')[];
  /** Log message of the call whose outcome the killed process never learned. */
  unconfirmed: (e164: string) => string;
}

/** Resolves once the resource's status records a purchase intent. */
async function intentRecorded(context: KillContext): Promise<void> {
  await eventually('the purchase intent in status', async () => ((await getPhoneNumber(context.access, context.name))?.status?.pendingPurchase === undefined ? undefined : true), 30_000);
}

/** Resolves once the simulator has logged a request of `operation` for the number. */
async function logged(context: KillContext, operation: string): Promise<void> {
  await eventually(`a logged ${operation} of ${context.e164}`, async () => ((await context.controls.requestLog({ operation, e164: context.e164 })).length > 0 ? true : undefined), 30_000);
}

/** Resolves once the operator has recorded the Purchased Event, right before its next Vobiz call. */
async function purchasedEventRecorded(context: KillContext): Promise<void> {
  await eventually('the Purchased Event', async () => {
    const events = await context.core.listNamespacedEvent({ namespace: context.access.namespace, fieldSelector: `involvedObject.name=${context.name}` });
    return events.items.some((event) => event.reason === 'Purchased') ? true : undefined;
  }, 30_000);
}

const killPoints: KillPoint[] = [
  {
    name: 'purchase lost before Vobiz applies it',
    e164: '+12125550101',
    spec: { trunkGroupId: TRUNK_1 },
    // Held for 3 seconds, then the connection closes without the purchase being applied.
    faults: (e164) => [
      { operation: 'purchase', e164, phase: 'before', times: 1, action: { type: 'delay', ms: 3_000 } },
      { operation: 'purchase', e164, phase: 'before', times: 1, action: { type: 'drop' } },
    ],
    killWhen: intentRecorded,
    settled: (context) => logged(context, 'purchase'),
    purchases: ['dropped', 200],
    unconfirmed: (e164) => `purchase ${e164}: done`,
  },
  {
    name: 'purchase applied, response not yet received',
    e164: '+12125550102',
    spec: { trunkGroupId: TRUNK_1 },
    faults: (e164) => [{ operation: 'purchase', e164, phase: 'after', times: 1, action: { type: 'delay', ms: 20_000 } }],
    killWhen: (context) => logged(context, 'purchase'),
    settled: async () => {},
    purchases: [200],
    unconfirmed: (e164) => `purchase ${e164}: done`,
  },
  {
    name: 'trunk assignment applied, response not yet received',
    e164: '+12125550103',
    spec: { trunkGroupId: TRUNK_1 },
    faults: (e164) => [{ operation: 'assignTrunk', e164, phase: 'after', times: 1, action: { type: 'delay', ms: 20_000 } }],
    killWhen: (context) => logged(context, 'assignTrunk'),
    settled: async () => {},
    purchases: [200],
    unconfirmed: (e164) => `assign ${e164} to trunk group ${TRUNK_1}: done`,
  },
  {
    name: 'sub-account assignment not yet applied',
    e164: '+12125550104',
    spec: { trunkGroupId: TRUNK_1, subAccountId: SA_1 },
    // Held for 3 seconds, then applied although the process that sent it is gone.
    faults: (e164) => [{ operation: 'assignSubAccount', e164, phase: 'before', times: 1, action: { type: 'delay', ms: 3_000 } }],
    killWhen: async (context) => {
      await purchasedEventRecorded(context);
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    settled: (context) => logged(context, 'assignSubAccount'),
    purchases: [200],
    unconfirmed: (e164) => `assign ${e164} to sub-account ${SA_1}: done`,
  },
];

describe('purchases across a killed operator', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let access: ResourceAccess;
  let core: CoreV1Api;
  const processes: OperatorProcess[] = [];

  const spawnOperator = (name: string): OperatorProcess => {
    const child = new OperatorProcess({ name, simulator, namespace: namespace.name });
    processes.push(child);
    return child;
  };

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-crash');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });
    controls = new SimulatorControls(simulator.url);
    access = { objects: kubeConfig.makeApiClient(CustomObjectsApi), namespace: namespace.name };
    core = kubeConfig.makeApiClient(CoreV1Api);
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((child) => child.stop()));
    await controls.clearFaults();
  });

  afterAll(async () => {
    await simulator?.close();
    await namespace?.remove();
  });

  it.each(killPoints)('buys once: $name', async (point) => {
    const name = `killed-${point.e164.slice(-4)}`;
    const context: KillContext = { controls, access, core, name, e164: point.e164 };
    await controls.setFaults({ rules: point.faults(point.e164) });

    const first = spawnOperator('first');
    await first.waitForReady();
    await createPhoneNumber(access, name, { e164: point.e164, ...point.spec });
    await point.killWhen(context);
    await first.kill();

    const left = await getPhoneNumber(access, name);
    expect(left?.status?.pendingPurchase?.startedAt).toBeDefined();
    expect(first.logs.map((record) => record.msg)).not.toContain(point.unconfirmed(point.e164));
    await point.settled(context);

    spawnOperator('second');
    const ready = await waitForReady(access, name, 60_000);

    const purchases = await controls.requestLog({ operation: 'purchase', e164: point.e164 });
    expect(purchases.map((entry) => entry.status)).toEqual(point.purchases);
    expect(purchases.filter((entry) => entry.status === 200)).toHaveLength(1);
    expect(ready.status?.pendingPurchase).toBeUndefined();

    // Before buying again, the second process looked the number up at Vobiz.
    const retry = purchases.find((entry) => entry.status === 200);
    if (point.purchases.length > 1 && retry !== undefined) {
      const lookups = (await controls.requestLog({ operation: 'listNumbers' })).filter((entry) => entry.rawPath.includes(`search=${encodeURIComponent(point.e164)}`));
      expect(lookups.some((entry) => entry.seq < retry.seq && entry.seq > (purchases[0]?.seq ?? 0))).toBe(true);
    }
    expect((await controls.getNumber(point.e164))?.holding).toMatchObject({
      kind: 'owned',
      status: 'active',
      trunkGroupId: TRUNK_1,
      accountId: (point.spec.subAccountId as string | undefined) ?? simulator.authId,
    });
  });
});
