/**
 * Turns a failed Vobiz call into the resource's conditions and the work queue's next step.
 * Errors that a later attempt may get past (5xx, timeouts, resets, rate limits, unknown
 * outcomes) back off. Errors that need a person (forbidden force, balance, unknown trunk group)
 * retry slowly, and their message names the fix.
 */
import { isVobizError, type VobizError } from '../vobiz/errors.ts';
import type { Action } from './actions.ts';
import type { NumberState } from './metrics.ts';
import type { ConditionOutcome } from './status.ts';
import type { HandlerResult } from './work-queue.ts';

/** Delay before retrying a failure that needs a change outside the operator. */
export const SLOW_RETRY_MS = 300_000;

/**
 * Ready reasons of failures that retry on their own slow timer. A sweep that finds the same
 * drift again does not enqueue such a resource, so it does not call Vobiz every interval.
 */
export const SLOW_RETRY_REASONS: ReadonlySet<string> = new Set([
  'InsufficientBalance',
  'ForceNotPermitted',
  'TrunkGroupNotFound',
  'SubAccountNotFound',
  'NotInInventory',
  'PurchaseBudgetExceeded',
]);

export interface Failure {
  ready: ConditionOutcome;
  synced: ConditionOutcome;
  state: NumberState;
  result: HandlerResult;
}

function notReady(reason: string, message: string): ConditionOutcome {
  return { status: 'False', reason, message };
}

const SYNCED_OK: ConditionOutcome = { status: 'True', reason: 'ReconcileSucceeded', message: 'The last reconcile reached Vobiz without error.' };

/**
 * Classifies an error that is not tied to one action, such as a failed read of the trunk group
 * list. Every such failure backs off, with Vobiz's Retry-After when it sent one.
 */
export function classifyReadFailure(error: unknown): Failure {
  if (!isVobizError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ready: notReady('ReconcileError', message),
      synced: notReady('ReconcileError', message),
      state: 'error',
      result: { outcome: 'error' },
    };
  }
  return vobizErrorFailure(error);
}

/** Classifies an error thrown by `action`. */
export function classifyFailure(action: Action, error: unknown): Failure {
  if (!isVobizError(error)) {
    return classifyReadFailure(error);
  }

  if (error.code === 'VOBIZ_INSUFFICIENT_BALANCE') {
    return {
      ready: notReady('InsufficientBalance', `Vobiz could not debit the account to purchase ${action.e164}; top up the balance. The operator retries every ${SLOW_RETRY_MS / 60_000} minutes.`),
      synced: SYNCED_OK,
      state: 'error',
      result: { outcome: 'requeue', afterMs: SLOW_RETRY_MS },
    };
  }

  if (error.code === 'VOBIZ_FORBIDDEN' && action.type === 'unassignSubAccount' && action.force) {
    return {
      ready: notReady('ForceNotPermitted', `Vobiz refused force=true when moving ${action.e164} off ${action.fromSubAccountId}: only admin accounts may skip the cool-off. Set spec.forceSubAccountMove to false to wait for the cool-off instead.`),
      synced: SYNCED_OK,
      state: 'error',
      result: { outcome: 'requeue', afterMs: SLOW_RETRY_MS },
    };
  }

  if (error.code === 'VOBIZ_NOT_FOUND' && action.type === 'assignTrunk') {
    return {
      ready: notReady('TrunkGroupNotFound', `Vobiz has no trunk group ${action.trunkGroupId}; fix spec.trunkGroupId.`),
      synced: SYNCED_OK,
      state: 'error',
      result: { outcome: 'requeue', afterMs: SLOW_RETRY_MS },
    };
  }

  if (error.code === 'VOBIZ_NOT_FOUND' && action.type === 'assignSubAccount') {
    return {
      ready: notReady('SubAccountNotFound', `Vobiz has no sub-account ${action.subAccountId}; fix spec.subAccountId.`),
      synced: SYNCED_OK,
      state: 'error',
      result: { outcome: 'requeue', afterMs: SLOW_RETRY_MS },
    };
  }

  if (error.code === 'VOBIZ_NOT_FOUND' && action.type === 'purchase') {
    return {
      ready: notReady('NotInInventory', `${action.e164} is not for sale at Vobiz and the account does not own it. Pick a number from the inventory.`),
      synced: SYNCED_OK,
      state: 'error',
      result: { outcome: 'requeue', afterMs: SLOW_RETRY_MS },
    };
  }

  return vobizErrorFailure(error);
}

function vobizErrorFailure(error: VobizError): Failure {
  const message = `${error.code}: ${error.message}`;
  const result: HandlerResult = error.retryAfterMs === undefined ? { outcome: 'error' } : { outcome: 'error', afterMs: error.retryAfterMs };
  return {
    ready: notReady('VobizError', message),
    synced: notReady('VobizError', message),
    state: 'error',
    result,
  };
}

export { SYNCED_OK };
