/**
 * `vobiz-operator sandbox --exit-when-ready`, run the way CI or a first-time user would run it:
 * the CLI as a child process with standard output not a terminal. It starts its own control
 * plane (the binaries are cached by the global setup), the simulator and the operator, and must
 * exit 0 once every example is Ready.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import { applyCrds, waitForCrds } from '../../../src/sandbox/crd.ts';
import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';

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
        '--kubeconfig',
        inject('kubeconfigPath'),
        '--namespace',
        namespace.name,
        '--exit-when-ready',
        '--timeout',
        '10s',
      ]);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('warning: the CRDs phonenumbers.telephony.vobiz-operator.dev existed in this cluster');
      expect(run.stderr).toContain('vobiz-operator sandbox: timed out after 10s; not Ready:\n  support-line (+14155550100): Ready=False, reason DuplicateNumber: ');
      expect(run.stderr).not.toContain('london-office (');

      const kept = /The operator log is kept in (\S+)\/operator\.log\./.exec(run.stderr);
      expect(kept).not.toBeNull();
      rmSync(kept?.[1] ?? '', { recursive: true, force: true });

      // The sandbox deleted its examples on exit, with its operator still running.
      const left = (await objects.listNamespacedCustomObject(common)) as { items: Array<{ metadata: { name: string } }> };
      expect(left.items.map((item) => item.metadata.name)).toEqual(['a-claim-first']);
    } finally {
      // The sandbox's operator put its finalizer on this resource too, and no operator runs now.
      await objects.patchNamespacedCustomObject({ ...common, name: 'a-claim-first', body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
      await namespace.remove();
    }
  });

  it('rejects a bad flag with exit code 2', async () => {
    const run = await runSandbox(['--timeout', 'soon']);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('vobiz-operator sandbox: --timeout applies only with --exit-when-ready\n');
  });
});
