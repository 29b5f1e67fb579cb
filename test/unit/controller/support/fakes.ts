/**
 * In-memory stand-ins for the reconciler's collaborators in unit tests: a Vobiz account that
 * records every call, a PhoneNumber writer that keeps objects in a map, and an event sink.
 * Contract and integration tests use the real client, simulator and API server instead.
 */
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';

import { API_VERSION, KIND, phoneNumberSchema, type PhoneNumber, type PhoneNumberStatus } from '../../../../src/api/phone-number.ts';
import type { EventRecorder, EventType } from '../../../../src/controller/events.ts';
import type { StatusWriteOptions } from '../../../../src/controller/kube.ts';
import type { PhoneNumberWriter } from '../../../../src/controller/reconciler.ts';
import type { ObjectCacheSource } from '../../../../src/controller/resource-store.ts';
import { VobizError } from '../../../../src/vobiz/errors.ts';
import type { InventoryNumber, OwnedNumber, Page, VobizApi } from '../../../../src/vobiz/types.ts';

export const MAIN = 'MA_MAIN0001';

export class FakeVobiz implements VobizApi {
  readonly authId = MAIN;
  readonly numbers = new Map<string, OwnedNumber>();
  readonly inventory = new Map<string, InventoryNumber>();
  /** Ids that `listTrunks` and `listSubAccounts` return. */
  readonly trunkGroupIds = new Set<string>();
  readonly subAccountIds = new Set<string>();
  readonly calls: string[] = [];
  /** Errors to throw, by operation name, consumed one per call. */
  readonly failures = new Map<string, VobizError[]>();

  offer(e164: string, monthlyFee = 2, currency = 'USD'): void {
    this.inventory.set(e164, { e164, country: 'US', setupFee: 1, monthlyFee, currency });
  }

  own(e164: string, fields: Partial<OwnedNumber> = {}): OwnedNumber {
    const number: OwnedNumber = { id: `id-${e164}`, e164, accountId: MAIN, country: 'US', status: 'active', setupFee: 1, monthlyFee: 2, currency: 'USD', ...fields };
    this.numbers.set(e164, number);
    return number;
  }

  failNext(operation: string, error: VobizError): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), error]);
  }

  mutations(): string[] {
    const reads = ['findOwnedNumber', 'listNumbersPage', 'searchInventory', 'listTrunks', 'listSubAccounts'];
    return this.calls.filter((call) => !reads.some((read) => call.startsWith(read)));
  }

  private enter(operation: string, detail: string): void {
    this.calls.push(`${operation} ${detail}`.trim());
    const queued = this.failures.get(operation);
    const error = queued?.shift();
    if (error !== undefined) {
      throw error;
    }
  }

  private ownedOrThrow(operation: string, e164: string): OwnedNumber {
    const number = this.numbers.get(e164);
    if (number === undefined) {
      throw new VobizError('VOBIZ_NOT_FOUND', operation, 'number not found', { status: 404 });
    }
    return number;
  }

  async searchInventory(query: { search?: string }): Promise<Page<InventoryNumber>> {
    this.enter('searchInventory', query.search ?? '');
    const items = [...this.inventory.values()].filter((item) => query.search === undefined || item.e164.includes(query.search));
    return { items, page: 1, perPage: 25, total: items.length };
  }

  async purchaseFromInventory(e164: string, currency?: string): Promise<OwnedNumber> {
    this.enter('purchase', e164);
    const offer = this.inventory.get(e164);
    if (offer === undefined) {
      throw new VobizError('VOBIZ_NOT_FOUND', 'purchase', 'number not found in inventory', { status: 404 });
    }
    this.inventory.delete(e164);
    return this.own(e164, { monthlyFee: offer.monthlyFee, currency: currency ?? offer.currency, purchasedAt: '2026-07-01T00:00:00Z' });
  }

  async listNumbersPage(query: { page: number; perPage?: number }): Promise<Page<OwnedNumber>> {
    this.enter('listNumbersPage', String(query.page));
    const perPage = query.perPage ?? 25;
    const all = [...this.numbers.values()];
    return { items: all.slice((query.page - 1) * perPage, query.page * perPage), page: query.page, perPage, total: all.length };
  }

  async listAllNumbers(): Promise<OwnedNumber[]> {
    return [...this.numbers.values()];
  }

  async findOwnedNumber(e164: string): Promise<OwnedNumber | undefined> {
    this.enter('findOwnedNumber', e164);
    return this.numbers.get(e164);
  }

  async releaseNumber(e164: string): Promise<{ status: 'pending_release' }> {
    this.enter('release', e164);
    const number = this.ownedOrThrow('release', e164);
    const { trunkGroupId: _trunk, ...rest } = number;
    this.numbers.set(e164, { ...rest, status: 'pending_release' });
    return { status: 'pending_release' };
  }

  async cancelRelease(e164: string): Promise<void> {
    this.enter('cancelRelease', e164);
    const number = this.ownedOrThrow('cancelRelease', e164);
    this.numbers.set(e164, { ...number, status: 'active' });
  }

  async assignTrunk(e164: string, trunkGroupId: string): Promise<void> {
    this.enter('assignTrunk', `${e164} ${trunkGroupId}`);
    const number = this.ownedOrThrow('assignTrunk', e164);
    if (number.trunkGroupId !== undefined) {
      throw new VobizError('VOBIZ_ALREADY_ASSIGNED', 'assignTrunk', 'This number is already assigned to a trunk.', { status: 400 });
    }
    this.numbers.set(e164, { ...number, trunkGroupId });
  }

  async unassignTrunk(e164: string): Promise<void> {
    this.enter('unassignTrunk', e164);
    const { trunkGroupId: _trunk, ...rest } = this.ownedOrThrow('unassignTrunk', e164);
    this.numbers.set(e164, rest);
  }

  async assignSubAccount(e164: string, subAccountId: string): Promise<void> {
    this.enter('assignSubAccount', `${e164} ${subAccountId}`);
    this.numbers.set(e164, { ...this.ownedOrThrow('assignSubAccount', e164), accountId: subAccountId });
  }

  async unassignSubAccount(e164: string, options: { force?: boolean } = {}): Promise<void> {
    this.enter('unassignSubAccount', `${e164}${options.force === true ? ' force' : ''}`);
    this.numbers.set(e164, { ...this.ownedOrThrow('unassignSubAccount', e164), accountId: MAIN });
  }

  async listTrunks(): Promise<{ trunkId: string; name: string }[]> {
    this.enter('listTrunks', '');
    return [...this.trunkGroupIds].map((trunkId) => ({ trunkId, name: trunkId }));
  }

  async getTrunk(trunkId: string): Promise<{ trunkId: string; name: string }> {
    return { trunkId, name: trunkId };
  }

  async listSubAccounts(): Promise<{ authId: string; name: string }[]> {
    this.enter('listSubAccounts', '');
    return [...this.subAccountIds].map((authId) => ({ authId, name: authId }));
  }

  async getAccount(): Promise<{ authId: string; role: string }> {
    return { authId: MAIN, role: 'admin' };
  }

  async getBalance(currency: string): Promise<{ currency: string; balance: number; availableBalance: number }> {
    return { currency, balance: 100, availableBalance: 100 };
  }
}

/** Keeps PhoneNumbers in a map, bumping resourceVersion on each write like the API server. */
export class FakeCluster implements PhoneNumberWriter, ObjectCacheSource {
  readonly objects = new Map<string, PhoneNumber>();
  statusWrites = 0;
  private version = 100;

  put(resource: PhoneNumber): PhoneNumber {
    this.version += 1;
    const stored = structuredClone({ ...resource, metadata: { ...resource.metadata, resourceVersion: String(this.version) } });
    this.objects.set(`${resource.metadata.namespace}/${resource.metadata.name}`, stored);
    return structuredClone(stored);
  }

  list(): KubernetesObject[] {
    return [...this.objects.values()].map((object) => structuredClone(object) as KubernetesObject);
  }

  get(namespace: string, name: string): KubernetesObject | undefined {
    const found = this.objects.get(`${namespace}/${name}`);
    return found === undefined ? undefined : (structuredClone(found) as KubernetesObject);
  }

  async writeStatus(resource: PhoneNumber, status: PhoneNumberStatus, options: StatusWriteOptions = {}): Promise<PhoneNumber> {
    const stored = this.objects.get(`${resource.metadata.namespace}/${resource.metadata.name}`);
    if (options.ifUnchanged === true && stored?.metadata.resourceVersion !== resource.metadata.resourceVersion) {
      throw new ApiException(stored === undefined ? 404 : 409, 'the object has been modified', {}, {});
    }
    this.statusWrites += 1;
    const current = stored ?? resource;
    return this.put({ ...current, status });
  }

  async addFinalizer(resource: PhoneNumber): Promise<PhoneNumber> {
    return this.put({ ...resource, metadata: { ...resource.metadata, finalizers: [...(resource.metadata.finalizers ?? []), 'telephony.vobiz-operator.dev/release'] } });
  }

  async removeFinalizer(resource: PhoneNumber): Promise<PhoneNumber | undefined> {
    this.objects.delete(`${resource.metadata.namespace}/${resource.metadata.name}`);
    return undefined;
  }
}

export class RecordedEvents implements EventRecorder {
  readonly events: { type: EventType; reason: string; message: string }[] = [];

  async record(_resource: PhoneNumber, type: EventType, reason: string, message: string): Promise<void> {
    this.events.push({ type, reason, message });
  }
}

let uidCounter = 0;

/** Builds a PhoneNumber with the spec defaults applied. */
export function phoneNumber(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): PhoneNumber {
  uidCounter += 1;
  return phoneNumberSchema.parse({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: 'default', uid: `uid-${String(uidCounter).padStart(4, '0')}`, generation: 1, creationTimestamp: '2026-07-01T00:00:00Z', ...metadata },
    spec,
  });
}
