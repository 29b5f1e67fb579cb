/**
 * The simulator's HTTP server (node:http). Each Vobiz request goes through these steps:
 * 1. route match on the raw path (404 if none);
 * 2. the configured request rate (429 above it);
 * 3. faults of the `before` phase;
 * 4. credentials (401);
 * 5. the operation itself;
 * 6. faults of the `after` phase, which can delay, replace or drop a response whose change
 *    has already happened.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import { controlPrefix, handleControl } from './control-routes.ts';
import { FaultInjector, retryAfterHeader, type FaultDecision } from './faults.ts';
import { loadSnapshot, saveSnapshot } from './persistence.ts';
import { RequestLog, type RequestLogEntry } from './request-log.ts';
import { defaultSeed, type SimulatorSeed } from './seed.ts';
import { SimulatorHttpError, SimulatorState } from './state.ts';
import { matchRoute, requestNumber, type RouteMatch } from './vobiz-routes.ts';

export interface SimulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** JSON state file: loaded at start when it exists (the seed is then ignored), rewritten after every change. */
  statePath?: string;
  /** Starting state when there is no state file. Default `defaultSeed()`. */
  seed?: SimulatorSeed;
  /** Base clock; `advanceClock` adds to it. Default the system clock. */
  now?: () => Date;
  logger?: Logger;
}

export interface RunningSimulator {
  /** Base URL without `/api/v1`, for example `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Auth id of the main account. */
  readonly authId: string;
  /** Token of the main account: a simulator token, not a Vobiz secret. */
  readonly authToken: string;
  readonly state: SimulatorState;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  close(): Promise<void>;
}

/** Largest request body the simulator reads. */
const maxBodyBytes = 1024 * 1024;

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw new BodyTooLargeError(`request body exceeds ${maxBodyBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const unauthorized = { error: 'unauthorized', message: 'invalid credentials' };

/** A request on its way to the log: its fields so far, and whether it has been logged already. */
interface PendingEntry {
  fields: Omit<RequestLogEntry, 'seq' | 'status'>;
  logged: boolean;
}

function noteFaults(entry: PendingEntry, decision: FaultDecision): void {
  if (decision.fired.length > 0) entry.fields.faults = [...(entry.fields.faults ?? []), ...decision.fired];
}

class Simulator {
  readonly state: SimulatorState;
  readonly faults = new FaultInjector();
  readonly requestLog = new RequestLog();
  readonly #logger: Logger | undefined;
  readonly #pending = new Set<AbortController>();

  constructor(state: SimulatorState, logger: Logger | undefined) {
    this.state = state;
    this.#logger = logger;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawUrl = request.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    const method = request.method ?? 'GET';

    let text: string;
    try {
      text = await readBody(request);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendJson(response, 413, { error: 'invalid request', message: error.message });
      return;
    }

    if (rawPath.startsWith(controlPrefix)) {
      this.#handleControl(response, method, rawPath.slice(controlPrefix.length), query, text);
      return;
    }
    await this.#handleVobiz(request, response, { method, rawUrl, rawPath, query, text });
  }

  #handleControl(response: ServerResponse, method: string, path: string, query: URLSearchParams, text: string): void {
    try {
      const body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
      const result = handleControl({ state: this.state, faults: this.faults, log: this.requestLog }, method, path, query, body);
      sendJson(response, result.status, result.body);
    } catch (error) {
      if (error instanceof SimulatorHttpError) {
        sendJson(response, error.status, error.body);
      } else if (error instanceof SyntaxError) {
        sendJson(response, 400, { error: 'invalid request', message: `request body is not valid JSON: ${error.message}` });
      } else {
        throw error;
      }
    }
  }

  async #handleVobiz(
    request: IncomingMessage,
    response: ServerResponse,
    incoming: { method: string; rawUrl: string; rawPath: string; query: URLSearchParams; text: string },
  ): Promise<void> {
    const { method, rawUrl, rawPath, query, text } = incoming;
    const authId = header(request, 'x-auth-id');
    const userAgent = header(request, 'user-agent');
    const entry: PendingEntry = {
      fields: {
        time: this.state.now().toISOString(),
        method,
        rawPath: rawUrl,
        operation: 'unknown',
        ...(authId === undefined ? {} : { authId }),
        ...(userAgent === undefined ? {} : { userAgent }),
      },
      logged: false,
    };
    const respond = (status: number, body?: unknown, headers?: Record<string, string>): void => {
      this.#record(entry, status);
      sendJson(response, status, body, headers);
    };

    const match = matchRoute(method, rawPath);
    if (match === undefined) {
      respond(404, { error: 'not_found', message: `no route for ${method} ${rawPath}` });
      return;
    }

    let body: unknown;
    let invalidJson = false;
    try {
      body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      invalidJson = true;
    }

    const e164 = requestNumber(match, body);
    const page = Number(query.get('page') ?? 'NaN');
    const fields = entry.fields;
    fields.operation = match.route.operation;
    if (e164 !== undefined) fields.e164 = e164;
    if (Number.isInteger(page)) fields.page = page;
    const faultContext = { operation: fields.operation, ...(e164 === undefined ? {} : { e164 }), ...(fields.page === undefined ? {} : { page: fields.page }) };

    const retryAfter = this.faults.checkRate(performance.now());
    if (retryAfter !== undefined) {
      const value = retryAfterHeader(retryAfter, this.faults.rateLimitRetryAfterFormat, Date.now());
      respond(429, { error: 'too_many_requests', message: 'rate limit exceeded' }, { 'retry-after': value });
      return;
    }

    const before = this.faults.decide('before', faultContext);
    noteFaults(entry, before);
    if (!(await this.#applyFaults(before, entry, request, response))) return;

    const caller = this.state.authenticate(authId, header(request, 'x-auth-token'));
    if (caller === undefined || (match.pathAuthId !== undefined && match.pathAuthId !== caller.authId)) {
      respond(401, unauthorized);
      return;
    }
    if (invalidJson) {
      respond(400, { error: 'invalid request', message: 'request body is not valid JSON' });
      return;
    }

    const result = this.#run(match, query, body, caller);

    // The change has happened: log the request now, because an `after` delay may outlast the caller's patience.
    const after = this.faults.decide('after', faultContext);
    noteFaults(entry, after);
    if (after.outcome === undefined) this.#record(entry, result.status);
    if (!(await this.#applyFaults(after, entry, request, response))) return;
    respond(result.status, result.body);
  }

  #run(match: RouteMatch, query: URLSearchParams, body: unknown, caller: NonNullable<ReturnType<SimulatorState['authenticate']>>): { status: number; body?: unknown } {
    try {
      this.state.settle();
      return match.route.handle(this.state, { params: match.params, query, body, caller });
    } catch (error) {
      if (error instanceof SimulatorHttpError) return { status: error.status, body: error.body };
      throw error;
    }
  }

  /**
   * Applies a fault decision: waits its delay, then sends its response or drops the
   * connection. Returns true when the request should go on normally.
   */
  async #applyFaults(decision: FaultDecision, entry: PendingEntry, request: IncomingMessage, response: ServerResponse): Promise<boolean> {

    const outcome = decision.outcome;
    if (outcome?.type === 'drop') {
      this.#record(entry, 'dropped');
      if (decision.delayMs > 0 && !(await this.#delay(decision.delayMs))) return false;
      request.socket.destroy();
      return false;
    }

    if (outcome?.type === 'respond') {
      this.#record(entry, outcome.status);
      if (decision.delayMs > 0 && !(await this.#delay(decision.delayMs))) return false;
      // Retry-After is wall-clock time, so an HTTP date ignores the simulated clock.
      const headers: Record<string, string> =
        outcome.retryAfterSeconds === undefined ? {} : { 'retry-after': retryAfterHeader(outcome.retryAfterSeconds, outcome.retryAfterFormat, Date.now()) };
      if (typeof outcome.body === 'string') {
        response.writeHead(outcome.status, { 'content-type': 'text/plain', ...headers }).end(outcome.body);
      } else {
        sendJson(response, outcome.status, outcome.body, headers);
      }
      return false;
    }

    if (decision.delayMs > 0) return this.#delay(decision.delayMs);
    return true;
  }

  /** Waits `ms`; returns false when the simulator closed meanwhile. */
  async #delay(ms: number): Promise<boolean> {
    const controller = new AbortController();
    this.#pending.add(controller);
    try {
      await sleep(ms, undefined, { signal: controller.signal });
      return true;
    } catch {
      return false;
    } finally {
      this.#pending.delete(controller);
    }
  }

  #record(entry: PendingEntry, status: number | 'dropped'): void {
    if (entry.logged) return;
    entry.logged = true;

    const { fields } = entry;
    this.requestLog.add({ ...fields, status });
    this.#logger?.debug({ operation: fields.operation, method: fields.method, path: fields.rawPath, status }, 'simulator request');
  }

  abortPending(): void {
    for (const controller of this.#pending) controller.abort();
  }
}

/** Starts a simulator on loopback (by default) and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const baseNow = options.now ?? (() => new Date());
  const stored = options.statePath === undefined ? undefined : loadSnapshot(options.statePath);
  const state = stored === undefined ? SimulatorState.fromSeed(options.seed ?? defaultSeed(), baseNow) : new SimulatorState(stored, baseNow);
  const simulator = new Simulator(state, options.logger);

  const statePath = options.statePath;
  let saveScheduled = false;
  const save = (): void => {
    saveScheduled = false;
    if (statePath !== undefined) saveSnapshot(statePath, state.snapshot());
  };
  if (statePath !== undefined) {
    state.onChange(() => {
      if (saveScheduled) return;
      saveScheduled = true;
      setImmediate(save);
    });
    save();
  }

  const server: Server = createServer((request, response) => {
    simulator.handle(request, response).catch((error: unknown) => {
      options.logger?.error({ err: error, path: request.url }, 'simulator request failed');
      sendJson(response, 500, { error: 'internal_server_error', message: 'simulator error' });
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    get authId() {
      return state.account.authId;
    },
    get authToken() {
      return state.account.authToken;
    },
    state,
    faults: simulator.faults,
    requestLog: simulator.requestLog,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        simulator.abortPending();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }).then(() => {
        if (statePath !== undefined) save();
      });
      return closed;
    },
  };
}
