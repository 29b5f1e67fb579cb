/**
 * Every object the chart renders, with the default and with non-default values, goes through
 * the real kube-apiserver's validation and admission with a server-side dry run: nothing is
 * stored. The Prometheus Operator kinds get minimal CRDs first when the API server lacks them.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';
import { Helm, MINIMAL_VALUES, nonDefaultValues, type RenderedChart } from './support/helm.ts';
import { installMissingMonitoringCrds, kubectl } from './support/kubectl.ts';

type Namespace = { name: string; remove: () => Promise<void> };

/** Applies the rendered manifest with a server-side dry run and returns kubectl's result. */
function dryRun(chart: RenderedChart): ReturnType<typeof kubectl> {
  return kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager', 'vobiz-operator-tests', '-o', 'name', '-f', '-'], chart.manifest);
}

/** `kind/name` as `kubectl -o name` prints it, for example `deployment.apps/vobiz`. */
function kubectlName(object: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string {
  const group = object.apiVersion?.includes('/') === true ? object.apiVersion.split('/')[0] : '';
  return `${object.kind?.toLowerCase()}${group === '' ? '' : `.${group}`}/${object.metadata?.name}`;
}

describe('chart server-side dry run', () => {
  let kubeConfig: KubeConfig;
  let helm: Helm;
  let release: Namespace;
  const watched: Namespace[] = [];
  let installedCrds: string[] = [];

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    helm = new Helm(inject('toolPaths').helm);
    release = await createTestNamespace(kubeConfig, 'chart-dry-run');
    watched.push(await createTestNamespace(kubeConfig, 'chart-team-a'), await createTestNamespace(kubeConfig, 'chart-team-b'));
    installedCrds = await installMissingMonitoringCrds();
  });

  afterAll(async () => {
    for (const name of installedCrds) {
      await kubectl(['delete', 'crd', name, '--wait=false']);
    }
    for (const namespace of [release, ...watched]) {
      await namespace?.remove();
    }
    helm?.dispose();
  });

  it('accepts every object with the default values', async () => {
    const chart = await helm.render(MINIMAL_VALUES, { release: 'dry', namespace: release.name });
    const result = await dryRun(chart);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual(chart.objects.map(kubectlName).sort());
  });

  it('accepts every object with non-default values', async () => {
    const chart = await helm.render(nonDefaultValues(watched.map((namespace) => namespace.name)), { release: 'dry', namespace: release.name });
    const kinds = new Set(chart.objects.map((object) => object.kind));
    expect([...kinds].sort()).toEqual([
      'ConfigMap',
      'CustomResourceDefinition',
      'Deployment',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);

    const result = await dryRun(chart);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual(chart.objects.map(kubectlName).sort());
  });

  it('rejects an invalid object', async () => {
    // Guards the two checks above: the dry run must reach the API server's validation.
    const chart = await helm.render(MINIMAL_VALUES, { release: 'dry', namespace: release.name });
    const broken = chart.manifest.replace('replicas: 2', 'replicas: -1');
    expect(broken).not.toBe(chart.manifest);

    const result = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager', 'vobiz-operator-tests', '-f', '-'], broken);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/spec.replicas: Invalid value: -1/);
  });
});
