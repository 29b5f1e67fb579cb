/**
 * The simulator's state model. Each number has exactly one holding, so it is in inventory,
 * owned, or quarantined after a release, never two of these at once. Times are RFC 3339
 * strings so the whole model can be written to a JSON file as it is.
 */

export type AccountRole = 'admin' | 'user';

export interface SimAccount {
  authId: string;
  authToken: string;
  name: string;
  email: string;
  /** `admin` may unassign a sub-account number with `force=true` during its cool-off. */
  role: AccountRole;
}

export interface SimSubAccount {
  authId: string;
  name: string;
  /** Token the sub-account authenticates with; a sub-account without one cannot call the API. */
  authToken?: string;
  createdAt: string;
}

export interface SimTrunk {
  trunkId: string;
  name: string;
  createdAt: string;
}

export interface Capabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

/** A release in its 24-hour cancellation window. */
export interface PendingRelease {
  requestedAt: string;
  /** End of the cancellation window; the number leaves the account then. */
  until: string;
  fee: number;
  currency: string;
}

export type Holding =
  | { kind: 'inventory' }
  | {
      kind: 'owned';
      /** The number's id on the account; a new one on each purchase. */
      id: string;
      /** Owner: the main account or one of its sub-accounts. */
      accountId: string;
      status: 'active' | 'pending_release';
      trunkGroupId?: string;
      purchasedAt: string;
      updatedAt: string;
      pendingRelease?: PendingRelease;
    }
  | {
      kind: 'quarantine';
      releasedAt: string;
      /** When the number returns to inventory. */
      until: string;
    };

export interface SimNumber {
  e164: string;
  country: string;
  region?: string;
  capabilities: Capabilities;
  setupFee: number;
  monthlyFee: number;
  currency: string;
  provider: string;
  createdAt: string;
  /** Last call the number took; it starts the 15-day sub-account cool-off. Cleared when the number leaves the account. */
  lastCallAt?: string;
  holding: Holding;
}

/** Everything the simulator keeps, as written to its state file. */
export interface SimulatorSnapshot {
  version: 1;
  /** Milliseconds the simulated clock runs ahead of the base clock. */
  clockOffsetMs: number;
  account: SimAccount;
  subAccounts: SimSubAccount[];
  trunks: SimTrunk[];
  /** Balance per ISO 4217 currency code. */
  balances: Record<string, number>;
  /** Fee charged by a release, in the number's currency. */
  releaseFee: number;
  numbers: SimNumber[];
}
