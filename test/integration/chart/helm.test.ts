/**
 * The Helm chart through the real helm binary: `helm lint` and `helm template` with the chart's
 * own defaults and with non-default values, the objects and RBAC rules they render, and the
 * messages with which values.schema.json and the templates reject bad values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { V1ClusterRole, V1ConfigMap, V1CustomResourceDefinition, V1Deployment, V1PolicyRule, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { CHART_DIR, Helm, MINIMAL_VALUES, REPO_ROOT, nonDefaultValues, type RenderedChart } from './support/helm.ts';

const CRD_FILE = path.join(REPO_ROOT, 'crds', 'telephony.vobiz-operator.dev_phonenumbers.yaml');
const chartMetadata = loadYaml(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { appVersion: string };

/** RBAC rules as sorted strings, so a comparison shows exactly which grant is extra or missing. */
function ruleStrings(rules: V1PolicyRule[] | undefined): string[] {
  return (rules ?? [])
    .flatMap((rule) =>
      (rule.apiGroups ?? []).flatMap((group) =>
        (rule.resources ?? []).flatMap((resource) =>
          rule.verbs.map((verb) => `${verb} ${group === '' ? 'core' : group}/${resource}${rule.resourceNames === undefined ? '' : `:${rule.resourceNames.join(',')}`}`),
        ),
      ),
    )
    .sort();
}

const PHONE_NUMBER_RULES = [
  'create core/events',
  'get telephony.vobiz-operator.dev/phonenumbers',
  'list telephony.vobiz-operator.dev/phonenumbers',
  'patch core/events',
  'patch telephony.vobiz-operator.dev/phonenumbers',
  'patch telephony.vobiz-operator.dev/phonenumbers/finalizers',
  'patch telephony.vobiz-operator.dev/phonenumbers/status',
  'update telephony.vobiz-operator.dev/phonenumbers',
  'update telephony.vobiz-operator.dev/phonenumbers/finalizers',
  'update telephony.vobiz-operator.dev/phonenumbers/status',
  'watch telephony.vobiz-operator.dev/phonenumbers',
];

describe('helm chart', () => {
  let helm: Helm;

  beforeAll(() => {
    helm = new Helm(inject('toolPaths').helm);
  });

  afterAll(() => {
    helm?.dispose();
  });

  describe('with the default values', () => {
    let chart: RenderedChart;

    beforeAll(async () => {
      // No values file and no --set: the chart's values.yaml alone.
      chart = await helm.render(undefined, { release: 'vobiz', namespace: 'vobiz-system' });
    });

    it('passes helm lint --strict', async () => {
      const result = await helm.lint(undefined);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.stdout).not.toContain('[ERROR]');
      expect(result.code).toBe(0);
    });

    it('renders with helm template', async () => {
      const result = await helm.template(undefined);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it('renders the same as the minimal values', async () => {
      const minimal = await helm.render(MINIMAL_VALUES, { release: 'vobiz', namespace: 'vobiz-system' });
      expect(minimal.manifest).toBe(chart.manifest);
    });

    it('renders the expected objects', () => {
      expect(chart.identities()).toEqual([
        'ClusterRole//vobiz-vobiz-operator',
        'ClusterRoleBinding//vobiz-vobiz-operator',
        'CustomResourceDefinition//phonenumbers.telephony.vobiz-operator.dev',
        'Deployment/vobiz-system/vobiz-vobiz-operator',
        'PodDisruptionBudget/vobiz-system/vobiz-vobiz-operator',
        'Role/vobiz-system/vobiz-vobiz-operator-self',
        'RoleBinding/vobiz-system/vobiz-vobiz-operator-self',
        'Service/vobiz-system/vobiz-vobiz-operator',
        'ServiceAccount/vobiz-system/vobiz-vobiz-operator',
      ]);
    });

    it('runs two replicas with leader election', () => {
      const deployment = chart.one<V1Deployment>('Deployment');
      const container = deployment.spec?.template.spec?.containers[0];

      expect(deployment.spec?.replicas).toBe(2);
      expect(container?.image).toBe(`ghcr.io/vobiz-operator/vobiz-operator:${chartMetadata.appVersion}`);
      expect(container?.args).toEqual([
        'run',
        '--vobiz-url=https://api.vobiz.ai',
        '--vobiz-credentials-dir=/etc/vobiz-operator/credentials',
        '--vobiz-rate-limit=10',
        '--vobiz-burst=20',
        '--http-port=8080',
        '--sweep-interval=60s',
        '--max-concurrency=4',
        '--log-level=info',
        '--leader-elect',
        '--leader-election-id=vobiz-vobiz-operator',
        '--lease-duration=15s',
        '--renew-deadline=10s',
        '--retry-period=2s',
        '--max-purchases-per-hour=20',
      ]);
      expect(container?.env).toEqual([{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    });

    it('hardens the pod and container', () => {
      const pod = chart.one<V1Deployment>('Deployment').spec?.template.spec;
      const container = pod?.containers[0];

      expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container?.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container?.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    });

    it('probes /healthz and /readyz on the metrics port', () => {
      const container = chart.one<V1Deployment>('Deployment').spec?.template.spec?.containers[0];

      expect(container?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    });

    it('mounts the existing Secret as credential files', () => {
      const pod = chart.one<V1Deployment>('Deployment').spec?.template.spec;

      expect(pod?.volumes?.find((volume) => volume.name === 'credentials')?.secret).toEqual({
        secretName: 'vobiz-credentials',
        defaultMode: 0o440, // rendered as 288, which every YAML parser reads the same way
        items: [
          { key: 'auth-id', path: 'auth-id' },
          { key: 'auth-token', path: 'auth-token' },
        ],
      });
      expect(pod?.containers[0]?.volumeMounts).toContainEqual({ name: 'credentials', mountPath: '/etc/vobiz-operator/credentials', readOnly: true });
      expect(JSON.stringify(pod?.containers[0]?.env)).not.toContain('VOBIZ_AUTH_TOKEN');
      expect(chart.ofKind('Secret')).toEqual([]);
    });

    it('grants only the operator rules', () => {
      const clusterRole = chart.one<V1ClusterRole>('ClusterRole');
      const role = chart.one<V1Role>('Role');

      expect(ruleStrings(clusterRole.rules)).toEqual(PHONE_NUMBER_RULES);
      expect(ruleStrings(role.rules)).toEqual([
        'create coordination.k8s.io/leases',
        'get coordination.k8s.io/leases:vobiz-vobiz-operator',
        'get core/secrets:vobiz-credentials',
        'update coordination.k8s.io/leases:vobiz-vobiz-operator',
      ]);
      expect(chart.one<V1RoleBinding>('ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'vobiz-vobiz-operator', namespace: 'vobiz-system' }]);
    });

    it('renders the CRD from crds/ with the keep policy', () => {
      const crd = chart.one<V1CustomResourceDefinition>('CustomResourceDefinition');
      const source = loadYaml(readFileSync(CRD_FILE, 'utf8')) as V1CustomResourceDefinition;

      expect(crd.metadata?.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(crd.metadata?.name).toBe(source.metadata?.name);
      expect(crd.spec).toEqual(source.spec);
    });

    it('leaves the CRD out when crds.install is false', async () => {
      const withoutCrds = await helm.render({ ...MINIMAL_VALUES, crds: { install: false } });
      expect(withoutCrds.ofKind('CustomResourceDefinition')).toEqual([]);
    });
  });

  describe('with non-default values', () => {
    const values = nonDefaultValues(['team-a', 'team-b']);
    let chart: RenderedChart;

    beforeAll(async () => {
      chart = await helm.render(values, { release: 'telephony', namespace: 'telephony-system' });
    });

    it('passes helm lint --strict', async () => {
      const result = await helm.lint(values);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it('renders every optional object', () => {
      expect(chart.identities()).toEqual([
        'ConfigMap/telephony-system/telephony-operator-dashboard',
        'CustomResourceDefinition//phonenumbers.telephony.vobiz-operator.dev',
        'Deployment/telephony-system/telephony-operator',
        'PodDisruptionBudget/telephony-system/telephony-operator',
        'PrometheusRule/telephony-system/telephony-operator',
        'Role/team-a/telephony-operator',
        'Role/team-b/telephony-operator',
        'Role/telephony-system/telephony-operator-self',
        'RoleBinding/team-a/telephony-operator',
        'RoleBinding/team-b/telephony-operator',
        'RoleBinding/telephony-system/telephony-operator-self',
        'Secret/telephony-system/telephony-operator-credentials',
        'Service/telephony-system/telephony-operator',
        'ServiceAccount/telephony-system/telephony',
        'ServiceMonitor/telephony-system/telephony-operator',
      ]);
    });

    it('passes the values to the operator flags', () => {
      const deployment = chart.one<V1Deployment>('Deployment');
      const container = deployment.spec?.template.spec?.containers[0];

      expect(deployment.spec?.replicas).toBe(3);
      expect(container?.image).toBe(`registry.example.com/vobiz-operator@sha256:${'a'.repeat(64)}`);
      expect(container?.args).toEqual([
        'run',
        '--vobiz-url=https://vobiz.example.com',
        '--vobiz-credentials-dir=/etc/vobiz-operator/credentials',
        '--vobiz-rate-limit=2.5',
        '--vobiz-burst=5',
        '--namespaces=team-a,team-b',
        '--http-port=9090',
        '--sweep-interval=2m',
        '--max-concurrency=8',
        '--log-level=debug',
        '--leader-elect',
        '--leader-election-id=telephony-leader',
        '--lease-duration=30s',
        '--renew-deadline=20s',
        '--retry-period=4s',
        '--max-purchases-per-hour=5',
        // Helm reads 1500000 as a float; the chart prints it without an exponent.
        '--max-monthly-fee=GBP=200.5',
        '--max-monthly-fee=USD=1500000',
        '--http-host=0.0.0.0',
      ]);
      expect(container?.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' });
    });

    it('creates the credentials Secret and restarts pods when it changes', async () => {
      const secret = chart.one<V1Secret>('Secret');
      expect(secret.data).toEqual({
        'auth-id': Buffer.from('MA_EXAMPLE1').toString('base64'),
        'auth-token': Buffer.from('example-token-not-a-secret').toString('base64'),
      });

      const checksum = chart.one<V1Deployment>('Deployment').spec?.template.metadata?.annotations?.['checksum/credentials'];
      expect(checksum).toMatch(/^[0-9a-f]{64}$/);

      const rotated = await helm.render({ ...values, vobiz: { ...(values.vobiz as object), authToken: 'rotated-token' } }, { release: 'telephony', namespace: 'telephony-system' });
      expect(rotated.one<V1Deployment>('Deployment').spec?.template.metadata?.annotations?.['checksum/credentials']).not.toBe(checksum);
    });

    it('grants PhoneNumber rules only in the watched namespaces', () => {
      const roles = chart.ofKind<V1Role>('Role');

      expect(chart.ofKind('ClusterRole')).toEqual([]);
      expect(chart.ofKind('ClusterRoleBinding')).toEqual([]);
      for (const namespace of ['team-a', 'team-b']) {
        const role = roles.find((candidate) => candidate.metadata?.namespace === namespace);
        expect(ruleStrings(role?.rules), namespace).toEqual(PHONE_NUMBER_RULES);
      }
      expect(ruleStrings(roles.find((role) => role.metadata?.name === 'telephony-operator-self')?.rules)).toEqual([
        'create coordination.k8s.io/leases',
        'get coordination.k8s.io/leases:telephony-leader',
        'get core/secrets:telephony-operator-credentials',
        'update coordination.k8s.io/leases:telephony-leader',
      ]);
      for (const binding of chart.ofKind<V1RoleBinding>('RoleBinding')) {
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'telephony', namespace: 'telephony-system' }]);
      }
    });

    it('embeds the alert rules with the extra labels', () => {
      const rule = chart.one<{ kind: string; spec: { groups: { rules: { alert: string; labels: Record<string, string> }[] }[] } }>('PrometheusRule');
      const source = loadYaml(readFileSync(path.join(CHART_DIR, 'files', 'alerts.yaml'), 'utf8')) as typeof rule.spec;

      const expected = structuredClone(source);
      for (const group of expected.groups) {
        for (const entry of group.rules) entry.labels = { ...entry.labels, team: 'telephony' };
      }
      expect(rule.spec).toEqual(expected);
    });

    it('embeds the dashboard with the sidecar label', () => {
      const configMap = chart.one<V1ConfigMap>('ConfigMap');

      expect(configMap.metadata?.labels).toMatchObject({ grafana_dashboard: '1', team: 'telephony' });
      expect(configMap.metadata?.annotations).toEqual({ grafana_folder: 'Telephony' });
      expect(configMap.data?.['vobiz-operator.json']).toBe(readFileSync(path.join(CHART_DIR, 'files', 'dashboard.json'), 'utf8').trimEnd());
    });

    it('selects the Service from the ServiceMonitor', () => {
      const serviceMonitor = chart.one<{ kind: string; spec: Record<string, unknown> }>('ServiceMonitor');
      const service = chart.one<{ kind: string; metadata: { labels: Record<string, string> }; spec: { ports: { name: string; port: number }[] } }>('Service');

      expect(serviceMonitor.spec).toMatchObject({
        namespaceSelector: { matchNames: ['telephony-system'] },
        endpoints: [{ port: 'http-metrics', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }],
      });
      const selector = (serviceMonitor.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
      expect(service.metadata.labels).toMatchObject(selector);
      expect(service.spec.ports).toEqual([{ name: 'http-metrics', port: 9091, targetPort: 'http', protocol: 'TCP' }]);
    });
  });

  describe('existingSecret with other keys', () => {
    it('maps the keys to the credential files', async () => {
      const chart = await helm.render({ vobiz: { existingSecret: 'vault-synced', existingSecretKeys: { authId: 'id', authToken: 'token' } } });
      const volume = chart.one<V1Deployment>('Deployment').spec?.template.spec?.volumes?.find((candidate) => candidate.name === 'credentials');

      expect(volume?.secret?.items).toEqual([
        { key: 'id', path: 'auth-id' },
        { key: 'token', path: 'auth-token' },
      ]);
    });
  });

  describe('rejects bad values', () => {
    // `lint` is false for the checks between values, which the templates make with `fail`:
    // helm lint only logs a template's fail message at INFO level and exits 0.
    const cases: { name: string; values: unknown; message: RegExp[]; lint?: false }[] = [
      {
        name: 'missing credentials',
        values: { vobiz: { existingSecret: '' } },
        message: [
          /Vobiz credentials are missing: vobiz.existingSecret, vobiz.authId and vobiz.authToken are all empty\. Set vobiz.existingSecret to a Secret with the keys auth-id and auth-token \(the default is vobiz-credentials\), or set vobiz.authId and vobiz.authToken/,
        ],
        lint: false,
      },
      {
        name: 'auth token without auth id',
        values: { vobiz: { existingSecret: '', authToken: 'token' } },
        message: [/vobiz.authId is empty: with vobiz.existingSecret="" the chart creates the credentials Secret and needs both vobiz.authId and vobiz.authToken/],
        lint: false,
      },
      {
        name: 'auth id of the wrong form',
        values: { vobiz: { existingSecret: '', authId: 'XX_1', authToken: 'token' } },
        message: [/at '\/vobiz\/authId'/, /does not match pattern/],
      },
      {
        name: 'unknown rbac scope',
        values: { ...MINIMAL_VALUES, rbac: { scope: 'everything' } },
        message: [/at '\/rbac\/scope': value must be one of 'cluster', 'namespaces'/],
      },
      {
        name: 'misspelt top-level value',
        values: { ...MINIMAL_VALUES, replicas: 3 },
        message: [/additional properties 'replicas' not allowed/],
      },
      {
        name: 'duration without a unit',
        values: { ...MINIMAL_VALUES, operator: { sweepInterval: '60' } },
        message: [/at '\/operator\/sweepInterval': '60' does not match pattern/],
      },
      {
        name: 'monthly fee in an invalid currency',
        values: { ...MINIMAL_VALUES, budget: { maxMonthlyFee: { dollars: 5 } } },
        message: [/at '\/budget\/maxMonthlyFee': additional properties 'dollars' not allowed/],
      },
      {
        name: 'inline credentials with the default Secret',
        values: { vobiz: { authId: 'MA_X1', authToken: 'token' } },
        message: [
          /vobiz.authId\/vobiz.authToken are set, but so is vobiz.existingSecret \("vobiz-credentials"; it defaults to vobiz-credentials\)/,
          /remove vobiz.authId and vobiz.authToken; to have the chart create the Secret from them, set vobiz.existingSecret=""/,
        ],
        lint: false,
      },
      {
        name: 'two sources of credentials',
        values: { vobiz: { existingSecret: 'vault-synced', authId: 'MA_X1', authToken: 'token' } },
        message: [/vobiz.authId\/vobiz.authToken are set, but so is vobiz.existingSecret \("vault-synced"; it defaults to vobiz-credentials\)/],
        lint: false,
      },
      {
        name: 'several replicas without leader election',
        values: { ...MINIMAL_VALUES, leaderElection: { enabled: false } },
        message: [/replicaCount is 2 but leaderElection.enabled is false/, /Set leaderElection.enabled=true or replicaCount=1/],
        lint: false,
      },
      {
        name: 'namespaces scope without namespaces',
        values: { ...MINIMAL_VALUES, rbac: { scope: 'namespaces' } },
        message: [/rbac.scope is namespaces but watchNamespaces is empty/],
        lint: false,
      },
    ];

    for (const testCase of cases) {
      it(testCase.name, async () => {
        const template = await helm.template(testCase.values);
        expect(template.code).not.toBe(0);
        for (const pattern of testCase.message) {
          expect(template.stderr).toMatch(pattern);
        }

        if (testCase.lint !== false) {
          const lint = await helm.lint(testCase.values);
          expect(lint.code).not.toBe(0);
        }
      });
    }
  });
});
