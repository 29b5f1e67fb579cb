/**
 * Where the contract suite runs: always against a simulator started in this process, and
 * also against the real Vobiz when VOBIZ_BASE_URL, VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN are
 * set. Against Vobiz the suite only reads, unless VOBIZ_CONTRACT_ALLOW_PURCHASE=true lets
 * it buy and release numbers, which costs money.
 */
import { request } from 'undici';

import { startSimulator, SimulatorControls, type RunningSimulator } from '../../src/simulator/index.ts';
import { createVobizClient, type VobizClient, type VobizClientOptions } from '../../src/vobiz/index.ts';

export interface ContractTarget {
  name: 'simulator' | 'Vobiz';
  baseUrl: string;
  authId: string;
  authToken: string;
  /** True when tests may buy and release numbers. */
  allowPurchase: boolean;
  /** Test controls; simulator only. */
  controls?: SimulatorControls;
  simulator?: RunningSimulator;
  /** A client for this target with short timeouts and backoff; closed by `close()`. */
  client(overrides?: Partial<VobizClientOptions>): VobizClient;
  close(): Promise<void>;
}

const vobizBaseUrl = process.env['VOBIZ_BASE_URL'];
const vobizAuthId = process.env['VOBIZ_AUTH_ID'];
const vobizAuthToken = process.env['VOBIZ_AUTH_TOKEN'];

export const vobizConfigured = Boolean(vobizBaseUrl && vobizAuthId && vobizAuthToken);

export interface TargetDefinition {
  name: ContractTarget['name'];
  enabled: boolean;
  /** Tests that need the simulator's test controls run only where this is true. */
  isSimulator: boolean;
  start(): Promise<ContractTarget>;
}

function makeTarget(fields: Omit<ContractTarget, 'client' | 'close'>, stop: () => Promise<void>): ContractTarget {
  const clients: VobizClient[] = [];
  const isSimulator = fields.name === 'simulator';

  return {
    ...fields,
    client(overrides = {}) {
      const client = createVobizClient({
        baseUrl: fields.baseUrl,
        authId: fields.authId,
        authToken: fields.authToken,
        // Fast against the simulator; Vobiz keeps the client's own defaults.
        ...(isSimulator ? { timeoutMs: 2_000, retry: { baseDelayMs: 5, maxDelayMs: 50 }, rateLimit: { requestsPerSecond: 1_000, burst: 1_000 } } : {}),
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await stop();
    },
  };
}

export const targets: TargetDefinition[] = [
  {
    name: 'simulator',
    enabled: true,
    isSimulator: true,
    async start() {
      const simulator = await startSimulator();
      return makeTarget(
        {
          name: 'simulator',
          baseUrl: simulator.url,
          authId: simulator.authId,
          authToken: simulator.authToken,
          allowPurchase: true,
          controls: new SimulatorControls(simulator.url),
          simulator,
        },
        () => simulator.close(),
      );
    },
  },
  {
    name: 'Vobiz',
    enabled: vobizConfigured,
    isSimulator: false,
    async start() {
      return makeTarget(
        {
          name: 'Vobiz',
          baseUrl: vobizBaseUrl ?? '',
          authId: vobizAuthId ?? '',
          authToken: vobizAuthToken ?? '',
          allowPurchase: process.env['VOBIZ_CONTRACT_ALLOW_PURCHASE'] === 'true',
        },
        async () => {},
      );
    },
  },
];

/** Sends one request exactly as given, bypassing the client, to check what the server does with a path. */
export async function rawRequest(
  target: ContractTarget,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await request(`${target.baseUrl}${path}`, {
    method,
    headers: {
      'x-auth-id': target.authId,
      'x-auth-token': target.authToken,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.body.text();

  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.statusCode, body };
}

/** Runs `run` and returns what it threw, or fails when it did not throw. */
export async function caught<T = unknown>(run: () => Promise<unknown>): Promise<T> {
  try {
    await run();
  } catch (error) {
    return error as T;
  }
  throw new Error('expected the call to throw');
}
