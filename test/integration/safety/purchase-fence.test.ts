/**
 * A purchase must not start for a resource that changed while the reconcile was reading Vobiz.
 * The simulator slows the look-up that precedes every purchase, and the test deletes or pauses
 * the resource inside that window. A purchase then would buy a number that no resource manages.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { FINALIZER, GROUP, PAUSED_ANNOTATION, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { type SimulatorControls, defaultTrunkIds } from '../../../src/simulator/index.ts';
import { callsFor, createPhoneNumber, getPhoneNumber, installCrd, startHarness, waitForReady, type Harness, type ResourceAccess } from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';

const [TRUNK_1] = defaultTrunkIds;

/** How long the simulator delays every list-numbers request, the pre-purchase look-up included. */
const LOOKUP_DELAY_MS = 4_000;

describe('purchase fence', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let controls: SimulatorControls;
  let operator: RunningOperator;
  let access: ResourceAccess;
  let harness: Harness;

  const common = () => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace: namespace.name });

  /** Returns an E.164 number the simulator has for sale. */
  const numberForSale = async (index: number): Promise<string> => {
    const inventory = (await controls.snapshot()).numbers.filter((number) => number.holding.kind === 'inventory' && number.country === 'US');
    const number = inventory[index];
    if (number === undefined) throw new Error(`the simulator's inventory has no number at index ${index}`);
    return number.e164;
  };

  /** Creates a resource whose first reconcile stalls in the pre-purchase look-up. */
  const createDuringSlowLookUp = async (name: string, e164: string): Promise<void> => {
    await controls.setFaults({ rules: [{ operation: 'listNumbers', action: { type: 'delay', ms: LOOKUP_DELAY_MS } }] });
    await createPhoneNumber(access, name, { e164, trunkGroupId: TRUNK_1 });
    // The informer delivers the resource and the reconcile enters the look-up well within this.
    await sleep(1_500);
  };

  /** Waits until the reconcile that was in the look-up has had time to act, then lifts the delay. */
  const settle = async (): Promise<void> => {
    await sleep(LOOKUP_DELAY_MS + 1_000);
    await controls.clearFaults();
    await sleep(1_000);
  };

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-fence');
    harness = await startHarness(kubeConfig, namespace.name, { sweepIntervalMs: 60_000 });
    ({ controls, operator } = harness);
    access = harness;
    await operator.ready;
  });

  beforeEach(async () => {
    await controls.clearFaults();
    await controls.clearRequestLog();
  });

  afterAll(async () => {
    await controls?.clearFaults();
    await harness?.stop();
    await namespace?.remove();
  });

  it('buys nothing for a resource deleted during the look-up', async () => {
    const e164 = await numberForSale(0);
    await createDuringSlowLookUp('deleted-early', e164);

    await access.objects.deleteNamespacedCustomObject({ ...common(), name: 'deleted-early' });
    await settle();

    await eventually('deleted-early to be gone', async () => ((await getPhoneNumber(access, 'deleted-early')) === undefined ? true : undefined));
    const purchases = (await callsFor(controls, e164)).filter((entry) => entry.operation === 'purchase');
    expect(purchases).toEqual([]);
    expect((await controls.getNumber(e164))?.holding.kind).toBe('inventory');
  }, 30_000);

  it('buys nothing for a resource paused during the look-up', async () => {
    const e164 = await numberForSale(1);
    await createDuringSlowLookUp('paused-early', e164);

    await access.objects.patchNamespacedCustomObject({
      ...common(),
      name: 'paused-early',
      body: [{ op: 'add', path: '/metadata/annotations', value: { [PAUSED_ANNOTATION]: 'true' } }],
    });
    await settle();

    const purchases = (await callsFor(controls, e164)).filter((entry) => entry.operation === 'purchase');
    expect(purchases).toEqual([]);
    expect((await controls.getNumber(e164))?.holding.kind).toBe('inventory');

    // Unpaused, the resource buys its number once, and the fenced status write kept its metadata.
    await access.objects.patchNamespacedCustomObject({
      ...common(),
      name: 'paused-early',
      body: [{ op: 'remove', path: `/metadata/annotations/${PAUSED_ANNOTATION.replaceAll('~', '~0').replaceAll('/', '~1')}` }],
    });
    const ready = await waitForReady(access, 'paused-early');
    expect(ready.metadata.finalizers).toContain(FINALIZER);
    expect(ready.status?.pendingPurchase).toBeUndefined();
    const after = (await callsFor(controls, e164)).filter((entry) => entry.operation === 'purchase').map((entry) => entry.status);
    expect(after).toEqual([200]);
  }, 60_000);
});
