/**
 * Test controls under `/__sim/`, a prefix no Vobiz path uses. They need no Vobiz
 * credentials and are not part of the Vobiz API; `docs/simulator.md` lists them.
 */
import { z } from 'zod';

import type { FaultInjector } from './faults.ts';
import type { RequestLog } from './request-log.ts';
import { defaultSeed, type SimulatorSeed, type SimulatorSeedPatch } from './seed.ts';
import { SimulatorHttpError, type SimulatorState } from './state.ts';

export const controlPrefix = '/__sim/';

export interface ControlContext {
  state: SimulatorState;
  faults: FaultInjector;
  log: RequestLog;
}

export interface ControlResponse {
  status: number;
  body?: unknown;
}

const capabilitiesSchema = z.object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() });

const seedNumberSchema = z.object({
  e164: z.string(),
  country: z.string().length(2),
  region: z.string().optional(),
  setupFee: z.number().finite().min(0),
  monthlyFee: z.number().finite().min(0),
  currency: z.string().length(3),
  capabilities: capabilitiesSchema.optional(),
});

const seedPatchSchema = z.object({
  account: z
    .object({
      authId: z.string().regex(/^MA_[A-Za-z0-9]+$/).optional(),
      authToken: z.string().min(1).optional(),
      name: z.string().optional(),
      email: z.string().optional(),
      role: z.enum(['admin', 'user']).optional(),
    })
    .optional(),
  subAccounts: z.array(z.object({ authId: z.string().regex(/^SA_[A-Za-z0-9]+$/), name: z.string(), authToken: z.string().min(1).optional() })).optional(),
  trunks: z.array(z.object({ trunkId: z.string().regex(/^[A-Za-z0-9-]+$/), name: z.string() })).optional(),
  balances: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().finite()).optional(),
  releaseFee: z.number().finite().min(0).optional(),
  inventory: z.array(seedNumberSchema).optional(),
  owned: z
    .array(seedNumberSchema.extend({ accountId: z.string().optional(), trunkGroupId: z.string().optional(), lastCallAt: z.iso.datetime({ offset: true }).optional() }))
    .optional(),
});

const fullSeedSchema = seedPatchSchema.extend({
  account: z.object({
    authId: z.string().regex(/^MA_[A-Za-z0-9]+$/),
    authToken: z.string().min(1),
    name: z.string().optional(),
    email: z.string().optional(),
    role: z.enum(['admin', 'user']).optional(),
  }),
});

/** Validates a full seed, for example one read from a `--seed` file; throws naming the first invalid field. */
export function parseSimulatorSeed(value: unknown): SimulatorSeed {
  return parseBody(fullSeedSchema, value) as SimulatorSeed;
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? '(body)' : issue.path.join('.');
  throw new SimulatorHttpError(400, { error: 'invalid request', message: `invalid field "${field}": ${issue?.message ?? 'invalid'}` });
}

function decodeE164(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new SimulatorHttpError(400, { error: 'invalid request', message: `malformed percent-encoding in ${JSON.stringify(raw)}` });
  }
}

/** Serves one test-control request; `path` is the raw path after `/__sim/`, without the query. */
export function handleControl(context: ControlContext, method: string, path: string, query: URLSearchParams, body: unknown): ControlResponse {
  const { state, faults, log } = context;
  const route = `${method} ${path}`;

  if (route === 'GET state') {
    state.settle();
    return { status: 200, body: state.snapshot() };
  }

  if (route === 'POST seed') {
    state.applySeed(parseBody(seedPatchSchema, body) as SimulatorSeedPatch);
    return { status: 200, body: { message: 'seed applied' } };
  }

  if (route === 'POST reset') {
    const seed = body === undefined ? defaultSeed() : (parseBody(fullSeedSchema, body) as SimulatorSeed);
    state.reset(seed);
    faults.clear();
    log.clear();
    return { status: 200, body: { message: 'state reset' } };
  }

  if (route === 'POST calls') {
    const call = parseBody(z.object({ e164: z.string(), at: z.iso.datetime({ offset: true }).optional() }), body);
    state.settle();
    const number = state.recordCall(call.e164, call.at === undefined ? state.now() : new Date(call.at));
    return { status: 200, body: number };
  }

  if (route === 'GET clock') {
    return { status: 200, body: { now: state.now().toISOString(), offsetSeconds: state.clockOffsetMs / 1000 } };
  }

  if (route === 'POST clock/advance') {
    const { seconds } = parseBody(z.object({ seconds: z.number().finite().min(0) }), body);
    state.advanceClock(seconds);
    return { status: 200, body: { now: state.now().toISOString(), offsetSeconds: state.clockOffsetMs / 1000 } };
  }

  if (route === 'GET faults') return { status: 200, body: faults.current() };

  if (route === 'PUT faults') {
    try {
      faults.configure((body ?? {}) as Parameters<FaultInjector['configure']>[0]);
    } catch (error) {
      throw new SimulatorHttpError(400, { error: 'invalid request', message: (error as Error).message });
    }
    return { status: 200, body: faults.current() };
  }

  if (route === 'DELETE faults') {
    faults.clear();
    return { status: 204 };
  }

  if (route === 'GET requests') {
    const filter = {
      ...(query.get('operation') === null ? {} : { operation: query.get('operation') as string }),
      ...(query.get('e164') === null ? {} : { e164: query.get('e164') as string }),
      ...(query.get('method') === null ? {} : { method: query.get('method') as string }),
    };
    return { status: 200, body: { requests: log.list(filter) } };
  }

  if (route === 'DELETE requests') {
    log.clear();
    return { status: 204 };
  }

  const numberRoute = /^numbers\/([^/]+)(?:\/(trunk|account))?$/.exec(path);
  if (numberRoute !== null) {
    const e164 = decodeE164(numberRoute[1] ?? '');
    const field = numberRoute[2];
    state.settle();

    if (method === 'GET' && field === undefined) {
      const number = state.numbers.get(e164);
      if (number === undefined) throw new SimulatorHttpError(404, { error: 'not_found', message: `number ${e164} is not known to the simulator` });
      return { status: 200, body: number };
    }
    if (method === 'PUT' && field === 'trunk') {
      const { trunkGroupId } = parseBody(z.object({ trunkGroupId: z.string().min(1).nullable() }), body);
      return { status: 200, body: state.setNumberTrunk(e164, trunkGroupId) };
    }
    if (method === 'PUT' && field === 'account') {
      const { accountId } = parseBody(z.object({ accountId: z.string().min(1) }), body);
      return { status: 200, body: state.setNumberAccount(e164, accountId) };
    }
  }

  throw new SimulatorHttpError(404, { error: 'not_found', message: `no test control ${method} ${controlPrefix}${path}; see docs/simulator.md` });
}
