/**
 * Starts one real etcd and kube-apiserver for the whole integration run and gives each test
 * file the admin kubeconfig through `inject('kubeconfigPath')`. With USE_EXISTING_CLUSTER=true it
 * uses the current kubeconfig instead (kind, minikube); test files create their own namespaces.
 */
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import type { TestProject } from 'vitest/node';

import { startControlPlane, type ControlPlane } from '../../src/controlplane/control-plane.ts';
import { ensureTool, type ToolName } from '../../src/controlplane/tools.ts';
import { createLogger } from '../../src/log.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    usingExistingCluster: boolean;
    toolPaths: Record<ToolName, string>;
  }
}

/** Prints each log record's message as a plain line, so the test output stays readable. */
const plainLines = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() !== '') {
        const record = JSON.parse(line) as { msg?: string };
        console.log(`[control plane] ${record.msg ?? line}`);
      }
    }
    callback();
  },
});

let controlPlane: ControlPlane | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = createLogger({ destination: plainLines });

  const toolPaths = {} as Record<ToolName, string>;
  for (const name of ['etcd', 'kube-apiserver', 'kubectl', 'helm', 'promtool'] as const) {
    toolPaths[name] = (await ensureTool(name, { logger })).path;
  }
  project.provide('toolPaths', toolPaths);

  if (process.env.USE_EXISTING_CLUSTER === 'true') {
    const kubeconfigPath = process.env.KUBECONFIG ?? path.join(os.homedir(), '.kube', 'config');
    console.log(`[control plane] USE_EXISTING_CLUSTER=true: using the current context of ${kubeconfigPath}`);
    project.provide('kubeconfigPath', kubeconfigPath);
    project.provide('usingExistingCluster', true);
    return async () => {};
  }

  controlPlane = await startControlPlane({ logger, keepDataDir: process.env.KEEP_CONTROL_PLANE_DATA === 'true' });
  project.provide('kubeconfigPath', controlPlane.kubeconfigPath);
  project.provide('usingExistingCluster', false);

  return async () => {
    await controlPlane?.stop();
  };
}
