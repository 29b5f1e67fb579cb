import { describe, expect, it } from 'vitest';

import { errorFromResponse, parseErrorBody } from '../../../src/vobiz/error-response.ts';
import { isRetryable } from '../../../src/vobiz/errors.ts';

describe('parseErrorBody', () => {
  it('parses the flat shape', () => {
    expect(parseErrorBody('{"error":"not_found","message":"number not found in inventory"}')).toEqual({
      error: 'not_found',
      message: 'number not found in inventory',
      details: {},
    });
  });

  it('parses the bare shape', () => {
    expect(parseErrorBody('{"error":"number is not pending release"}')).toEqual({ error: 'number is not pending release', details: {} });
  });

  it('parses the envelope shape', () => {
    const body = '{"status":"error","error":{"code":"INSUFFICIENT_BALANCE","message":"balance too low","details":{"needed":2}},"requestId":"r1"}';
    expect(parseErrorBody(body)).toEqual({ error: 'INSUFFICIENT_BALANCE', message: 'balance too low', details: { needed: 2 } });
  });

  it('keeps extra flat fields as details', () => {
    const parsed = parseErrorBody('{"error":"did_cool_off_in_effect","cool_off_until":"2026-07-20T00:00:00Z","cool_off_remaining_seconds":60}');
    expect(parsed.details).toEqual({ cool_off_until: '2026-07-20T00:00:00Z', cool_off_remaining_seconds: 60 });
  });

  it('keeps a non-JSON body as the message', () => {
    expect(parseErrorBody('<html>Bad Gateway</html>')).toEqual({ message: '<html>Bad Gateway</html>', details: {} });
  });

  it('accepts an empty body', () => {
    expect(parseErrorBody('')).toEqual({ details: {} });
  });
});

describe('errorFromResponse', () => {
  const cases: Array<[string, number, string, string, string]> = [
    ['401', 401, 'getAccount', '{"error":"unauthorized","message":"invalid credentials"}', 'VOBIZ_UNAUTHORIZED'],
    ['403 release', 403, 'release', '{"error":"forbidden","message":"account does not own this number"}', 'VOBIZ_FORBIDDEN'],
    ['403 bare', 403, 'cancelRelease', '{"error":"access denied"}', 'VOBIZ_FORBIDDEN'],
    ['404 purchase', 404, 'purchase', '{"error":"not_found","message":"number not found in inventory"}', 'VOBIZ_NOT_FOUND'],
    ['404 html', 404, 'listNumbers', 'Not Found', 'VOBIZ_NOT_FOUND'],
    ['400 trunk taken', 400, 'assignTrunk', '{"error":"invalid request","message":"This number is already assigned to a trunk."}', 'VOBIZ_ALREADY_ASSIGNED'],
    ['409 sub-account taken', 409, 'assignSubAccount', '{"error":"already_assigned","message":"unassign first"}', 'VOBIZ_ALREADY_ASSIGNED'],
    ['400 other', 400, 'cancelRelease', '{"error":"number is not pending release"}', 'VOBIZ_BAD_REQUEST'],
    ['402', 402, 'purchase', '{"status":"error","error":{"code":"INSUFFICIENT_BALANCE","message":"low"}}', 'VOBIZ_INSUFFICIENT_BALANCE'],
    ['500 purchase debit', 500, 'purchase', '{"error":"internal_server_error","message":"failed to purchase number"}', 'VOBIZ_INSUFFICIENT_BALANCE'],
    ['500 other operation', 500, 'release', '{"error":"internal_server_error","message":"failed to purchase number"}', 'VOBIZ_SERVER_ERROR'],
    ['500 purchase other', 500, 'purchase', '{"error":"internal_server_error","message":"internal server error"}', 'VOBIZ_SERVER_ERROR'],
    ['502', 502, 'listNumbers', '<html>bad gateway</html>', 'VOBIZ_SERVER_ERROR'],
    ['408', 408, 'listNumbers', '', 'VOBIZ_TIMEOUT'],
    ['429', 429, 'listNumbers', '{"error":"too_many_requests"}', 'VOBIZ_RATE_LIMITED'],
  ];

  it.each(cases)('maps %s', (_name, status, operation, body, code) => {
    const error = errorFromResponse({ operation, status, body });
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.operation).toBe(operation);
  });

  it('reads the cool-off end and remaining seconds', () => {
    const error = errorFromResponse({
      operation: 'unassignSubAccount',
      status: 409,
      body: '{"error":"did_cool_off_in_effect","cool_off_until":"2026-07-20T10:00:00.123456Z","cool_off_remaining_seconds":1209600}',
      subject: 'number +14155551234',
    });

    expect(error.code).toBe('VOBIZ_COOL_OFF');
    expect(error.coolOffUntil?.toISOString()).toBe('2026-07-20T10:00:00.123Z');
    expect(error.coolOffRemainingSeconds).toBe(1209600);
    expect(error.message).toContain('+14155551234');
    expect(error.retryable).toBe(false);
  });

  it('reads the cool-off from an envelope', () => {
    const error = errorFromResponse({
      operation: 'unassignSubAccount',
      status: 409,
      body: '{"status":"error","error":{"code":"DID_COOL_OFF_IN_EFFECT","message":"cool-off","details":{"cool_off_until":"2026-07-20T10:00:00Z"}}}',
    });

    expect(error.code).toBe('VOBIZ_COOL_OFF');
    expect(error.coolOffUntil?.toISOString()).toBe('2026-07-20T10:00:00.000Z');
  });

  it('carries Retry-After on a 429', () => {
    const error = errorFromResponse({ operation: 'listNumbers', status: 429, body: '', retryAfterMs: 2000 });
    expect(error.retryAfterMs).toBe(2000);
    expect(isRetryable(error)).toBe(true);
  });

  it('keeps the Vobiz error text', () => {
    const error = errorFromResponse({ operation: 'purchase', status: 404, body: '{"error":"not_found","message":"number not found in inventory"}' });
    expect(error.vobizError).toBe('not_found');
    expect(error.message).toContain('number not found in inventory');
  });
});

describe('isRetryable', () => {
  it('is false for errors that are not VobizError', () => {
    expect(isRetryable(new Error('x'))).toBe(false);
  });
});
