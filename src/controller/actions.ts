/**
 * The Vobiz mutations the planner can ask for. Each maps to exactly one `VobizApi` call, so the
 * reconciler can log, count and record an Event for each one.
 */
import type { E164 } from '../vobiz/types.ts';

export type Action =
  | { type: 'purchase'; e164: E164; currency?: string }
  | { type: 'cancelRelease'; e164: E164 }
  | { type: 'unassignSubAccount'; e164: E164; fromSubAccountId: string; force: boolean }
  | { type: 'assignSubAccount'; e164: E164; subAccountId: string }
  | { type: 'unassignTrunk'; e164: E164; fromTrunkGroupId: string }
  | { type: 'assignTrunk'; e164: E164; trunkGroupId: string };

export type ActionType = Action['type'];

/** Describes an action in one line, for logs and Events. */
export function describeAction(action: Action): string {
  switch (action.type) {
    case 'purchase':
      return `purchase ${action.e164}${action.currency === undefined ? '' : ` in ${action.currency}`}`;
    case 'cancelRelease':
      return `cancel the pending release of ${action.e164}`;
    case 'unassignSubAccount':
      return `move ${action.e164} off sub-account ${action.fromSubAccountId}${action.force ? ' (force)' : ''}`;
    case 'assignSubAccount':
      return `assign ${action.e164} to sub-account ${action.subAccountId}`;
    case 'unassignTrunk':
      return `unassign ${action.e164} from trunk group ${action.fromTrunkGroupId}`;
    case 'assignTrunk':
      return `assign ${action.e164} to trunk group ${action.trunkGroupId}`;
  }
}

/** Returns the Kubernetes Event reason recorded after an action succeeds. */
export function eventReasonOf(action: Action): string {
  switch (action.type) {
    case 'purchase':
      return 'Purchased';
    case 'cancelRelease':
      return 'ReleaseCancelled';
    case 'unassignSubAccount':
      return 'SubAccountUnassigned';
    case 'assignSubAccount':
      return 'SubAccountAssigned';
    case 'unassignTrunk':
      return 'TrunkUnassigned';
    case 'assignTrunk':
      return 'TrunkAssigned';
  }
}
