/**
 * The operator end to end: a real kube-apiserver, the Vobiz simulator over HTTP on loopback, and
 * the operator in this process. Tests run in order and share the numbers of the examples.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { GROUP, PLURAL, VERSION, type PhoneNumber } from '../../../src/api/phone-number.ts';
import { defaultSubAccountIds, defaultTrunkIds } from '../../../src/simulator/index.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { MUTATIONS, getPhoneNumber, installCrd, metricValue, startHarness, waitForReady, type Harness } from './support.ts';

const execFileAsync = promisify(execFile);
const [TRUNK_1, TRUNK_2] = defaultTrunkIds;
const EXAMPLES_DIR = new URL('../../../examples/', import.meta.url);

function exampleManifests(): PhoneNumber[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => loadYaml(readFileSync(new URL(file, EXAMPLES_DIR), 'utf8')) as PhoneNumber);
}

describe('operator lifecycle', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let harness: Harness;
  const examples = exampleManifests();
  const byName = (name: string): PhoneNumber => {
    const found = examples.find((example) => example.metadata.name === name);
    if (found === undefined) throw new Error(`no example named ${name}`);
    return found;
  };

  const common = () => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace: harness.namespace });

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-lifecycle');
    harness = await startHarness(kubeConfig, namespace.name);
    await harness.operator.ready;
  });

  afterAll(async () => {
    await harness?.stop();
    await namespace?.remove();
  });

  it('makes the three examples Ready', async () => {
    expect(examples.map((example) => example.metadata.name)).toEqual(['london-office', 'sales-line', 'support-line']);

    for (const example of examples) {
      await harness.objects.createNamespacedCustomObject({ ...common(), body: { ...example, metadata: { ...example.metadata, namespace: harness.namespace } } });
    }
    for (const example of examples) {
      await waitForReady(harness, example.metadata.name);
    }

    for (const example of examples) {
      const number = await harness.controls.getNumber(example.spec.e164);
      expect(number?.holding).toMatchObject({
        kind: 'owned',
        status: 'active',
        accountId: example.spec.subAccountId ?? harness.simulator.authId,
        trunkGroupId: example.spec.trunkGroupId,
      });
    }

    const support = await getPhoneNumber(harness, 'support-line');
    expect(support?.status).toMatchObject({ subAccountId: defaultSubAccountIds[0], trunkGroupId: TRUNK_1, vobizStatus: 'active', currency: 'USD' });
    expect(support?.metadata.finalizers).toEqual([`${GROUP}/release`]);
    expect(await metricValue(harness.operator, 'vobiz_operator_purchases_total', { result: 'success' })).toBe(3);
  });

  it('records an Event per mutation', async () => {
    const events = await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({
      namespace: harness.namespace,
      fieldSelector: 'involvedObject.name=support-line',
    });

    const reasons = events.items.map((event) => event.reason).sort();
    expect(reasons).toEqual(['Purchased', 'SubAccountAssigned', 'TrunkAssigned']);
    expect(events.items.every((event) => event.source?.component === 'vobiz-operator' && event.involvedObject.kind === 'PhoneNumber')).toBe(true);
  });

  it('satisfies kubectl wait for Ready', async () => {
    const { stdout } = await execFileAsync(inject('toolPaths').kubectl, [
      '--kubeconfig', inject('kubeconfigPath'),
      '--namespace', harness.namespace,
      'wait', '--for=condition=Ready', 'pn/support-line', '--timeout=30s',
    ]);
    expect(stdout).toContain('condition met');
  });

  it('repairs a trunk changed by hand at the next sweep', async () => {
    const e164 = byName('support-line').spec.e164;
    const driftBefore = await metricValue(harness.operator, 'vobiz_operator_drift_detected_total', { field: 'trunk' });

    await harness.controls.setNumberTrunk(e164, TRUNK_2);

    await eventually('the trunk to be repaired', async () => {
      const number = await harness.controls.getNumber(e164);
      return number?.holding.kind === 'owned' && number.holding.trunkGroupId === TRUNK_1 ? true : undefined;
    });
    expect(await metricValue(harness.operator, 'vobiz_operator_drift_detected_total', { field: 'trunk' })).toBeGreaterThan(driftBefore);
    await waitForReady(harness, 'support-line');
  });

  it('moves the number when trunkGroupId changes', async () => {
    const e164 = byName('london-office').spec.e164;
    await harness.controls.clearRequestLog();

    await harness.objects.patchNamespacedCustomObject({ ...common(), name: 'london-office', body: [{ op: 'replace', path: '/spec/trunkGroupId', value: TRUNK_2 }] });

    const resource = await waitForReady(harness, 'london-office');
    expect(resource.status?.trunkGroupId).toBe(TRUNK_2);
    const mutations = (await harness.controls.requestLog({ e164 })).filter((entry) => MUTATIONS.has(entry.operation));
    expect(mutations.map((entry) => `${entry.operation} ${entry.status}`)).toEqual(['unassignTrunk 204', 'assignTrunk 204']);
  });

  it('unroutes the number when trunkGroupId is removed', async () => {
    const e164 = byName('london-office').spec.e164;

    await harness.objects.patchNamespacedCustomObject({ ...common(), name: 'london-office', body: [{ op: 'remove', path: '/spec/trunkGroupId' }] });

    const resource = await waitForReady(harness, 'london-office');
    expect(resource.status?.trunkGroupId).toBeUndefined();
    const number = await harness.controls.getNumber(e164);
    expect(number?.holding).toMatchObject({ kind: 'owned', status: 'active' });
    expect(number?.holding.kind === 'owned' ? number.holding.trunkGroupId : 'not owned').toBeUndefined();
  });

  it('leaves converged resources untouched for 3 sweeps', async () => {
    // Let any reconcile still in flight from the previous test finish.
    await waitForReady(harness, 'london-office');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const versions = await Promise.all(examples.map(async (example) => (await getPhoneNumber(harness, example.metadata.name))?.metadata.resourceVersion));
    const writesBefore = await metricValue(harness.operator, 'vobiz_operator_status_writes_total');
    const sweepsBefore = await metricValue(harness.operator, 'vobiz_operator_sweeps_total', { result: 'complete' });
    await harness.controls.clearRequestLog();

    await eventually('three more complete sweeps', async () => {
      const sweeps = await metricValue(harness.operator, 'vobiz_operator_sweeps_total', { result: 'complete' });
      return sweeps >= sweepsBefore + 3 ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(await metricValue(harness.operator, 'vobiz_operator_status_writes_total')).toBe(writesBefore);
    const versionsAfter = await Promise.all(examples.map(async (example) => (await getPhoneNumber(harness, example.metadata.name))?.metadata.resourceVersion));
    expect(versionsAfter).toEqual(versions);
    const operations = new Set((await harness.controls.requestLog()).map((entry) => entry.operation));
    expect([...operations]).toEqual(['listNumbers']);
    expect(await metricValue(harness.operator, 'vobiz_operator_numbers', { state: 'ready' })).toBe(3);
    expect(await metricValue(harness.operator, 'vobiz_operator_unmanaged_numbers')).toBe(0);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${harness.operator.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${harness.operator.httpUrl}/readyz`)).status).toBe(200);
    expect(await metricValue(harness.operator, 'vobiz_operator_monthly_fees', { currency: 'USD' })).toBeGreaterThan(0);
    expect(await metricValue(harness.operator, 'vobiz_operator_leader')).toBe(1);
    expect(await metricValue(harness.operator, 'vobiz_operator_last_complete_sweep_timestamp_seconds')).toBeGreaterThan(0);
    expect(await metricValue(harness.operator, 'vobiz_operator_vobiz_requests_total', { operation: 'purchase', code: '200' })).toBe(3);
  });

  it('releases the number on delete with Release', async () => {
    const e164 = byName('sales-line').spec.e164;

    await harness.objects.deleteNamespacedCustomObject({ ...common(), name: 'sales-line' });

    await eventually('sales-line to be gone', async () => ((await getPhoneNumber(harness, 'sales-line')) === undefined ? true : undefined));
    const number = await harness.controls.getNumber(e164);
    expect(number?.holding).toMatchObject({ kind: 'owned', status: 'pending_release' });
    expect(await metricValue(harness.operator, 'vobiz_operator_releases_total', { result: 'success' })).toBe(1);
  });

  it('keeps the number on delete with Retain', async () => {
    const e164 = byName('support-line').spec.e164;

    await harness.objects.deleteNamespacedCustomObject({ ...common(), name: 'support-line' });

    await eventually('support-line to be gone', async () => ((await getPhoneNumber(harness, 'support-line')) === undefined ? true : undefined));
    const number = await harness.controls.getNumber(e164);
    expect(number?.holding).toMatchObject({ kind: 'owned', status: 'active', accountId: defaultSubAccountIds[0], trunkGroupId: TRUNK_1 });
    const releases = (await harness.controls.requestLog({ e164, operation: 'release' })).length;
    expect(releases).toBe(0);
  });
});
