/**
 * The report of `vobiz-operator plan`: for each PhoneNumber, the Vobiz actions the controller
 * would take, with prices, and the notes that explain why it would take no action or stop early.
 */
import type { Action } from '../controller/actions.ts';
import type { InvalidManifest } from '../manifests/phone-numbers.ts';
import type { E164, InventoryNumber, OwnedNumber, SubAccount, Trunk } from '../vobiz/types.ts';

/** Releasing a number when its resource is deleted with `deletionPolicy: Release`. */
export interface ReleaseAction {
  type: 'release';
  e164: E164;
}

export type PlanAction = Action | ReleaseAction;

/** Fees of a purchase as the inventory lists them; Vobiz debits both at purchase. */
export interface Price {
  setupFee: number;
  monthlyFee: number;
  currency: string;
}

export interface PlannedAction {
  action: PlanAction;
  /** One line of English, such as "assign +14155550100 to trunk group … (primary-sip)". */
  description: string;
  /** Set for purchases only. */
  price?: Price;
}

/**
 * - `problem`: the resource will not become Ready without a change by a person.
 * - `wait`: the controller waits for Vobiz or for a time, then goes on by itself.
 * - `skip`: the controller takes no action for this resource by design (paused, Observe, deleting).
 * - `info`: something a reviewer should know about an action.
 */
export type NoteKind = 'problem' | 'wait' | 'skip' | 'info';

export interface PlanNote {
  kind: NoteKind;
  /** The controller's Ready reason where one exists, such as `DuplicateNumber`. */
  reason: string;
  message: string;
}

/**
 * The group an entry is listed under. A resource with a problem note is a `problem` even when
 * some of its actions would still run (they are listed and priced).
 */
export type EntryOutcome = 'change' | 'in-sync' | 'waiting' | 'skipped' | 'problem';

export interface PlanEntry {
  namespace: string;
  name: string;
  /** Origin of the manifest: `file:line`, or `cluster`. */
  source: string;
  e164: E164;
  outcome: EntryOutcome;
  /** The calls the controller would make, in order. */
  actions: PlannedAction[];
  notes: PlanNote[];
}

export interface CurrencyTotal {
  currency: string;
  setupFee: number;
  monthlyFee: number;
  /** The account's available balance in this currency; undefined when Vobiz has none or it could not be read. */
  availableBalance?: number;
}

export interface PlanReport {
  account: { authId: string; baseUrl: string; ownedNumbers: number };
  entries: PlanEntry[];
  invalid: InvalidManifest[];
  /** Purchase fees per currency, sorted by currency code. */
  totals: CurrencyTotal[];
}

/** The Vobiz account as the plan reads it. Its maps are keyed by E.164, trunk id and sub-account id. */
export interface AccountView {
  authId: string;
  owned: ReadonlyMap<E164, OwnedNumber>;
  /** Inventory offers of the numbers the plan may purchase. */
  offers: ReadonlyMap<E164, InventoryNumber>;
  /** Undefined when the trunks could not be listed; the plan then does not check trunk ids. */
  trunks?: ReadonlyMap<string, Trunk>;
  /** Undefined when the sub-accounts could not be listed; the plan then does not check them. */
  subAccounts?: ReadonlyMap<string, SubAccount>;
}
