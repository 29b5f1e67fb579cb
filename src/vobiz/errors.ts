/**
 * Typed errors of the Vobiz client. Every failure the client reports is a `VobizError` whose
 * `code` names what happened, and `retryable` tells the caller whether it may try again.
 */

export type VobizErrorCode =
  | 'VOBIZ_NOT_FOUND'
  | 'VOBIZ_ALREADY_ASSIGNED'
  | 'VOBIZ_COOL_OFF'
  | 'VOBIZ_FORBIDDEN'
  | 'VOBIZ_UNAUTHORIZED'
  | 'VOBIZ_INSUFFICIENT_BALANCE'
  | 'VOBIZ_RATE_LIMITED'
  | 'VOBIZ_SERVER_ERROR'
  | 'VOBIZ_TIMEOUT'
  | 'VOBIZ_CONNECTION_RESET'
  | 'VOBIZ_CONNECTION_REFUSED'
  | 'VOBIZ_BAD_REQUEST'
  | 'VOBIZ_INVALID_RESPONSE'
  | 'VOBIZ_OUTCOME_UNKNOWN'
  | 'VOBIZ_INVALID_E164';

/**
 * Codes for which the same call may succeed later without any change on the caller's side.
 * For a mutation, "try again" means reconcile again from freshly read state: the client has
 * already read state once and found that the mutation did not take effect, or could not tell,
 * or it knows the request was never sent (`notSent`).
 */
const retryableCodes: ReadonlySet<VobizErrorCode> = new Set<VobizErrorCode>([
  'VOBIZ_RATE_LIMITED',
  'VOBIZ_SERVER_ERROR',
  'VOBIZ_TIMEOUT',
  'VOBIZ_CONNECTION_RESET',
  'VOBIZ_CONNECTION_REFUSED',
  'VOBIZ_OUTCOME_UNKNOWN',
]);

export interface VobizErrorOptions {
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** Vobiz's own error code or text from the response body, for example `did_cool_off_in_effect`. */
  vobizError?: string;
  /** Wait the server asked for in `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  coolOffUntil?: Date;
  coolOffRemainingSeconds?: number;
  /** Dotted path of the response field that failed validation, for `VOBIZ_INVALID_RESPONSE`. */
  field?: string;
  /** True when the connection failed before the request was sent. */
  notSent?: boolean;
  cause?: unknown;
}

export class VobizError extends Error {
  override readonly name = 'VobizError';
  readonly code: VobizErrorCode;
  /** Client operation that failed, for example `purchase` or `listNumbers`. */
  readonly operation: string;
  readonly status?: number;
  readonly vobizError?: string;
  readonly retryAfterMs?: number;
  readonly coolOffUntil?: Date;
  readonly coolOffRemainingSeconds?: number;
  readonly field?: string;
  /** True when the request never reached Vobiz (connection refused, DNS failure), so a mutation did not take effect. */
  readonly notSent: boolean;

  constructor(code: VobizErrorCode, operation: string, message: string, options: VobizErrorOptions = {}) {
    super(`${operation}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.operation = operation;
    this.notSent = options.notSent === true;

    if (options.status !== undefined) this.status = options.status;
    if (options.vobizError !== undefined) this.vobizError = options.vobizError;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.coolOffUntil !== undefined) this.coolOffUntil = options.coolOffUntil;
    if (options.coolOffRemainingSeconds !== undefined) this.coolOffRemainingSeconds = options.coolOffRemainingSeconds;
    if (options.field !== undefined) this.field = options.field;
  }

  /** True when a later attempt may succeed unchanged: rate limits, 5xx, timeouts, resets, refused connections, unknown outcomes. */
  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }
}

/** True for a `VobizError` that a later attempt may get past; false for every other error. */
export function isRetryable(error: unknown): boolean {
  return error instanceof VobizError && error.retryable;
}

export function isVobizError(error: unknown, code?: VobizErrorCode): error is VobizError {
  return error instanceof VobizError && (code === undefined || error.code === code);
}
