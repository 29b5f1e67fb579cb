/**
 * Vobiz's 15-day sub-account cool-off against the real API server and the simulator. The
 * operator runs in this process on the simulator's clock, so moving that clock forward ends a
 * cool-off without waiting 15 days. Between the refusal and the end of the cool-off, the
 * simulator must see no request about the number at all.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { SimulatorControls, defaultSeed, defaultSubAccountIds, defaultTrunkIds, startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import {
  MUTATIONS,
  callsFor,
  createPhoneNumber,
  getPhoneNumber,
  installCrd,
  metricValue,
  readyCondition,
  startTestOperator,
  waitForReady,
  waitForReason,
  waitForSweeps,
  type ResourceAccess,
} from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';

const [TRUNK_1] = defaultTrunkIds;
const [SA_1, SA_2] = defaultSubAccountIds;
const DAY_MS = 86_400_000;
const DAY_SECONDS = 86_400;

/** Summarizes the mutations among `entries` as "operation status". */
function mutations(entries: { operation: string; status: number | 'dropped' }[]): string[] {
  return entries.filter((entry) => MUTATIONS.has(entry.operation)).map((entry) => `${entry.operation} ${entry.status}`);
}

describe('sub-account cool-off', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let operator: RunningOperator;
  let access: ResourceAccess;

  const startOperator = async (): Promise<RunningOperator> => {
    const started = await startTestOperator(kubeConfig, simulator, namespace.name, { sweepIntervalMs: 1_000 }, { now: () => simulator.state.now() });
    await started.ready;
    return started;
  };

  /** Seeds a number on SA_1, routed to TRUNK_1, that took a call `daysAgo` days before the simulated now. */
  const seedCalledNumber = async (e164: string, daysAgo: number): Promise<Date> => {
    await controls.seed({ owned: [{ e164, country: 'US', setupFee: 1, monthlyFee: 1.15, currency: 'USD', accountId: SA_1, trunkGroupId: TRUNK_1 }] });
    const calledAt = new Date((await controls.now()).getTime() - daysAgo * DAY_MS);
    await controls.recordCall(e164, calledAt);
    return new Date(calledAt.getTime() + 15 * DAY_MS);
  };

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-cool-off');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });
    controls = new SimulatorControls(simulator.url);
    access = { objects: kubeConfig.makeApiClient(CustomObjectsApi), namespace: namespace.name };
    operator = await startOperator();
  });

  afterAll(async () => {
    await operator?.stop();
    await simulator?.close();
    await namespace?.remove();
  });

  it('waits out a cool-off from a call 3 days before, then moves', async () => {
    const e164 = '+14155550191';
    const coolOffUntil = await seedCalledNumber(e164, 3);

    await createPhoneNumber(access, 'moving', { e164, trunkGroupId: TRUNK_1, subAccountId: SA_2 });
    const cooling = await waitForReason(access, 'moving', 'CoolOffInEffect');

    expect(cooling.status?.coolOffUntil).toBe(coolOffUntil.toISOString());
    expect(readyCondition(cooling)?.status).toBe('False');
    expect(readyCondition(cooling)?.message).toContain(coolOffUntil.toISOString());
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 409']);
    expect(await metricValue(operator, 'vobiz_operator_numbers', { state: 'cool_off' })).toBe(1);

    await controls.clearRequestLog();
    await waitForSweeps(operator, 3);
    await controls.advanceClock(12 * DAY_SECONDS - 3_600);
    await waitForSweeps(operator, 3);
    expect(await callsFor(controls, e164)).toEqual([]);

    // Past the end and the at most 30 seconds of jitter.
    await controls.advanceClock(3_600 + 60);
    const moved = await waitForReady(access, 'moving');

    expect(moved.status?.subAccountId).toBe(SA_2);
    expect(moved.status?.coolOffUntil).toBeUndefined();
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 204', 'assignSubAccount 200']);
    expect((await controls.getNumber(e164))?.holding).toMatchObject({ kind: 'owned', accountId: SA_2, trunkGroupId: TRUNK_1 });
  });

  it('keeps waiting across an operator restart', async () => {
    const e164 = '+14155550192';
    const coolOffUntil = await seedCalledNumber(e164, 3);
    await createPhoneNumber(access, 'restarted', { e164, trunkGroupId: TRUNK_1, subAccountId: SA_2 });
    await waitForReason(access, 'restarted', 'CoolOffInEffect');

    await operator.stop();
    await controls.clearRequestLog();
    operator = await startOperator();
    await waitForSweeps(operator, 3);

    expect(await callsFor(controls, e164)).toEqual([]);
    expect(readyCondition(await waitForReason(access, 'restarted', 'CoolOffInEffect'))?.message).toContain(coolOffUntil.toISOString());

    await controls.advanceClock(12 * DAY_SECONDS + 60);
    const moved = await waitForReady(access, 'restarted');

    expect(moved.status?.subAccountId).toBe(SA_2);
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 204', 'assignSubAccount 200']);
  });

  it('takes the later end after another call', async () => {
    const e164 = '+14155550193';
    const firstEnd = await seedCalledNumber(e164, 3);
    await createPhoneNumber(access, 'called-again', { e164, trunkGroupId: TRUNK_1, subAccountId: SA_2 });
    await waitForReason(access, 'called-again', 'CoolOffInEffect');

    // A call 11 days after the first one starts a new cool-off that ends 11 days later.
    await controls.advanceClock(11 * DAY_SECONDS);
    const secondCallAt = await controls.now();
    await controls.recordCall(e164, secondCallAt);
    const secondEnd = new Date(secondCallAt.getTime() + 15 * DAY_MS);
    await controls.clearRequestLog();
    await controls.advanceClock(DAY_SECONDS + 60);

    const renewed = await waitForReason(access, 'called-again', 'CoolOffInEffect');
    const waitUntil = await eventuallyCoolOffUntil(access, 'called-again', secondEnd);
    expect(waitUntil).not.toBe(firstEnd.toISOString());
    expect(readyCondition(renewed)?.reason).toBe('CoolOffInEffect');
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 409']);

    await controls.clearRequestLog();
    await waitForSweeps(operator, 3);
    expect(await callsFor(controls, e164)).toEqual([]);

    await controls.advanceClock(15 * DAY_SECONDS);
    await waitForReady(access, 'called-again');
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 204', 'assignSubAccount 200']);
  });

  it('backs off when Vobiz names no end time', async () => {
    const e164 = '+14155550194';
    await seedCalledNumber(e164, 30);
    await controls.setFaults({
      rules: [{ operation: 'unassignSubAccount', e164, times: 1, action: { type: 'respond', status: 409, body: { error: 'did_cool_off_in_effect' } } }],
    });
    const before = await controls.now();

    await createPhoneNumber(access, 'no-end-time', { e164, trunkGroupId: TRUNK_1, subAccountId: SA_2 });
    const cooling = await waitForReason(access, 'no-end-time', 'CoolOffInEffect');

    expect(cooling.status?.coolOffRetries).toBe(1);
    const estimateMs = Date.parse(cooling.status?.coolOffUntil ?? '') - before.getTime();
    expect(estimateMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(estimateMs).toBeLessThan(11 * 60_000);
    expect(readyCondition(cooling)?.message).toContain('named no end time');

    await controls.clearRequestLog();
    await waitForSweeps(operator, 2);
    expect(await callsFor(controls, e164)).toEqual([]);

    await controls.advanceClock(11 * 60 + 30);
    const moved = await waitForReady(access, 'no-end-time');
    expect(moved.status?.coolOffRetries).toBeUndefined();
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 204', 'assignSubAccount 200']);
  });

  it('reports ForceNotPermitted, and forces as admin', async () => {
    const e164 = '+14155550195';
    await seedCalledNumber(e164, 1);
    await controls.seed({ account: { role: 'user' } });

    await createPhoneNumber(access, 'forced', { e164, trunkGroupId: TRUNK_1, subAccountId: SA_2, forceSubAccountMove: true });
    const forbidden = await waitForReason(access, 'forced', 'ForceNotPermitted');

    expect(readyCondition(forbidden)?.message).toContain('forceSubAccountMove');
    const attempts = (await callsFor(controls, e164)).filter((entry) => entry.operation === 'unassignSubAccount');
    expect(attempts.map((entry) => entry.status)).toEqual([403]);
    expect(attempts[0]?.rawPath).toContain('force=true');

    await controls.seed({ account: { role: 'admin' } });
    await controls.clearRequestLog();
    // A spec change reconciles at once instead of after the slow retry.
    await access.objects.patchNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: namespace.name,
      name: 'forced',
      body: [{ op: 'remove', path: '/spec/trunkGroupId' }],
    });

    const moved = await waitForReady(access, 'forced');
    expect(moved.status?.subAccountId).toBe(SA_2);
    expect(mutations(await callsFor(controls, e164))).toEqual(['unassignSubAccount 204', 'assignSubAccount 200', 'unassignTrunk 204']);
  });
});

/** Waits until the resource's coolOffUntil equals `expected`, and returns it. */
async function eventuallyCoolOffUntil(access: ResourceAccess, name: string, expected: Date): Promise<string> {
  return eventually(`coolOffUntil of ${name} to be ${expected.toISOString()}`, async () => {
    const until = (await getPhoneNumber(access, name))?.status?.coolOffUntil;
    return until === expected.toISOString() ? until : undefined;
  });
}
