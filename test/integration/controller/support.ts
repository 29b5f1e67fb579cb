/**
 * Shared setup for the controller's integration tests: installs the PhoneNumber CRD on the test
 * run's kube-apiserver, starts a Vobiz simulator on loopback and an operator in this process
 * that watches one test namespace.
 */
import { readFileSync } from 'node:fs';

import { ApiException, ApiextensionsV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { inject } from 'vitest';

import { GROUP, PLURAL, VERSION, type PhoneNumber } from '../../../src/api/phone-number.ts';
import type { OperatorConfig } from '../../../src/controller/config.ts';
import { startOperator, type OperatorDeps, type RunningOperator } from '../../../src/controller/manager.ts';
import { createLogger } from '../../../src/log.ts';
import { SimulatorControls, defaultSeed, startSimulator, type RequestLogEntry, type RunningSimulator } from '../../../src/simulator/index.ts';
import { eventually } from '../support/kube.ts';

export const CRD_PATH = new URL('../../../crds/telephony.vobiz-operator.dev_phonenumbers.yaml', import.meta.url);

/** Creates or updates the PhoneNumber CRD and waits until the API server serves it. */
export async function installCrd(kubeConfig: KubeConfig): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  // The client's loadYaml builds its typed model, where `default` becomes `_default` and so on.
  // Plain parsed YAML would lose those fields, because the client's serializer drops unknown keys.
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(CRD_PATH, 'utf8'));
  const name = crd.metadata?.name ?? '';

  try {
    await api.createCustomResourceDefinition({ body: crd });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
    const existing = await api.readCustomResourceDefinition({ name });
    await api.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
  }

  await eventually('the PhoneNumber CRD to be established', async () => {
    const current = await api.readCustomResourceDefinition({ name });
    return current.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') ? true : undefined;
  });
}

export interface Harness {
  simulator: RunningSimulator;
  controls: SimulatorControls;
  operator: RunningOperator;
  objects: CustomObjectsApi;
  namespace: string;
  stop(): Promise<void>;
}

/** Starts an operator in this process against `simulator`, watching `namespace`; `deps` can set its clock or logger, for example. */
export async function startTestOperator(
  kubeConfig: KubeConfig,
  simulator: RunningSimulator,
  namespace: string,
  overrides: Partial<OperatorConfig> = {},
  deps: Omit<OperatorDeps, 'kubeConfig'> = {},
): Promise<RunningOperator> {
  const config: OperatorConfig = {
    vobiz: { baseUrl: simulator.url, authId: simulator.authId, authToken: simulator.authToken, rateLimit: { requestsPerSecond: 50, burst: 50 } },
    kubeconfig: inject('kubeconfigPath'),
    namespaces: [namespace],
    httpPort: 0,
    httpHost: '127.0.0.1',
    sweepIntervalMs: 2_000,
    maxConcurrency: 4,
    logLevel: 'silent',
    leaderElection: { enabled: false, namespace: undefined, id: 'vobiz-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    budget: { maxPurchasesPerHour: 100, maxMonthlyFee: new Map() },
    ...overrides,
  };
  // OPERATOR_TEST_LOG_LEVEL=debug prints the operator's JSON logs while debugging a test.
  const logger = deps.logger ?? createLogger({ level: (process.env.OPERATOR_TEST_LOG_LEVEL ?? 'silent') as 'silent' });
  return startOperator(config, { ...deps, logger, kubeConfig });
}

/** Starts a simulator with the default seed and an operator against it. */
export async function startHarness(kubeConfig: KubeConfig, namespace: string, overrides: Partial<OperatorConfig> = {}): Promise<Harness> {
  const simulator = await startSimulator({ port: 0, seed: defaultSeed() });
  const operator = await startTestOperator(kubeConfig, simulator, namespace, overrides);

  const harness: Harness = {
    simulator,
    controls: new SimulatorControls(simulator.url),
    operator,
    objects: kubeConfig.makeApiClient(CustomObjectsApi),
    namespace,
    // Reads harness.operator when called, so a test that restarts the operator stops the new one.
    stop: async () => {
      await harness.operator.stop();
      await simulator.close();
    },
  };
  return harness;
}

/** What the PhoneNumber helpers below need: an API client and the test namespace. */
export type ResourceAccess = Pick<Harness, 'objects' | 'namespace'>;

/** Reads one sample of a metric from the operator's /metrics; 0 when the series is absent. */
export async function metricValue(operator: RunningOperator, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${operator.httpUrl}/metrics`);
  const text = await response.text();
  const labelText = Object.entries(labels).map(([key, value]) => `${key}="${value}"`).join(',');
  const prefix = labelText === '' ? `${name} ` : `${name}{${labelText}} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}

export async function createPhoneNumber(harness: ResourceAccess, name: string, spec: Record<string, unknown>): Promise<PhoneNumber> {
  return (await harness.objects.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: harness.namespace,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PhoneNumber', metadata: { name }, spec },
  })) as PhoneNumber;
}

export async function getPhoneNumber(harness: ResourceAccess, name: string): Promise<PhoneNumber | undefined> {
  try {
    return (await harness.objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: harness.namespace, name })) as PhoneNumber;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** Waits until the resource's Ready condition is True for its current generation. */
export async function waitForReady(harness: ResourceAccess, name: string, timeoutMs = 30_000): Promise<PhoneNumber> {
  return eventually(`PhoneNumber ${name} to be Ready`, async () => {
    const resource = await getPhoneNumber(harness, name);
    const ready = resource?.status?.conditions?.find((condition) => condition.type === 'Ready');
    return ready?.status === 'True' && resource?.status?.observedGeneration === resource?.metadata.generation ? resource : undefined;
  }, timeoutMs);
}

/** Vobiz operations that change the account. */
export const MUTATIONS = new Set(['purchase', 'release', 'cancelRelease', 'assignTrunk', 'unassignTrunk', 'assignSubAccount', 'unassignSubAccount']);

/** Waits until the resource's Ready condition has this reason, and returns the resource. */
export async function waitForReason(harness: ResourceAccess, name: string, reason: string, timeoutMs = 30_000): Promise<PhoneNumber> {
  return eventually(`PhoneNumber ${name} to have the Ready reason ${reason}`, async () => {
    const resource = await getPhoneNumber(harness, name);
    const ready = resource?.status?.conditions?.find((condition) => condition.type === 'Ready');
    return ready?.reason === reason && resource?.status?.observedGeneration === resource?.metadata.generation ? resource : undefined;
  }, timeoutMs);
}

/** Returns the Ready condition of a resource, or undefined. */
export function readyCondition(resource: PhoneNumber | undefined): NonNullable<NonNullable<PhoneNumber['status']>['conditions']>[number] | undefined {
  return resource?.status?.conditions?.find((condition) => condition.type === 'Ready');
}

/**
 * Returns every logged Vobiz request about `e164`: the calls on the number itself, and the
 * look-ups that search for it (the simulator tags only the former with the number).
 */
export async function callsFor(controls: SimulatorControls, e164: string): Promise<RequestLogEntry[]> {
  const search = `search=${encodeURIComponent(e164)}`;
  return (await controls.requestLog()).filter((entry) => entry.e164 === e164 || entry.rawPath.includes(search));
}

/** Waits until the operator has completed `count` more sweeps than it had when called. */
export async function waitForSweeps(operator: RunningOperator, count: number, timeoutMs = 30_000): Promise<void> {
  const before = await metricValue(operator, 'vobiz_operator_sweeps_total', { result: 'complete' });
  await eventually(`${count} more complete sweeps`, async () => {
    const sweeps = await metricValue(operator, 'vobiz_operator_sweeps_total', { result: 'complete' });
    return sweeps >= before + count ? true : undefined;
  }, timeoutMs);
}
