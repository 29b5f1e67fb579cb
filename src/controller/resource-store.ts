/**
 * Reads PhoneNumbers for the reconciler: the informer's cache, overlaid with the objects the
 * operator itself just wrote. Without the overlay, a reconcile that runs before the watch
 * delivers the operator's own status write would compare against the old status and write again.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

import { InvalidPhoneNumberError, keyOf, parsePhoneNumber, type PhoneNumber } from '../api/phone-number.ts';
import type { Logger } from '../log.ts';

export interface ObjectCacheSource {
  list(): KubernetesObject[];
  get(namespace: string, name: string): KubernetesObject | undefined;
}

/**
 * True when resourceVersion `a` is newer than `b`. The API server documents resourceVersions as
 * opaque; this compares them as the integers etcd issues.
 */
function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) {
    return false;
  }
  return BigInt(a) > BigInt(b);
}

export class ResourceStore {
  private readonly source: ObjectCacheSource;
  private readonly logger: Logger;
  private readonly written = new Map<string, PhoneNumber>();

  constructor(source: ObjectCacheSource, logger: Logger) {
    this.source = source;
    this.logger = logger;
  }

  /** Remembers an object the operator wrote, until the informer delivers it or something newer. */
  remember(resource: PhoneNumber): void {
    this.written.set(keyOf(resource), resource);
  }

  /** Forgets the written copy of a key, for example after the resource was deleted. */
  forget(key: string): void {
    this.written.delete(key);
  }

  /** The newest known version of a resource, or undefined when it does not exist. */
  get(key: string): PhoneNumber | undefined {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.source.get(namespace, name);
    return this.newest(key, cached);
  }

  /** Returns every valid resource; invalid ones are logged and left out. */
  list(): PhoneNumber[] {
    const resources: PhoneNumber[] = [];
    for (const object of this.source.list()) {
      try {
        const resource = this.newest(keyOf({ metadata: object.metadata ?? {} }), object);
        if (resource !== undefined) {
          resources.push(resource);
        }
      } catch (error) {
        if (!(error instanceof InvalidPhoneNumberError)) {
          throw error;
        }
        this.logger.warn({ err: error }, 'skipping an invalid PhoneNumber');
      }
    }
    return resources;
  }

  private newest(key: string, cached: KubernetesObject | undefined): PhoneNumber | undefined {
    if (cached === undefined) {
      this.written.delete(key);
      return undefined;
    }

    const written = this.written.get(key);
    if (written !== undefined) {
      if (written.metadata.uid === cached.metadata?.uid && isNewer(written.metadata.resourceVersion, cached.metadata?.resourceVersion)) {
        return written;
      }
      this.written.delete(key);
    }
    return parsePhoneNumber(cached);
  }
}
