/**
 * Starts the sandbox's parts in order (control plane, Vobiz simulator, CRDs, operator, examples)
 * and stops them in reverse order. A failure or an abort during the start stops what had
 * started already.
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
import { applyCrds, waitForCrds } from './crd.ts';
import { applyExamples, deleteExamples, ensureNamespace, readExamples, type Example } from './examples.ts';

export interface SandboxOptions {
  useExistingCluster: boolean;
  /** Kubeconfig for --use-existing-cluster; default as kubectl finds it. */
  kubeconfig: string | undefined;
  namespace: string;
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
  simulator: RunningSimulator;
  operator: RunningOperator;
  examples: Example[];
  /** CRDs that existed before the sandbox applied them (only with an existing cluster). */
  preexistingCrds: string[];
  /** Stops every part; `keepDir` (default --keep-dir) keeps the folder, for example after a failure. */
  stop(keepDir?: boolean): Promise<void>;
}

const CRD_TIMEOUT_MS = 60_000;
/** How long the stop waits for the operator to finalize the deleted examples in an existing cluster. */
const EXAMPLE_DELETE_TIMEOUT_MS = 30_000;

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

function operatorConfig(options: SandboxOptions, simulator: RunningSimulator, kubeconfigPath: string | undefined): OperatorConfig {
  return {
    vobiz: {
      baseUrl: simulator.url,
      authId: simulator.authId,
      authToken: simulator.authToken,
      rateLimit: { requestsPerSecond: 10, burst: 20 },
    },
    kubeconfig: kubeconfigPath,
    namespaces: [options.namespace],
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

/**
 * Starts the sandbox. `progress` receives one line per step. Throws when a step fails or
 * `signal` aborts, after stopping what had started; after a failure the folder is kept.
 */
export async function startSandbox(options: SandboxOptions, progress: (line: string) => void, signal: AbortSignal): Promise<Sandbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-sandbox-'));
  const logFile = path.join(dir, 'operator.log');
  const logStream: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const logger = createLogger({ level: options.logLevel, destination: logStream });

  // Stop functions of the parts started so far, run in reverse order.
  const stops: Array<() => Promise<void>> = [];
  const stop = async (keepDir = options.keepDir): Promise<void> => {
    for (const stopPart of stops.reverse()) {
      await stopPart().catch((error: unknown) => progress(`failed to stop a part of the sandbox: ${(error as Error).message}`));
    }
    stops.length = 0;
    if (!logStream.closed) await new Promise<void>((resolve) => logStream.end(resolve));
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    let kubeConfig: KubeConfig;
    let kubeconfigPath: string | undefined;
    if (options.useExistingCluster) {
      kubeConfig = loadKubeConfig(options.kubeconfig, options.env);
      progress(`using the cluster at ${kubeConfig.getCurrentCluster()?.server ?? '?'} (context ${kubeConfig.getCurrentContext()})`);
    } else {
      progress('starting a local control plane (etcd and kube-apiserver on loopback)');
      const dataDir = path.join(dir, 'control-plane');
      mkdirSync(dataDir);
      const controlPlane: ControlPlane = await startControlPlane({
        logger: createLogger({ destination: progressStream(progress) }),
        dataDir,
        keepDataDir: true,
      });
      stops.push(() => controlPlane.stop());
      kubeconfigPath = controlPlane.kubeconfigPath;
      kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(kubeconfigPath);
    }
    signal.throwIfAborted();

    const simulator = await startSimulatorOn(options, dir, logger.child({ component: 'simulator' }));
    stops.push(() => simulator.close());
    progress(`Vobiz simulator listening on ${simulator.url}`);
    signal.throwIfAborted();

    const crds = await applyCrds(kubeConfig, path.join(packageRoot, 'crds'));
    await waitForCrds(kubeConfig, crds.applied, CRD_TIMEOUT_MS);
    progress(`installed the CRDs ${crds.applied.join(', ')}`);
    await ensureNamespace(kubeConfig, options.namespace);
    signal.throwIfAborted();

    const operator = await startOperator(operatorConfig(options, simulator, kubeconfigPath), { logger, kubeConfig });
    stops.push(() => operator.stop());
    progress(`operator started; its log goes to ${logFile}`);
    signal.throwIfAborted();

    const examples = readExamples(path.join(packageRoot, 'examples'), options.namespace);
    if (options.useExistingCluster) {
      // This step runs before the operator stops, so the operator removes its finalizer from
      // each example. Without it the examples would stay, and no delete would finish.
      stops.push(async () => {
        const left = await deleteExamples(kubeConfig, options.namespace, examples, EXAMPLE_DELETE_TIMEOUT_MS);
        for (const name of left) {
          progress(`PhoneNumber ${options.namespace}/${name} is still there; remove it with: kubectl patch pn ${name} -n ${options.namespace} --type merge -p '{"metadata":{"finalizers":null}}'`);
        }
      });
    }
    await applyExamples(kubeConfig, options.namespace, examples);
    progress(`applied ${examples.length} example PhoneNumbers to namespace ${options.namespace}: ${examples.map((example) => example.name).join(', ')}`);

    return {
      dir,
      logFile,
      kubeConfig,
      kubeconfigPath,
      simulator,
      operator,
      examples,
      preexistingCrds: options.useExistingCluster ? crds.existed : [],
      stop,
    };
  } catch (error) {
    // Keep the folder when the start failed, so its logs can be read; an abort is no failure.
    await stop(options.keepDir || !signal.aborted);
    throw signal.aborted ? error : new SandboxStartError(dir, error);
  }
}
