/**
 * Turns a Vobiz error response into a `VobizError`. Vobiz writes error bodies in three shapes,
 * and all of them parse here:
 *
 *   flat:      {"error": "not_found", "message": "number not found in inventory"}
 *   bare:      {"error": "number is not pending release"}
 *   envelope:  {"status": "error", "error": {"code": "INSUFFICIENT_BALANCE", "message": "...", "details": {}}, "requestId": "..."}
 *
 * A body that is not JSON (a proxy's HTML page, for example) keeps its first characters as
 * the message, and the HTTP status alone decides the code.
 */
import { z } from 'zod';

import { VobizError, type VobizErrorCode } from './errors.ts';

export interface ErrorBody {
  /** Vobiz's error code or text: `error` of the flat shapes, `error.code` of the envelope. */
  error?: string;
  message?: string;
  /** Extra fields: the top level of a flat body, `error.details` of the envelope. */
  details: Record<string, unknown>;
}

const envelopeSchema = z.object({
  status: z.literal('error'),
  error: z.object({
    code: z.string(),
    message: z.string().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  }),
});

const flatSchema = z.looseObject({
  error: z.string(),
  message: z.string().nullish(),
});

const maxRawMessageLength = 200;

export function parseErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed === '' ? { details: {} } : { message: trimmed.slice(0, maxRawMessageLength), details: {} };
  }

  const envelope = envelopeSchema.safeParse(json);
  if (envelope.success) {
    const { code, message, details } = envelope.data.error;
    return { error: code, ...(message == null ? {} : { message }), details: details ?? {} };
  }

  const flat = flatSchema.safeParse(json);
  if (flat.success) {
    const { error, message, ...details } = flat.data;
    return { error, ...(message == null ? {} : { message }), details };
  }

  return { message: text.trim().slice(0, maxRawMessageLength), details: {} };
}

export interface ErrorResponse {
  operation: string;
  status: number;
  body: string;
  /** Milliseconds from `Retry-After`, already parsed. */
  retryAfterMs?: number;
  /** Subject of the request in the message, such as `number +14155551234` or `trunk 5f0c...`. */
  subject?: string;
}

function lower(value: string | undefined): string {
  return (value ?? '').toLowerCase();
}

function classify(status: number, operation: string, body: ErrorBody): VobizErrorCode {
  const error = lower(body.error);
  const message = lower(body.message);

  if (status === 401) return 'VOBIZ_UNAUTHORIZED';
  if (status === 402 || error === 'insufficient_balance') return 'VOBIZ_INSUFFICIENT_BALANCE';
  if (status === 403) return 'VOBIZ_FORBIDDEN';
  if (status === 404) return 'VOBIZ_NOT_FOUND';
  if (status === 408) return 'VOBIZ_TIMEOUT';
  if (status === 429) return 'VOBIZ_RATE_LIMITED';
  if (error === 'did_cool_off_in_effect') return 'VOBIZ_COOL_OFF';
  if (error === 'already_assigned' || message.includes('already assigned to a trunk')) return 'VOBIZ_ALREADY_ASSIGNED';

  // The purchase endpoint reports a failed balance debit as a 500 with this exact message.
  if (status === 500 && operation === 'purchase' && message === 'failed to purchase number') {
    return 'VOBIZ_INSUFFICIENT_BALANCE';
  }

  if (status >= 500) return 'VOBIZ_SERVER_ERROR';
  if (status >= 400) return 'VOBIZ_BAD_REQUEST';
  return 'VOBIZ_INVALID_RESPONSE';
}

const hints: Partial<Record<VobizErrorCode, string>> = {
  VOBIZ_UNAUTHORIZED: 'check the Vobiz auth id and auth token',
  VOBIZ_INSUFFICIENT_BALANCE: 'top up the Vobiz balance, then retry',
  VOBIZ_ALREADY_ASSIGNED: 'unassign the number first',
  VOBIZ_INVALID_RESPONSE: 'Vobiz answered with a status the client does not expect for this call',
};

function readCoolOff(details: Record<string, unknown>): { until?: Date; remainingSeconds?: number } {
  const result: { until?: Date; remainingSeconds?: number } = {};

  const until = details['cool_off_until'];
  if (typeof until === 'string' && !Number.isNaN(Date.parse(until))) {
    result.until = new Date(until);
  }

  const remaining = details['cool_off_remaining_seconds'];
  if (typeof remaining === 'number' && Number.isFinite(remaining)) {
    result.remainingSeconds = remaining;
  }
  return result;
}

/** Builds the `VobizError` for a response with a non-success status. */
export function errorFromResponse(response: ErrorResponse): VobizError {
  const body = parseErrorBody(response.body);
  const code = classify(response.status, response.operation, body);

  const said = [body.error, body.message].filter((part) => part !== undefined && part !== '').join(': ');
  let message = `Vobiz returned HTTP ${response.status}`;
  if (response.subject !== undefined) message += ` for ${response.subject}`;
  if (said !== '') message += ` (${said})`;

  const coolOff = code === 'VOBIZ_COOL_OFF' ? readCoolOff(body.details) : {};
  if (coolOff.until !== undefined) message += `; cool-off ends at ${coolOff.until.toISOString()}`;
  if (response.retryAfterMs !== undefined) message += `; retry after ${response.retryAfterMs} ms`;

  const hint = hints[code];
  if (hint !== undefined) message += `; ${hint}`;

  return new VobizError(code, response.operation, message, {
    status: response.status,
    ...(body.error === undefined ? {} : { vobizError: body.error }),
    ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
    ...(coolOff.until === undefined ? {} : { coolOffUntil: coolOff.until }),
    ...(coolOff.remainingSeconds === undefined ? {} : { coolOffRemainingSeconds: coolOff.remainingSeconds }),
  });
}
