/**
 * Every Vobiz path the client calls, one function per endpoint. Vobiz's paths are case
 * sensitive and not uniform, and the wrong casing gets 404:
 *
 *   /api/v1/Account/{auth_id}/...   inventory, purchase, numbers, release, trunk assignment, trunks, balance
 *   /api/v1/account/{auth_id}/...   sub-account assignment, cancel-release
 *   /api/v1/accounts/{auth_id}/...  sub-accounts (with a trailing slash)
 *
 * A number goes into a path as `%2B` plus digits. A raw `+` does not match any route.
 */
import { encodeE164ForPath } from './e164.ts';
import type { E164 } from './types.ts';

const prefix = '/api/v1';

/** An auth id, trunk id or currency as one path segment; ids never need escaping, but a bad value must not add a segment. */
function segment(value: string): string {
  return encodeURIComponent(value);
}

export function inventoryPath(authId: string): string {
  return `${prefix}/Account/${segment(authId)}/inventory/numbers`;
}

export function purchasePath(authId: string): string {
  return `${prefix}/Account/${segment(authId)}/numbers/purchase-from-inventory`;
}

export function numbersPath(authId: string): string {
  return `${prefix}/Account/${segment(authId)}/numbers`;
}

/** Release (unrent) path. Vobiz also accepts the digits without `+` here; the `%2B` form is the documented one. */
export function releasePath(authId: string, e164: E164): string {
  return `${prefix}/Account/${segment(authId)}/numbers/${encodeE164ForPath(e164)}`;
}

export function cancelReleasePath(authId: string, e164: E164): string {
  return `${prefix}/account/${segment(authId)}/numbers/${encodeE164ForPath(e164)}/cancel-release`;
}

/** Trunk assignment: POST assigns, DELETE unassigns. */
export function trunkAssignmentPath(authId: string, e164: E164): string {
  return `${prefix}/Account/${segment(authId)}/numbers/${encodeE164ForPath(e164)}/assign`;
}

/** Sub-account assignment: POST assigns, DELETE (optionally `?force=true`) returns the number to the parent. */
export function subAccountAssignmentPath(authId: string, e164: E164): string {
  return `${prefix}/account/${segment(authId)}/numbers/${encodeE164ForPath(e164)}/assign-subaccount`;
}

export function trunksPath(authId: string): string {
  return `${prefix}/Account/${segment(authId)}/trunks`;
}

export function trunkPath(authId: string, trunkId: string): string {
  return `${prefix}/Account/${segment(authId)}/trunks/${segment(trunkId)}`;
}

export function subAccountsPath(authId: string): string {
  return `${prefix}/accounts/${segment(authId)}/sub-accounts/`;
}

export function accountProfilePath(): string {
  return `${prefix}/auth/me`;
}

export function balancePath(authId: string, currency: string): string {
  return `${prefix}/Account/${segment(authId)}/balance/${segment(currency)}`;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/**
 * Appends a query string. `URLSearchParams` writes `+` as `%2B` and a space as `+`, which
 * is what Vobiz's `search` parameter needs: a bare `+` there would mean a space.
 * Undefined values are left out; arrays become a comma-separated list.
 */
export function withQuery(path: string, query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();

  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(name, value.join(','));
      continue;
    }
    params.set(name, String(value));
  }

  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}
