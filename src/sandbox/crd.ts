/**
 * Installs the CRDs of `crds/`, waits until the API server serves PhoneNumbers, and removes a
 * CRD the sandbox installed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ApiException, ApiextensionsV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';

import { GROUP, PLURAL, VERSION } from '../api/phone-number.ts';
import { PhoneNumberClient } from '../controller/kube.ts';

/**
 * Creates each CRD of `crdDir`, or replaces it when it exists; returns the names of those that
 * existed. An abort of `signal` takes effect before the next CRD, so no request is still in flight
 * when this rejects.
 */
export async function applyCrds(kubeConfig: KubeConfig, crdDir: string, signal?: AbortSignal): Promise<{ applied: string[]; existed: string[] }> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const files = readdirSync(crdDir).filter((file) => /\.ya?ml$/.test(file)).sort();
  const result = { applied: [] as string[], existed: [] as string[] };

  for (const file of files) {
    signal?.throwIfAborted();

    // loadYaml builds the client's typed model (`default` becomes `_default`, and so on), which
    // its serializer needs. Plain parsed YAML would lose those fields on the way out.
    const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(path.join(crdDir, file), 'utf8'));
    const name = crd.metadata?.name ?? file;

    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) throw error;
      const existing = await api.readCustomResourceDefinition({ name });
      await api.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
      result.existed.push(name);
    }
    result.applied.push(name);
  }
  return result;
}

/** Status codes the API server returns for a moment after a CRD is established. */
const SETTLING_STATUSES = new Set([404, 429, 503]);

/**
 * Waits until every CRD in `names` is Established and a list of PhoneNumbers succeeds. Right
 * after a CRD becomes Established the API server can still return 429 "storage is
 * (re)initializing" or 404 for a moment, so the list is retried. Rejects when `signal` aborts.
 */
export async function waitForCrds(kubeConfig: KubeConfig, names: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const client = new PhoneNumberClient(kubeConfig);
  const deadline = Date.now() + timeoutMs;
  let waitingFor = '';

  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const established = await Promise.all(
      names.map(async (name) => {
        const crd = await api.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') === true;
      }),
    );
    if (established.every(Boolean)) {
      try {
        await client.list(undefined);
        return;
      } catch (error) {
        if (!(error instanceof ApiException && SETTLING_STATUSES.has(error.code))) throw error;
        waitingFor = `PhoneNumber list answered HTTP ${error.code}`;
      }
    } else {
      waitingFor = 'the Established condition';
    }
    await sleep(250, undefined, { signal });
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for the CRDs ${names.join(', ')} (last: ${waitingFor})`);
}

/** Reads whether the CRD `name` exists in the cluster. */
export async function crdExists(kubeConfig: KubeConfig, name: string): Promise<boolean> {
  try {
    await kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
    return true;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return false;
    throw error;
  }
}

/**
 * Deletes the CRD `name` unless a PhoneNumber of any namespace is left, because deleting a CRD
 * deletes its resources too. Returns whether this call deleted it, and the `namespace/name` of
 * the PhoneNumbers that kept it.
 */
export async function deleteCrdUnlessUsed(kubeConfig: KubeConfig, name: string): Promise<{ deleted: boolean; left: string[] }> {
  if (!(await crdExists(kubeConfig, name))) return { deleted: false, left: [] };

  const left = await listPhoneNumberNames(kubeConfig);
  if (left.length > 0) return { deleted: false, left };

  try {
    await kubeConfig.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name });
    return { deleted: true, left: [] };
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return { deleted: false, left: [] };
    throw error;
  }
}

/** Lists the PhoneNumbers of every namespace as `namespace/name`. */
export async function listPhoneNumberNames(kubeConfig: KubeConfig): Promise<string[]> {
  const list = (await kubeConfig.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
    items?: Array<{ metadata?: { namespace?: string; name?: string } }>;
  };
  return (list.items ?? []).map((item) => `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`).sort();
}
