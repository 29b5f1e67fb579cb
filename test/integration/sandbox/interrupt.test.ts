/**
 * Ctrl-C while `vobiz-operator sandbox` starts: SIGINT to the sandbox's whole process group, as a
 * terminal sends it. The first one stops the sandbox without waiting for the step in progress,
 * and the second exits at once. Both leave no sandbox folder and no etcd or kube-apiserver behind.
 * The time bounds are generous: they catch a stop that waits for the control plane's own
 * timeouts (a minute or more), not a slow machine.
 */
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, inject, it } from 'vitest';

import { SandboxProcess, untilEmpty } from './support.ts';

const FIRST_SIGNAL_BOUND_MS = 30_000;
const SECOND_SIGNAL_BOUND_MS = 10_000;
/** How long SIGKILLed processes may take to disappear from /proc after the sandbox exits. */
const KILL_SETTLE_MS = 5_000;

describe('sandbox interrupted during start', () => {
  const runs: SandboxProcess[] = [];
  const folders: string[] = [];

  const start = (env: NodeJS.ProcessEnv = {}): SandboxProcess => {
    const run = new SandboxProcess(['--exit-when-ready', '--timeout', '2m'], env);
    runs.push(run);
    return run;
  };

  afterEach(async () => {
    for (const run of runs.splice(0)) await run.dispose();
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  /** Checks that the run left no folder in its TMPDIR and no process that uses it. */
  async function expectNothingLeft(run: SandboxProcess): Promise<void> {
    expect(run.tmpEntries(), `stderr:\n${run.stderr}`).toEqual([]);
    expect(await untilEmpty(() => run.processesUsingTmpDir(), KILL_SETTLE_MS)).toEqual([]);
  }

  it('stops after kube-apiserver starts', { timeout: 180_000 }, async () => {
    const run = start();
    await run.waitForStderr('starting kube-apiserver');

    const sent = run.signalGroup('SIGINT');
    const exit = await run.exited;

    expect(exit.at - sent).toBeLessThan(FIRST_SIGNAL_BOUND_MS);
    expect(exit.code, `stderr:\n${run.stderr}`).toBe(0);
    expect(run.stderr).toContain('SIGINT: stopping the sandbox (press Ctrl-C again to exit at once)\n');
    expect(run.stderr).toContain('stopped before the sandbox had started\n');
    await expectNothingLeft(run);
  });

  it('stops while the CRDs and operator start', { timeout: 180_000 }, async () => {
    const run = start();
    await run.waitForStderr('Vobiz simulator listening on');

    const sent = run.signalGroup('SIGINT');
    const exit = await run.exited;

    expect(exit.at - sent).toBeLessThan(FIRST_SIGNAL_BOUND_MS);
    expect(exit.code, `stderr:\n${run.stderr}`).toBe(0);
    await expectNothingLeft(run);
  });

  it('stops while kube-apiserver never gets ready', { timeout: 180_000 }, async () => {
    // KUBEBUILDER_ASSETS with the real etcd and a kube-apiserver that reports its version and
    // then does nothing, so the control plane's start would wait for its 120 s timeout.
    const assets = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-hung-apiserver-'));
    folders.push(assets);
    symlinkSync(inject('toolPaths').etcd, path.join(assets, 'etcd'));
    const fake = path.join(assets, 'kube-apiserver');
    writeFileSync(
      fake,
      `#!${process.execPath}\n` +
        "if (process.argv.includes('--version')) { console.log('Kubernetes v1.36.3'); process.exit(0); }\n" +
        'setInterval(() => {}, 60_000);\n',
    );
    chmodSync(fake, 0o755);

    const run = start({ KUBEBUILDER_ASSETS: assets });
    await run.waitForStderr('starting kube-apiserver');
    const hung = await untilEmpty(() => (run.processesUsingTmpDir().some((entry) => entry.includes(fake)) ? [] : ['not started yet']), KILL_SETTLE_MS);
    expect(hung, 'the fake kube-apiserver runs').toEqual([]);

    const sent = run.signalGroup('SIGINT');
    const exit = await run.exited;

    expect(exit.at - sent).toBeLessThan(FIRST_SIGNAL_BOUND_MS);
    expect(exit.code, `stderr:\n${run.stderr}`).toBe(0);
    // The abort reaches the launcher, which stops etcd and the hung kube-apiserver itself.
    expect(run.stderr).toContain('stopped before the sandbox had started\n');
    expect(run.stderr).not.toContain('did not finish starting');
    await expectNothingLeft(run);
  });

  it('exits at once on a second SIGINT', { timeout: 180_000 }, async () => {
    const run = start();
    await run.waitForStderr('starting kube-apiserver');

    run.signalGroup('SIGINT');
    await run.waitForStderr('SIGINT: stopping the sandbox');
    const sent = run.signalGroup('SIGINT');
    const exit = await run.exited;

    expect(exit.at - sent).toBeLessThan(SECOND_SIGNAL_BOUND_MS);
    expect(exit.code, `stderr:\n${run.stderr}`).toBe(130);
    expect(run.stderr).toContain('second SIGINT: exiting at once, without a clean stop\n');
    await expectNothingLeft(run);
  });
});
