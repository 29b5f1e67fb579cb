/**
 * Domain types of the Vobiz phone-number API as the rest of the operator sees them.
 *
 * The wire format (snake_case JSON, three error body shapes, path casing) stays inside
 * `src/vobiz/`; everything outside that folder works with these camelCase types and the
 * `VobizApi` interface, so the controller can be read without knowing Vobiz's quirks.
 */

/** An E.164 number with its leading `+`, for example `+14155551234`. */
export type E164 = string;

export type NumberStatus = 'active' | 'pending_purchase' | 'pending_release' | 'released' | 'blocked';

/** A number owned by the account (an item of "list owned numbers"). */
export interface OwnedNumber {
  id: string;
  e164: E164;
  /** Owner: the main account (`MA_...`) or the sub-account (`SA_...`) that owns the number. */
  accountId: string;
  country: string;
  region?: string;
  status: NumberStatus;
  /** Trunk group the number routes to; undefined when it routes nowhere. */
  trunkGroupId?: string;
  setupFee: number;
  monthlyFee: number;
  currency: string;
  purchasedAt?: string;
  releasedAt?: string;
}

/** A number offered for sale (an item of "search inventory"). */
export interface InventoryNumber {
  e164: E164;
  country: string;
  region?: string;
  setupFee: number;
  monthlyFee: number;
  currency: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
}

export interface Trunk {
  trunkId: string;
  name: string;
}

export interface SubAccount {
  authId: string;
  name: string;
}

export interface AccountProfile {
  authId: string;
  role: string;
}

export interface Balance {
  currency: string;
  balance: number;
  availableBalance: number;
}

export interface ReleaseResult {
  status: NumberStatus;
  cooldownEndsAt?: string;
  releaseFee?: number;
}

/**
 * Every Vobiz operation the operator uses. `VobizClient` implements it over HTTP.
 *
 * Mutations are never retried blindly: when their outcome is unknown (timeout, reset) the
 * client reads state to learn what happened, and throws `VobizError` with code
 * `VOBIZ_OUTCOME_UNKNOWN` only when reading state could not settle it either.
 */
export interface VobizApi {
  /** The auth id of the configured account (`MA_...` or `SA_...`). */
  readonly authId: string;

  searchInventory(query: { country?: string; search?: string; exclude?: string[]; page?: number; perPage?: number }): Promise<Page<InventoryNumber>>;
  purchaseFromInventory(e164: E164, currency?: string): Promise<OwnedNumber>;

  /** One page of owned numbers; `search` filters by a substring of the E.164. */
  listNumbersPage(query: { page: number; perPage?: number; search?: string }): Promise<Page<OwnedNumber>>;
  /**
   * Every owned number, page by page; throws if any page fails or the count disagrees with `total`.
   * A number that leaves while another joins between two pages can be missed, so confirm a
   * missing number with `findOwnedNumber` before acting on its absence.
   */
  listAllNumbers(options?: { perPage?: number }): Promise<OwnedNumber[]>;
  /** The owned number with exactly this E.164, found through `search`, or undefined. */
  findOwnedNumber(e164: E164): Promise<OwnedNumber | undefined>;

  releaseNumber(e164: E164, options?: { immediate?: boolean }): Promise<ReleaseResult>;
  cancelRelease(e164: E164): Promise<void>;

  assignTrunk(e164: E164, trunkGroupId: string): Promise<void>;
  unassignTrunk(e164: E164): Promise<void>;

  assignSubAccount(e164: E164, subAccountId: string): Promise<void>;
  unassignSubAccount(e164: E164, options?: { force?: boolean }): Promise<void>;

  listTrunks(): Promise<Trunk[]>;
  getTrunk(trunkId: string): Promise<Trunk>;
  listSubAccounts(): Promise<SubAccount[]>;
  getAccount(): Promise<AccountProfile>;
  getBalance(currency: string): Promise<Balance>;
}
