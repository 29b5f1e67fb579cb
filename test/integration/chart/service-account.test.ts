/**
 * The chart's RBAC is enough for the operator and no more. The test applies the chart's objects
 * for real. Then `vobiz-operator run` runs with the rendered Deployment's flags and environment,
 * a ServiceAccount token from the TokenRequest API, and the Vobiz simulator as Vobiz. It converges
 * PhoneNumbers, repairs drift, holds a purchase over budget and releases a number.
 * SubjectAccessReviews then show what the ServiceAccount may and may not do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  ApiException,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { GROUP, PLURAL, VERSION, type PhoneNumber } from '../../../src/api/phone-number.ts';
import { SimulatorControls, defaultSeed, defaultSubAccountIds, defaultTrunkIds, startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { installCrd } from '../controller/support.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { Helm, type RenderedChart } from './support/helm.ts';
import { kubectlOrThrow } from './support/kubectl.ts';
import { monitoredMetricNames } from './support/monitoring.ts';
import { startOperatorProcess, type OperatorProcess } from './support/operator-process.ts';

type Namespace = { name: string; remove: () => Promise<void> };

const [TRUNK] = defaultTrunkIds;
const [SUB_ACCOUNT] = defaultSubAccountIds;
const FIRST_NUMBER = '+14155550101';
const KEPT_NUMBER = '+14155550102';
const OVER_BUDGET_NUMBER = '+14155550103';
const RELEASE = 'sa-test';
const FULLNAME = `${RELEASE}-vobiz-operator`;

/** Writes a kubeconfig for `token` on the admin kubeconfig's cluster to `file`, and returns it. */
function serviceAccountKubeConfig(admin: KubeConfig, token: string, namespace: string, file: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error('the admin kubeconfig has no current cluster');

  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'service-account', token }],
    contexts: [{ name: 'service-account', cluster: cluster.name, user: 'service-account', namespace }],
    currentContext: 'service-account',
  });
  writeFileSync(file, config.exportConfig(), { mode: 0o600 });
  return config;
}

/** Reads one sample from a Prometheus text exposition; undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const labelText = Object.entries(labels).map(([key, value]) => `${key}="${value}"`).join(',');
  const prefix = labelText === '' ? `${name} ` : `${name}{${labelText}} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

interface Access {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace: string;
  name?: string;
}

/** Asks the API server, with a SubjectAccessReview, whether a ServiceAccount may do `access`. */
async function isAllowed(admin: KubeConfig, namespace: string, serviceAccountName: string, access: Access): Promise<boolean> {
  const review = await admin.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${namespace}:${serviceAccountName}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { group: access.group ?? '', ...access },
      },
    },
  });
  return review.status?.allowed === true;
}

/** Returns the cases whose review result differs from the expected one, as readable lines. */
async function unexpectedAccess(check: (access: Access) => Promise<boolean>, cases: [Access, boolean][]): Promise<string[]> {
  const wrong: string[] = [];
  for (const [access, expected] of cases) {
    if ((await check(access)) !== expected) {
      wrong.push(`${expected ? 'denied' : 'allowed'}: ${JSON.stringify(access)}`);
    }
  }
  return wrong;
}

describe('operator as the chart ServiceAccount', () => {
  let admin: KubeConfig;
  let helm: Helm;
  let operatorNamespace: Namespace;
  let watchedNamespace: Namespace;
  let otherNamespace: Namespace;
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let chart: RenderedChart;
  let serviceAccount: KubeConfig;
  let operator: OperatorProcess | undefined;
  let workDir: string;

  const objects = (): CustomObjectsApi => admin.makeApiClient(CustomObjectsApi);
  const metrics = async (): Promise<string> => (await fetch(`${operator?.url}/metrics`)).text();

  const getPhoneNumber = async (name: string): Promise<PhoneNumber | undefined> => {
    try {
      return (await objects().getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: watchedNamespace.name, name })) as PhoneNumber;
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  };

  const createPhoneNumber = (name: string, spec: Record<string, unknown>): Promise<unknown> =>
    objects().createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: watchedNamespace.name,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PhoneNumber', metadata: { name }, spec },
    });

  const readyCondition = async (name: string) => (await getPhoneNumber(name))?.status?.conditions?.find((condition) => condition.type === 'Ready');

  const allowed = (access: Access): Promise<boolean> => isAllowed(admin, operatorNamespace.name, FULLNAME, access);

  beforeAll(async () => {
    admin = loadTestKubeConfig();
    helm = new Helm(inject('toolPaths').helm);
    workDir = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-sa-'));
    await installCrd(admin);

    operatorNamespace = await createTestNamespace(admin, 'chart-operator');
    watchedNamespace = await createTestNamespace(admin, 'chart-numbers');
    otherNamespace = await createTestNamespace(admin, 'chart-other');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });
    controls = new SimulatorControls(simulator.url);

    chart = await helm.render(
      {
        vobiz: { baseUrl: simulator.url, existingSecret: '', authId: simulator.authId, authToken: simulator.authToken },
        watchNamespaces: [watchedNamespace.name],
        rbac: { scope: 'namespaces' },
        operator: { sweepInterval: '2s' },
        budget: { maxPurchasesPerHour: 2 },
        crds: { install: false },
      },
      { release: RELEASE, namespace: operatorNamespace.name },
    );

    // Every rendered object for real: ServiceAccount, Secret, Roles, bindings, Deployment,
    // Service and PodDisruptionBudget (no pod ever starts on this control plane).
    await kubectlOrThrow(['apply', '--server-side', '--field-manager', 'vobiz-operator-tests', '-f', '-'], chart.manifest);
    await admin.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: operatorNamespace.name,
      body: { metadata: { name: 'unrelated' }, stringData: { password: 'not-for-the-operator' } },
    });

    const token = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
      name: FULLNAME,
      namespace: operatorNamespace.name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const kubeconfigPath = path.join(workDir, 'service-account.kubeconfig');
    serviceAccount = serviceAccountKubeConfig(admin, token.status?.token ?? '', operatorNamespace.name, kubeconfigPath);

    operator = await startOperatorProcess({
      deployment: chart.one<V1Deployment>('Deployment'),
      secrets: chart.ofKind<V1Secret>('Secret'),
      namespace: operatorNamespace.name,
      podName: `${FULLNAME}-0`,
      kubeconfigPath,
      workDir,
    });
  });

  afterAll(async () => {
    await operator?.stop();
    await simulator?.close();
    for (const namespace of [watchedNamespace, operatorNamespace, otherNamespace]) {
      await namespace?.remove();
    }
    helm?.dispose();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('runs with the flags the chart renders', () => {
    expect(operator?.args).toEqual(
      expect.arrayContaining([
        'run',
        `--vobiz-url=${simulator.url}`,
        `--namespaces=${watchedNamespace.name}`,
        '--leader-elect',
        `--leader-election-id=${FULLNAME}`,
        '--max-purchases-per-hour=2',
      ]),
    );
    expect(operator?.args.find((arg) => arg.startsWith('--vobiz-credentials-dir='))).toBeDefined();
  });

  it('holds the leader Lease in the release namespace', async () => {
    const lease = await admin.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: FULLNAME, namespace: operatorNamespace.name });
    // The identity starts with the host name, which in a pod is the pod name.
    expect(lease.spec?.holderIdentity).toMatch(new RegExp(`^${os.hostname()}_`));
    expect(sample(await metrics(), 'vobiz_operator_leader')).toBe(1);
  });

  it('converges PhoneNumbers', async () => {
    await createPhoneNumber('first-line', { e164: FIRST_NUMBER, trunkGroupId: TRUNK, subAccountId: SUB_ACCOUNT, deletionPolicy: 'Release' });
    await createPhoneNumber('kept-line', { e164: KEPT_NUMBER, trunkGroupId: TRUNK });

    for (const name of ['first-line', 'kept-line']) {
      await eventually(`${name} to be Ready`, async () => ((await readyCondition(name))?.status === 'True' ? true : undefined));
    }
    expect((await controls.getNumber(FIRST_NUMBER))?.holding).toMatchObject({ kind: 'owned', status: 'active', accountId: SUB_ACCOUNT, trunkGroupId: TRUNK });
    expect((await controls.getNumber(KEPT_NUMBER))?.holding).toMatchObject({ kind: 'owned', status: 'active', accountId: simulator.authId, trunkGroupId: TRUNK });
    expect((await getPhoneNumber('first-line'))?.metadata.finalizers).toEqual([`${GROUP}/release`]);
  });

  it('repairs drift that a sweep finds', async () => {
    await controls.setNumberTrunk(FIRST_NUMBER, null);

    await eventually('the trunk drift to be counted', async () => ((sample(await metrics(), 'vobiz_operator_drift_detected_total', { field: 'trunk' }) ?? 0) >= 1 ? true : undefined));
    await eventually('the trunk to be assigned again', async () => {
      const number = await controls.getNumber(FIRST_NUMBER);
      return number?.holding.kind === 'owned' && number.holding.trunkGroupId === TRUNK ? true : undefined;
    });
  });

  it('holds a purchase beyond the hourly budget', async () => {
    await createPhoneNumber('over-budget-line', { e164: OVER_BUDGET_NUMBER });

    const condition = await eventually('over-budget-line to wait for the budget', async () => {
      const ready = await readyCondition('over-budget-line');
      return ready?.reason === 'PurchaseBudgetExceeded' ? ready : undefined;
    });
    expect(condition.status).toBe('False');
    expect(sample(await metrics(), 'vobiz_operator_purchase_budget_exceeded_total', { budget: 'purchases_per_hour' })).toBeGreaterThanOrEqual(1);
    expect((await controls.getNumber(OVER_BUDGET_NUMBER))?.holding.kind).toBe('inventory');
  });

  it('records Events on PhoneNumbers', async () => {
    const events = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: watchedNamespace.name });
    const fromOperator = events.items.filter((event) => event.reportingComponent === 'vobiz-operator');
    expect(fromOperator.map((event) => event.involvedObject.name)).toContain('first-line');
  });

  it('releases a number and removes its finalizer', async () => {
    await objects().deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: watchedNamespace.name, name: 'first-line' });

    await eventually('first-line to be deleted', async () => ((await getPhoneNumber('first-line')) === undefined ? true : undefined));
    expect((await controls.getNumber(FIRST_NUMBER))?.holding).toMatchObject({ kind: 'owned', status: 'pending_release' });
    expect(sample(await metrics(), 'vobiz_operator_releases_total', { result: 'success' })).toBe(1);
  });

  it('exports every metric the alerts and the dashboard use', async () => {
    const text = await metrics();
    const exported = new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]));

    const used = monitoredMetricNames();
    expect(used.length).toBeGreaterThan(15);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('is denied another Secret', async () => {
    const core = serviceAccount.makeApiClient(CoreV1Api);
    const credentials = chart.one<V1Secret>('Secret').metadata?.name ?? '';

    const own = await core.readNamespacedSecret({ name: credentials, namespace: operatorNamespace.name });
    expect(own.metadata?.name).toBe(credentials);

    const denied = await core.readNamespacedSecret({ name: 'unrelated', namespace: operatorNamespace.name }).then(() => 200, statusCode);
    expect(denied).toBe(403);
    const listed = await core.listNamespacedSecret({ namespace: operatorNamespace.name }).then(() => 200, statusCode);
    expect(listed).toBe(403);
  });

  it('is denied PhoneNumbers outside the watched namespaces', async () => {
    const api = serviceAccount.makeApiClient(CustomObjectsApi);
    const listed = await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: otherNamespace.name }).then(() => 200, statusCode);
    expect(listed).toBe(403);
  });

  it('has exactly the rights the operator needs', async () => {
    const operatorNs = operatorNamespace.name;
    const watched = watchedNamespace.name;
    const other = otherNamespace.name;
    const telephony = { group: GROUP, resource: PLURAL };
    const lease = { group: 'coordination.k8s.io', resource: 'leases', namespace: operatorNs };
    const credentials = chart.one<V1Secret>('Secret').metadata?.name ?? '';

    const cases: [Access, boolean][] = [
      ...['get', 'list', 'watch', 'patch', 'update'].map((verb): [Access, boolean] => [{ ...telephony, verb, namespace: watched }, true]),
      [{ ...telephony, verb: 'patch', subresource: 'status', namespace: watched }, true],
      [{ ...telephony, verb: 'update', subresource: 'status', namespace: watched }, true],
      [{ ...telephony, verb: 'patch', subresource: 'finalizers', namespace: watched }, true],
      [{ verb: 'create', resource: 'events', namespace: watched }, true],
      [{ verb: 'patch', resource: 'events', namespace: watched }, true],
      [{ ...lease, verb: 'create' }, true],
      [{ ...lease, verb: 'get', name: FULLNAME }, true],
      [{ ...lease, verb: 'update', name: FULLNAME }, true],
      [{ verb: 'get', resource: 'secrets', namespace: operatorNs, name: credentials }, true],

      [{ ...telephony, verb: 'create', namespace: watched }, false],
      [{ ...telephony, verb: 'delete', namespace: watched }, false],
      [{ ...telephony, verb: 'deletecollection', namespace: watched }, false],
      [{ ...telephony, verb: 'list', namespace: other }, false],
      [{ ...telephony, verb: 'list', namespace: '' }, false],
      [{ ...telephony, verb: 'patch', subresource: 'status', namespace: other }, false],
      [{ verb: 'create', resource: 'events', namespace: other }, false],
      [{ verb: 'delete', resource: 'events', namespace: watched }, false],
      [{ ...lease, verb: 'get', name: 'another-lease' }, false],
      [{ ...lease, verb: 'update', name: 'another-lease' }, false],
      [{ ...lease, verb: 'delete', name: FULLNAME }, false],
      [{ ...lease, verb: 'list' }, false],
      [{ verb: 'get', resource: 'secrets', namespace: operatorNs, name: 'unrelated' }, false],
      [{ verb: 'list', resource: 'secrets', namespace: operatorNs }, false],
      [{ verb: 'update', resource: 'secrets', namespace: operatorNs, name: credentials }, false],
      [{ verb: 'get', resource: 'secrets', namespace: watched, name: credentials }, false],
      [{ verb: 'get', resource: 'configmaps', namespace: operatorNs, name: 'kube-root-ca.crt' }, false],
      [{ verb: 'list', resource: 'pods', namespace: operatorNs }, false],
      [{ verb: 'get', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', namespace: '', name: `${PLURAL}.${GROUP}` }, false],
    ];

    expect(await unexpectedAccess(allowed, cases)).toEqual([]);
  });

  it('never hit a Forbidden response and stops on SIGTERM', async () => {
    const code = await operator?.stop();
    const output = operator?.output() ?? '';

    expect(output).toContain('operator started');
    expect(output).toContain('operator stopped');
    expect(output).not.toMatch(/forbidden/i);
    expect(code).toBe(0);
  });
});

describe('chart RBAC with cluster scope', () => {
  const release = `cluster-scope-${Math.random().toString(16).slice(2, 8)}`;
  const fullname = `${release}-vobiz-operator`;
  let admin: KubeConfig;
  let helm: Helm;
  let operatorNamespace: Namespace;
  let anyNamespace: Namespace;
  let chart: RenderedChart;

  const allowed = (access: Access): Promise<boolean> => isAllowed(admin, operatorNamespace.name, fullname, access);

  beforeAll(async () => {
    admin = loadTestKubeConfig();
    helm = new Helm(inject('toolPaths').helm);
    operatorNamespace = await createTestNamespace(admin, 'chart-cluster-scope');
    anyNamespace = await createTestNamespace(admin, 'chart-any');

    chart = await helm.render({ vobiz: { existingSecret: 'vobiz-credentials' }, crds: { install: false } }, { release, namespace: operatorNamespace.name });
    const rbac = chart.objects.filter((object) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(object.kind ?? ''));
    await kubectlOrThrow(['apply', '--server-side', '--field-manager', 'vobiz-operator-tests', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }));
  });

  afterAll(async () => {
    await kubectlOrThrow(['delete', 'clusterrole,clusterrolebinding', fullname, '--ignore-not-found']).catch(() => undefined);
    await operatorNamespace?.remove();
    await anyNamespace?.remove();
    helm?.dispose();
  });

  it('grants PhoneNumbers and Events in every namespace and nothing more', async () => {
    const telephony = { group: GROUP, resource: PLURAL };
    const cases: [Access, boolean][] = [
      [{ ...telephony, verb: 'list', namespace: '' }, true],
      [{ ...telephony, verb: 'watch', namespace: '' }, true],
      [{ ...telephony, verb: 'patch', namespace: anyNamespace.name }, true],
      [{ ...telephony, verb: 'update', subresource: 'status', namespace: anyNamespace.name }, true],
      [{ verb: 'create', resource: 'events', namespace: anyNamespace.name }, true],
      [{ verb: 'get', resource: 'secrets', namespace: operatorNamespace.name, name: 'vobiz-credentials' }, true],
      [{ group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: operatorNamespace.name, name: fullname }, true],

      [{ ...telephony, verb: 'create', namespace: anyNamespace.name }, false],
      [{ ...telephony, verb: 'delete', namespace: anyNamespace.name }, false],
      [{ verb: 'get', resource: 'secrets', namespace: anyNamespace.name, name: 'vobiz-credentials' }, false],
      [{ verb: 'get', resource: 'secrets', namespace: operatorNamespace.name, name: 'unrelated' }, false],
      [{ verb: 'list', resource: 'secrets', namespace: '' }, false],
      [{ group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: anyNamespace.name, name: fullname }, false],
      [{ group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: anyNamespace.name }, false],
      [{ verb: 'list', resource: 'namespaces', namespace: '' }, false],
    ];

    expect(await unexpectedAccess(allowed, cases)).toEqual([]);
  });
});
