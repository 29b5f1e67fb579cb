/** Helpers shared by integration tests that talk to the test run's kube-apiserver. */
import { randomBytes } from 'node:crypto';

import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';

export function loadTestKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject('kubeconfigPath'));
  return kubeConfig;
}

/** Creates a namespace with a random suffix and returns its name and a function that deletes it. */
export async function createTestNamespace(kubeConfig: KubeConfig, prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'vobiz-operator.dev/test': 'true' } } } });

  const remove = async (): Promise<void> => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  };
  return { name, remove };
}

/** Polls `probe` every 100 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(description: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;

  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${reason}`);
}
