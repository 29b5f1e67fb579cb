/**
 * `SimulatorControls`: a typed client of the simulator's test controls under `/__sim/`,
 * for tests and the sandbox. It works against a simulator in this process or another one.
 */
import { request } from 'undici';

import type { FaultConfig } from './faults.ts';
import type { SimNumber, SimulatorSnapshot } from './model.ts';
import type { RequestLogEntry, RequestLogFilter } from './request-log.ts';
import type { SimulatorSeed, SimulatorSeedPatch } from './seed.ts';

export class SimulatorControlError extends Error {
  override readonly name = 'SimulatorControlError';
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export class SimulatorControls {
  readonly #baseUrl: string;

  /** `url` is the simulator's base URL, as `RunningSimulator.url` gives it. */
  constructor(url: string) {
    this.#baseUrl = url.replace(/\/+$/, '');
  }

  /** Adds or replaces the accounts, trunks, balances and numbers that `patch` lists. */
  async seed(patch: SimulatorSeedPatch): Promise<void> {
    await this.#call('POST', 'seed', patch);
  }

  /** Replaces the whole state with `seed` (the default seed when omitted), clears faults and the request log, and resets the clock. */
  async reset(seed?: SimulatorSeed): Promise<void> {
    await this.#call('POST', 'reset', seed);
  }

  /** Records a call on an owned number at `at` (default now), which starts its 15-day cool-off. */
  async recordCall(e164: string, at?: Date): Promise<void> {
    await this.#call('POST', 'calls', at === undefined ? { e164 } : { e164, at: at.toISOString() });
  }

  /** Moves the simulated clock forward; returns the new simulated time. */
  async advanceClock(seconds: number): Promise<Date> {
    const body = (await this.#call('POST', 'clock/advance', { seconds })) as { now: string };
    return new Date(body.now);
  }

  async now(): Promise<Date> {
    const body = (await this.#call('GET', 'clock')) as { now: string };
    return new Date(body.now);
  }

  /** Replaces every injected fault with `config`. */
  async setFaults(config: FaultConfig): Promise<void> {
    await this.#call('PUT', 'faults', config);
  }

  async clearFaults(): Promise<void> {
    await this.#call('DELETE', 'faults');
  }

  async requestLog(filter: RequestLogFilter = {}): Promise<RequestLogEntry[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const text = query.toString();
    const body = (await this.#call('GET', text === '' ? 'requests' : `requests?${text}`)) as { requests: RequestLogEntry[] };
    return body.requests;
  }

  async clearRequestLog(): Promise<void> {
    await this.#call('DELETE', 'requests');
  }

  /** Sets or clears a number's trunk the way an edit in the Vobiz console would, to create drift. */
  async setNumberTrunk(e164: string, trunkGroupId: string | null): Promise<SimNumber> {
    return (await this.#call('PUT', `numbers/${encodeURIComponent(e164)}/trunk`, { trunkGroupId })) as SimNumber;
  }

  /** Moves a number to the main account or a sub-account, bypassing the cool-off, to create drift. */
  async setNumberAccount(e164: string, accountId: string): Promise<SimNumber> {
    return (await this.#call('PUT', `numbers/${encodeURIComponent(e164)}/account`, { accountId })) as SimNumber;
  }

  /** Returns the simulator's full record of a number, or undefined when it has no record of it. */
  async getNumber(e164: string): Promise<SimNumber | undefined> {
    try {
      return (await this.#call('GET', `numbers/${encodeURIComponent(e164)}`)) as SimNumber;
    } catch (error) {
      if (error instanceof SimulatorControlError && error.status === 404) return undefined;
      throw error;
    }
  }

  async snapshot(): Promise<SimulatorSnapshot> {
    return (await this.#call('GET', 'state')) as SimulatorSnapshot;
  }

  async #call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const response = await request(`${this.#baseUrl}/__sim/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.body.text();

    if (response.statusCode >= 400) {
      throw new SimulatorControlError(`simulator control ${method} /__sim/${path} failed with HTTP ${response.statusCode}: ${text}`, response.statusCode);
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
