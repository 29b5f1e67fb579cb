/**
 * zod schemas of Vobiz's response bodies (snake_case wire format) and their mapping to the
 * camelCase domain types. Optional fields may be omitted or `null`, so they are `nullish`.
 * Unknown fields are ignored. A body that does not parse becomes `VOBIZ_INVALID_RESPONSE`
 * naming the first field that failed.
 */
import { z } from 'zod';

import { VobizError } from './errors.ts';
import type {
  AccountProfile,
  Balance,
  InventoryNumber,
  OwnedNumber,
  Page,
  ReleaseResult,
  SubAccount,
  Trunk,
} from './types.ts';

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'expected an E.164 number such as +14155551234');
const timestamp = z.iso.datetime({ offset: true });
const money = z.number().finite();

const numberStatus = z.enum(['active', 'pending_purchase', 'pending_release', 'released', 'blocked']);

export const ownedNumberSchema = z.object({
  id: z.string().min(1),
  account_id: z.string().min(1),
  e164,
  country: z.string().length(2),
  region: z.string().nullish(),
  status: numberStatus,
  setup_fee: money,
  monthly_fee: money,
  currency: z.string().length(3),
  trunk_group_id: z.string().min(1).nullish(),
  purchased_at: timestamp.nullish(),
  released_at: timestamp.nullish(),
});

export const inventoryNumberSchema = z.object({
  e164,
  country: z.string().length(2),
  region: z.string().nullish(),
  setup_fee: money,
  monthly_fee: money,
  currency: z.string().length(3),
});

function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int().min(1),
    per_page: z.number().int().min(1),
    total: z.number().int().min(0),
  });
}

export const ownedNumberPageSchema = pageSchema(ownedNumberSchema);
export const inventoryPageSchema = pageSchema(inventoryNumberSchema);

export const purchaseResponseSchema = z.object({
  number: ownedNumberSchema,
});

export const releaseResponseSchema = z.object({
  status: numberStatus,
  cooldown_ends_at: timestamp.nullish(),
  release_fee: money.nullish(),
});

export const trunkSchema = z.object({
  trunk_id: z.string().min(1),
  name: z.string(),
});

export const trunkListSchema = z.object({
  meta: z.object({
    limit: z.number().int().min(0),
    offset: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  objects: z.array(trunkSchema),
});

export const subAccountListSchema = z.object({
  sub_accounts: z.array(
    z.object({
      auth_id: z.string().min(1),
      name: z.string(),
    }),
  ),
  total: z.number().int().min(0),
  page: z.number().int().min(1),
  size: z.number().int().min(1),
});

export const accountProfileSchema = z.object({
  auth_id: z.string().min(1),
  role: z.string().min(1),
});

export const balanceSchema = z.object({
  currency: z.string().length(3),
  balance: money,
  available_balance: money,
});

/** `a.b[2].c`, the way a reader writes the path of a field in a JSON body. */
function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
    } else {
      text += text === '' ? String(key) : `.${String(key)}`;
    }
  }
  return text === '' ? '(body)' : text;
}

/** Parses `body` with `schema`, or throws `VOBIZ_INVALID_RESPONSE` naming the first bad field. */
export function parseResponse<T extends z.ZodType>(schema: T, body: unknown, operation: string, status: number): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const field = issue === undefined ? '(body)' : formatFieldPath(issue.path);
  const reason = issue === undefined ? 'does not match the expected shape' : issue.message;
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more invalid fields)` : '';

  throw new VobizError('VOBIZ_INVALID_RESPONSE', operation, `invalid response field "${field}": ${reason}${more}`, {
    status,
    field,
  });
}

function optional<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

export function toOwnedNumber(wire: z.infer<typeof ownedNumberSchema>): OwnedNumber {
  const number: OwnedNumber = {
    id: wire.id,
    e164: wire.e164,
    accountId: wire.account_id,
    country: wire.country,
    status: wire.status,
    setupFee: wire.setup_fee,
    monthlyFee: wire.monthly_fee,
    currency: wire.currency,
  };

  const region = optional(wire.region);
  const trunkGroupId = optional(wire.trunk_group_id);
  const purchasedAt = optional(wire.purchased_at);
  const releasedAt = optional(wire.released_at);

  if (region !== undefined) number.region = region;
  if (trunkGroupId !== undefined) number.trunkGroupId = trunkGroupId;
  if (purchasedAt !== undefined) number.purchasedAt = purchasedAt;
  if (releasedAt !== undefined) number.releasedAt = releasedAt;
  return number;
}

export function toInventoryNumber(wire: z.infer<typeof inventoryNumberSchema>): InventoryNumber {
  const number: InventoryNumber = {
    e164: wire.e164,
    country: wire.country,
    setupFee: wire.setup_fee,
    monthlyFee: wire.monthly_fee,
    currency: wire.currency,
  };

  const region = optional(wire.region);
  if (region !== undefined) number.region = region;
  return number;
}

export function toPage<W, T>(wire: { items: W[]; page: number; per_page: number; total: number }, map: (item: W) => T): Page<T> {
  return { items: wire.items.map(map), page: wire.page, perPage: wire.per_page, total: wire.total };
}

export function toReleaseResult(wire: z.infer<typeof releaseResponseSchema>): ReleaseResult {
  const result: ReleaseResult = { status: wire.status };

  const cooldownEndsAt = optional(wire.cooldown_ends_at);
  const releaseFee = optional(wire.release_fee);
  if (cooldownEndsAt !== undefined) result.cooldownEndsAt = cooldownEndsAt;
  if (releaseFee !== undefined) result.releaseFee = releaseFee;
  return result;
}

export function toTrunk(wire: z.infer<typeof trunkSchema>): Trunk {
  return { trunkId: wire.trunk_id, name: wire.name };
}

export function toSubAccount(wire: { auth_id: string; name: string }): SubAccount {
  return { authId: wire.auth_id, name: wire.name };
}

export function toAccountProfile(wire: z.infer<typeof accountProfileSchema>): AccountProfile {
  return { authId: wire.auth_id, role: wire.role };
}

export function toBalance(wire: z.infer<typeof balanceSchema>): Balance {
  return { currency: wire.currency, balance: wire.balance, availableBalance: wire.available_balance };
}
