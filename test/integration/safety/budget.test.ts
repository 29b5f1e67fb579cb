/**
 * Spend guardrails against the real API server and the simulator: a purchase beyond the hourly
 * purchase budget or the monthly-fee budget is not made. The resource gets the reason
 * PurchaseBudgetExceeded, the operator counts it in a metric and records an Event, and the
 * hourly count survives an operator restart.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import type { OperatorConfig } from '../../../src/controller/config.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { SimulatorControls, defaultSeed, defaultTrunkIds, startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import {
  MUTATIONS,
  callsFor,
  createPhoneNumber,
  installCrd,
  metricValue,
  readyCondition,
  startTestOperator,
  waitForReady,
  waitForReason,
  waitForSweeps,
  type ResourceAccess,
} from '../controller/support.ts';
import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';

const [TRUNK_1] = defaultTrunkIds;

/** A simulator, a namespace and an operator on the simulator's clock with the given budget. */
interface BudgetSetup {
  namespace: { name: string; remove: () => Promise<void> };
  simulator: RunningSimulator;
  controls: SimulatorControls;
  access: ResourceAccess;
  operator: RunningOperator;
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function setUp(kubeConfig: KubeConfig, prefix: string, budget: OperatorConfig['budget']): Promise<BudgetSetup> {
  const namespace = await createTestNamespace(kubeConfig, prefix);
  const simulator = await startSimulator({ port: 0, seed: defaultSeed() });
  const start = async (): Promise<RunningOperator> => {
    const operator = await startTestOperator(kubeConfig, simulator, namespace.name, { sweepIntervalMs: 1_000, budget }, { now: () => simulator.state.now() });
    await operator.ready;
    return operator;
  };

  const setup: BudgetSetup = {
    namespace,
    simulator,
    controls: new SimulatorControls(simulator.url),
    access: { objects: kubeConfig.makeApiClient(CustomObjectsApi), namespace: namespace.name },
    operator: await start(),
    restart: async () => {
      await setup.operator.stop();
      setup.operator = await start();
    },
    close: async () => {
      await setup.operator.stop();
      await simulator.close();
      await namespace.remove();
    },
  };
  return setup;
}

/** Reasons of the Events recorded on one PhoneNumber. */
async function eventReasons(kubeConfig: KubeConfig, namespace: string, name: string): Promise<string[]> {
  const events = await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return events.items.map((event) => event.reason ?? '');
}

/** Summarizes the mutations among `entries` as "operation status". */
function mutations(entries: { operation: string; status: number | 'dropped' }[]): string[] {
  return entries.filter((entry) => MUTATIONS.has(entry.operation)).map((entry) => `${entry.operation} ${entry.status}`);
}

describe('spend guardrails', () => {
  let kubeConfig: KubeConfig;

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
  });

  describe('purchases per hour', () => {
    let setup: BudgetSetup;

    beforeAll(async () => {
      setup = await setUp(kubeConfig, 'pn-budget-hour', { maxPurchasesPerHour: 1, maxMonthlyFee: new Map() });
    });

    afterAll(async () => {
      await setup?.close();
    });

    it('holds the second purchase in an hour, across a restart', async () => {
      const { access, controls } = setup;
      await createPhoneNumber(access, 'first', { e164: '+12125550130', trunkGroupId: TRUNK_1 });
      await waitForReady(access, 'first');

      await createPhoneNumber(access, 'second', { e164: '+12125550131', trunkGroupId: TRUNK_1 });
      const overBudget = await waitForReason(access, 'second', 'PurchaseBudgetExceeded');

      expect(readyCondition(overBudget)?.message).toContain('--max-purchases-per-hour');
      expect(mutations(await callsFor(controls, '+12125550131'))).toEqual([]);
      expect(await metricValue(setup.operator, 'vobiz_operator_purchase_budget_exceeded_total', { budget: 'purchases_per_hour' })).toBeGreaterThanOrEqual(1);
      expect(await eventReasons(kubeConfig, setup.namespace.name, 'second')).toContain('PurchaseBudgetExceeded');

      // The new process counts the first purchase from its resource's status.purchasedAt.
      await setup.restart();
      await waitForSweeps(setup.operator, 3);

      expect(readyCondition(await waitForReason(access, 'second', 'PurchaseBudgetExceeded'))?.status).toBe('False');
      expect(mutations(await callsFor(controls, '+12125550131'))).toEqual([]);
      expect(await metricValue(setup.operator, 'vobiz_operator_purchase_budget_exceeded_total', { budget: 'purchases_per_hour' })).toBeGreaterThanOrEqual(1);
    });

    it('buys once the hour has passed on the operator clock', async () => {
      const { access, controls } = setup;
      await controls.advanceClock(3_601);

      // A spec change reconciles at once; the budget's own retry timer runs on real time.
      await access.objects.patchNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: setup.namespace.name,
        name: 'second',
        body: [{ op: 'remove', path: '/spec/trunkGroupId' }],
      });
      await waitForReady(access, 'second');

      expect(mutations(await callsFor(controls, '+12125550131'))).toEqual(['purchase 200']);
    });
  });

  describe('monthly fee', () => {
    let setup: BudgetSetup;

    beforeAll(async () => {
      // Each number of the default US inventory costs 1.15 USD a month.
      setup = await setUp(kubeConfig, 'pn-budget-fee', { maxPurchasesPerHour: 100, maxMonthlyFee: new Map([['USD', 2]]) });
    });

    afterAll(async () => {
      await setup?.close();
    });

    it('holds a purchase above the monthly-fee budget', async () => {
      const { access, controls } = setup;
      await createPhoneNumber(access, 'within', { e164: '+12125550132', trunkGroupId: TRUNK_1 });
      await waitForReady(access, 'within');

      await createPhoneNumber(access, 'above', { e164: '+12125550133', trunkGroupId: TRUNK_1, currency: 'EUR' });
      const overBudget = await waitForReason(access, 'above', 'PurchaseBudgetExceeded');
      await waitForSweeps(setup.operator, 3);

      expect(readyCondition(overBudget)?.message).toContain('USD=2');
      expect(readyCondition(overBudget)?.message).toContain('1.15 USD');
      const calls = await callsFor(controls, '+12125550133');
      expect(mutations(calls)).toEqual([]);
      expect(calls.filter((entry) => entry.operation === 'searchInventory')).toHaveLength(1);
      expect(await metricValue(setup.operator, 'vobiz_operator_purchase_budget_exceeded_total', { budget: 'monthly_fee' })).toBe(1);
      expect(await metricValue(setup.operator, 'vobiz_operator_monthly_fees', { currency: 'USD' })).toBeCloseTo(1.15);
      expect(await eventReasons(kubeConfig, setup.namespace.name, 'above')).toContain('PurchaseBudgetExceeded');
    });
  });
});
