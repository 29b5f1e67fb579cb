/**
 * The check before a plan spends money: when it purchases a number or cancels a pending
 * release, every trunk group and sub-account it later assigns must exist at Vobiz. A typo in
 * spec.trunkGroupId or spec.subAccountId otherwise buys a number that the assignment then
 * cannot place, and with deletionPolicy Retain the fees keep running on an unmanaged number.
 */
import { describeAction, type Action } from './actions.ts';
import { SLOW_RETRY_MS, SYNCED_OK, type Failure } from './failures.ts';
import type { Plan } from './planner.ts';
import type { AccountReferenceCache, ReferenceLookup } from './references.ts';

/** Ids listed in a message at most; an account can have hundreds of trunk groups. */
const MAX_LISTED_IDS = 10;

function listIds(ids: readonly string[], noun: string): string {
  if (ids.length === 0) {
    return `the account has no ${noun}`;
  }
  const listed = ids.slice(0, MAX_LISTED_IDS).join(', ');
  const more = ids.length > MAX_LISTED_IDS ? ` and ${ids.length - MAX_LISTED_IDS} more` : '';
  return `the account has the ${noun} ${listed}${more}`;
}

interface Problem {
  reason: 'TrunkGroupNotFound' | 'SubAccountNotFound';
  message: string;
}

function problemOf(action: Action, lookup: ReferenceLookup, spending: Action): Problem | undefined {
  if (lookup.status !== 'missing') {
    return undefined;
  }
  if (action.type === 'assignTrunk') {
    return {
      reason: 'TrunkGroupNotFound',
      message: `Vobiz has no trunk group ${action.trunkGroupId}, so the operator does not ${describeAction(spending)}. Fix spec.trunkGroupId; ${listIds(lookup.known, 'trunk groups')}.`,
    };
  }
  if (action.type === 'assignSubAccount') {
    return {
      reason: 'SubAccountNotFound',
      message: `Vobiz has no sub-account ${action.subAccountId}, so the operator does not ${describeAction(spending)}. Fix spec.subAccountId; ${listIds(lookup.known, 'sub-accounts')}.`,
    };
  }
  return undefined;
}

/**
 * Returns a Failure that holds the plan back when it purchases a number or cancels a pending
 * release, and assigns a trunk group or sub-account that Vobiz does not list. Returns undefined
 * otherwise. Throws the Vobiz error when a list cannot be read, so that nothing is bought then.
 */
export async function checkReferences(references: AccountReferenceCache, plan: Plan): Promise<Failure | undefined> {
  const spending = plan.actions.find((action) => action.type === 'purchase' || action.type === 'cancelRelease');
  if (spending === undefined) {
    return undefined;
  }

  const problems: Problem[] = [];
  for (const action of plan.actions) {
    let lookup: ReferenceLookup | undefined;
    if (action.type === 'assignTrunk') {
      lookup = await references.lookUpTrunkGroup(action.trunkGroupId);
    } else if (action.type === 'assignSubAccount') {
      lookup = await references.lookUpSubAccount(action.subAccountId);
    }
    const problem = lookup === undefined ? undefined : problemOf(action, lookup, spending);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }

  const [first] = problems;
  if (first === undefined) {
    return undefined;
  }

  const pending = spending.type === 'cancelRelease' ? ' Vobiz completes the release 24 hours after it started unless the operator cancels it first.' : '';
  const retry = ` The operator checks again when the spec changes, and every ${SLOW_RETRY_MS / 60_000} minutes.`;
  return {
    ready: { status: 'False', reason: first.reason, message: problems.map((problem) => problem.message).join(' ') + pending + retry },
    synced: SYNCED_OK,
    state: 'error',
    result: { outcome: 'requeue', afterMs: SLOW_RETRY_MS },
  };
}
