/**
 * Proves the test control plane is a real Kubernetes API server: CRDs with a status
 * subresource, watches through the client's informer, optimistic concurrency (409 on a stale
 * resourceVersion) and the status subresource's split of spec and status.
 */
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, VersionApi, makeInformer, type KubernetesObject, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createTestNamespace, eventually, loadTestKubeConfig } from './support/kube.ts';

const group = 'probe.vobiz-operator.dev';
const plural = 'widgets';

interface Widget extends KubernetesObject {
  spec?: { size?: number };
  status?: { phase?: string };
}

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [{
      name: 'v1',
      served: true,
      storage: true,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
            status: { type: 'object', properties: { phase: { type: 'string' } } },
          },
        },
      },
    }],
  },
};

describe('test control plane', () => {
  let kubeConfig: KubeConfig;
  let objects: CustomObjectsApi;
  let namespace: { name: string; remove: () => Promise<void> };

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    objects = kubeConfig.makeApiClient(CustomObjectsApi);
    namespace = await createTestNamespace(kubeConfig, 'control-plane');

    const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: crd }).catch((error: unknown) => {
      if (!(error instanceof ApiException && error.code === 409)) {
        throw error;
      }
    });
    await eventually('the Widget CRD to be established', async () => {
      const current = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
      return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  });

  afterAll(async () => {
    await namespace?.remove();
  });

  it('reports real versions', async () => {
    const version = await kubeConfig.makeApiClient(VersionApi).getCode();
    console.log(`kube-apiserver ${version.gitVersion} (${inject('usingExistingCluster') ? 'existing cluster' : 'started by this run'})`);
    expect(version.major).toMatch(/^\d+$/);
  });

  it('delivers an object to an informer', async () => {
    const path = `/apis/${group}/v1/namespaces/${namespace.name}/${plural}`;
    const informer = makeInformer<Widget>(kubeConfig, path, () =>
      objects.listNamespacedCustomObject({ group, version: 'v1', namespace: namespace.name, plural }) as never,
    );
    const seen: string[] = [];
    informer.on('add', (object) => seen.push(object.metadata?.name ?? ''));

    // The client's informer stops on any error and must be restarted by its owner. Right after
    // a CRD is established the API server's watch cache rejects lists with 429 "storage is
    // (re)initializing", so this restart is exercised here, as in the controller.
    const errors: unknown[] = [];
    let stopped = false;
    informer.on('error', (error) => {
      errors.push(error);
      if (!stopped) {
        setTimeout(() => void informer.start().catch(() => undefined), 500);
      }
    });
    await informer.start().catch(() => undefined);

    try {
      await objects.createNamespacedCustomObject({
        group, version: 'v1', namespace: namespace.name, plural,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'watched' }, spec: { size: 1 } },
      });
      await eventually('the informer to see the new Widget', () => (seen.includes('watched') ? true : undefined));
      expect(informer.get('watched', namespace.name)?.spec?.size).toBe(1);
    } finally {
      stopped = true;
      await informer.stop();
    }
    console.log(`informer restarts after errors: ${errors.length}`);
  });

  it('rejects a stale resourceVersion with 409', async () => {
    const created = (await objects.createNamespacedCustomObject({
      group, version: 'v1', namespace: namespace.name, plural,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'conflict' }, spec: { size: 1 } },
    })) as Widget;

    const first = { ...created, spec: { size: 2 } };
    await objects.replaceNamespacedCustomObject({ group, version: 'v1', namespace: namespace.name, plural, name: 'conflict', body: first });

    const stale = { ...created, spec: { size: 3 } };
    const error = await objects.replaceNamespacedCustomObject({ group, version: 'v1', namespace: namespace.name, plural, name: 'conflict', body: stale }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(409);
  });

  it('rejects a value its schema forbids', async () => {
    const error = await objects.createNamespacedCustomObject({
      group, version: 'v1', namespace: namespace.name, plural,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'invalid' }, spec: { size: 0 } },
    }).catch((e: unknown) => e);
    expect((error as ApiException<unknown>).code).toBe(422);
    expect(String((error as ApiException<unknown>).body)).toContain('spec.size');
  });

  it('keeps spec and status writes apart', async () => {
    const created = (await objects.createNamespacedCustomObject({
      group, version: 'v1', namespace: namespace.name, plural,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'split' }, spec: { size: 1 }, status: { phase: 'ignored' } },
    })) as Widget;
    expect(created.status).toBeUndefined();
    expect(created.metadata?.generation).toBe(1);

    // A write to /status changes status only: the spec change it carries is dropped and the generation stays.
    const statusWrite = (await objects.replaceNamespacedCustomObjectStatus({
      group, version: 'v1', namespace: namespace.name, plural, name: 'split',
      body: { ...created, spec: { size: 9 }, status: { phase: 'Ready' } },
    })) as Widget;
    expect(statusWrite.status?.phase).toBe('Ready');
    expect(statusWrite.spec?.size).toBe(1);
    expect(statusWrite.metadata?.generation).toBe(1);

    // A write to the main resource changes spec only, and bumps the generation.
    const specWrite = (await objects.replaceNamespacedCustomObject({
      group, version: 'v1', namespace: namespace.name, plural, name: 'split',
      body: { ...statusWrite, spec: { size: 2 }, status: { phase: 'Overwritten' } },
    })) as Widget;
    expect(specWrite.spec?.size).toBe(2);
    expect(specWrite.status?.phase).toBe('Ready');
    expect(specWrite.metadata?.generation).toBe(2);
  });
});
