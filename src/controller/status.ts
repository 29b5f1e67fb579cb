/**
 * Builds a PhoneNumber's status from what Vobiz showed and the reconcile's outcome, and decides
 * whether it differs from the stored one. The operator writes status only when it changed, so a
 * converged resource costs the API server nothing per sweep.
 */
import { READY, SYNCED, setCondition, type ConditionStatus } from '../api/conditions.ts';
import type { PendingPurchase, PhoneNumber, PhoneNumberStatus } from '../api/phone-number.ts';
import type { OwnedNumber } from '../vobiz/types.ts';

export interface ConditionOutcome {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface StatusInput {
  /**
   * The number as the reconcile last saw it at Vobiz; `number` undefined means the account does
   * not own it. Leave `observation` out to keep the stored observed fields.
   */
  observation?: { number: OwnedNumber | undefined };
  mainAccountId: string;
  ready?: ConditionOutcome;
  synced?: ConditionOutcome;
  coolOffUntil?: Date | undefined;
  /** Cool-off responses in a row without an end time; 0 or undefined removes the field. */
  coolOffRetries?: number | undefined;
  pendingPurchase?: PendingPurchase | undefined;
}

type ObservedFields = Pick<PhoneNumberStatus, 'accountId' | 'trunkGroupId' | 'subAccountId' | 'vobizStatus' | 'setupFee' | 'monthlyFee' | 'currency' | 'purchasedAt'>;

const OBSERVED_KEYS = ['accountId', 'trunkGroupId', 'subAccountId', 'vobizStatus', 'setupFee', 'monthlyFee', 'currency', 'purchasedAt'] as const;

/** Returns the status fields that mirror the number at Vobiz. */
export function observedFields(observed: OwnedNumber | undefined, mainAccountId: string): ObservedFields {
  if (observed === undefined || observed.status === 'released') {
    return {};
  }

  const fields: ObservedFields = {
    accountId: observed.accountId,
    vobizStatus: observed.status,
    setupFee: observed.setupFee,
    monthlyFee: observed.monthlyFee,
    currency: observed.currency,
  };
  if (observed.trunkGroupId !== undefined) fields.trunkGroupId = observed.trunkGroupId;
  if (observed.accountId !== mainAccountId) fields.subAccountId = observed.accountId;
  if (observed.purchasedAt !== undefined) fields.purchasedAt = observed.purchasedAt;
  return fields;
}

/** True when the status already mirrors the observed number. */
export function statusMirrors(status: PhoneNumberStatus | undefined, observed: OwnedNumber | undefined, mainAccountId: string): boolean {
  const expected = observedFields(observed, mainAccountId);
  return OBSERVED_KEYS.every((key) => status?.[key] === expected[key]);
}

/**
 * Returns the status the resource should have and whether it differs from the stored one.
 * Conditions and fields not given keep their stored value; `lastSyncTime` changes only when
 * something else does.
 */
export function buildStatus(resource: PhoneNumber, input: StatusInput, now: Date): { status: PhoneNumberStatus; changed: boolean } {
  const current = resource.status ?? {};
  const generation = resource.metadata.generation;

  let conditions = current.conditions;
  for (const [type, outcome] of [[READY, input.ready], [SYNCED, input.synced]] as const) {
    if (outcome !== undefined) {
      conditions = setCondition(conditions, { type, ...outcome, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
    }
  }

  const next: PhoneNumberStatus = {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    ...(conditions === undefined ? {} : { conditions }),
    ...(input.observation === undefined ? pickObserved(current) : observedFields(input.observation.number, input.mainAccountId)),
  };

  const coolOffUntil = 'coolOffUntil' in input ? input.coolOffUntil?.toISOString() : current.coolOffUntil;
  if (coolOffUntil !== undefined) next.coolOffUntil = coolOffUntil;

  const coolOffRetries = 'coolOffRetries' in input ? input.coolOffRetries : current.coolOffRetries;
  if (coolOffRetries !== undefined && coolOffRetries > 0) next.coolOffRetries = coolOffRetries;

  const pendingPurchase = 'pendingPurchase' in input ? input.pendingPurchase : current.pendingPurchase;
  if (pendingPurchase !== undefined) next.pendingPurchase = pendingPurchase;

  if (current.lastSyncTime !== undefined) next.lastSyncTime = current.lastSyncTime;
  const changed = !statusEqual(current, next);
  if (changed) {
    next.lastSyncTime = now.toISOString();
  }
  return { status: next, changed };
}

function pickObserved(status: PhoneNumberStatus): ObservedFields {
  const fields: ObservedFields = {};
  for (const key of OBSERVED_KEYS) {
    if (status[key] !== undefined) {
      Object.assign(fields, { [key]: status[key] });
    }
  }
  return fields;
}

/** Compares two statuses as JSON, ignoring key order. */
export function statusEqual(a: PhoneNumberStatus | undefined, b: PhoneNumberStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      return Object.fromEntries(Object.entries(item as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
    }
    return item;
  });
}
