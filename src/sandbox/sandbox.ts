/**
 * Starts the sandbox's parts in order (control plane, Vobiz simulator, CRDs, operator, examples)
 * and stops them in reverse order. A failure or an abort during the start stops what had
 * started already; an abort does not wait for the step in progress to finish.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { KubeConfig } from '@kubernetes/client-node';

import { startControlPlane, type ControlPlane } from '../controlplane/control-plane.ts';
import { packageRoot } from '../controlplane/tools.ts';
import type { OperatorConfig } from '../controller/config.ts';
import { startOperator, type RunningOperator } from '../controller/manager.ts';
import { createLogger, type Logger } from '../log.ts';
import { loadKubeConfig } from '../manifests/cluster.ts';
import { defaultSeed, startSimulator, type RunningSimulator } from '../simulator/index.ts';
import { applyCrds, deleteCrdUnlessUsed, waitForCrds } from './crd.ts';
import { applyExamples, deleteExamples, deleteNamespace, ensureNamespace, readExamples, type Example } from './examples.ts';
import { ExistingCrdError, PHONE_NUMBER_CRD, checkExistingCluster, describeCluster, describeInterruptedCleanup, describeLeftovers, sandboxNamespaceName, type Leftovers } from './existing-cluster.ts';
import { onForcedExit } from './exit.ts';
import { Parts } from './parts.ts';

export interface SandboxOptions {
  useExistingCluster: boolean;
  /** With --use-existing-cluster: go ahead when the cluster already has the PhoneNumber CRD. */
  allowExistingCrd: boolean;
  /** Kubeconfig for --use-existing-cluster; default as kubectl finds it. */
  kubeconfig: string | undefined;
  /** Namespace of the examples; undefined picks `default`, or a new one with --use-existing-cluster. */
  namespace: string | undefined;
  simulatorPort: number;
  metricsPort: number;
  sweepIntervalMs: number;
  logLevel: OperatorConfig['logLevel'];
  keepDir: boolean;
  env: NodeJS.ProcessEnv;
}

export interface Sandbox {
  /** Folder with the operator log, the simulator state and the control plane's data. */
  dir: string;
  logFile: string;
  kubeConfig: KubeConfig;
  /** Kubeconfig of the embedded control plane; undefined with an existing cluster. */
  kubeconfigPath: string | undefined;
  /** Namespace of the examples, which the operator watches. */
  namespace: string;
  simulator: RunningSimulator;
  operator: RunningOperator;
  examples: Example[];
  /**
   * Stops every part; `keepDir` (default --keep-dir) keeps the folder, for example after a
   * failure. When a part is still starting after the grace period, the folder stays for the
   * forced exit (`exitNow`) to remove, after it has killed that part's processes.
   */
  stop(keepDir?: boolean): Promise<void>;
}

const CRD_TIMEOUT_MS = 60_000;
/** How long the stop waits for the operator to finalize the deleted examples in an existing cluster. */
const EXAMPLE_DELETE_TIMEOUT_MS = 30_000;
/** How long a stop after an abort waits for a part whose start was abandoned, such as a slow kube-apiserver. */
const ABANDONED_START_GRACE_MS = 5_000;
/** Namespace of the examples in the embedded control plane, which is thrown away on exit. */
const EMBEDDED_NAMESPACE = 'default';

/** Thrown when a step of the start fails; `dir` is the kept folder with the logs. */
export class SandboxStartError extends Error {
  readonly code = 'SANDBOX_START';
  readonly dir: string;

  constructor(dir: string, cause: unknown) {
    super((cause as Error).message ?? String(cause), { cause });
    this.name = 'SandboxStartError';
    this.dir = dir;
  }
}

/** Creates a stream that turns the control plane's JSON log lines into plain progress lines. */
function progressStream(progress: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          progress(`[control plane] ${(JSON.parse(line) as { msg?: string }).msg ?? line}`);
        } catch {
          progress(`[control plane] ${line}`);
        }
      }
      callback();
    },
  });
}

function operatorConfig(options: SandboxOptions, namespace: string, simulator: RunningSimulator, kubeconfigPath: string | undefined): OperatorConfig {
  return {
    vobiz: {
      baseUrl: simulator.url,
      authId: simulator.authId,
      authToken: simulator.authToken,
      rateLimit: { requestsPerSecond: 10, burst: 20 },
    },
    kubeconfig: kubeconfigPath,
    namespaces: [namespace],
    httpPort: options.metricsPort,
    httpHost: '127.0.0.1',
    sweepIntervalMs: options.sweepIntervalMs,
    maxConcurrency: 4,
    logLevel: options.logLevel,
    leaderElection: { enabled: false, namespace: undefined, id: 'vobiz-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    budget: { maxPurchasesPerHour: 20, maxMonthlyFee: new Map() },
  };
}

async function startSimulatorOn(options: SandboxOptions, dir: string, logger: Logger): Promise<RunningSimulator> {
  try {
    return await startSimulator({ port: options.simulatorPort, host: '127.0.0.1', seed: defaultSeed(), statePath: path.join(dir, 'simulator-state.json'), logger });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`--simulator-port ${options.simulatorPort}: the port is in use; pick another one, or 0 for a free port`, { cause: error });
    }
    throw error;
  }
}


interface Cluster {
  kubeConfig: KubeConfig;
  /** Kubeconfig file of the embedded control plane; undefined with an existing cluster. */
  kubeconfigPath: string | undefined;
  /** True when the sandbox installs the CRD into an existing cluster that did not have it. */
  crdInstalled: boolean;
}

/** Connects to the cluster of the kubeconfig and checks it before the sandbox changes anything in it. */
async function useExistingCluster(options: SandboxOptions, progress: (line: string) => void): Promise<Cluster> {
  const kubeConfig = loadKubeConfig(options.kubeconfig, options.env);
  progress(`using the cluster at ${describeCluster(kubeConfig)}`);

  const crdExisted = await checkExistingCluster(kubeConfig, options.allowExistingCrd);
  if (crdExisted) {
    progress(
      `warning: the cluster already has the CRD ${PHONE_NUMBER_CRD}. With --allow-existing-crd the sandbox replaces it with this checkout's version ` +
        'and leaves it in place on exit. A vobiz-operator running in this cluster would act on the examples too.',
    );
  }
  return { kubeConfig, kubeconfigPath: undefined, crdInstalled: !crdExisted };
}

/**
 * Starts the embedded control plane with its data under `dir`.
 * An abort kills a first-run `go build`, stops etcd and kube-apiserver if they were started,
 * and rejects the start.
 */
async function startEmbeddedCluster(dir: string, progress: (line: string) => void, parts: Parts, signal: AbortSignal): Promise<Cluster> {
  progress('starting a local control plane (etcd and kube-apiserver on loopback)');
  const dataDir = path.join(dir, 'control-plane');
  mkdirSync(dataDir);

  const starting = startControlPlane({ logger: createLogger({ destination: progressStream(progress) }), dataDir, keepDataDir: true, signal });
  const controlPlane: ControlPlane = await parts.start('the control plane', starting, (started) => started.stop(), signal);

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
  return { kubeConfig, kubeconfigPath: controlPlane.kubeconfigPath, crdInstalled: false };
}

/**
 * Installs the CRDs and waits until the API server serves them. When the sandbox installs the
 * CRD into an existing cluster that lacked it, the stop deletes it again.
 */
async function installCrds(cluster: Cluster, parts: Parts, progress: (line: string) => void, signal: AbortSignal): Promise<void> {
  const { kubeConfig } = cluster;
  if (cluster.crdInstalled) {
    // Added before every other stop of the cluster's objects, so it runs after them.
    parts.onStop(async () => {
      const result = await deleteCrdUnlessUsed(kubeConfig, PHONE_NUMBER_CRD);
      if (result.deleted) progress(`deleted the CRD ${PHONE_NUMBER_CRD}, which the sandbox had installed`);
      if (result.left.length > 0) progress(`kept the CRD ${PHONE_NUMBER_CRD}, because PhoneNumbers are left: ${result.left.join(', ')}`);
    });
  }

  const crds = await applyCrds(kubeConfig, path.join(packageRoot, 'crds'), signal);
  await waitForCrds(kubeConfig, crds.applied, CRD_TIMEOUT_MS, signal);
  progress(`installed the CRDs ${crds.applied.join(', ')}`);
}

/** Objects the stop removes from an existing cluster, besides the CRD. */
interface ExistingClusterCleanup {
  leftovers: Leftovers;
  /** Example PhoneNumbers the stop could not delete; their namespace stays. */
  examplesLeft: string[];
}

/**
 * Creates the examples' namespace unless it exists. For an existing cluster, returns the cleanup
 * state, and the stop deletes a namespace the sandbox created once the examples are gone.
 * Returns undefined for the embedded control plane, which is thrown away as a whole.
 */
async function prepareNamespace(
  cluster: Cluster,
  namespace: string,
  existingCluster: boolean,
  parts: Parts,
  progress: (line: string) => void,
  signal: AbortSignal,
): Promise<ExistingClusterCleanup | undefined> {
  signal.throwIfAborted();
  const namespaceCreated = await ensureNamespace(cluster.kubeConfig, namespace);
  if (!existingCluster) return undefined;

  const cleanup: ExistingClusterCleanup = {
    leftovers: { namespace, phoneNumbers: [], namespaceCreated, crdInstalled: cluster.crdInstalled },
    examplesLeft: [],
  };
  if (namespaceCreated) {
    progress(`created namespace ${namespace} for the examples; it is deleted on exit`);
    // Added before the operator's stop, so it runs after it, when the examples are gone.
    parts.onStop(async () => {
      if (cleanup.examplesLeft.length > 0) {
        progress(`kept namespace ${namespace}, because PhoneNumbers are left in it`);
        return;
      }
      await deleteNamespace(cluster.kubeConfig, namespace);
      progress(`deleted namespace ${namespace}`);
    });
  }
  return cleanup;
}

/**
 * Makes the stop delete the examples from an existing cluster, and a forced exit print what it
 * leaves there. Must be called after the operator started, so that its stop runs before the
 * operator's.
 */
function deleteExamplesOnStop(kubeConfig: KubeConfig, examples: readonly Example[], cleanup: ExistingClusterCleanup, parts: Parts, progress: (line: string) => void): void {
  const { namespace } = cleanup.leftovers;
  const leftovers: Leftovers = { ...cleanup.leftovers, phoneNumbers: examples.map((example) => example.name) };
  const forgetLeftoversOnExit = onForcedExit(() => progress(describeInterruptedCleanup(leftovers)));

  parts.onStop(async () => {
    const left = await deleteExamples(kubeConfig, namespace, examples, EXAMPLE_DELETE_TIMEOUT_MS);
    forgetLeftoversOnExit();
    cleanup.examplesLeft.push(...left);
    if (left.length > 0) progress(describeLeftovers({ ...leftovers, phoneNumbers: left }));
  });
}

/**
 * Starts the sandbox. `progress` receives one line per step. Throws when a step fails or
 * `signal` aborts, after stopping what had started; after a failure the folder is kept. With
 * --use-existing-cluster, throws `ExistingCrdError` before changing the cluster when it already
 * has the PhoneNumber CRD and --allow-existing-crd is not set.
 */
export async function startSandbox(options: SandboxOptions, progress: (line: string) => void, signal: AbortSignal): Promise<Sandbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-sandbox-'));
  const logFile = path.join(dir, 'operator.log');
  const logStream: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const logger = createLogger({ level: options.logLevel, destination: logStream });

  // The folder is removed by stop(), or by a forced exit (a second Ctrl-C) before stop() is done.
  let keepDirOnExit = options.keepDir;
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  const forgetDirOnExit = onForcedExit(() => {
    if (!keepDirOnExit) removeDir();
  });

  const parts = new Parts();
  const stop = async (keepDir = options.keepDir): Promise<void> => {
    keepDirOnExit = keepDir;
    const reportError = (error: unknown): void => progress(`failed to stop a part of the sandbox: ${(error as Error).message}`);
    const stillStarting = await parts.stopAll(reportError, ABANDONED_START_GRACE_MS);
    if (!logStream.closed) await new Promise<void>((resolve) => logStream.end(resolve));

    if (stillStarting.length > 0) {
      progress(`${stillStarting.join(' and ')} did not finish starting within ${ABANDONED_START_GRACE_MS / 1000}s of the stop; exiting kills its processes`);
      return;
    }
    forgetDirOnExit();
    if (!keepDir) removeDir();
  };

  try {
    const cluster = options.useExistingCluster ? await useExistingCluster(options, progress) : await startEmbeddedCluster(dir, progress, parts, signal);
    const { kubeConfig, kubeconfigPath } = cluster;
    signal.throwIfAborted();

    const simulator = await parts.start('the Vobiz simulator', startSimulatorOn(options, dir, logger.child({ component: 'simulator' })), (started) => started.close(), signal);
    progress(`Vobiz simulator listening on ${simulator.url}`);
    signal.throwIfAborted();

    await installCrds(cluster, parts, progress, signal);

    const namespace = options.namespace ?? (options.useExistingCluster ? sandboxNamespaceName() : EMBEDDED_NAMESPACE);
    const cleanup = await prepareNamespace(cluster, namespace, options.useExistingCluster, parts, progress, signal);
    signal.throwIfAborted();

    const starting = startOperator(operatorConfig(options, namespace, simulator, kubeconfigPath), { logger, kubeConfig });
    const operator = await parts.start('the operator', starting, (started) => started.stop(), signal);
    progress(`operator started; its log goes to ${logFile}`);
    signal.throwIfAborted();

    const examples = readExamples(path.join(packageRoot, 'examples'), namespace);
    if (cleanup !== undefined) {
      // This step runs before the operator stops, so the operator removes its finalizer from
      // each example. Without it the examples would stay, and no delete would finish.
      deleteExamplesOnStop(kubeConfig, examples, cleanup, parts, progress);
    }
    await applyExamples(kubeConfig, namespace, examples, signal);
    progress(`applied ${examples.length} example PhoneNumbers to namespace ${namespace}: ${examples.map((example) => example.name).join(', ')}`);

    return { dir, logFile, kubeConfig, kubeconfigPath, namespace, simulator, operator, examples, stop };
  } catch (error) {
    // Keep the folder when the start failed, so its logs can be read. An abort is no failure,
    // and neither is a cluster the sandbox rejected before it changed anything.
    const failed = !signal.aborted && !(error instanceof ExistingCrdError);
    await stop(options.keepDir || failed);
    throw failed ? new SandboxStartError(dir, error) : error;
  }
}
