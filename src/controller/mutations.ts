/**
 * Executes one planned action through the Vobiz client and returns the number as Vobiz
 * confirmed it. Only the purchase returns a number object; for the other calls Vobiz responds
 * with 200 or 204 and no body, so the new state is the old one with the acknowledged change.
 */
import type { OwnedNumber, VobizApi } from '../vobiz/types.ts';
import type { Action } from './actions.ts';

/** Calls Vobiz for `action`; throws the client's `VobizError` when the call fails. */
export async function executeAction(vobiz: VobizApi, action: Action, observed: OwnedNumber | undefined): Promise<OwnedNumber> {
  if (action.type === 'purchase') {
    return vobiz.purchaseFromInventory(action.e164, action.currency);
  }

  if (observed === undefined) {
    throw new Error(`cannot ${action.type} ${action.e164}: the number is not in the snapshot`);
  }

  switch (action.type) {
    case 'cancelRelease': {
      await vobiz.cancelRelease(action.e164);
      const { trunkGroupId: _detached, ...rest } = observed;
      return { ...rest, status: 'active' };
    }

    case 'unassignSubAccount':
      await vobiz.unassignSubAccount(action.e164, action.force ? { force: true } : {});
      return { ...observed, accountId: vobiz.authId };

    case 'assignSubAccount':
      await vobiz.assignSubAccount(action.e164, action.subAccountId);
      return { ...observed, accountId: action.subAccountId };

    case 'unassignTrunk': {
      await vobiz.unassignTrunk(action.e164);
      const { trunkGroupId: _removed, ...rest } = observed;
      return rest;
    }

    case 'assignTrunk':
      await vobiz.assignTrunk(action.e164, action.trunkGroupId);
      return { ...observed, trunkGroupId: action.trunkGroupId };
  }
}
