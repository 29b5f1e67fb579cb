/**
 * JSON bodies of the simulator's Vobiz responses, in Vobiz's snake_case wire format.
 * Timestamps carry microseconds (`2026-07-14T10:11:12.123000Z`) and optional fields are
 * omitted, not `null`, as Vobiz writes them, so a client that expects milliseconds or
 * `null` fails here first.
 */
import type { SimNumber, SimSubAccount, SimTrunk } from './model.ts';
import { SimulatorHttpError } from './state.ts';

/** RFC 3339 UTC with a microsecond fraction. */
export function timestamp(value: string | Date): string {
  const iso = typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}

function addMonths(value: string, months: number): string {
  const date = new Date(value);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString();
}

/** Builds an item of "list owned numbers", also the `number` of a purchase response. */
export function ownedNumberBody(number: SimNumber): Record<string, unknown> {
  const holding = number.holding;
  if (holding.kind !== 'owned') {
    throw new Error(`number ${number.e164} is not owned; only owned numbers have this body`);
  }

  const body: Record<string, unknown> = {
    id: holding.id,
    account_id: holding.accountId,
    e164: number.e164,
    country: number.country,
    ...(number.region === undefined ? {} : { region: number.region }),
    capabilities: number.capabilities,
    status: holding.status,
    provider: number.provider,
    setup_fee: number.setupFee,
    monthly_fee: number.monthlyFee,
    currency: number.currency,
    ...(holding.trunkGroupId === undefined ? {} : { trunk_group_id: holding.trunkGroupId }),
    voice_enabled: number.capabilities.voice,
    tags: [],
    purchased_at: timestamp(holding.purchasedAt),
    is_blocked: false,
    created_at: timestamp(number.createdAt),
    updated_at: timestamp(holding.updatedAt),
    is_trial_number: false,
    last_billing_date: timestamp(holding.purchasedAt),
    next_billing_date: timestamp(addMonths(holding.purchasedAt, 1)),
    minimum_commitment_months: 1,
    source: 'inventory',
  };
  return body;
}

/** Builds an item of "search inventory": no owner, status `active`. */
export function inventoryNumberBody(number: SimNumber): Record<string, unknown> {
  return {
    e164: number.e164,
    country: number.country,
    ...(number.region === undefined ? {} : { region: number.region }),
    capabilities: number.capabilities,
    status: 'active',
    provider: number.provider,
    setup_fee: number.setupFee,
    monthly_fee: number.monthlyFee,
    currency: number.currency,
    voice_enabled: number.capabilities.voice,
    created_at: timestamp(number.createdAt),
  };
}

export function trunkBody(trunk: SimTrunk): Record<string, unknown> {
  return {
    trunk_id: trunk.trunkId,
    name: trunk.name,
    trunk_status: 'enabled',
    trunk_direction: 'both',
    transport: 'udp',
    created_at: timestamp(trunk.createdAt),
  };
}

export function subAccountBody(subAccount: SimSubAccount): Record<string, unknown> {
  return { auth_id: subAccount.authId, name: subAccount.name, enabled: true, created_at: timestamp(subAccount.createdAt) };
}

function invalidParameter(name: string, value: string, expected: string): SimulatorHttpError {
  return new SimulatorHttpError(400, { error: 'invalid request', message: `invalid ${name} ${JSON.stringify(value)}: expected ${expected}` });
}

/** Reads an integer query parameter; `max` caps it silently, as Vobiz caps `per_page` at 100. */
export function integerParameter(params: URLSearchParams, name: string, fallback: number, min: number, max?: number): number {
  const text = params.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw invalidParameter(name, text, `an integer from ${min}`);

  const value = Number(text);
  if (value < min) throw invalidParameter(name, text, `an integer from ${min}`);
  return max === undefined ? value : Math.min(value, max);
}

export interface PageWindow {
  page: number;
  perPage: number;
}

/** Builds `{items, page, per_page, total}` for the slice of `all` that page `page` covers. */
export function pageBody<T>(all: T[], window: PageWindow, toBody: (item: T) => unknown): Record<string, unknown> {
  const start = (window.page - 1) * window.perPage;
  return {
    items: all.slice(start, start + window.perPage).map(toBody),
    page: window.page,
    per_page: window.perPage,
    total: all.length,
  };
}
