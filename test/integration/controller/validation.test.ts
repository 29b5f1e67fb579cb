/**
 * The API server enforces the PhoneNumber schema: strict E.164 and an immutable spec.e164,
 * each rejected with a message that names the field.
 */
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GROUP, PLURAL, VERSION } from '../../../src/api/phone-number.ts';
import { createTestNamespace, loadTestKubeConfig } from '../support/kube.ts';
import { installCrd } from './support.ts';

describe('PhoneNumber validation by the API server', () => {
  let kubeConfig: KubeConfig;
  let objects: CustomObjectsApi;
  let namespace: { name: string; remove: () => Promise<void> };

  const common = () => ({ group: GROUP, version: VERSION, plural: PLURAL, namespace: namespace.name });
  const manifest = (name: string, e164: string) => ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'PhoneNumber', metadata: { name }, spec: { e164 } });

  async function rejection(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ApiException) {
        const body = typeof error.body === 'string' ? (JSON.parse(error.body) as { message?: string }) : (error.body as { message?: string });
        return { code: error.code, message: body.message ?? '' };
      }
      throw error;
    }
    throw new Error('expected the API server to reject the request');
  }

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    objects = kubeConfig.makeApiClient(CustomObjectsApi);
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-validation');
  });

  afterAll(async () => {
    await namespace?.remove();
  });

  it.each([['digits without plus', '4155551234'], ['spaces', '+1 415 555 1234'], ['leading zero', '+04155551234']])('rejects e164 with %s', async (_case, e164) => {
    const result = await rejection(objects.createNamespacedCustomObject({ ...common(), body: manifest('bad-number', e164) }));

    expect(result.code).toBe(422);
    expect(result.message).toContain('spec.e164');
    expect(result.message).toContain(e164);
  });

  it('rejects a changed e164', async () => {
    await objects.createNamespacedCustomObject({ ...common(), body: manifest('fixed-number', '+14155550199') });

    const result = await rejection(
      objects.patchNamespacedCustomObject({ ...common(), name: 'fixed-number', body: [{ op: 'replace', path: '/spec/e164', value: '+14155550198' }] }),
    );

    expect(result.code).toBe(422);
    expect(result.message).toContain('spec.e164');
    expect(result.message).toContain('immutable');
  });

  it('applies the spec defaults', async () => {
    const created = (await objects.createNamespacedCustomObject({ ...common(), body: manifest('defaults', '+14155550197') })) as { spec: Record<string, unknown> };

    expect(created.spec).toEqual({
      e164: '+14155550197',
      deletionPolicy: 'Retain',
      forceSubAccountMove: false,
      acquisition: 'PurchaseOrAdopt',
      managementPolicy: 'Manage',
    });
  });
});
