/**
 * A real `helm install`, `helm upgrade` and `helm uninstall` against the test API server, with the
 * chart's default values. It shows that the CRD template lets `helm upgrade` change the CRD and that
 * the keep policy leaves the CRD behind on uninstall. The chart is copied and its CRD moved to a group of its own, so the
 * PhoneNumber CRD that other test files use is never touched.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ApiextensionsV1Api, AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';
import { CHART_DIR, Helm } from './support/helm.ts';

describe('helm release', () => {
  const suffix = Math.random().toString(16).slice(2, 8);
  const group = `release-test-${suffix}.vobiz-operator.dev`;
  const crdName = `phonenumbers.${group}`;
  const releaseName = `release-test-${suffix}`;

  let kubeConfig: KubeConfig;
  let helm: Helm;
  let namespace: { name: string; remove: () => Promise<void> };
  let chartCopy: string;
  let crdFile: string;

  const clusterArgs = (): string[] => ['--namespace', namespace.name, '--kubeconfig', inject('kubeconfigPath')];
  const readCrd = () => kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: crdName });

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    helm = new Helm(inject('toolPaths').helm);
    namespace = await createTestNamespace(kubeConfig, 'chart-release');

    chartCopy = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-chart-'));
    cpSync(CHART_DIR, chartCopy, { recursive: true });
    const crdDir = path.join(chartCopy, 'files', 'crds');
    const [file] = readdirSync(crdDir);
    if (file === undefined) throw new Error(`no CRD file in ${crdDir}`);
    crdFile = path.join(crdDir, file);
    writeFileSync(crdFile, readFileSync(crdFile, 'utf8').replaceAll('telephony.vobiz-operator.dev', group));
  });

  afterAll(async () => {
    await helm?.run(['uninstall', releaseName, ...clusterArgs()]);
    await kubeConfig?.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    await namespace?.remove();
    if (chartCopy !== undefined) rmSync(chartCopy, { recursive: true, force: true });
    helm?.dispose();
  });

  it('installs with the default values', async () => {
    const result = await helm.run(['install', releaseName, chartCopy, ...clusterArgs()]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `    kubectl -n ${namespace.name} create secret generic vobiz-credentials \\\n      --from-literal=auth-id=MA_XXXXXXXX --from-file=auth-token=./vobiz-auth-token\n`,
    );
    expect(result.stdout).toContain(`kubectl -n ${namespace.name} rollout status deployment/${releaseName}-vobiz-operator`);
    expect(result.stdout).toContain(`kubectl -n ${namespace.name} get lease ${releaseName}-vobiz-operator`);

    const crd = await readCrd();
    expect(crd.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(crd.metadata?.annotations?.['meta.helm.sh/release-name']).toBe(releaseName);
  });

  it('updates the CRD on upgrade', async () => {
    const marker = `Upgraded description ${suffix}.`;
    const source = readFileSync(crdFile, 'utf8');
    const changed = source.replace(/(\s+- name: Number\n\s+type: string\n)/, `$1          description: ${marker}\n`);
    expect(changed).not.toBe(source);
    writeFileSync(crdFile, changed);

    const result = await helm.run(['upgrade', releaseName, chartCopy, ...clusterArgs()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const crd = await readCrd();
    const column = crd.spec.versions[0]?.additionalPrinterColumns?.find((candidate) => candidate.name === 'Number');
    expect(column?.description).toBe(marker);
  });

  it('keeps the CRD on uninstall', async () => {
    const result = await helm.run(['uninstall', releaseName, ...clusterArgs()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain(`kept due to the resource policy`);

    const deployments = await kubeConfig.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: namespace.name });
    expect(deployments.items).toEqual([]);
    expect((await readCrd()).metadata?.name).toBe(crdName);
  });
});
