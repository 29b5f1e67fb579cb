/**
 * Runs `vobiz-operator run` on this machine the way the chart's Deployment runs it in a pod: the
 * container's args and environment, its Secret volumes written to folders, and a kubeconfig in
 * place of the pod's ServiceAccount token. No pod can run on the test control plane, which
 * has no scheduler or kubelet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { V1Container, V1Deployment, V1EnvVar, V1Secret, V1Volume } from '@kubernetes/client-node';

import { pickFreePort } from '../../../../src/controlplane/ports.ts';
import { REPO_ROOT } from './helm.ts';

const CLI = path.join(REPO_ROOT, 'src', 'cli.ts');

export interface PodContext {
  deployment: V1Deployment;
  /** Secrets the pod's volumes refer to, by name. */
  secrets: V1Secret[];
  /** Namespace and name of the pod, for the downward API. */
  namespace: string;
  podName: string;
  /** Kubeconfig whose user is the ServiceAccount, in place of the mounted token. */
  kubeconfigPath: string;
  /** Folder for the volumes' files. */
  workDir: string;
}

export interface OperatorProcess {
  /** Base URL of the operator's /metrics, /healthz and /readyz server on 127.0.0.1. */
  url: string;
  /** The arguments the process was started with, after the volume paths were rewritten. */
  args: string[];
  /** Everything the process printed so far (JSON log lines). */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

function writeSecretVolume(volume: V1Volume, secrets: V1Secret[], folder: string): void {
  const source = volume.secret;
  const secret = secrets.find((candidate) => candidate.metadata?.name === source?.secretName);
  if (source === undefined || secret === undefined) {
    throw new Error(`volume ${volume.name}: no Secret named ${source?.secretName} among the given Secrets`);
  }

  const items = source.items ?? Object.keys(secret.data ?? {}).map((key) => ({ key, path: key }));
  for (const item of items) {
    const encoded = secret.data?.[item.key];
    if (encoded === undefined) {
      throw new Error(`volume ${volume.name}: Secret ${secret.metadata?.name} has no key ${item.key}`);
    }
    writeFileSync(path.join(folder, item.path), Buffer.from(encoded, 'base64'), { mode: 0o600 });
  }
}

/** Writes each mounted volume to a folder and returns the map from mount path to folder. */
function materializeVolumes(container: V1Container, volumes: V1Volume[], context: PodContext): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((candidate) => candidate.name === mount.name);
    const folder = path.join(context.workDir, 'volumes', mount.name);
    mkdirSync(folder, { recursive: true });

    if (volume?.secret !== undefined) {
      writeSecretVolume(volume, context.secrets, folder);
    } else if (volume?.emptyDir === undefined) {
      throw new Error(`volume ${mount.name}: only secret and emptyDir volumes are supported here`);
    }
    mounts.set(mount.mountPath, folder);
  }
  return mounts;
}

function resolveEnv(variables: V1EnvVar[], context: PodContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of variables) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
    } else if (fieldPath === 'metadata.namespace') {
      env[variable.name] = context.namespace;
    } else if (fieldPath === 'metadata.name') {
      env[variable.name] = context.podName;
    } else {
      throw new Error(`environment variable ${variable.name}: only values and the fields metadata.namespace and metadata.name are supported here`);
    }
  }
  return env;
}

/** Starts the operator with the Deployment's container spec and waits until /readyz passes. */
export async function startOperatorProcess(context: PodContext, readyTimeoutMs = 60_000): Promise<OperatorProcess> {
  const pod = context.deployment.spec?.template.spec;
  const container = pod?.containers[0];
  if (pod === undefined || container === undefined) {
    throw new Error('the Deployment has no container');
  }

  const mounts = materializeVolumes(container, pod.volumes ?? [], context);
  const port = await pickFreePort();
  // A flag's value that is a mount path, or a path under it, points into the mount's folder.
  const rewritePaths = (arg: string): string => {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=') + 1), arg.slice(arg.indexOf('=') + 1)] : ['', arg];
    const mountPath = [...mounts.keys()].sort((a, b) => b.length - a.length).find((candidate) => value === candidate || value.startsWith(`${candidate}/`));
    return mountPath === undefined ? arg : `${flag}${mounts.get(mountPath)}${value.slice(mountPath.length)}`;
  };

  // The chart's --http-port is a container port; here the process needs a free loopback port.
  const args = (container.args ?? []).map(rewritePaths).map((arg) => (arg.startsWith('--http-port=') ? `--http-port=${port}` : arg));
  args.push('--http-host=127.0.0.1');

  // A clean environment, as in a container: nothing from this test process leaks in.
  const env = {
    PATH: process.env.PATH ?? '',
    HOSTNAME: context.podName,
    KUBECONFIG: context.kubeconfigPath,
    ...resolveEnv(container.env ?? [], context),
  };

  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const stop = async (timeoutMs = 20_000): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const deadline = Date.now() + readyTimeoutMs;
  let ready = false;
  while (!ready && child.exitCode === null && Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    await response?.text();
    ready = response?.status === 200;
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!ready) {
    const reason = child.exitCode === null ? `did not pass /readyz within ${readyTimeoutMs} ms` : `exited with code ${child.exitCode}`;
    await stop();
    throw new Error(`the operator ${reason}; its output:\n${output}`);
  }

  return { url, args, output: () => output, stop };
}
