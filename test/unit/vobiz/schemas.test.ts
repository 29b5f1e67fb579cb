import { describe, expect, it } from 'vitest';

import { VobizError } from '../../../src/vobiz/errors.ts';
import {
  ownedNumberPageSchema,
  parseResponse,
  purchaseResponseSchema,
  releaseResponseSchema,
  toOwnedNumber,
  toPage,
  toReleaseResult,
} from '../../../src/vobiz/schemas.ts';

function wireNumber(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '1c8f1a52-6d55-4f0c-9e48-1f0b1f3c2a10',
    account_id: 'MA_TEST1',
    e164: '+14155551234',
    country: 'US',
    region: 'California',
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    status: 'active',
    provider: 'p',
    setup_fee: 1.0,
    monthly_fee: 1.15,
    currency: 'USD',
    voice_enabled: true,
    tags: [],
    purchased_at: '2026-07-14T10:11:12.123456789Z',
    ...overrides,
  };
}

function parseError(run: () => unknown): VobizError {
  try {
    run();
  } catch (error) {
    if (error instanceof VobizError) return error;
    throw error;
  }
  throw new Error('expected a VobizError');
}

describe('response schemas', () => {
  it('maps an owned number to the domain type', () => {
    const wire = parseResponse(purchaseResponseSchema, { message: 'ok', number: wireNumber({ trunk_group_id: 't-1' }) }, 'purchase', 200);
    expect(toOwnedNumber(wire.number)).toEqual({
      id: '1c8f1a52-6d55-4f0c-9e48-1f0b1f3c2a10',
      e164: '+14155551234',
      accountId: 'MA_TEST1',
      country: 'US',
      region: 'California',
      status: 'active',
      trunkGroupId: 't-1',
      setupFee: 1,
      monthlyFee: 1.15,
      currency: 'USD',
      purchasedAt: '2026-07-14T10:11:12.123456789Z',
    });
  });

  it('accepts null for optional fields', () => {
    const wire = parseResponse(purchaseResponseSchema, { number: wireNumber({ trunk_group_id: null, region: null, released_at: null }) }, 'purchase', 200);
    const number = toOwnedNumber(wire.number);
    expect(number.trunkGroupId).toBeUndefined();
    expect(number.region).toBeUndefined();
    expect('trunkGroupId' in number).toBe(false);
  });

  it('names the field that does not parse', () => {
    const body = { items: [wireNumber(), wireNumber({ e164: 14155551234 })], page: 1, per_page: 25, total: 2 };
    const error = parseError(() => parseResponse(ownedNumberPageSchema, body, 'listNumbers', 200));

    expect(error.code).toBe('VOBIZ_INVALID_RESPONSE');
    expect(error.field).toBe('items[1].e164');
    expect(error.message).toContain('items[1].e164');
  });

  it('rejects a money field sent as a string', () => {
    const error = parseError(() => parseResponse(purchaseResponseSchema, { number: wireNumber({ monthly_fee: '1.15' }) }, 'purchase', 200));
    expect(error.field).toBe('number.monthly_fee');
  });

  it('rejects an unknown status', () => {
    const error = parseError(() => parseResponse(purchaseResponseSchema, { number: wireNumber({ status: 'frozen' }) }, 'purchase', 200));
    expect(error.field).toBe('number.status');
  });

  it('names the body when it is missing', () => {
    const error = parseError(() => parseResponse(ownedNumberPageSchema, undefined, 'listNumbers', 200));
    expect(error.field).toBe('(body)');
  });

  it('maps a page', () => {
    const wire = parseResponse(ownedNumberPageSchema, { items: [wireNumber()], page: 2, per_page: 1, total: 5 }, 'listNumbers', 200);
    const page = toPage(wire, toOwnedNumber);
    expect(page.page).toBe(2);
    expect(page.perPage).toBe(1);
    expect(page.total).toBe(5);
    expect(page.items).toHaveLength(1);
  });

  it('maps a release response', () => {
    const body = {
      message: 'number release initiated',
      status: 'pending_release',
      cooldown_ends_at: '2026-07-15T10:11:12.123456Z',
      release_fee: 7,
      cancel_url: '/api/v1/account/MA_X/numbers/+14155551234/cancel-release',
    };
    expect(toReleaseResult(parseResponse(releaseResponseSchema, body, 'release', 200))).toEqual({
      status: 'pending_release',
      cooldownEndsAt: '2026-07-15T10:11:12.123456Z',
      releaseFee: 7,
    });
  });
});
