/**
 * The PhoneNumber informer keeps trying after errors: started with an identity that may not list
 * PhoneNumbers, it logs each failure and restarts with backoff, and syncs as soon as RBAC allows
 * the list. It never stops silently. When the API server responds to a watch with 410 Gone,
 * it lists again and keeps delivering events.
 */
import { Writable } from 'node:stream';

import { CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GROUP, PLURAL } from '../../../src/api/phone-number.ts';
import { PhoneNumberInformer } from '../../../src/controller/informer.ts';
import { PhoneNumberClient } from '../../../src/controller/kube.ts';
import { createLogger } from '../../../src/log.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { createPhoneNumber, installCrd } from './support.ts';

/**
 * The real client, except that its first list reports resourceVersion 1, as a list from
 * before an etcd compaction would. The API server then responds to the watch from that
 * version with 410 Gone.
 */
class FirstListTooOld extends PhoneNumberClient {
  lists = 0;

  override async list(namespace: string | undefined): Promise<KubernetesListObject<KubernetesObject>> {
    const list = await super.list(namespace);
    this.lists += 1;
    return this.lists === 1 ? { ...list, metadata: { ...list.metadata, resourceVersion: '1' } } : list;
  }
}

/** Builds a kubeconfig for the same cluster that authenticates with `token`. */
function kubeConfigForToken(admin: KubeConfig, token: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error('the admin kubeconfig has no current cluster');
  const restricted = new KubeConfig();
  restricted.loadFromClusterAndUser(cluster, { name: 'restricted', token });
  return restricted;
}

describe('PhoneNumber informer', () => {
  let admin: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let informer: PhoneNumberInformer | undefined;
  let relisting: PhoneNumberInformer | undefined;
  const warnings: string[] = [];
  const added: string[] = [];

  beforeAll(async () => {
    admin = loadTestKubeConfig();
    await installCrd(admin);
    namespace = await createTestNamespace(admin, 'pn-informer');
  });

  afterAll(async () => {
    await informer?.stop();
    await relisting?.stop();
    await namespace?.remove();
  });

  it('restarts after list errors and syncs once access is granted', async () => {
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: namespace.name, body: { metadata: { name: 'restricted' } } });
    const tokenRequest = await core.createNamespacedServiceAccountToken({ name: 'restricted', namespace: namespace.name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const restricted = kubeConfigForToken(admin, tokenRequest.status?.token ?? '');

    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
          const record = JSON.parse(line) as { level: number; msg: string };
          if (record.level === 40) warnings.push(record.msg);
        }
        callback();
      },
    });
    informer = new PhoneNumberInformer({
      kubeConfig: restricted,
      client: new PhoneNumberClient(restricted),
      namespaces: [namespace.name],
      logger: createLogger({ level: 'warn', destination: sink }),
      handlers: {
        onAdd: (object: KubernetesObject) => added.push(object.metadata?.name ?? ''),
        onUpdate: () => {},
        onDelete: () => {},
      },
      restartBaseMs: 100,
      restartMaxMs: 400,
    });
    await informer.start();

    await eventually('two restarts after forbidden lists', () => (warnings.length >= 2 ? true : undefined));
    expect(informer.synced).toBe(false);
    expect(warnings[0]).toBe('PhoneNumber watch failed; restarting');

    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: namespace.name,
      body: { metadata: { name: 'phonenumber-reader' }, rules: [{ apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: namespace.name,
      body: {
        metadata: { name: 'phonenumber-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'phonenumber-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'restricted', namespace: namespace.name }],
      },
    });

    await informer.waitForSync();
    await createPhoneNumber({ objects: admin.makeApiClient(CustomObjectsApi), namespace: namespace.name }, 'watched', { e164: '+14155550130' });

    await eventually('the watch to deliver the new PhoneNumber', () => (added.includes('watched') ? true : undefined));
  });
  it('lists again after 410 Gone', async () => {
    const objects = admin.makeApiClient(CustomObjectsApi);
    const access = { objects, namespace: namespace.name };
    await createPhoneNumber(access, 'listed-first', { e164: '+14155550131' });

    const warned: string[] = [];
    const seen: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
          warned.push((JSON.parse(line) as { msg: string }).msg);
        }
        callback();
      },
    });
    const client = new FirstListTooOld(admin);
    relisting = new PhoneNumberInformer({
      kubeConfig: admin,
      client,
      namespaces: [namespace.name],
      logger: createLogger({ level: 'warn', destination: sink }),
      handlers: {
        onAdd: (object: KubernetesObject) => seen.push(object.metadata?.name ?? ''),
        onUpdate: () => {},
        onDelete: () => {},
      },
    });
    await relisting.start();
    await relisting.waitForSync();

    await eventually('a second list after 410 Gone', () => (client.lists >= 2 ? true : undefined));
    await createPhoneNumber(access, 'watched-after-relist', { e164: '+14155550132' });
    await eventually('the watch to deliver a PhoneNumber created after the relist', () => (seen.includes('watched-after-relist') ? true : undefined));

    expect(seen).toContain('listed-first');
    expect(warned).toEqual([]);
  });
});
