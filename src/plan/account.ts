/**
 * Reads what the plan needs from Vobiz, and changes nothing. That is every owned number (one
 * paginated sweep, as the controller's sweeper does), the inventory offer of each number the
 * plan may buy, the trunk groups and sub-accounts, and the balances of the currencies it spends.
 */
import type { SourcedPhoneNumber } from '../manifests/phone-numbers.ts';
import { isVobizError } from '../vobiz/errors.ts';
import type { InventoryNumber, VobizApi } from '../vobiz/types.ts';
import { numbersToPrice } from './build.ts';
import type { AccountView, CurrencyTotal } from './model.ts';

export interface AccountReading {
  view: AccountView;
  /** Lists the account could not serve, such as sub-accounts for sub-account credentials. */
  warnings: string[];
}

/** Vobiz errors after which a list is skipped with a warning; any other failure stops the plan. */
function isUnavailableList(error: unknown): boolean {
  return isVobizError(error, 'VOBIZ_FORBIDDEN') || isVobizError(error, 'VOBIZ_NOT_FOUND');
}

async function findOffer(vobiz: VobizApi, e164: string): Promise<InventoryNumber | undefined> {
  // `search` matches a substring of the E.164, so keep only the exact number.
  const page = await vobiz.searchInventory({ search: e164, perPage: 100 });
  return page.items.find((item) => item.e164 === e164);
}

/** Reads the account for `targets`. Throws `VobizError` when the owned numbers or the inventory cannot be read. */
export async function readAccount(vobiz: VobizApi, targets: readonly SourcedPhoneNumber[]): Promise<AccountReading> {
  const warnings: string[] = [];

  const ownedList = await vobiz.listAllNumbers({ perPage: 100 });
  const owned = new Map(ownedList.map((number) => [number.e164, number] as const));

  const offers = new Map<string, InventoryNumber>();
  const found = await Promise.all(numbersToPrice(targets, owned).map((e164) => findOffer(vobiz, e164)));
  for (const offer of found) {
    if (offer !== undefined) offers.set(offer.e164, offer);
  }

  const view: AccountView = { authId: vobiz.authId, owned, offers };

  try {
    view.trunks = new Map((await vobiz.listTrunks()).map((trunk) => [trunk.trunkId, trunk] as const));
  } catch (error) {
    if (!isUnavailableList(error)) throw error;
    warnings.push(`the account's trunk groups could not be listed (${(error as Error).message}), so spec.trunkGroupId is not checked`);
  }

  try {
    view.subAccounts = new Map((await vobiz.listSubAccounts()).map((subAccount) => [subAccount.authId, subAccount] as const));
  } catch (error) {
    if (!isUnavailableList(error)) throw error;
    warnings.push(`the account's sub-accounts could not be listed (${(error as Error).message}), so spec.subAccountId is not checked`);
  }

  return { view, warnings };
}

/** Adds the available balance to each total; a currency the account has no balance in stays without one. */
export async function addBalances(vobiz: VobizApi, totals: readonly CurrencyTotal[]): Promise<CurrencyTotal[]> {
  return Promise.all(
    totals.map(async (total) => {
      try {
        const balance = await vobiz.getBalance(total.currency);
        return { ...total, availableBalance: balance.availableBalance };
      } catch (error) {
        if (isUnavailableList(error)) return total;
        throw error;
      }
    }),
  );
}
