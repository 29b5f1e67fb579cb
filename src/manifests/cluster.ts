/**
 * Reads PhoneNumbers from a cluster through a kubeconfig, for `plan --from-cluster` and
 * `import`. Objects that fail the schema are returned as invalid, not thrown, so one bad object
 * does not hide the others.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ApiException, KubeConfig } from '@kubernetes/client-node';

import { GROUP, PLURAL, VERSION } from '../api/phone-number.ts';
import { PhoneNumberClient } from '../controller/kube.ts';
import { validatePhoneNumber, type InvalidManifest, type SourcedPhoneNumber } from './phone-numbers.ts';

/** Thrown when the cluster cannot be read; the message names the server and the fix. */
export class ClusterReadError extends Error {
  readonly code = 'CLUSTER_READ';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterReadError';
  }
}

/** Thrown when no usable kubeconfig is found; the message names the flag that fixes it. */
export class KubeconfigError extends Error {
  readonly code = 'KUBECONFIG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeconfigError';
  }
}

/** Returns the kubeconfig file kubectl would use: `--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`. */
export function kubeconfigLocation(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined && flag !== '') return flag;
  if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') return env.KUBECONFIG;
  const home = path.join(os.homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

/** True when a kubeconfig file or an in-cluster service account is available. */
export function kubeconfigAvailable(flag: string | undefined, env: NodeJS.ProcessEnv): boolean {
  return kubeconfigLocation(flag, env) !== undefined || env.KUBERNETES_SERVICE_HOST !== undefined;
}

/** Loads the kubeconfig kubectl would use; in a pod without a kubeconfig, the in-cluster config. */
export function loadKubeConfig(flag: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kubeConfig = new KubeConfig();
  const location = kubeconfigLocation(flag, env);
  try {
    if (location !== undefined) {
      kubeConfig.loadFromFile(location);
    } else if (env.KUBERNETES_SERVICE_HOST !== undefined) {
      kubeConfig.loadFromCluster();
    } else {
      throw new Error('no kubeconfig found');
    }
  } catch (error) {
    throw new KubeconfigError(
      `cannot load a kubeconfig${location === undefined ? '' : ` from ${location}`}: ${(error as Error).message}. Pass --kubeconfig FILE or set KUBECONFIG.`,
      { cause: error },
    );
  }
  if (kubeConfig.getCurrentCluster() === null) {
    throw new KubeconfigError(`the kubeconfig ${location ?? ''} has no current context with a cluster; run 'kubectl config use-context NAME' or pass --kubeconfig FILE.`);
  }
  return kubeConfig;
}

/** Returns the namespace of the kubeconfig's current context, or `default`. */
export function contextNamespace(kubeConfig: KubeConfig): string {
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  return context?.namespace ?? 'default';
}

export interface ClusterPhoneNumbers {
  resources: SourcedPhoneNumber[];
  invalid: InvalidManifest[];
}

/** Lists the PhoneNumbers of one namespace, or of all namespaces when `namespace` is undefined. */
export async function readClusterPhoneNumbers(kubeConfig: KubeConfig, namespace: string | undefined): Promise<ClusterPhoneNumbers> {
  const server = kubeConfig.getCurrentCluster()?.server ?? '(unknown server)';
  const scope = namespace === undefined ? 'all namespaces' : `namespace ${namespace}`;

  let items;
  try {
    items = (await new PhoneNumberClient(kubeConfig).list(namespace)).items;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) {
      throw new ClusterReadError(
        `the cluster at ${server} does not serve ${PLURAL}.${GROUP}/${VERSION}: install the CRD first with 'kubectl apply -f crds/'.`,
        { cause: error },
      );
    }
    if (error instanceof ApiException && (error.code === 401 || error.code === 403)) {
      throw new ClusterReadError(`the cluster at ${server} returned HTTP ${error.code} to the list of PhoneNumbers in ${scope}; check the kubeconfig's credentials and RBAC.`, { cause: error });
    }
    throw new ClusterReadError(`failed to list PhoneNumbers in ${scope} from ${server}: ${(error as Error).message}`, { cause: error });
  }

  const result: ClusterPhoneNumbers = { resources: [], invalid: [] };
  for (const item of items) {
    const object = item as unknown as Record<string, unknown>;
    const itemNamespace = item.metadata?.namespace ?? namespace ?? 'default';
    const parsed = validatePhoneNumber(object, 'cluster', itemNamespace, true);
    if ('issues' in parsed) {
      result.invalid.push(parsed);
    } else {
      result.resources.push(parsed);
    }
  }
  return result;
}
