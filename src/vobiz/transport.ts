/**
 * Sends one Vobiz call over undici: waits for the shared limiter, adds the auth headers,
 * enforces the timeout, maps failures to `VobizError`, logs and reports metrics hooks, and
 * retries where that is safe.
 *
 * Retry rules:
 * - a read retries on 408, 429, 5xx, timeouts and connection failures;
 * - a mutation retries only when Vobiz cannot have applied it: on 429, and when the
 *   connection failed before the request was sent. Every other failure of a mutation goes
 *   back to the caller, which settles the outcome by reading state.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';
import { Pool } from 'undici';

import { errorFromResponse } from './error-response.ts';
import { VobizError } from './errors.ts';
import { RateLimiter } from './rate-limiter.ts';
import { backoffDelayMs, parseRetryAfter, type RetryOptions } from './retry-policy.ts';

/** Operation names, shared by logs, metrics hooks and the simulator's request log. */
export type VobizOperation =
  | 'searchInventory'
  | 'purchase'
  | 'listNumbers'
  | 'release'
  | 'cancelRelease'
  | 'assignTrunk'
  | 'unassignTrunk'
  | 'assignSubAccount'
  | 'unassignSubAccount'
  | 'listTrunks'
  | 'getTrunk'
  | 'listSubAccounts'
  | 'getAccount'
  | 'getBalance';

export interface VobizClientHooks {
  /** Called once per HTTP attempt; `statusCode` is `'error'` when no response arrived. */
  onRequest?(event: { operation: string; statusCode: number | 'error'; durationSeconds: number }): void;
  /** Called once per attempt with the time spent waiting for the rate and concurrency limiter. */
  onLimiterWait?(event: { operation: string; waitSeconds: number }): void;
  /** Called before the client waits to retry an attempt that failed. */
  onRetry?(event: { operation: string; attempt: number; delayMs: number; code: string }): void;
}

export interface TransportOptions {
  baseUrl: string;
  authId: string;
  authToken: string;
  logger?: Logger;
  hooks?: VobizClientHooks;
  /** `User-Agent` header of every request; none when undefined. */
  userAgent?: string;
  limiter: RateLimiter;
  maxConnections: number;
  timeoutMs: number;
  retry: Required<RetryOptions>;
}

export interface Call {
  operation: VobizOperation;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path from `paths.ts`, query included. */
  path: string;
  body?: unknown;
  /** Subject of the call in error messages, such as `number +14155551234`. */
  subject?: string;
  /** True for a call that changes state at Vobiz; see the retry rules above. */
  mutation: boolean;
  /**
   * True when the caller uses only the status. The body of a 2xx is then not parsed, so a
   * mutation that took effect is not reported as failed because of a body the caller ignores.
   */
  discardBody?: boolean;
}

export interface CallResponse {
  status: number;
  /** Parsed JSON body; undefined for an empty body such as a 204's. */
  body: unknown;
}

/** Connection failures after which the request cannot have reached Vobiz. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

interface AttemptFailure {
  error: VobizError;
  /** True when Vobiz cannot have applied the request, so even a mutation may be sent again. */
  notSent: boolean;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;

  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errorCode(cause);
}

export class Transport {
  readonly #options: TransportOptions;
  readonly #pool: Pool;
  readonly #basePath: string;
  /** The base URL without user info, for error messages. */
  readonly #displayUrl: string;
  #closed = false;

  constructor(options: TransportOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`invalid Vobiz base URL "${options.baseUrl}": expected an http or https URL such as https://api.vobiz.ai`);
    }

    this.#options = options;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#displayUrl = base.origin + this.#basePath;
    this.#pool = new Pool(base.origin, { connections: options.maxConnections });
  }

  /** Closes the connections once requests in flight have finished; later calls fail without being sent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  /** Sends `call`, retrying where the rules above allow, and returns a 2xx response or throws `VobizError`. */
  async send(call: Call): Promise<CallResponse> {
    const { retry, limiter, hooks, logger } = this.#options;

    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#attempt(call);
      if (!('error' in outcome)) return outcome;

      const { error, notSent } = outcome;
      const safeToRepeat = !call.mutation || notSent || error.code === 'VOBIZ_RATE_LIMITED';
      if (!error.retryable || !safeToRepeat || attempt >= retry.maxAttempts || this.#closed) throw error;

      if (error.retryAfterMs !== undefined && error.retryAfterMs > retry.maxRetryAfterMs) throw error;

      const delayMs = error.retryAfterMs ?? backoffDelayMs(attempt, retry);
      if (error.code === 'VOBIZ_RATE_LIMITED') limiter.pauseFor(delayMs);

      hooks?.onRetry?.({ operation: call.operation, attempt, delayMs, code: error.code });
      logger?.info(
        { operation: call.operation, attempt, delayMs, code: error.code, status: error.status },
        'retrying Vobiz request',
      );
      await sleep(delayMs);
    }
  }

  async #attempt(call: Call): Promise<CallResponse | AttemptFailure> {
    const { limiter, hooks, logger, timeoutMs } = this.#options;

    const permit = await limiter.acquire();
    hooks?.onLimiterWait?.({ operation: call.operation, waitSeconds: permit.waitMs / 1000 });

    const startedAt = performance.now();
    let statusCode: number | 'error' = 'error';
    try {
      const result = await this.#exchange(call, timeoutMs);
      statusCode = 'status' in result ? result.status : 'error';

      if ('error' in result) return result;
      if (result.status >= 200 && result.status < 300) {
        const body = call.discardBody === true ? undefined : this.#parseJson(call, result.status, result.text);
        return { status: result.status, body };
      }

      const retryAfterMs = parseRetryAfter(result.retryAfter, Date.now());
      const error = errorFromResponse({
        operation: call.operation,
        status: result.status,
        body: result.text,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(call.subject === undefined ? {} : { subject: call.subject }),
      });
      return { error, notSent: false };
    } finally {
      permit.release();

      const durationSeconds = (performance.now() - startedAt) / 1000;
      hooks?.onRequest?.({ operation: call.operation, statusCode, durationSeconds });
      // The path carries the auth id and query but never the token, which travels only in a header.
      logger?.debug(
        { operation: call.operation, method: call.method, path: call.path, status: statusCode, durationMs: Math.round(durationSeconds * 1000) },
        'vobiz request',
      );
    }
  }

  /** One HTTP exchange: a response with its whole body, or the failure that prevented one. */
  async #exchange(
    call: Call,
    timeoutMs: number,
  ): Promise<{ status: number; text: string; retryAfter: string | string[] | undefined } | AttemptFailure> {
    const { authId, authToken, userAgent } = this.#options;
    if (this.#closed) {
      const error = new VobizError('VOBIZ_CONNECTION_RESET', call.operation, 'the Vobiz client is closed, so no request was sent', { notSent: true });
      return { error, notSent: true };
    }

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);

    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-auth-id': authId,
      'x-auth-token': authToken,
    };
    if (userAgent !== undefined) headers['user-agent'] = userAgent;
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }

    try {
      const response = await this.#pool.request({
        path: this.#basePath + call.path,
        method: call.method,
        headers,
        body: body ?? null,
        signal: controller.signal,
      });
      const text = await response.body.text();
      return { status: response.statusCode, text, retryAfter: response.headers['retry-after'] };
    } catch (cause) {
      return this.#failure(call, cause, controller.signal.aborted, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  #failure(call: Call, cause: unknown, timedOut: boolean, timeoutMs: number): AttemptFailure {
    const code = errorCode(cause);
    const target = call.subject === undefined ? '' : ` for ${call.subject}`;

    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      const error = new VobizError('VOBIZ_TIMEOUT', call.operation, `no complete response from Vobiz within ${timeoutMs} ms${target}`, { cause });
      return { error, notSent: false };
    }

    if (code === 'ECONNREFUSED') {
      const message = `could not connect to Vobiz at ${this.#displayUrl}${target}: connection refused (ECONNREFUSED), so no server listens there; check --vobiz-url or VOBIZ_BASE_URL`;
      return { error: new VobizError('VOBIZ_CONNECTION_REFUSED', call.operation, message, { cause, notSent: true }), notSent: true };
    }

    const notSent = code !== undefined && notSentCodes.has(code);
    const description = notSent ? `could not connect to Vobiz at ${this.#displayUrl}` : 'connection to Vobiz was reset before the response arrived';
    const error = new VobizError('VOBIZ_CONNECTION_RESET', call.operation, `${description}${target} (${code ?? String(cause)})`, { cause, notSent });
    return { error, notSent };
  }

  #parseJson(call: Call, status: number, text: string): unknown {
    if (text.trim() === '') return undefined;

    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new VobizError('VOBIZ_INVALID_RESPONSE', call.operation, `invalid response: HTTP ${status} body is not JSON`, {
        status,
        field: '(body)',
        cause,
      });
    }
  }
}
