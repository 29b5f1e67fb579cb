/**
 * `SimulatorState`: the simulator's accounts, numbers, trunks and balances, its clock, and
 * the release lifecycle that the clock drives. The Vobiz operations on it live in
 * `operations.ts`; the HTTP layers only translate requests into calls on these two.
 */
import { randomUUID } from 'node:crypto';

import type { AccountRole, Holding, SimAccount, SimNumber, SimSubAccount, SimTrunk, SimulatorSnapshot } from './model.ts';
import type { SeedNumber, SeedOwnedNumber, SimulatorSeed, SimulatorSeedPatch } from './seed.ts';

/** A release stays cancellable for 24 hours. */
export const pendingReleaseMs = 24 * 60 * 60 * 1000;
/** After its release a number is quarantined for 45 days before it is for sale again. */
export const quarantineMs = 45 * 24 * 60 * 60 * 1000;
/** A number that took a call in the last 15 days cannot leave its sub-account without `force`. */
export const coolOffMs = 15 * 24 * 60 * 60 * 1000;

/** The authenticated caller of a Vobiz request. */
export interface Caller {
  authId: string;
  kind: 'main' | 'sub';
  role: AccountRole;
}

/** An error response of the simulator: HTTP status and flat JSON body, as Vobiz writes them. */
export class SimulatorHttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    super(`${status} ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

const e164Pattern = /^\+[1-9]\d{1,14}$/;

function checkE164(value: string, label: string): void {
  if (!e164Pattern.test(value)) {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: `${label} ${JSON.stringify(value)} is not an E.164 number such as +14155551234` });
  }
}

export class SimulatorState {
  account: SimAccount;
  readonly subAccounts = new Map<string, SimSubAccount>();
  readonly trunks = new Map<string, SimTrunk>();
  readonly balances = new Map<string, number>();
  /** Every number of the simulator, keyed by E.164, whatever its holding. */
  readonly numbers = new Map<string, SimNumber>();
  releaseFee: number;

  readonly #baseNow: () => Date;
  #clockOffsetMs: number;
  readonly #listeners: Array<() => void> = [];

  constructor(snapshot: SimulatorSnapshot, baseNow: () => Date = () => new Date()) {
    this.#baseNow = baseNow;
    this.#clockOffsetMs = snapshot.clockOffsetMs;
    this.account = { ...snapshot.account };
    this.releaseFee = snapshot.releaseFee;
    this.#fill(snapshot);
  }

  /** Replaces everything, the clock offset included, with `snapshot`; the object itself stays, so references to it stay valid. */
  restore(snapshot: SimulatorSnapshot): void {
    this.#clockOffsetMs = snapshot.clockOffsetMs;
    this.account = { ...snapshot.account };
    this.releaseFee = snapshot.releaseFee;
    this.subAccounts.clear();
    this.trunks.clear();
    this.balances.clear();
    this.numbers.clear();
    this.#fill(snapshot);
    this.changed();
  }

  /** Starts over from `seed` with the clock back at the base clock. */
  reset(seed: SimulatorSeed): void {
    this.restore(SimulatorState.fromSeed(seed, this.#baseNow).snapshot());
  }

  #fill(snapshot: SimulatorSnapshot): void {
    for (const subAccount of snapshot.subAccounts) this.subAccounts.set(subAccount.authId, { ...subAccount });
    for (const trunk of snapshot.trunks) this.trunks.set(trunk.trunkId, { ...trunk });
    for (const [currency, amount] of Object.entries(snapshot.balances)) this.balances.set(currency, amount);
    for (const number of snapshot.numbers) this.numbers.set(number.e164, structuredClone(number));
  }

  static fromSeed(seed: SimulatorSeed, baseNow: () => Date = () => new Date()): SimulatorState {
    const state = new SimulatorState(
      {
        version: 1,
        clockOffsetMs: 0,
        account: {
          authId: seed.account.authId,
          authToken: seed.account.authToken,
          name: seed.account.name ?? seed.account.authId,
          email: seed.account.email ?? 'owner@example.com',
          role: seed.account.role ?? 'user',
        },
        subAccounts: [],
        trunks: [],
        balances: {},
        releaseFee: seed.releaseFee ?? 7,
        numbers: [],
      },
      baseNow,
    );
    state.applySeed(seed);
    return state;
  }

  /** Returns the simulated time: the base clock plus every `advanceClock` so far. */
  now(): Date {
    return new Date(this.#baseNow().getTime() + this.#clockOffsetMs);
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** Moves the simulated clock forward and applies the release transitions that became due. */
  advanceClock(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new SimulatorHttpError(400, { error: 'invalid request', message: `seconds must be a number of 0 or more, got ${seconds}` });
    }
    this.#clockOffsetMs += seconds * 1000;
    this.settle();
    this.changed();
  }

  /** Registers `listener` to run after every change, for example to write the state file. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  changed(): void {
    for (const listener of this.#listeners) listener();
  }

  snapshot(): SimulatorSnapshot {
    return {
      version: 1,
      clockOffsetMs: this.#clockOffsetMs,
      account: { ...this.account },
      subAccounts: [...this.subAccounts.values()].map((subAccount) => ({ ...subAccount })),
      trunks: [...this.trunks.values()].map((trunk) => ({ ...trunk })),
      balances: Object.fromEntries(this.balances),
      releaseFee: this.releaseFee,
      numbers: [...this.numbers.values()].map((number) => structuredClone(number)),
    };
  }

  /**
   * Applies the release lifecycle up to now: a pending release older than 24 hours leaves
   * the account into quarantine, and a quarantine older than 45 days ends in inventory.
   */
  settle(): void {
    const now = this.now().getTime();
    let changed = false;

    for (const number of this.numbers.values()) {
      const holding = number.holding;

      if (holding.kind === 'owned' && holding.pendingRelease !== undefined && Date.parse(holding.pendingRelease.until) <= now) {
        const releasedAt = holding.pendingRelease.until;
        this.quarantine(number, releasedAt);
        changed = true;
      }

      const current = number.holding;
      if (current.kind === 'quarantine' && Date.parse(current.until) <= now) {
        number.holding = { kind: 'inventory' };
        changed = true;
      }
    }

    if (changed) this.changed();
  }

  /** Takes `number` off its account into quarantine, as of `releasedAt`. */
  quarantine(number: SimNumber, releasedAt: string): void {
    const until = new Date(Date.parse(releasedAt) + quarantineMs).toISOString();
    number.holding = { kind: 'quarantine', releasedAt, until };
    delete number.lastCallAt;
  }

  /** Returns the caller these credentials belong to, or undefined when they match no account. */
  authenticate(authId: string | undefined, authToken: string | undefined): Caller | undefined {
    if (authId === undefined || authToken === undefined) return undefined;

    if (authId === this.account.authId && authToken === this.account.authToken) {
      return { authId, kind: 'main', role: this.account.role };
    }

    const subAccount = this.subAccounts.get(authId);
    if (subAccount?.authToken !== undefined && subAccount.authToken === authToken) {
      return { authId, kind: 'sub', role: 'user' };
    }
    return undefined;
  }

  /** True when `caller` may list and manage `number`: a main account may also manage its sub-accounts' numbers. */
  isVisibleTo(caller: Caller, number: SimNumber): boolean {
    const holding = number.holding;
    if (holding.kind !== 'owned') return false;
    if (caller.kind === 'sub') return holding.accountId === caller.authId;
    return holding.accountId === this.account.authId || this.subAccounts.has(holding.accountId);
  }

  isKnownAccount(accountId: string): boolean {
    return accountId === this.account.authId || this.subAccounts.has(accountId);
  }

  /** Adds or replaces what `patch` lists; everything it leaves out stays as it is. */
  applySeed(patch: SimulatorSeedPatch): void {
    const now = this.now().toISOString();

    if (patch.account !== undefined) {
      this.account = { ...this.account, ...definedOnly(patch.account) };
    }
    if (patch.releaseFee !== undefined) this.releaseFee = patch.releaseFee;

    for (const subAccount of patch.subAccounts ?? []) {
      this.subAccounts.set(subAccount.authId, { ...subAccount, createdAt: this.subAccounts.get(subAccount.authId)?.createdAt ?? now });
    }
    for (const trunk of patch.trunks ?? []) {
      this.trunks.set(trunk.trunkId, { ...trunk, createdAt: this.trunks.get(trunk.trunkId)?.createdAt ?? now });
    }
    for (const [currency, amount] of Object.entries(patch.balances ?? {})) {
      this.balances.set(currency, amount);
    }

    for (const seedNumber of patch.inventory ?? []) {
      this.numbers.set(seedNumber.e164, this.#newNumber(seedNumber, { kind: 'inventory' }, now));
    }
    for (const seedNumber of patch.owned ?? []) {
      this.#addOwned(seedNumber, now);
    }
    this.changed();
  }

  /** Records a call on an owned number at `at` (default now); a call starts the 15-day cool-off. */
  recordCall(e164: string, at: Date = this.now()): SimNumber {
    const number = this.requireOwned(e164);
    if (number.lastCallAt === undefined || Date.parse(number.lastCallAt) < at.getTime()) {
      number.lastCallAt = at.toISOString();
    }
    this.changed();
    return number;
  }

  /** Changes a number's trunk the way an edit in the Vobiz console would: no checks beyond existence. */
  setNumberTrunk(e164: string, trunkId: string | null): SimNumber {
    const number = this.requireOwned(e164);
    if (number.holding.kind !== 'owned') throw new Error('unreachable: requireOwned returned a number that is not owned');

    if (trunkId === null) {
      delete number.holding.trunkGroupId;
    } else {
      if (!this.trunks.has(trunkId)) {
        throw new SimulatorHttpError(404, { error: 'not_found', message: `trunk ${trunkId} does not exist; seed it first` });
      }
      number.holding.trunkGroupId = trunkId;
    }
    number.holding.updatedAt = this.now().toISOString();
    this.changed();
    return number;
  }

  /** Moves a number to another account of this simulator, bypassing the cool-off, as Vobiz support could. */
  setNumberAccount(e164: string, accountId: string): SimNumber {
    const number = this.requireOwned(e164);
    if (number.holding.kind !== 'owned') throw new Error('unreachable: requireOwned returned a number that is not owned');

    if (!this.isKnownAccount(accountId)) {
      throw new SimulatorHttpError(404, { error: 'not_found', message: `account ${accountId} is neither the main account nor one of its sub-accounts` });
    }
    number.holding.accountId = accountId;
    number.holding.updatedAt = this.now().toISOString();
    this.changed();
    return number;
  }

  requireOwned(e164: string): SimNumber {
    checkE164(e164, 'number');
    const number = this.numbers.get(e164);
    if (number === undefined || number.holding.kind !== 'owned') {
      throw new SimulatorHttpError(404, { error: 'not_found', message: `number ${e164} is not owned by any account of the simulator` });
    }
    return number;
  }

  #addOwned(seedNumber: SeedOwnedNumber, now: string): void {
    const accountId = seedNumber.accountId ?? this.account.authId;
    if (!this.isKnownAccount(accountId)) {
      throw new SimulatorHttpError(400, { error: 'invalid request', message: `owned number ${seedNumber.e164} names unknown account ${accountId}; seed the sub-account first` });
    }
    if (seedNumber.trunkGroupId !== undefined && !this.trunks.has(seedNumber.trunkGroupId)) {
      throw new SimulatorHttpError(400, { error: 'invalid request', message: `owned number ${seedNumber.e164} names unknown trunk ${seedNumber.trunkGroupId}; seed the trunk first` });
    }

    const holding: Holding = { kind: 'owned', id: randomUUID(), accountId, status: 'active', purchasedAt: now, updatedAt: now };
    if (seedNumber.trunkGroupId !== undefined) holding.trunkGroupId = seedNumber.trunkGroupId;

    const number = this.#newNumber(seedNumber, holding, now);
    if (seedNumber.lastCallAt !== undefined) number.lastCallAt = new Date(seedNumber.lastCallAt).toISOString();
    this.numbers.set(number.e164, number);
  }

  #newNumber(seedNumber: SeedNumber, holding: Holding, now: string): SimNumber {
    checkE164(seedNumber.e164, 'seeded number');

    const number: SimNumber = {
      e164: seedNumber.e164,
      country: seedNumber.country,
      capabilities: seedNumber.capabilities ?? { voice: true, sms: false, mms: false, fax: false },
      setupFee: seedNumber.setupFee,
      monthlyFee: seedNumber.monthlyFee,
      currency: seedNumber.currency,
      provider: 'vobiz-simulator',
      createdAt: now,
      holding,
    };
    if (seedNumber.region !== undefined) number.region = seedNumber.region;
    return number;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
