import { describe, expect, it } from 'vitest';

import { assertE164, encodeE164ForPath, isE164 } from '../../../src/vobiz/e164.ts';
import { VobizError } from '../../../src/vobiz/errors.ts';

describe('E.164 validation', () => {
  it.each(['+14155551234', '+442079460100', '+918040000100', '+12'])('accepts %s', (value) => {
    expect(isE164(value)).toBe(true);
  });

  it.each([
    ['no plus', '14155551234'],
    ['national number', '4155551234'],
    ['spaces', '+1 415 555 1234'],
    ['dashes', '+1-415-555-1234'],
    ['brackets', '+1(415)5551234'],
    ['leading zero country code', '+04155551234'],
    ['international prefix', '0044207946010'],
    ['too long', '+1234567890123456'],
    ['percent-encoded', '%2B14155551234'],
    ['trailing newline', '+14155551234\n'],
    ['empty', ''],
  ])('rejects %s', (_case, value) => {
    expect(isE164(value)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(isE164(14155551234)).toBe(false);
    expect(isE164(undefined)).toBe(false);
  });

  it('assertE164 throws VOBIZ_INVALID_E164 naming the value', () => {
    let caught: unknown;
    try {
      assertE164('4155551234', 'purchase');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(VobizError);
    const error = caught as VobizError;
    expect(error.code).toBe('VOBIZ_INVALID_E164');
    expect(error.operation).toBe('purchase');
    expect(error.message).toContain('"4155551234"');
    expect(error.message).toContain('+14155551234');
    expect(error.retryable).toBe(false);
  });

  it('encodes the plus as %2B for paths', () => {
    expect(encodeE164ForPath('+14155551234')).toBe('%2B14155551234');
  });
});
