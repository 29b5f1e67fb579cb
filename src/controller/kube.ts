/**
 * PhoneNumber reads and writes on the Kubernetes API: the list for the informer, status writes
 * on the status subresource, and finalizer changes guarded by the resourceVersion.
 */
import { ApiException, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

import { FINALIZER, GROUP, PLURAL, VERSION, keyOf, parsePhoneNumber, type PhoneNumber, type PhoneNumberStatus } from '../api/phone-number.ts';

/** Returns the URL path of PhoneNumbers in one namespace, or in all when `namespace` is undefined. */
export function phoneNumbersPath(namespace: string | undefined): string {
  return namespace === undefined ? `/apis/${GROUP}/${VERSION}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
}

/** True when `error` is an API server response with this HTTP status. */
export function isApiStatus(error: unknown, status: number): boolean {
  return error instanceof ApiException && error.code === status;
}

/**
 * True when a status write with `ifUnchanged` failed because the resource changed, was replaced
 * or was deleted since it was read: 409 Conflict, or 404 Not Found.
 */
export function isResourceChanged(error: unknown): boolean {
  return isApiStatus(error, 409) || isApiStatus(error, 404);
}

export interface StatusWriteOptions {
  /** When true, the write fails unless the stored object still has the resourceVersion of `resource`. */
  ifUnchanged?: boolean;
}

export class PhoneNumberClient {
  private readonly api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Lists PhoneNumbers in one namespace or all, as raw objects for the informer. */
  async list(namespace: string | undefined): Promise<KubernetesListObject<KubernetesObject>> {
    const common = { group: GROUP, version: VERSION, plural: PLURAL };
    const list: unknown = namespace === undefined
      ? await this.api.listClusterCustomObject(common)
      : await this.api.listNamespacedCustomObject({ ...common, namespace });
    return list as KubernetesListObject<KubernetesObject>;
  }

  /**
   * Replaces the status of a resource and returns the stored object. With `ifUnchanged`, the
   * write fails with 409 Conflict unless the stored object still has the resourceVersion of
   * `resource`, and with 404 Not Found once the object is gone.
   */
  async writeStatus(resource: PhoneNumber, status: PhoneNumberStatus, options: StatusWriteOptions = {}): Promise<PhoneNumber> {
    const target = { group: GROUP, version: VERSION, plural: PLURAL, namespace: resource.metadata.namespace, name: resource.metadata.name };

    if (options.ifUnchanged === true) {
      const { uid, resourceVersion } = resource.metadata;
      if (resourceVersion === undefined) {
        throw new Error(`cannot write the status of ${keyOf(resource)} only if unchanged: the resource has no resourceVersion`);
      }
      // A PUT on the status subresource checks metadata.resourceVersion and returns 409 on a
      // mismatch. A JSON Patch `test` on it would fail with a 422 that also means an invalid status.
      const updated: unknown = await this.api.replaceNamespacedCustomObjectStatus({
        ...target,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'PhoneNumber',
          metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace, uid, resourceVersion },
          status,
        },
        fieldManager: 'vobiz-operator',
      });
      return parsePhoneNumber(updated);
    }

    const updated: unknown = await this.api.patchNamespacedCustomObjectStatus({
      ...target,
      // JSON Patch `add` on /status replaces the whole status, removing fields no longer set.
      body: [{ op: 'add', path: '/status', value: status }],
      fieldManager: 'vobiz-operator',
    });
    return parsePhoneNumber(updated);
  }

  /** Adds the operator's finalizer; fails with 422 (a failed JSON Patch `test`) if the resource changed meanwhile. */
  async addFinalizer(resource: PhoneNumber): Promise<PhoneNumber> {
    const finalizers = [...(resource.metadata.finalizers ?? []), FINALIZER];
    return this.setFinalizers(resource, finalizers);
  }

  /** Removes the operator's finalizer; fails with 422 (a failed JSON Patch `test`) if the resource changed meanwhile. */
  async removeFinalizer(resource: PhoneNumber): Promise<PhoneNumber | undefined> {
    const finalizers = (resource.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    try {
      return await this.setFinalizers(resource, finalizers);
    } catch (error) {
      // The API server deletes the object as soon as its last finalizer is gone.
      if (isApiStatus(error, 404)) {
        return undefined;
      }
      throw error;
    }
  }

  private async setFinalizers(resource: PhoneNumber, finalizers: string[]): Promise<PhoneNumber> {
    const updated: unknown = await this.api.patchNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: resource.metadata.namespace,
      name: resource.metadata.name,
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: resource.metadata.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: finalizers },
      ],
      fieldManager: 'vobiz-operator',
    });
    return parsePhoneNumber(updated);
  }
}
