/**
 * The Kubernetes side of the operator benchmarks: a real kube-apiserver and etcd from
 * `startControlPlane`, the PhoneNumber CRD, one namespace per run, and PhoneNumbers created in
 * bulk and watched until Ready.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import { READY, findCondition } from '../../src/api/conditions.ts';
import { GROUP, KIND, PLURAL, VERSION, type PhoneNumber } from '../../src/api/phone-number.ts';
import { PhoneNumberClient } from '../../src/controller/kube.ts';
import { startControlPlane } from '../../src/controlplane/control-plane.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { applyCrds, waitForCrds } from '../../src/sandbox/crd.ts';
import type { Cleanup } from './lifecycle.ts';
import { progress } from './markdown.ts';

const crdDir = fileURLToPath(new URL('../../crds/', import.meta.url));

export interface BenchCluster {
  kubeConfig: KubeConfig;
  versions: { kubeApiserver: string; etcd: string };
}

/** Logs warnings and errors only, as JSON lines on standard error, so standard output keeps only the Markdown. */
export function quietLogger(): Logger {
  return createLogger({ level: 'warn', destination: process.stderr });
}

/** Starts a control plane with the PhoneNumber CRD installed; `cleanup` stops it and removes its folder. */
export async function startBenchCluster(cleanup: Cleanup): Promise<BenchCluster> {
  progress('starting kube-apiserver and etcd');
  const controlPlane = await startControlPlane({ logger: quietLogger() });
  cleanup.add('control plane', () => controlPlane.stop());

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);

  const { applied } = await applyCrds(kubeConfig, crdDir);
  await waitForCrds(kubeConfig, applied, 60_000);
  progress(`control plane ready: kube-apiserver ${controlPlane.versions.kubeApiserver}, etcd ${controlPlane.versions.etcd}, CRDs from ${path.relative(process.cwd(), crdDir)}`);
  return { kubeConfig, versions: controlPlane.versions };
}

/** Creates a namespace; the control plane is thrown away at the end, so nothing deletes it. */
export async function createNamespace(kubeConfig: KubeConfig, name: string): Promise<string> {
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Creates one PhoneNumber per spec, named `pn-0`, `pn-1`, …, with at most `parallelism` requests in flight. */
export async function createPhoneNumbers(kubeConfig: KubeConfig, namespace: string, specs: readonly Record<string, unknown>[], parallelism: number): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  let next = 0;

  const worker = async (): Promise<void> => {
    for (let index = next++; index < specs.length; index = next++) {
      await api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND, metadata: { name: `pn-${index}` }, spec: specs[index] },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, specs.length) }, worker));
}

function isReady(object: PhoneNumber): boolean {
  const ready = findCondition(object.status?.conditions, READY);
  return ready?.status === 'True' && object.status?.observedGeneration === object.metadata.generation;
}

/**
 * Lists the namespace every `pollMs` until `count` PhoneNumbers are Ready for their current
 * generation, and returns `performance.now()` of the list that first showed them all. The
 * result is late by at most one poll interval plus one list call.
 */
export async function waitForAllReady(kubeConfig: KubeConfig, namespace: string, count: number, options: { pollMs: number; timeoutMs: number }): Promise<number> {
  const client = new PhoneNumberClient(kubeConfig);
  const deadline = performance.now() + options.timeoutMs;
  let ready = 0;

  while (performance.now() < deadline) {
    const list = await client.list(namespace);
    ready = (list.items as PhoneNumber[]).filter(isReady).length;
    if (ready >= count) return performance.now();
    await sleep(options.pollMs);
  }
  throw new Error(`timed out after ${options.timeoutMs / 1_000} s waiting for ${count} PhoneNumbers in namespace ${namespace} to be Ready; ${ready} were Ready`);
}
