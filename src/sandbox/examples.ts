/**
 * The example PhoneNumbers the sandbox applies: read from `examples/`, checked against the
 * schema, and applied with server-side apply so that a second run updates them in place.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

import { GROUP, KIND, PLURAL, VERSION } from '../api/phone-number.ts';
import { readManifestFiles } from '../manifests/files.ts';
import { validatePhoneNumber } from '../manifests/phone-numbers.ts';

/** Field manager of the sandbox's server-side applies. */
export const FIELD_MANAGER = 'vobiz-operator-sandbox';

export interface Example {
  name: string;
  e164: string;
  /** The manifest as written, with its namespace set to the sandbox's. */
  manifest: Record<string, unknown>;
}

/** Reads the PhoneNumbers of `dir`; throws when one is invalid, since the sandbox would never get it Ready. */
export function readExamples(dir: string, namespace: string): Example[] {
  const examples: Example[] = [];

  for (const document of readManifestFiles([dir])) {
    if ('error' in document) {
      throw new Error(`example ${document.source} is not valid YAML: ${document.error}`);
    }
    if (document.value.kind !== KIND) continue;

    const metadata = { ...(document.value.metadata as Record<string, unknown> | undefined), namespace };
    const manifest = { ...document.value, metadata };
    const checked = validatePhoneNumber(manifest, document.source, namespace, false);
    if ('issues' in checked) {
      throw new Error(`example ${document.source} is not a valid PhoneNumber: ${checked.issues.join('; ')}`);
    }
    examples.push({ name: checked.resource.metadata.name, e164: checked.resource.spec.e164, manifest });
  }
  return examples;
}

/** Label on the namespaces the sandbox creates, so that leftovers can be found with a selector. */
export const SANDBOX_NAMESPACE_LABEL = 'vobiz-operator.dev/sandbox';

/** Creates `namespace` unless it exists; returns true when this call created it. */
export async function ensureNamespace(kubeConfig: KubeConfig, namespace: string): Promise<boolean> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { [SANDBOX_NAMESPACE_LABEL]: 'true' } } } });
    return true;
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
    return false;
  }
}

/**
 * Deletes `namespace`. Kubernetes removes it in the background once its objects are gone; a
 * cluster without kube-controller-manager, like the sandbox's own control plane, leaves it
 * Terminating.
 */
export async function deleteNamespace(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  await kubeConfig
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name: namespace })
    .catch((error: unknown) => {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    });
}

/**
 * Server-side applies each example into `namespace`. An abort of `signal` takes effect before the
 * next apply, so when this rejects no apply is in flight that could create an example after the
 * cleanup.
 */
export async function applyExamples(kubeConfig: KubeConfig, namespace: string, examples: readonly Example[], signal?: AbortSignal): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  for (const example of examples) {
    signal?.throwIfAborted();
    await api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace, name: example.name, body: example.manifest, fieldManager: FIELD_MANAGER, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }
}

/**
 * Deletes the examples and waits until they are gone, which needs the operator running to remove
 * its finalizer. Returns the names still present after `timeoutMs`.
 */
export async function deleteExamples(kubeConfig: KubeConfig, namespace: string, examples: readonly Example[], timeoutMs: number): Promise<string[]> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const common = { group: GROUP, version: VERSION, plural: PLURAL, namespace };
  const isGone = (error: unknown): boolean => error instanceof ApiException && error.code === 404;

  for (const example of examples) {
    await api.deleteNamespacedCustomObject({ ...common, name: example.name }).catch((error: unknown) => {
      if (!isGone(error)) throw error;
    });
  }

  const deadline = Date.now() + timeoutMs;
  let remaining = examples.map((example) => example.name);
  while (remaining.length > 0 && Date.now() < deadline) {
    const present = await Promise.all(
      remaining.map((name) => api.getNamespacedCustomObject({ ...common, name }).then(() => name, (error: unknown) => (isGone(error) ? undefined : name))),
    );
    remaining = present.filter((name): name is string => name !== undefined);
    if (remaining.length > 0) await sleep(250);
  }
  return remaining;
}
