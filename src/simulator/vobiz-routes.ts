/**
 * The Vobiz endpoints the simulator serves: one route per endpoint, matched against the raw
 * request path, so casing and percent-encoding count exactly as they do at Vobiz. A number
 * in a path must be `%2B` plus digits (release also takes the bare digits); a raw `+`
 * matches no route and gets 404.
 */
import {
  assignSubAccount,
  assignTrunk,
  cancelRelease,
  listNumbers,
  purchase,
  release,
  searchInventory,
  unassignSubAccount,
  unassignTrunk,
} from './operations.ts';
import { SimulatorHttpError, type Caller, type SimulatorState } from './state.ts';
import { integerParameter, inventoryNumberBody, ownedNumberBody, pageBody, subAccountBody, timestamp, trunkBody } from './wire.ts';

export interface VobizRequest {
  /** Path parameters after the auth id, decoded. */
  params: string[];
  query: URLSearchParams;
  body: unknown;
  caller: Caller;
}

export interface VobizResponse {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  operation: string;
  /** False for `/auth/me`, the one path without an auth id. */
  hasAuthId: boolean;
  handle(state: SimulatorState, request: VobizRequest): VobizResponse;
}

const authId = '([^/?]+)';
const encodedNumber = '(%2[Bb][0-9]+)';
const releaseNumber = '(%2[Bb][0-9]+|[0-9]+)';

/** Converts a number path parameter, percent-decoded or not (`+1…`, `%2B1…`, or release's bare `1…`), to `+14155551234`. */
export function decodeNumberParameter(raw: string): string {
  return `+${raw.replace(/^(%2B|\+)/i, '')}`;
}

function bodyField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function requireParam(request: VobizRequest, index: number): string {
  const value = request.params[index];
  if (value === undefined) throw new Error(`route pattern has no parameter ${index}`);
  return value;
}

function pageWindow(query: URLSearchParams): { page: number; perPage: number } {
  return { page: integerParameter(query, 'page', 1, 1), perPage: integerParameter(query, 'per_page', 25, 1, 100) };
}

/** Reads `search` as Vobiz does: form decoding turns a bare `+` into a space, which matches nothing. */
function searchParameter(query: URLSearchParams): string | undefined {
  const search = query.get('search');
  return search === null || search === '' ? undefined : search;
}

function excludeParameter(query: URLSearchParams): string[] {
  return query
    .getAll('exclude')
    .flatMap((value) => value.split(','))
    .map((prefix) => prefix.trim())
    .filter((prefix) => prefix !== '');
}

export const vobizRoutes: Route[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/Account/${authId}/inventory/numbers$`),
    operation: 'searchInventory',
    hasAuthId: true,
    handle(state, request) {
      const country = request.query.get('country') ?? undefined;
      const search = searchParameter(request.query);
      const numbers = searchInventory(state, {
        ...(country === undefined || country === '' ? {} : { country }),
        ...(search === undefined ? {} : { search }),
        exclude: excludeParameter(request.query),
      });
      return { status: 200, body: pageBody(numbers, pageWindow(request.query), inventoryNumberBody) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/Account/${authId}/numbers/purchase-from-inventory$`),
    operation: 'purchase',
    hasAuthId: true,
    handle(state, request) {
      const number = purchase(state, request.caller, bodyField(request.body, 'e164'), bodyField(request.body, 'currency'));
      return { status: 200, body: { message: 'Number purchased successfully', number: ownedNumberBody(number) } };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/Account/${authId}/numbers$`),
    operation: 'listNumbers',
    hasAuthId: true,
    handle(state, request) {
      // `limit` and `offset` are ignored, as at Vobiz.
      const numbers = listNumbers(state, request.caller, searchParameter(request.query));
      return { status: 200, body: pageBody(numbers, pageWindow(request.query), ownedNumberBody) };
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/Account/${authId}/numbers/${releaseNumber}$`),
    operation: 'release',
    hasAuthId: true,
    handle(state, request) {
      const e164 = decodeNumberParameter(requireParam(request, 0));
      const immediate = request.query.get('immediate') === 'true';
      const outcome = release(state, request.caller, e164, immediate);

      if (outcome.status === 'released') {
        return { status: 200, body: { message: 'number released', status: 'released', release_fee: outcome.fee } };
      }
      return {
        status: 200,
        body: {
          message: 'number release initiated',
          status: 'pending_release',
          cooldown_ends_at: timestamp(outcome.cooldownEndsAt ?? state.now()),
          release_fee: outcome.fee,
          // Vobiz writes the number with a literal `+` here; a client must re-encode it.
          cancel_url: `/api/v1/account/${request.caller.authId}/numbers/${e164}/cancel-release`,
        },
      };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/account/${authId}/numbers/${encodedNumber}/cancel-release$`),
    operation: 'cancelRelease',
    hasAuthId: true,
    handle(state, request) {
      const refund = cancelRelease(state, request.caller, decodeNumberParameter(requireParam(request, 0)));
      return {
        status: 200,
        body: { message: 'number release cancelled', status: 'active', refund_amount: refund.refund, currency: refund.currency },
      };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/Account/${authId}/numbers/${encodedNumber}/assign$`),
    operation: 'assignTrunk',
    hasAuthId: true,
    handle(state, request) {
      assignTrunk(state, request.caller, decodeNumberParameter(requireParam(request, 0)), bodyField(request.body, 'trunk_group_id'));
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/Account/${authId}/numbers/${encodedNumber}/assign$`),
    operation: 'unassignTrunk',
    hasAuthId: true,
    handle(state, request) {
      unassignTrunk(state, request.caller, decodeNumberParameter(requireParam(request, 0)));
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/account/${authId}/numbers/${encodedNumber}/assign-subaccount$`),
    operation: 'assignSubAccount',
    hasAuthId: true,
    handle(state, request) {
      assignSubAccount(state, request.caller, decodeNumberParameter(requireParam(request, 0)), bodyField(request.body, 'sub_account_id'));
      // Vobiz documents 200 or 204. Here assignment returns 200 with a body and unassignment 204, so clients must accept both.
      return { status: 200, body: { message: 'number assigned to sub-account' } };
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/account/${authId}/numbers/${encodedNumber}/assign-subaccount$`),
    operation: 'unassignSubAccount',
    hasAuthId: true,
    handle(state, request) {
      const force = request.query.get('force') === 'true';
      unassignSubAccount(state, request.caller, decodeNumberParameter(requireParam(request, 0)), force);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/Account/${authId}/trunks$`),
    operation: 'listTrunks',
    hasAuthId: true,
    handle(state, request) {
      const limit = integerParameter(request.query, 'limit', 20, 1, 100);
      const offset = integerParameter(request.query, 'offset', 0, 0);
      const trunks = [...state.trunks.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.trunkId.localeCompare(b.trunkId));
      return {
        status: 200,
        body: { meta: { limit, offset, total: trunks.length }, objects: trunks.slice(offset, offset + limit).map(trunkBody) },
      };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/Account/${authId}/trunks/([^/?]+)$`),
    operation: 'getTrunk',
    hasAuthId: true,
    handle(state, request) {
      const trunk = state.trunks.get(requireParam(request, 0));
      if (trunk === undefined) throw new SimulatorHttpError(404, { error: 'not_found', message: 'trunk not found' });
      return { status: 200, body: trunkBody(trunk) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/accounts/${authId}/sub-accounts/$`),
    operation: 'listSubAccounts',
    hasAuthId: true,
    handle(state, request) {
      const page = integerParameter(request.query, 'page', 1, 1);
      const size = integerParameter(request.query, 'size', 20, 1, 100);
      const subAccounts = [...state.subAccounts.values()].sort((a, b) => a.authId.localeCompare(b.authId));
      return {
        status: 200,
        body: { sub_accounts: subAccounts.slice((page - 1) * size, page * size).map(subAccountBody), total: subAccounts.length, page, size },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/auth\/me$/,
    operation: 'getAccount',
    hasAuthId: false,
    handle(state, request) {
      const { caller } = request;
      if (caller.kind === 'sub') {
        const subAccount = state.subAccounts.get(caller.authId);
        return {
          status: 200,
          body: { auth_id: caller.authId, name: subAccount?.name ?? caller.authId, role: caller.role, account_type: 'sub_account', parent_auth_id: state.account.authId },
        };
      }
      return {
        status: 200,
        body: { auth_id: state.account.authId, name: state.account.name, email: state.account.email, role: state.account.role, account_type: 'main_account' },
      };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/Account/${authId}/balance/([^/?]+)$`),
    operation: 'getBalance',
    hasAuthId: true,
    handle(state, request) {
      // A sub-account is billed to its parent, so both see the parent's balances.
      const currency = requireParam(request, 0);
      const balance = state.balances.get(currency);
      if (balance === undefined) {
        throw new SimulatorHttpError(404, { error: 'not_found', message: `no balance in currency ${currency}` });
      }
      return { status: 200, body: { currency, balance, available_balance: balance, reserved_balance: 0 } };
    },
  },
];

export interface RouteMatch {
  route: Route;
  /** Decoded auth id from the path; undefined for `/auth/me`. */
  pathAuthId?: string;
  params: string[];
}

/** Finds the route for `method` and the raw path (query excluded); undefined means Vobiz returns 404. */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  for (const route of vobizRoutes) {
    if (route.method !== method) continue;

    const match = route.pattern.exec(rawPath);
    if (match === null) continue;

    let groups: string[];
    try {
      groups = match.slice(1).map((group) => decodeURIComponent(group ?? ''));
    } catch {
      // A malformed percent-escape such as `%ZZ` matches no resource.
      return undefined;
    }
    if (!route.hasAuthId) return { route, params: groups };

    const [pathAuthId, ...params] = groups;
    return { route, params, ...(pathAuthId === undefined ? {} : { pathAuthId }) };
  }
  return undefined;
}

/** Returns the E.164 number a request is about, for fault matching and the request log. */
export function requestNumber(match: RouteMatch, body: unknown): string | undefined {
  const operation = match.route.operation;
  if (operation === 'purchase') {
    const e164 = bodyField(body, 'e164');
    return typeof e164 === 'string' ? e164 : undefined;
  }

  const numberOperations = ['release', 'cancelRelease', 'assignTrunk', 'unassignTrunk', 'assignSubAccount', 'unassignSubAccount'];
  const raw = match.params[0];
  return numberOperations.includes(operation) && raw !== undefined ? decodeNumberParameter(raw) : undefined;
}
