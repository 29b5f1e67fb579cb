/**
 * `vobiz-operator sandbox --exit-when-ready`, run the way CI or a first-time user would run it:
 * the CLI as a child process with standard output not a terminal. It starts its own control
 * plane (the binaries are cached by the global setup), the simulator and the operator, and must
 * exit 0 once every example is Ready. With --use-existing-cluster it rejects a cluster that has
 * the PhoneNumber CRD, and leaves a cluster without it as it found it.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

import { ApiException, ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import { startControlPlane } from '../../../src/controlplane/control-plane.ts';
import { applyCrds, waitForCrds } from '../../../src/sandbox/crd.ts';
import { SANDBOX_NAMESPACE_LABEL } from '../../../src/sandbox/examples.ts';
import { PHONE_NUMBER_CRD } from '../../../src/sandbox/existing-cluster.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';

const EXAMPLES = readdirSync('examples')
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.replace(/\.yaml$/, ''))
  .sort();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSandbox(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sandbox --exit-when-ready', () => {
  it('exits 0 with every example Ready', { timeout: 300_000 }, async () => {
    const run = await runSandbox(['--exit-when-ready', '--timeout', '3m']);

    expect(run.stderr).toContain('stopped\n');
    expect(run.code, `stderr:\n${run.stderr}`).toBe(0);
    expect(EXAMPLES).toEqual(['london-office', 'sales-line', 'support-line']);

    const lines = run.stdout.split('\n');
    for (const name of EXAMPLES) {
      const last = lines.filter((line) => line.includes(` ${name} `)).at(-1);
      expect(last, `last line of ${name}`).toMatch(/ ready=True reason=Converged$/);
    }
    expect(lines.filter((line) => line.includes(' london-office ')).at(-1)).toContain(' trunk=primary-sip (3f1c6a2e…5c01) ');
    expect(lines).toContain('All 3 examples are Ready.');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('exits 1 with the reasons when an example is not Ready in time', { timeout: 120_000 }, async () => {
    // An older PhoneNumber in the sandbox's namespace claims support-line's number first, so
    // support-line stays DuplicateNumber; the sandbox runs against the test API server.
    const kubeConfig = loadTestKubeConfig();
    const crds = await applyCrds(kubeConfig, 'crds');
    await waitForCrds(kubeConfig, crds.applied, 60_000);
    const namespace = await createTestNamespace(kubeConfig, 'sandbox-timeout');
    const objects = kubeConfig.makeApiClient(CustomObjectsApi);
    const common = { group: GROUP, version: VERSION, plural: PLURAL, namespace: namespace.name };
    await objects.createNamespacedCustomObject({
      ...common,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PhoneNumber', metadata: { name: 'a-claim-first' }, spec: { e164: '+14155550100' } },
    });

    try {
      const run = await runSandbox([
        '--use-existing-cluster',
        '--allow-existing-crd',
        '--kubeconfig',
        inject('kubeconfigPath'),
        '--namespace',
        namespace.name,
        '--exit-when-ready',
        '--timeout',
        '10s',
      ]);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`warning: the cluster already has the CRD ${PHONE_NUMBER_CRD}. With --allow-existing-crd the sandbox replaces it`);
      expect(run.stderr).not.toContain('created namespace');
      expect(run.stderr).not.toContain('deleted the CRD');
      expect(run.stderr).toContain('vobiz-operator sandbox: timed out after 10s; not Ready:\n  support-line (+14155550100): Ready=False, reason DuplicateNumber: ');
      expect(run.stderr).not.toContain('london-office (');

      const keptDir = /The operator log is kept in (\S+)\/operator\.log\./.exec(run.stderr);
      expect(keptDir).not.toBeNull();
      rmSync(keptDir?.[1] ?? '', { recursive: true, force: true });

      // The sandbox deleted its examples on exit, with its operator still running, and kept
      // the namespace and the CRD it had not created.
      const left = (await objects.listNamespacedCustomObject(common)) as { items: Array<{ metadata: { name: string } }> };
      expect(left.items.map((item) => item.metadata.name)).toEqual(['a-claim-first']);
      const namespaceAfter = await kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: namespace.name });
      expect(namespaceAfter.metadata?.deletionTimestamp).toBeUndefined();
    } finally {
      // The sandbox's operator put its finalizer on this resource too, and no operator runs now.
      await objects.patchNamespacedCustomObject({ ...common, name: 'a-claim-first', body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
      await namespace.remove();
    }
  });

  it('rejects a cluster with the CRD', async () => {
    const kubeConfig = loadTestKubeConfig();
    const crds = await applyCrds(kubeConfig, 'crds');
    await waitForCrds(kubeConfig, crds.applied, 60_000);
    const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const before = (await extensions.readCustomResourceDefinition({ name: PHONE_NUMBER_CRD })).metadata?.resourceVersion;
    const sandboxNamespaces = async (): Promise<string[]> =>
      (await core.listNamespace({ labelSelector: SANDBOX_NAMESPACE_LABEL })).items.map((item) => item.metadata?.name ?? '').sort();
    const namespacesBefore = await sandboxNamespaces();

    const run = await runSandbox(['--use-existing-cluster', '--kubeconfig', inject('kubeconfigPath'), '--exit-when-ready']);

    expect(run.code, `stderr:\n${run.stderr}`).toBe(2);
    expect(run.stderr).toMatch(/^using the cluster at \S+ \(context [^)]+\)\nvobiz-operator sandbox: the cluster at /);
    expect(run.stderr).toContain(`already has the CRD ${PHONE_NUMBER_CRD} and `);
    expect(run.stderr).toContain('add --allow-existing-crd.\n');
    expect(run.stderr).not.toContain('Vobiz simulator listening');
    expect((await extensions.readCustomResourceDefinition({ name: PHONE_NUMBER_CRD })).metadata?.resourceVersion).toBe(before);
    expect(await sandboxNamespaces()).toEqual(namespacesBefore);
  });

  it('leaves a cluster without the CRD as found', { timeout: 300_000 }, async () => {
    const controlPlane = await startControlPlane();
    try {
      const run = await runSandbox(['--use-existing-cluster', '--kubeconfig', controlPlane.kubeconfigPath, '--exit-when-ready', '--timeout', '3m']);

      expect(run.code, `stderr:\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('All 3 examples are Ready.\n');
      const namespace = /created namespace (vobiz-sandbox-[0-9a-f]{6}) for the examples; it is deleted on exit\n/.exec(run.stderr)?.[1];
      expect(namespace, `stderr:\n${run.stderr}`).toBeDefined();
      expect(run.stderr).toContain(`applied 3 example PhoneNumbers to namespace ${namespace}:`);
      expect(run.stderr).toContain(`deleted namespace ${namespace}\n`);
      expect(run.stderr).toContain(`deleted the CRD ${PHONE_NUMBER_CRD}, which the sandbox had installed\n`);

      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
      // The API server removes a deleted CRD in the background, once its resources are gone.
      await eventually('the CRD to be removed', async () => {
        const crd = await kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: PHONE_NUMBER_CRD }).catch((error: unknown) => error);
        return crd instanceof ApiException && crd.code === 404 ? true : undefined;
      });
      // This control plane has no namespace controller, so the deleted namespace stays Terminating.
      const deleted = await kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: namespace ?? '' });
      expect(deleted.metadata?.deletionTimestamp).toBeDefined();
      expect(deleted.metadata?.labels?.[SANDBOX_NAMESPACE_LABEL]).toBe('true');
    } finally {
      await controlPlane.stop();
    }
  });

  it('rejects a bad flag with exit code 2', async () => {
    const run = await runSandbox(['--timeout', 'soon']);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('vobiz-operator sandbox: --timeout applies only with --exit-when-ready\n');
  });
});
