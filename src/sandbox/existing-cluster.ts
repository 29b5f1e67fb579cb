/**
 * The checks and cleanup of `sandbox --use-existing-cluster`. A cluster that already has the
 * PhoneNumber CRD may run a vobiz-operator with real Vobiz credentials, which would act on the
 * sandbox's examples too, so the sandbox rejects such a cluster unless --allow-existing-crd is
 * given. The examples go to a namespace of their own, deleted again on exit.
 */
import { randomBytes } from 'node:crypto';

import type { KubeConfig } from '@kubernetes/client-node';

import { FINALIZER, GROUP, PLURAL } from '../api/phone-number.ts';
import { crdExists, listPhoneNumberNames } from './crd.ts';

export const PHONE_NUMBER_CRD = `${PLURAL}.${GROUP}`;

/** Maximum number of existing PhoneNumbers the rejection message lists by name. */
const LISTED_PHONE_NUMBERS = 5;

/** Thrown when the cluster already has the PhoneNumber CRD and --allow-existing-crd is not given. */
export class ExistingCrdError extends Error {
  readonly code = 'SANDBOX_EXISTING_CRD';

  constructor(cluster: string, phoneNumbers: readonly string[]) {
    const listed = phoneNumbers.slice(0, LISTED_PHONE_NUMBERS).join(', ');
    const more = phoneNumbers.length > LISTED_PHONE_NUMBERS ? ` and ${phoneNumbers.length - LISTED_PHONE_NUMBERS} more` : '';
    const found = phoneNumbers.length === 0 ? 'and no PhoneNumbers' : `and ${phoneNumbers.length} PhoneNumbers (${listed}${more})`;
    super(
      `the cluster at ${cluster} already has the CRD ${PHONE_NUMBER_CRD} ${found}, so vobiz-operator may be installed there.\n` +
        "The sandbox would replace that CRD with this checkout's version, and a vobiz-operator running in the cluster with real Vobiz " +
        "credentials would act on the sandbox's examples too: it can buy their numbers, and release the numbers of examples with " +
        'deletionPolicy: Release when the sandbox deletes them.\n' +
        'Use a cluster without vobiz-operator (a new kind cluster, for example), or run the sandbox without --use-existing-cluster. ' +
        'To go ahead in this cluster anyway, add --allow-existing-crd.',
    );
    this.name = 'ExistingCrdError';
  }
}

/** Describes the current cluster of `kubeConfig` for messages: its server URL and context. */
export function describeCluster(kubeConfig: KubeConfig): string {
  return `${kubeConfig.getCurrentCluster()?.server ?? '(no server in the kubeconfig)'} (context ${kubeConfig.getCurrentContext()})`;
}

/**
 * Checks the cluster before the sandbox changes anything in it. Returns true when the PhoneNumber
 * CRD exists and `allowExistingCrd` is set; throws `ExistingCrdError` when it exists and the flag
 * is not set.
 */
export async function checkExistingCluster(kubeConfig: KubeConfig, allowExistingCrd: boolean): Promise<boolean> {
  if (!(await crdExists(kubeConfig, PHONE_NUMBER_CRD))) return false;

  const phoneNumbers = await listPhoneNumberNames(kubeConfig);
  if (!allowExistingCrd) throw new ExistingCrdError(describeCluster(kubeConfig), phoneNumbers);
  return true;
}

/** Returns a new namespace name for the examples, such as `vobiz-sandbox-3fa9c1`. */
export function sandboxNamespaceName(): string {
  return `vobiz-sandbox-${randomBytes(3).toString('hex')}`;
}

export interface Leftovers {
  namespace: string;
  /** Example PhoneNumbers still in `namespace`, with the operator's finalizer. */
  phoneNumbers: readonly string[];
  /** True when the sandbox created `namespace`. */
  namespaceCreated: boolean;
  /** True when the sandbox installed the CRD into a cluster that did not have it. */
  crdInstalled: boolean;
}

/**
 * Returns the kubectl commands that remove what the sandbox leaves in the cluster: the examples'
 * finalizers first, since no operator runs to remove them, then the examples or their namespace,
 * and the CRD when the sandbox installed it.
 */
export function removalCommands(leftovers: Leftovers): string[] {
  const { namespace, phoneNumbers } = leftovers;
  const lines = phoneNumbers.map((name) => `  kubectl -n ${namespace} patch pn ${name} --type merge -p '{"metadata":{"finalizers":null}}'`);
  lines.push(leftovers.namespaceCreated ? `  kubectl delete namespace ${namespace}` : `  kubectl -n ${namespace} delete pn ${phoneNumbers.join(' ')}`);
  if (leftovers.crdInstalled) {
    lines.push(`  kubectl delete crd ${PHONE_NUMBER_CRD}`);
  }
  return lines;
}

/** Describes PhoneNumbers the stop could not delete, with the commands that remove them. */
export function describeLeftovers(leftovers: Leftovers): string {
  return [
    `The PhoneNumbers ${leftovers.phoneNumbers.join(', ')} are still in namespace ${leftovers.namespace}, with the operator's finalizer ${FINALIZER}. Remove them with:`,
    ...removalCommands(leftovers),
  ].join('\n');
}

/** Describes what an exit before the cleanup may leave in the cluster, with the commands that remove it. */
export function describeInterruptedCleanup(leftovers: Leftovers): string {
  return [
    `The sandbox exited before its cleanup of namespace ${leftovers.namespace} finished. Remove what is left (a NotFound error means that part is gone already) with:`,
    ...removalCommands(leftovers),
  ].join('\n');
}
