/**
 * The Vobiz operations of the simulator, on `SimulatorState`. Each one checks what Vobiz
 * checks, in the same order, and throws `SimulatorHttpError` with the status and body
 * that Vobiz returns. The state is changed only once every check has passed, so a failed
 * operation changes nothing.
 */
import { randomUUID } from 'node:crypto';

import type { SimNumber } from './model.ts';
import { coolOffMs, pendingReleaseMs, SimulatorHttpError, type Caller, type SimulatorState } from './state.ts';

/**
 * Fixed exchange rates (units per US dollar) for a purchase in another currency than the
 * number's. Vobiz's real rates are not documented; these only keep the arithmetic plausible.
 */
const unitsPerUsd: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, INR: 83 };

function roundMoney(amount: number): number {
  return Math.round(amount * 100) / 100;
}

function convert(amount: number, from: string, to: string): number {
  const fromRate = unitsPerUsd[from];
  const toRate = unitsPerUsd[to];
  if (fromRate === undefined || toRate === undefined) {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: `unsupported currency ${from === to ? from : `${from} or ${to}`}` });
  }
  return roundMoney((amount / fromRate) * toRate);
}

export interface InventoryQuery {
  country?: string;
  search?: string;
  exclude: string[];
}

/** Lists the numbers for sale that match the query, ordered by E.164. */
export function searchInventory(state: SimulatorState, query: InventoryQuery): SimNumber[] {
  return [...state.numbers.values()]
    .filter((number) => number.holding.kind === 'inventory')
    .filter((number) => query.country === undefined || number.country === query.country)
    .filter((number) => query.search === undefined || number.e164.includes(query.search))
    .filter((number) => !query.exclude.some((prefix) => prefix !== '' && number.e164.startsWith(prefix)))
    .sort((a, b) => a.e164.localeCompare(b.e164));
}

/** Lists the caller's numbers, oldest purchase first, so numbers bought during a sweep land on its last page. */
export function listNumbers(state: SimulatorState, caller: Caller, search?: string): SimNumber[] {
  return [...state.numbers.values()]
    .filter((number) => state.isVisibleTo(caller, number))
    .filter((number) => search === undefined || number.e164.includes(search))
    .sort((a, b) => {
      const left = a.holding.kind === 'owned' ? a.holding.purchasedAt : '';
      const right = b.holding.kind === 'owned' ? b.holding.purchasedAt : '';
      return left === right ? a.e164.localeCompare(b.e164) : left.localeCompare(right);
    });
}

/**
 * Buys a number from inventory for the caller. A sub-account's purchase is billed to the
 * main account. Anything not in inventory, the caller's own numbers included, is a 404.
 */
export function purchase(state: SimulatorState, caller: Caller, e164: unknown, currency: unknown): SimNumber {
  if (typeof e164 !== 'string' || !/^\+[1-9]\d{1,14}$/.test(e164)) {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'e164 must be an E.164 number such as +14155551234' });
  }
  if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))) {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'currency must be an ISO 4217 code such as USD' });
  }

  const number = state.numbers.get(e164);
  if (number === undefined || number.holding.kind !== 'inventory') {
    throw new SimulatorHttpError(404, { error: 'not_found', message: 'number not found in inventory' });
  }

  const chargeCurrency = currency ?? number.currency;
  const price = convert(number.setupFee + number.monthlyFee, number.currency, chargeCurrency);
  const balance = state.balances.get(chargeCurrency) ?? 0;
  if (balance < price) {
    throw new SimulatorHttpError(500, { error: 'internal_server_error', message: 'failed to purchase number' });
  }

  const now = state.now().toISOString();
  state.balances.set(chargeCurrency, roundMoney(balance - price));
  number.holding = { kind: 'owned', id: randomUUID(), accountId: caller.authId, status: 'active', purchasedAt: now, updatedAt: now };
  state.changed();
  return number;
}

export interface ReleaseOutcome {
  number: SimNumber;
  status: 'pending_release' | 'released';
  fee: number;
  cooldownEndsAt?: string;
}

/**
 * Releases a number: it enters `pending_release` for 24 hours, or with `immediate` leaves the
 * account at once. Either way the trunk is detached and the release fee charged once.
 */
export function release(state: SimulatorState, caller: Caller, e164: string, immediate: boolean): ReleaseOutcome {
  const number = state.numbers.get(e164);
  if (number === undefined || !state.isVisibleTo(caller, number) || number.holding.kind !== 'owned') {
    throw new SimulatorHttpError(403, { error: 'forbidden', message: 'account does not own this number' });
  }

  const holding = number.holding;
  const now = state.now();
  const alreadyPending = holding.pendingRelease;
  if (alreadyPending !== undefined && !immediate) {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'number is already pending release' });
  }

  // NOTE: the fee is charged even when it takes the balance below zero; Vobiz does not document that case.
  const fee = alreadyPending === undefined ? state.releaseFee : 0;
  if (fee > 0) state.balances.set(number.currency, roundMoney((state.balances.get(number.currency) ?? 0) - fee));

  if (immediate) {
    state.quarantine(number, now.toISOString());
    state.changed();
    return { number, status: 'released', fee };
  }

  const until = new Date(now.getTime() + pendingReleaseMs).toISOString();
  holding.status = 'pending_release';
  holding.pendingRelease = { requestedAt: now.toISOString(), until, fee, currency: number.currency };
  holding.updatedAt = now.toISOString();
  delete holding.trunkGroupId;
  state.changed();
  return { number, status: 'pending_release', fee, cooldownEndsAt: until };
}

/** Cancels a pending release: the number is `active` again and the fee refunded, but its trunk stays detached. */
export function cancelRelease(state: SimulatorState, caller: Caller, e164: string): { refund: number; currency: string } {
  const number = state.numbers.get(e164);
  if (number === undefined || number.holding.kind !== 'owned') {
    throw new SimulatorHttpError(404, { error: 'number not found' });
  }
  if (!state.isVisibleTo(caller, number)) {
    throw new SimulatorHttpError(403, { error: 'access denied' });
  }

  const holding = number.holding;
  const pending = holding.pendingRelease;
  if (pending === undefined) {
    throw new SimulatorHttpError(400, { error: 'number is not pending release' });
  }

  state.balances.set(pending.currency, roundMoney((state.balances.get(pending.currency) ?? 0) + pending.fee));
  holding.status = 'active';
  holding.updatedAt = state.now().toISOString();
  delete holding.pendingRelease;
  state.changed();
  return { refund: pending.fee, currency: pending.currency };
}

/** Returns the caller's active number, or throws the 404 (not owned) or 400 (pending release) that Vobiz returns. */
function requireActive(state: SimulatorState, caller: Caller, e164: string, notFound: Record<string, unknown>): SimNumber & { holding: { kind: 'owned' } } {
  const number = state.numbers.get(e164);
  if (number === undefined || number.holding.kind !== 'owned' || !state.isVisibleTo(caller, number)) {
    throw new SimulatorHttpError(404, notFound);
  }
  if (number.holding.status === 'pending_release') {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'number is pending release; cancel the release first' });
  }
  return number as SimNumber & { holding: { kind: 'owned' } };
}

const trunkNumberNotFound = { error: 'Number not found', message: 'number not found on this account' };

export function assignTrunk(state: SimulatorState, caller: Caller, e164: string, trunkId: unknown): void {
  if (typeof trunkId !== 'string' || trunkId === '') {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'trunk_group_id is required' });
  }

  const number = requireActive(state, caller, e164, trunkNumberNotFound);
  if (!state.trunks.has(trunkId)) {
    throw new SimulatorHttpError(404, { error: 'not_found', message: 'trunk group not found' });
  }
  if (number.holding.trunkGroupId !== undefined) {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'This number is already assigned to a trunk.' });
  }

  number.holding.trunkGroupId = trunkId;
  number.holding.updatedAt = state.now().toISOString();
  state.changed();
}

export function unassignTrunk(state: SimulatorState, caller: Caller, e164: string): void {
  const number = requireActive(state, caller, e164, trunkNumberNotFound);
  if (number.holding.trunkGroupId === undefined) {
    throw new SimulatorHttpError(404, { error: 'Number not found', message: 'number is not assigned to any trunk' });
  }

  delete number.holding.trunkGroupId;
  number.holding.updatedAt = state.now().toISOString();
  state.changed();
}

function requireMainAccount(caller: Caller): void {
  if (caller.kind !== 'main') {
    throw new SimulatorHttpError(403, { error: 'forbidden', message: "sub-account assignment needs the parent account's credentials" });
  }
}

/** Puts a main-account number on a sub-account; a number on another sub-account must be unassigned first. */
export function assignSubAccount(state: SimulatorState, caller: Caller, e164: string, subAccountId: unknown): void {
  requireMainAccount(caller);
  if (typeof subAccountId !== 'string' || subAccountId === '') {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: 'sub_account_id is required' });
  }

  const notFound = { error: 'not_found', message: 'number or sub-account not found' };
  const number = requireActive(state, caller, e164, notFound);
  if (!state.subAccounts.has(subAccountId)) throw new SimulatorHttpError(404, notFound);

  const holder = number.holding.accountId;
  if (holder === subAccountId) return;
  if (holder !== state.account.authId) {
    throw new SimulatorHttpError(409, { error: 'already_assigned', message: `number is assigned to sub-account ${holder}; unassign it first` });
  }

  number.holding.accountId = subAccountId;
  number.holding.updatedAt = state.now().toISOString();
  state.changed();
}

/**
 * Returns a sub-account's number to the main account. A number that took a call in the
 * last 15 days stays, with 409 `did_cool_off_in_effect`, unless an admin passes `force`.
 */
export function unassignSubAccount(state: SimulatorState, caller: Caller, e164: string, force: boolean): void {
  requireMainAccount(caller);
  if (force && caller.role !== 'admin') {
    throw new SimulatorHttpError(403, { error: 'forbidden', message: 'force=true requires an admin account' });
  }

  const number = requireActive(state, caller, e164, { error: 'not_found', message: 'number or sub-account not found' });
  if (number.holding.accountId === state.account.authId) {
    throw new SimulatorHttpError(404, { error: 'not_found', message: 'number is not assigned to a sub-account' });
  }

  const now = state.now().getTime();
  if (!force && number.lastCallAt !== undefined) {
    const coolOffEnds = Date.parse(number.lastCallAt) + coolOffMs;
    if (coolOffEnds > now) {
      throw new SimulatorHttpError(409, {
        error: 'did_cool_off_in_effect',
        cool_off_until: new Date(coolOffEnds).toISOString(),
        cool_off_remaining_seconds: Math.ceil((coolOffEnds - now) / 1000),
      });
    }
  }

  number.holding.accountId = state.account.authId;
  number.holding.updatedAt = new Date(now).toISOString();
  state.changed();
}
