/**
 * A local Kubernetes control plane: a real etcd and a real kube-apiserver on loopback ports,
 * RBAC authorization on, an admin identity, and a kubeconfig file for it. The test suite and
 * `vobiz-operator sandbox` both start it through `startControlPlane`.
 *
 * There is no controller-manager or scheduler: custom resources, RBAC, leases, events, service
 * accounts and the TokenRequest API work, but pods never run, and garbage collection never
 * deletes objects whose owner is gone.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { Agent, request } from 'undici';

import type { Logger } from '../log.ts';
import { pickFreePort } from './ports.ts';
import { startProcess, type ManagedProcess } from './process.ts';
import { ensureTool } from './tools.ts';

const execFileAsync = promisify(execFile);

export interface ControlPlaneOptions {
  logger?: Logger;
  /** Folder for etcd data, certificates, logs and the kubeconfig; a new temporary folder by default. */
  dataDir?: string;
  /** Keep `dataDir` after `stop()`, for reading the logs of a failed run. */
  keepDataDir?: boolean;
  /** How long to wait for the API server to report ready, in milliseconds. */
  startTimeoutMs?: number;
  /** Aborts the start: a running `go build` is killed, started processes are stopped, and the promise rejects. */
  signal?: AbortSignal;
}

export interface ControlPlane {
  /** HTTPS URL of the API server, for example `https://127.0.0.1:41235`. */
  server: string;
  /** Path of a kubeconfig whose current context is the admin identity (group system:masters). */
  kubeconfigPath: string;
  dataDir: string;
  versions: { kubeApiserver: string; etcd: string };
  /** The API server's serving certificate chain (PEM), to verify TLS connections. */
  caPem: string;
  /** Issues a kubeconfig for another bearer token, for example a service account's. */
  writeKubeconfig(file: string, token: string, namespace?: string): void;
  stop(): Promise<void>;
}

async function readVersion(binary: string, pattern: RegExp): Promise<string> {
  const { stdout } = await execFileAsync(binary, ['--version']);
  return pattern.exec(stdout)?.[1] ?? stdout.trim();
}

async function waitUntil<T>(describe: string, timeoutMs: number, probe: () => Promise<T | undefined>, failed: () => string | undefined, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    signal?.throwIfAborted();

    const failure = failed();
    if (failure !== undefined) {
      throw new Error(failure);
    }

    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe}`);
}

function kubeconfigDocument(server: string, caPem: string, token: string, namespace: string): string {
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'vobiz-operator-local', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'vobiz-operator-local-user', user: { token } }],
    contexts: [{ name: 'vobiz-operator-local', context: { cluster: 'vobiz-operator-local', user: 'vobiz-operator-local-user', namespace } }],
    'current-context': 'vobiz-operator-local',
  };
  // JSON is valid YAML, and kubectl and @kubernetes/client-node read it as a kubeconfig.
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Starts etcd and kube-apiserver, waits until the API server's /readyz passes, and writes a kubeconfig. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.logger;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const signal = options.signal;

  const etcdTool = await ensureTool('etcd', { logger: log, signal });
  const apiserverTool = await ensureTool('kube-apiserver', { logger: log, signal });
  signal?.throwIfAborted();
  const versions = {
    etcd: await readVersion(etcdTool.path, /etcd Version:\s*(\S+)/),
    kubeApiserver: await readVersion(apiserverTool.path, /Kubernetes\s+(\S+)/),
  };

  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-control-plane-'));
  const certDir = path.join(dataDir, 'certs');
  const processes: ManagedProcess[] = [];
  let agent: Agent | undefined;

  const stop = async (): Promise<void> => {
    // The API server goes first so it does not log etcd connection errors while shutting down.
    for (const managed of [...processes].reverse()) {
      await managed.stop();
    }
    await agent?.close();
    if (options.keepDataDir !== true) {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };

  try {
    const etcdClientPort = await pickFreePort();
    const etcdPeerPort = await pickFreePort();
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;

    log?.info({ version: versions.etcd, url: etcdUrl }, `starting etcd ${versions.etcd}`);
    const etcd = startProcess('etcd', etcdTool.path, [
      '--name', 'vobiz-operator-local',
      '--data-dir', path.join(dataDir, 'etcd'),
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster', `vobiz-operator-local=http://127.0.0.1:${etcdPeerPort}`,
      // Test data is thrown away after the run, so durability is not worth the fsync cost.
      '--unsafe-no-fsync',
      '--quota-backend-bytes', String(2 * 1024 * 1024 * 1024),
    ], path.join(dataDir, 'etcd.log'));
    processes.push(etcd);

    await waitUntil('etcd to report healthy', startTimeoutMs, async () => {
      const response = await request(`${etcdUrl}/health`, { signal });
      const body = (await response.body.json()) as { health?: string };
      return response.statusCode === 200 && body.health === 'true' ? true : undefined;
    }, () => (etcd.child.exitCode !== null ? `etcd exited with code ${etcd.child.exitCode}:\n${etcd.tail()}` : undefined), signal);

    const adminToken = randomBytes(32).toString('hex');
    const tokenFile = path.join(dataDir, 'tokens.csv');
    writeFileSync(tokenFile, `${adminToken},vobiz-operator-admin,vobiz-operator-admin,"system:masters"\n`, { mode: 0o600 });

    const serviceAccountKeyFile = path.join(dataDir, 'service-account.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(serviceAccountKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    const securePort = await pickFreePort();
    const server = `https://127.0.0.1:${securePort}`;

    log?.info({ version: versions.kubeApiserver, server }, `starting kube-apiserver ${versions.kubeApiserver}`);
    const apiserver = startProcess('kube-apiserver', apiserverTool.path, [
      '--etcd-servers', etcdUrl,
      '--bind-address', '127.0.0.1',
      '--advertise-address', '127.0.0.1',
      '--secure-port', String(securePort),
      '--cert-dir', certDir,
      '--authorization-mode', 'RBAC',
      '--token-auth-file', tokenFile,
      '--service-account-key-file', serviceAccountKeyFile,
      '--service-account-signing-key-file', serviceAccountKeyFile,
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range', '10.96.0.0/16',
      '--allow-privileged=true',
      // One API server for a test run: the fairness queues only cost CPU here.
      '--enable-priority-and-fairness=false',
    ], path.join(dataDir, 'kube-apiserver.log'));
    processes.push(apiserver);

    const apiserverFailed = (): string | undefined =>
      apiserver.child.exitCode !== null ? `kube-apiserver exited with code ${apiserver.child.exitCode}:\n${apiserver.tail()}` : undefined;

    // The API server writes a self-signed serving certificate into --cert-dir as it starts.
    const caPem = await waitUntil('kube-apiserver to write its serving certificate', startTimeoutMs, async () => {
      const file = path.join(certDir, 'apiserver.crt');
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    }, apiserverFailed, signal);

    agent = new Agent({ connect: { ca: caPem } });
    const readyAgent = agent;
    await waitUntil('kube-apiserver /readyz', startTimeoutMs, async () => {
      const response = await request(`${server}/readyz`, { dispatcher: readyAgent, headers: { authorization: `Bearer ${adminToken}` }, signal });
      await response.body.text();
      return response.statusCode === 200 ? true : undefined;
    }, apiserverFailed, signal);

    const writeKubeconfig = (file: string, token: string, namespace = 'default'): void => {
      writeFileSync(file, kubeconfigDocument(server, caPem, token, namespace), { mode: 0o600 });
    };
    const kubeconfigPath = path.join(dataDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, adminToken);

    log?.info({ server, kubeconfigPath, kubeApiserver: versions.kubeApiserver, etcd: versions.etcd }, `control plane ready: kube-apiserver ${versions.kubeApiserver}, etcd ${versions.etcd}`);
    return { server, kubeconfigPath, dataDir, versions, caPem, writeKubeconfig, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
