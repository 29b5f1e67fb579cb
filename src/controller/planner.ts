/**
 * The planner: a pure function from a PhoneNumber's spec and the number as Vobiz last showed it
 * to the ordered Vobiz actions that converge them. It makes no calls and reads no clock, so
 * every case is a row in a unit-test table.
 *
 * Order: get the number (purchase, or cancel a pending release); then the sub-account (unassign
 * from another sub-account, then assign); then the trunk (unassign, then assign). Vobiz moves a
 * number between trunks or sub-accounts only as an unassign followed by an assign.
 */
import type { PhoneNumberSpec } from '../api/phone-number.ts';
import type { OwnedNumber } from '../vobiz/types.ts';
import type { Action } from './actions.ts';

/** A spec field the observed number disagrees with; the label of `vobiz_operator_drift_detected_total`. */
export type DriftField = 'ownership' | 'trunk' | 'sub_account';

/** Reason the plan stops short of convergence without any call. */
export type WaitReason = 'NotOwned' | 'CoolOffInEffect' | 'NumberBlocked' | 'PurchasePending';

export interface PlanWait {
  reason: WaitReason;
  message: string;
  /** When to look again; undefined means at the next sweep or spec change. */
  retryAt?: Date;
}

export interface PlanInput {
  spec: PhoneNumberSpec;
  /** The number in the last complete sweep (updated with confirmed mutations); undefined when not owned. */
  observed: OwnedNumber | undefined;
  /** Auth id of the operator's account; a number whose `accountId` equals it is on no sub-account. */
  mainAccountId: string;
  now: Date;
  /** End of a cool-off Vobiz reported for this number, read back from status. */
  coolOffUntil?: Date;
  /** Delay after `coolOffUntil` before the sub-account move is tried again; see `coolOffJitterMs`. Default 0. */
  coolOffJitterMs?: number;
}

export interface Plan {
  actions: Action[];
  drift: DriftField[];
  wait?: PlanWait;
}

/** The state the plan expects after its actions; only the fields the planner reasons about. */
interface ExpectedState {
  accountId: string;
  trunkGroupId: string | undefined;
}

function planOwnership(input: PlanInput, actions: Action[], drift: DriftField[]): ExpectedState | PlanWait {
  const { spec, observed, mainAccountId } = input;

  if (observed === undefined || observed.status === 'released') {
    drift.push('ownership');
    if (spec.acquisition === 'AdoptOnly') {
      return {
        reason: 'NotOwned',
        message: `The account does not own ${spec.e164} and acquisition is AdoptOnly, so the operator will not buy it.`,
      };
    }
    actions.push({ type: 'purchase', e164: spec.e164, ...(spec.currency === undefined ? {} : { currency: spec.currency }) });
    // A purchased number lands on the main account with no trunk.
    return { accountId: mainAccountId, trunkGroupId: undefined };
  }

  switch (observed.status) {
    case 'pending_release':
      drift.push('ownership');
      actions.push({ type: 'cancelRelease', e164: spec.e164 });
      // Release detached the trunk, and cancelling does not restore it.
      return { accountId: observed.accountId, trunkGroupId: undefined };

    case 'pending_purchase':
      return { reason: 'PurchasePending', message: `Vobiz has not finished the purchase of ${spec.e164}.` };

    case 'blocked':
      return { reason: 'NumberBlocked', message: `Vobiz has blocked ${spec.e164}; contact Vobiz support to unblock it.` };

    case 'active':
      return { accountId: observed.accountId, trunkGroupId: observed.trunkGroupId };
  }
}

function planSubAccount(input: PlanInput, state: ExpectedState, actions: Action[], drift: DriftField[]): PlanWait | undefined {
  const { spec, mainAccountId, now, coolOffUntil } = input;
  const retryAt = coolOffUntil === undefined ? undefined : new Date(coolOffUntil.getTime() + (input.coolOffJitterMs ?? 0));
  const desiredAccountId = spec.subAccountId ?? mainAccountId;
  if (state.accountId === desiredAccountId) {
    return undefined;
  }
  drift.push('sub_account');

  if (state.accountId !== mainAccountId) {
    const coolingOff = coolOffUntil !== undefined && retryAt !== undefined && retryAt.getTime() > now.getTime();
    if (coolingOff && !spec.forceSubAccountMove) {
      return {
        reason: 'CoolOffInEffect',
        message: `Vobiz's 15-day cool-off keeps ${spec.e164} on sub-account ${state.accountId} until ${coolOffUntil.toISOString()}; the operator tries the move again at ${retryAt.toISOString()}.`,
        retryAt,
      };
    }
    actions.push({ type: 'unassignSubAccount', e164: spec.e164, fromSubAccountId: state.accountId, force: spec.forceSubAccountMove });
  }

  if (spec.subAccountId !== undefined) {
    actions.push({ type: 'assignSubAccount', e164: spec.e164, subAccountId: spec.subAccountId });
  }
  return undefined;
}

function planTrunk(input: PlanInput, state: ExpectedState, actions: Action[], drift: DriftField[]): void {
  const { spec } = input;
  if (state.trunkGroupId === spec.trunkGroupId) {
    return;
  }
  drift.push('trunk');

  if (state.trunkGroupId !== undefined) {
    actions.push({ type: 'unassignTrunk', e164: spec.e164, fromTrunkGroupId: state.trunkGroupId });
  }
  if (spec.trunkGroupId !== undefined) {
    actions.push({ type: 'assignTrunk', e164: spec.e164, trunkGroupId: spec.trunkGroupId });
  }
}

/**
 * Plans the actions that converge the observed number with the spec. A cool-off blocks only the
 * sub-account step: the trunk is still planned, so the number keeps routing to the trunk group the spec names.
 */
export function planNumber(input: PlanInput): Plan {
  const actions: Action[] = [];
  const drift: DriftField[] = [];

  const ownership = planOwnership(input, actions, drift);
  if ('reason' in ownership) {
    return { actions, drift, wait: ownership };
  }

  const subAccountWait = planSubAccount(input, ownership, actions, drift);
  planTrunk(input, ownership, actions, drift);

  return subAccountWait === undefined ? { actions, drift } : { actions, drift, wait: subAccountWait };
}
