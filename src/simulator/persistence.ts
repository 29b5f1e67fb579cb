/**
 * The simulator's state file: the whole `SimulatorSnapshot` as JSON, replaced atomically
 * (write to a temporary file, then rename) so a crash never leaves half a file behind.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

import { z } from 'zod';

import type { SimulatorSnapshot } from './model.ts';

const timestamp = z.iso.datetime({ offset: true });

const holdingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('inventory') }),
  z.object({
    kind: z.literal('owned'),
    id: z.string().min(1),
    accountId: z.string().min(1),
    status: z.enum(['active', 'pending_release']),
    trunkGroupId: z.string().min(1).optional(),
    purchasedAt: timestamp,
    updatedAt: timestamp,
    pendingRelease: z
      .object({ requestedAt: timestamp, until: timestamp, fee: z.number(), currency: z.string().length(3) })
      .optional(),
  }),
  z.object({ kind: z.literal('quarantine'), releasedAt: timestamp, until: timestamp }),
]);

const snapshotSchema = z.object({
  version: z.literal(1),
  clockOffsetMs: z.number().finite(),
  account: z.object({
    authId: z.string().min(1),
    authToken: z.string().min(1),
    name: z.string(),
    email: z.string(),
    role: z.enum(['admin', 'user']),
  }),
  subAccounts: z.array(
    z.object({ authId: z.string().min(1), name: z.string(), authToken: z.string().min(1).optional(), createdAt: timestamp }),
  ),
  trunks: z.array(z.object({ trunkId: z.string().min(1), name: z.string(), createdAt: timestamp })),
  balances: z.record(z.string(), z.number().finite()),
  releaseFee: z.number().finite().min(0),
  numbers: z.array(
    z.object({
      e164: z.string().regex(/^\+[1-9]\d{1,14}$/),
      country: z.string().length(2),
      region: z.string().optional(),
      capabilities: z.object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() }),
      setupFee: z.number().finite(),
      monthlyFee: z.number().finite(),
      currency: z.string().length(3),
      provider: z.string(),
      createdAt: timestamp,
      lastCallAt: timestamp.optional(),
      holding: holdingSchema,
    }),
  ),
});

/** Reads a state file, or returns undefined when it does not exist. Throws naming the file and the bad field otherwise. */
export function loadSnapshot(path: string): SimulatorSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`simulator state file ${path} is not valid JSON (${(error as Error).message}); fix or delete it`, { cause: error });
  }

  const result = snapshotSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? '(file)';
    throw new Error(`simulator state file ${path} has an invalid field "${field}": ${issue?.message ?? 'invalid'}; fix or delete it`);
  }
  return result.data as SimulatorSnapshot;
}

export function saveSnapshot(path: string, snapshot: SimulatorSnapshot): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(snapshot, null, 2)}\n`);
  renameSync(temporary, path);
}
