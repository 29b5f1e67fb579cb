/**
 * import → apply → plan: numbers bought by hand (some on trunk groups and sub-accounts) are
 * imported, the manifests applied with kubectl to the test API server, and plan then reports
 * nothing to do. The simulator's request log shows that no step bought or changed anything.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import { runImport } from '../../../src/import/command.ts';
import { parseYamlDocuments } from '../../../src/manifests/documents.ts';
import type { CommandIo } from '../../../src/plan/cli-flags.ts';
import { runPlan } from '../../../src/plan/command.ts';
import { applyCrds, waitForCrds } from '../../../src/sandbox/crd.ts';
import { SimulatorControls, defaultSeed, defaultSubAccountIds, defaultTrunkIds, startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { createVobizClient } from '../../../src/vobiz/index.ts';
import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';

const execFileAsync = promisify(execFile);
const [TRUNK_1, TRUNK_2] = defaultTrunkIds;
const [TEAM_1, TEAM_2] = defaultSubAccountIds;
const MUTATIONS = ['purchase', 'release', 'cancelRelease', 'assignTrunk', 'unassignTrunk', 'assignSubAccount', 'unassignSubAccount'];

const US = { country: 'US', setupFee: 1, monthlyFee: 1.15, currency: 'USD' };
const GB = { country: 'GB', setupFee: 1, monthlyFee: 1.5, currency: 'GBP' };

function captureIo(env: NodeJS.ProcessEnv): CommandIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
    out: () => stdout,
    err: () => stderr,
  };
}

describe('import, apply, plan', () => {
  let kubeConfig: KubeConfig;
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let target: { name: string; remove: () => Promise<void> };
  let claims: { name: string; remove: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  const outputDir = mkdtempSync(path.join(os.tmpdir(), 'import-apply-plan-'));
  const outputFile = path.join(outputDir, 'imported.yaml');

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    const crds = await applyCrds(kubeConfig, 'crds');
    await waitForCrds(kubeConfig, crds.applied, 60_000);
    target = await createTestNamespace(kubeConfig, 'imported');
    claims = await createTestNamespace(kubeConfig, 'claims');

    simulator = await startSimulator({ port: 0, seed: defaultSeed({ inventoryPerCountry: 10 }) });
    controls = new SimulatorControls(simulator.url);
    await controls.seed({
      owned: [
        { e164: '+14155550150', ...US, trunkGroupId: TRUNK_1 },
        { e164: '+14155550151', ...US, accountId: TEAM_1, trunkGroupId: TRUNK_2 },
        { e164: '+442079460150', ...GB, accountId: TEAM_2 },
        { e164: '+14155550152', ...US },
        { e164: '+14155550153', ...US, trunkGroupId: TRUNK_1 },
        { e164: '+14155550154', ...US },
      ],
    });

    // One number is claimed already, in another namespace; another is being released.
    const objects = kubeConfig.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: claims.name,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'PhoneNumber',
        metadata: { name: 'claimed-by-hand' },
        spec: { e164: '+14155550153', trunkGroupId: TRUNK_1, acquisition: 'AdoptOnly' },
      },
    });
    const vobiz = createVobizClient({ baseUrl: simulator.url, authId: simulator.authId, authToken: simulator.authToken });
    await vobiz.releaseNumber('+14155550154');
    await vobiz.close();

    await controls.clearRequestLog();
    env = { VOBIZ_AUTH_ID: simulator.authId, VOBIZ_AUTH_TOKEN: simulator.authToken, KUBECONFIG: inject('kubeconfigPath') };
  });

  afterAll(async () => {
    rmSync(outputDir, { recursive: true, force: true });
    await simulator?.close();
    await target?.remove();
    await claims?.remove();
  });

  it('imports the unclaimed numbers as they are', async () => {
    const io = captureIo(env);
    const code = await runImport(['--namespace', target.name, '--output', outputFile, '--vobiz-url', simulator.url], io);

    expect(code).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toContain('vobiz-operator import: skipped +14155550154: pending release at Vobiz');
    expect(io.err()).toContain('vobiz-operator import: wrote 4 PhoneNumber(s) to');
    expect(io.err()).toContain('1 already claimed, 1 skipped.');

    const documents = parseYamlDocuments(readFileSync(outputFile, 'utf8'));
    const specs = documents.map((document) => ('value' in document ? [(document.value.metadata as { name: string }).name, document.value.spec] : document.error));
    expect(specs).toEqual([
      ['pn-14155550150', { e164: '+14155550150', trunkGroupId: TRUNK_1, acquisition: 'AdoptOnly', deletionPolicy: 'Retain' }],
      ['pn-14155550151', { e164: '+14155550151', trunkGroupId: TRUNK_2, subAccountId: TEAM_1, acquisition: 'AdoptOnly', deletionPolicy: 'Retain' }],
      ['pn-14155550152', { e164: '+14155550152', acquisition: 'AdoptOnly', deletionPolicy: 'Retain' }],
      ['pn-442079460150', { e164: '+442079460150', subAccountId: TEAM_2, acquisition: 'AdoptOnly', deletionPolicy: 'Retain' }],
    ]);
  });

  it('applies with kubectl and then plans nothing to do', async () => {
    const kubectl = inject('toolPaths').kubectl;
    const applied = await execFileAsync(kubectl, ['apply', '-f', outputFile], { env: { ...process.env, KUBECONFIG: inject('kubeconfigPath') } });
    expect(applied.stdout.trim().split('\n')).toHaveLength(4);

    const io = captureIo(env);
    const code = await runPlan(['--from-cluster', '--namespace', target.name, '--vobiz-url', simulator.url], io);

    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out().trimEnd().split('\n').at(-1)).toBe('Nothing to do: the Vobiz account matches all 4 PhoneNumbers.');

    const json = captureIo(env);
    await runPlan(['--from-cluster', '--namespace', target.name, '--vobiz-url', simulator.url, '--output', 'json'], json);
    const summary = (JSON.parse(json.out()) as { summary: { nothingToDo: boolean; actions: number; resources: Record<string, number> } }).summary;
    expect(summary.nothingToDo).toBe(true);
    expect(summary.actions).toBe(0);
    expect(summary.resources['in-sync']).toBe(4);
  });

  it('made no purchase and no other change', async () => {
    const log = await controls.requestLog();

    expect(log.filter((entry) => entry.operation === 'purchase')).toEqual([]);
    expect(log.filter((entry) => MUTATIONS.includes(entry.operation))).toEqual([]);
    expect(log.filter((entry) => entry.operation === 'listNumbers').length).toBeGreaterThan(0);
  });

  it('imports nothing once every number is claimed', async () => {
    const io = captureIo(env);
    const code = await runImport(['--vobiz-url', simulator.url], io);

    expect(code).toBe(0);
    expect(io.out()).toContain('# No number to import.');
    expect(io.err()).toContain('wrote 0 PhoneNumber(s) to standard output; the account owns 6 number(s), 5 already claimed, 1 skipped.');
  });
});
