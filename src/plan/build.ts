/**
 * Builds the plan: for each PhoneNumber, the controller's own decisions (`planNumber`, the
 * duplicate rule of `claimOwner`, pause, Observe, deletion) applied to the account as Vobiz
 * lists it now. Pure: the caller reads Vobiz and the manifests.
 *
 * The controller can call Vobiz and fail: a number not for sale, an unknown trunk group or
 * sub-account. The plan then lists the actions before that call, because those changes would
 * happen, and a problem note for the call.
 *
 * NOTE: the plan does not apply the running operator's purchase budgets (--max-purchases-per-hour,
 * --max-monthly-fee), which it cannot read; they may hold a planned purchase back.
 */
import { FINALIZER, createdAtMs, isDeleting, isPaused, keyOf, type PhoneNumber } from '../api/phone-number.ts';
import { describeAction, type Action } from '../controller/actions.ts';
import { coolOffJitterMs } from '../controller/cool-off.ts';
import { claimOwner, otherLiveClaimants } from '../controller/ownership.ts';
import { planNumber, type PlanWait } from '../controller/planner.ts';
import type { SourcedPhoneNumber } from '../manifests/phone-numbers.ts';
import type { OwnedNumber } from '../vobiz/types.ts';
import type { AccountView, EntryOutcome, PlanAction, PlanEntry, PlanNote, PlannedAction } from './model.ts';

function outcomeOf(actions: readonly PlannedAction[], notes: readonly PlanNote[]): EntryOutcome {
  if (notes.some((note) => note.kind === 'skip')) return 'skipped';
  if (notes.some((note) => note.kind === 'problem')) return 'problem';
  if (actions.length > 0) return 'change';
  if (notes.some((note) => note.kind === 'wait')) return 'waiting';
  return 'in-sync';
}

function withName(description: string, name: string | undefined): string {
  return name === undefined ? description : `${description} (${name})`;
}

/** Describes an action, with trunk group and sub-account names where the account lists them. */
export function describePlanAction(action: PlanAction, account: AccountView): string {
  switch (action.type) {
    case 'release':
      return `release ${action.e164} (Vobiz charges a release fee; the release can be cancelled for 24 hours)`;
    case 'assignTrunk':
      return withName(describeAction(action), account.trunks?.get(action.trunkGroupId)?.name);
    case 'unassignTrunk':
      return withName(describeAction(action), account.trunks?.get(action.fromTrunkGroupId)?.name);
    case 'assignSubAccount':
      return withName(describeAction(action), account.subAccounts?.get(action.subAccountId)?.name);
    case 'unassignSubAccount':
      return withName(describeAction(action), account.subAccounts?.get(action.fromSubAccountId)?.name);
    default:
      return describeAction(action);
  }
}

/** Predicts, from the account's lists, the problem the controller would meet running `action`. */
function predictFailure(action: Action, account: AccountView): PlanNote | undefined {
  if (action.type === 'purchase' && !account.offers.has(action.e164)) {
    return {
      kind: 'problem',
      reason: 'NotInInventory',
      message: `${action.e164} cannot be purchased: it is not in Vobiz's inventory and the account does not own it (another account owns it, it is in quarantine after a release, or Vobiz never stocked it). Pick a number from the inventory.`,
    };
  }
  if (action.type === 'assignTrunk' && account.trunks !== undefined && !account.trunks.has(action.trunkGroupId)) {
    return {
      kind: 'problem',
      reason: 'TrunkGroupNotFound',
      message: `Vobiz has no trunk group ${action.trunkGroupId}, so the assignment would fail; fix spec.trunkGroupId (the account has ${[...account.trunks.keys()].join(', ') || 'no trunk groups'}).`,
    };
  }
  if (action.type === 'assignSubAccount' && account.subAccounts !== undefined && !account.subAccounts.has(action.subAccountId)) {
    return {
      kind: 'problem',
      reason: 'SubAccountNotFound',
      message: `Vobiz has no sub-account ${action.subAccountId}, so the assignment would fail; fix spec.subAccountId (the account has ${[...account.subAccounts.keys()].join(', ') || 'no sub-accounts'}).`,
    };
  }
  return undefined;
}

/** Notes a reviewer needs next to an action that will run. */
function actionNotes(action: Action, account: AccountView, coolOffKnown: boolean): PlanNote[] {
  const notes: PlanNote[] = [];
  if (action.type === 'purchase') {
    const offer = account.offers.get(action.e164);
    if (offer !== undefined && action.currency !== undefined && action.currency !== offer.currency) {
      notes.push({
        kind: 'info',
        reason: 'CurrencyConversion',
        message: `spec.currency is ${action.currency}: Vobiz converts the fees at its own rate, so the prices here are in ${offer.currency} as the inventory lists them.`,
      });
    }
  }
  if (action.type === 'unassignSubAccount' && !action.force && !coolOffKnown) {
    notes.push({
      kind: 'info',
      reason: 'CoolOffPossible',
      message: `Vobiz rejects moving ${action.e164} off ${action.fromSubAccountId} for 15 days after the number's last call. It shows no call times, so the plan cannot tell whether the move happens now or after the cool-off.`,
    });
  }
  if (action.type === 'unassignSubAccount' && action.force) {
    notes.push({
      kind: 'info',
      reason: 'ForceSubAccountMove',
      message: `spec.forceSubAccountMove is true: the move skips the cool-off, which Vobiz allows only for admin accounts.`,
    });
  }
  return notes;
}

function waitNote(wait: PlanWait): PlanNote {
  const problem = wait.reason === 'NotOwned' || wait.reason === 'NumberBlocked';
  return { kind: problem ? 'problem' : 'wait', reason: wait.reason, message: wait.message };
}

function entryOf(target: SourcedPhoneNumber, actions: PlannedAction[], notes: PlanNote[]): PlanEntry {
  const { resource, source } = target;
  return {
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    source,
    e164: resource.spec.e164,
    outcome: outcomeOf(actions, notes),
    actions,
    notes,
  };
}

function skip(target: SourcedPhoneNumber, reason: string, message: string): PlanEntry {
  return entryOf(target, [], [{ kind: 'skip', reason, message }]);
}

/** Plans what the controller's finalizer would do for a resource being deleted. */
function planDeletion(target: SourcedPhoneNumber, all: readonly PhoneNumber[], observed: OwnedNumber | undefined, account: AccountView): PlanEntry {
  const { resource } = target;
  const spec = resource.spec;

  if (!(resource.metadata.finalizers ?? []).includes(FINALIZER)) {
    return skip(target, 'Deleting', 'The resource is being deleted and carries no operator finalizer, so the operator makes no call.');
  }
  if (spec.deletionPolicy !== 'Release' || spec.managementPolicy !== 'Manage') {
    return skip(target, 'Deleting', `The resource is being deleted; deletionPolicy ${spec.deletionPolicy} with managementPolicy ${spec.managementPolicy} keeps the number at Vobiz.`);
  }
  const others = otherLiveClaimants(resource, all);
  if (others.length > 0) {
    return skip(target, 'Deleting', `The resource is being deleted, but PhoneNumber ${keyOf(others[0] as PhoneNumber)} also claims ${spec.e164}, so the number is kept.`);
  }
  if (isPaused(resource)) {
    return skip(target, 'Paused', 'The resource is being deleted, and the release waits until the paused annotation is removed.');
  }
  if (observed === undefined || observed.status !== 'active') {
    return skip(target, 'Deleting', `The resource is being deleted; the account does not hold ${spec.e164} as active, so there is nothing to release.`);
  }
  const action: PlanAction = { type: 'release', e164: spec.e164 };
  return entryOf(target, [{ action, description: describePlanAction(action, account) }], []);
}

function planOne(target: SourcedPhoneNumber, all: readonly PhoneNumber[], account: AccountView, now: Date): PlanEntry {
  const { resource } = target;
  const spec = resource.spec;
  const observed = account.owned.get(spec.e164);

  if (isDeleting(resource)) {
    return planDeletion(target, all, observed, account);
  }
  if (isPaused(resource)) {
    return skip(target, 'Paused', 'The paused annotation is "true"; the operator takes no action.');
  }

  const owner = claimOwner(all, spec.e164);
  if (owner !== undefined && owner !== resource) {
    // Stored resources have creation times; manifest files do not, and the first one given wins.
    const precedence = Number.isFinite(createdAtMs(owner)) ? 'is older' : 'comes first';
    return entryOf(target, [], [
      {
        kind: 'problem',
        reason: 'DuplicateNumber',
        message: `PhoneNumber ${keyOf(owner)} ${precedence} and already claims ${spec.e164}, so the operator takes no action for this one; delete it or change spec.e164.`,
      },
    ]);
  }

  const coolOffUntil = resource.status?.coolOffUntil === undefined ? undefined : new Date(resource.status.coolOffUntil);
  const plan = planNumber({
    spec,
    observed,
    mainAccountId: account.authId,
    now,
    ...(coolOffUntil === undefined ? {} : { coolOffUntil, coolOffJitterMs: coolOffJitterMs(resource.metadata.uid) }),
  });

  if (spec.managementPolicy === 'Observe') {
    if (plan.actions.length === 0 && plan.wait === undefined) {
      return entryOf(target, [], []);
    }
    const wouldDo = plan.actions.map((action) => describePlanAction(action, account)).join('; ') || plan.wait?.message || '';
    return skip(target, 'Observe', `managementPolicy is Observe, so the operator changes nothing. Drifted: ${plan.drift.join(', ') || plan.wait?.reason}. It would: ${wouldDo}.`);
  }

  const actions: PlannedAction[] = [];
  const notes: PlanNote[] = [];
  for (const action of plan.actions) {
    const failure = predictFailure(action, account);
    if (failure !== undefined) {
      // The controller stops at the first failed call, so later actions would not run.
      notes.push(failure);
      break;
    }

    const offer = action.type === 'purchase' ? account.offers.get(action.e164) : undefined;
    actions.push({
      action,
      description: describePlanAction(action, account),
      ...(offer === undefined ? {} : { price: { setupFee: offer.setupFee, monthlyFee: offer.monthlyFee, currency: offer.currency } }),
    });
    notes.push(...actionNotes(action, account, coolOffUntil !== undefined));
  }
  if (plan.wait !== undefined) {
    notes.push(waitNote(plan.wait));
  }
  return entryOf(target, actions, notes);
}

/**
 * Plans every target, in the order the user gave them. Among several claims of one number, the
 * controller's rule picks the owner: the oldest creationTimestamp, then the lowest uid. Manifest
 * files carry neither, so there the first one given wins.
 */
export function buildPlan(targets: readonly SourcedPhoneNumber[], account: AccountView, now: Date): PlanEntry[] {
  const all = targets.map((target) => target.resource);
  return targets.map((target) => planOne(target, all, account, now));
}

/** Returns the targets' numbers that the account does not own; the plan looks each one up in the inventory to price it. */
export function numbersToPrice(targets: readonly SourcedPhoneNumber[], owned: ReadonlyMap<string, OwnedNumber>): string[] {
  const numbers = new Set<string>();
  for (const { resource } of targets) {
    const observed = owned.get(resource.spec.e164);
    if (observed === undefined || observed.status === 'released') {
      numbers.add(resource.spec.e164);
    }
  }
  return [...numbers];
}
