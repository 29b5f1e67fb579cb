/**
 * `vobiz-operator sandbox` (`npm start`): starts the sandbox, prints what to try, and shows the
 * example PhoneNumbers converging until Ctrl-C, or, with --exit-when-ready, until every example
 * is Ready or the timeout passes.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { CustomObjectsApi } from '@kubernetes/client-node';

import { GROUP, PLURAL, VERSION, parsePhoneNumber, type PhoneNumber } from '../api/phone-number.ts';
import { formatDurationMs } from '../controller/duration.ts';
import { UsageError, formatHelp } from '../plan/cli-flags.ts';
import { ExistingCrdError } from './existing-cluster.ts';
import { exitNow } from './exit.ts';
import { findKubectl } from './kubectl.ts';
import { LiveTable, type TableOutput } from './live-table.ts';
import { renderNextSteps, type DemoTarget } from './next-steps.ts';
import { SANDBOX_COMMAND, SANDBOX_EXIT, parseSandboxOptions, type SandboxCommandOptions } from './options.ts';
import { SandboxStartError, startSandbox, type Sandbox } from './sandbox.ts';
import { isReady, statusRow, type RowContext } from './status-table.ts';

export interface SandboxIo {
  stdout: TableOutput;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** How often the table reads the PhoneNumbers. */
const POLL_INTERVAL_MS = 1_000;

type WatchOutcome = { kind: 'ready' } | { kind: 'timeout'; resources: PhoneNumber[] } | { kind: 'aborted' } | { kind: 'operatorFailed'; error: Error };

async function listPhoneNumbers(api: CustomObjectsApi, namespace: string): Promise<PhoneNumber[]> {
  const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace })) as { items?: unknown[] };
  const resources: PhoneNumber[] = [];
  for (const item of list.items ?? []) {
    try {
      resources.push(parsePhoneNumber(item));
    } catch {
      // The CRD's schema admits only valid objects; an object the zod schema rejects has no row.
    }
  }
  return resources.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Picks the example resources the "things to try" commands use, and where they move them. */
function demoTargets(sandbox: Sandbox): { drift?: DemoTarget; coolOff?: DemoTarget; clock?: DemoTarget } {
  const trunks = [...sandbox.simulator.state.trunks.values()];
  const subAccounts = [...sandbox.simulator.state.subAccounts.values()];
  const specs = sandbox.examples.map((example) => ({ name: example.name, e164: example.e164, spec: example.manifest.spec as { trunkGroupId?: string; subAccountId?: string } }));

  const targets: { drift?: DemoTarget; coolOff?: DemoTarget; clock?: DemoTarget } = {};
  const routed = specs.find((example) => example.spec.trunkGroupId !== undefined);
  const otherTrunk = trunks.find((trunk) => trunk.trunkId !== routed?.spec.trunkGroupId);
  if (routed !== undefined && otherTrunk !== undefined) {
    targets.drift = { name: routed.name, e164: routed.e164, toId: otherTrunk.trunkId, toName: otherTrunk.name };
  }

  const onSubAccounts = specs.filter((example) => example.spec.subAccountId !== undefined);
  const moveTarget = (example: (typeof specs)[number] | undefined): DemoTarget | undefined => {
    const other = subAccounts.find((subAccount) => subAccount.authId !== example?.spec.subAccountId);
    return example === undefined || other === undefined ? undefined : { name: example.name, e164: example.e164, toId: other.authId, toName: other.name };
  };
  const coolOff = moveTarget(onSubAccounts[0]);
  const clock = moveTarget(onSubAccounts[1]);
  if (coolOff !== undefined) targets.coolOff = coolOff;
  if (clock !== undefined) targets.clock = clock;
  return targets;
}

function printNextSteps(sandbox: Sandbox, options: SandboxCommandOptions, io: SandboxIo): void {
  const kubectl = findKubectl(io.env);
  io.stdout.write(
    `\n${renderNextSteps({
      kubeconfigPath: sandbox.kubeconfigPath,
      kubectlDir: kubectl.dir,
      kubectlOnPath: kubectl.onPath,
      namespace: sandbox.namespace,
      simulatorUrl: sandbox.simulator.url,
      metricsUrl: `${sandbox.operator.httpUrl}/metrics`,
      logFile: sandbox.logFile,
      sandboxDir: sandbox.dir,
      keepDir: options.keepDir,
      sweepInterval: formatDurationMs(options.sweepIntervalMs),
      authId: sandbox.simulator.authId,
      authToken: sandbox.simulator.authToken,
      trunkGroups: [...sandbox.simulator.state.trunks.values()].map((trunk) => ({ id: trunk.trunkId, name: trunk.name })),
      subAccounts: [...sandbox.simulator.state.subAccounts.values()].map((subAccount) => ({ id: subAccount.authId, name: subAccount.name })),
      ...demoTargets(sandbox),
    })}\n`,
  );
}

/**
 * Trunk names and placements come straight from the simulator's state in this process, so the
 * table shows drift the moment it is made, before the operator's next sweep finds and repairs it.
 */
function rowContext(sandbox: Sandbox): RowContext {
  const { state, authId } = sandbox.simulator;
  return {
    trunkNames: new Map([...state.trunks.values()].map((trunk) => [trunk.trunkId, trunk.name] as const)),
    placement: (e164) => {
      const holding = state.numbers.get(e164)?.holding;
      if (holding?.kind !== 'owned') return undefined;
      return {
        ...(holding.trunkGroupId === undefined ? {} : { trunkGroupId: holding.trunkGroupId }),
        ...(holding.accountId === authId ? {} : { subAccountId: holding.accountId }),
      };
    },
  };
}

/** Redraws the table until the examples are Ready (with --exit-when-ready), the timeout passes, a signal arrives or the operator fails. */
async function watch(sandbox: Sandbox, options: SandboxCommandOptions, io: SandboxIo, signal: AbortSignal): Promise<WatchOutcome> {
  const api = sandbox.kubeConfig.makeApiClient(CustomObjectsApi);
  const table = new LiveTable(io.stdout);
  const context = rowContext(sandbox);
  const exampleNames = new Set(sandbox.examples.map((example) => example.name));
  const deadline = Date.now() + options.timeoutMs;

  let operatorError: Error | undefined;
  sandbox.operator.done.catch((error: unknown) => {
    operatorError = error instanceof Error ? error : new Error(String(error));
  });

  io.stdout.write(`PhoneNumbers in namespace ${sandbox.namespace}: trunk group and sub-account as Vobiz has them now, and Ready:\n`);
  let resources: PhoneNumber[] = [];
  let announcedReady = false;
  let lastListError = '';
  while (!signal.aborted) {
    if (operatorError !== undefined) return { kind: 'operatorFailed', error: operatorError };

    try {
      resources = await listPhoneNumbers(api, sandbox.namespace);
      lastListError = '';
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastListError) {
        table.detach();
        io.stderr(`failed to list PhoneNumbers (retrying): ${message}\n`);
        lastListError = message;
      }
    }
    table.update(resources.map((resource) => statusRow(resource, context)));

    const examples = resources.filter((resource) => exampleNames.has(resource.metadata.name));
    const allReady = examples.length === exampleNames.size && examples.every(isReady);
    if (allReady && options.exitWhenReady) return { kind: 'ready' };
    if (allReady && !announcedReady && io.stdout.isTTY !== true) {
      io.stdout.write(`All ${exampleNames.size} examples are Ready. The sandbox keeps running until Ctrl-C.\n`);
      announcedReady = true;
    }
    if (options.exitWhenReady && Date.now() > deadline) return { kind: 'timeout', resources: examples };

    await sleep(POLL_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
  }
  return { kind: 'aborted' };
}

function describeNotReady(resources: readonly PhoneNumber[], expected: readonly string[]): string[] {
  return expected.flatMap((name) => {
    const resource = resources.find((candidate) => candidate.metadata.name === name);
    if (resource === undefined) return [`  ${name}: not found in the cluster`];
    if (isReady(resource)) return [];
    const row = statusRow(resource, { trunkNames: new Map() });
    return [`  ${name} (${row.e164}): Ready=${row.ready}, reason ${row.reason}: ${row.message}`];
  });
}

/** Runs `sandbox` with the given arguments and I/O; returns the exit code. */
export async function runSandbox(argv: readonly string[], io: SandboxIo, signal: AbortSignal): Promise<number> {
  let options: SandboxCommandOptions;
  try {
    options = parseSandboxOptions(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`vobiz-operator sandbox: ${error.message}\n`);
      return SANDBOX_EXIT.usage;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(`${formatHelp(SANDBOX_COMMAND)}\n`);
    return SANDBOX_EXIT.ok;
  }

  const progress = (line: string): void => io.stderr(`${line}\n`);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ ...options, env: io.env }, progress, signal);
  } catch (error) {
    if (signal.aborted) {
      progress('stopped before the sandbox had started');
      return SANDBOX_EXIT.ok;
    }
    if (error instanceof ExistingCrdError) {
      io.stderr(`vobiz-operator sandbox: ${error.message}\n`);
      return SANDBOX_EXIT.usage;
    }
    const kept = error instanceof SandboxStartError ? ` Logs are kept in ${error.dir}.` : '';
    io.stderr(`vobiz-operator sandbox: failed to start: ${(error as Error).message}${kept}\n`);
    return SANDBOX_EXIT.failure;
  }

  if (!options.exitWhenReady) {
    printNextSteps(sandbox, options, io);
  }

  const outcome = await watch(sandbox, options, io, signal);
  let exitCode: number = SANDBOX_EXIT.ok;
  switch (outcome.kind) {
    case 'ready':
      io.stdout.write(`All ${sandbox.examples.length} examples are Ready.\n`);
      break;
    case 'timeout':
      exitCode = SANDBOX_EXIT.failure;
      io.stderr(
        `vobiz-operator sandbox: timed out after ${formatDurationMs(options.timeoutMs)}; not Ready:\n` +
          `${describeNotReady(outcome.resources, sandbox.examples.map((example) => example.name)).join('\n')}\n` +
          `The operator log is kept in ${sandbox.logFile}.\n`,
      );
      break;
    case 'operatorFailed':
      exitCode = SANDBOX_EXIT.failure;
      io.stderr(`vobiz-operator sandbox: the operator stopped working: ${outcome.error.message}. Its log is kept in ${sandbox.logFile}.\n`);
      break;
    case 'aborted':
      break;
  }

  progress(sandbox.kubeconfigPath === undefined ? 'stopping: deleting the examples, then stopping the operator and the simulator' : 'stopping the operator, the simulator and the control plane');
  await sandbox.stop(options.keepDir || exitCode !== SANDBOX_EXIT.ok);
  progress('stopped');
  return exitCode;
}

/** Exit code after a second signal, as a shell reports a process ended by SIGINT (128 + 2). */
const FORCED_EXIT_CODE = 130;

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signalName: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`second ${signalName}: exiting at once, without a clean stop\n`);
      exitNow(FORCED_EXIT_CODE);
    }
    process.stderr.write(`\n${signalName}: stopping the sandbox (press Ctrl-C again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const exitCode = await runSandbox(argv, { stdout: process.stdout, stderr: (text) => process.stderr.write(text), env: process.env }, controller.signal);
    // After a signal, a part whose start was abandoned can still be starting, and its timers
    // would keep the process alive. Exiting now ends it, and the launcher kills its processes.
    if (controller.signal.aborted) exitNow(exitCode);
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
