import { VobizError } from './errors.ts';
import type { E164 } from './types.ts';

/**
 * E.164 as ITU-T E.164 defines it: a `+`, then a country code that does not start with 0,
 * then the national number, at most 15 digits in all. Nothing else is accepted: no spaces,
 * dashes, brackets, trunk prefixes or numbers without a country code, because guessing a
 * country for "4155551234" could buy or release the wrong number.
 */
const e164Pattern = /^\+[1-9]\d{1,14}$/;

export function isE164(value: unknown): value is E164 {
  return typeof value === 'string' && e164Pattern.test(value);
}

/** Throws `VOBIZ_INVALID_E164` unless `value` is a strict E.164 number; called before any request. */
export function assertE164(value: unknown, operation: string): asserts value is E164 {
  if (isE164(value)) return;

  throw new VobizError(
    'VOBIZ_INVALID_E164',
    operation,
    `invalid E.164 number ${JSON.stringify(value)}: expected "+" followed by the country code and number, ` +
      '2 to 15 digits in all with no leading 0, spaces or punctuation (for example "+14155551234")',
  );
}

/** Encodes a number for a URL path as `%2B14155551234`, because a raw `+` in a path matches no Vobiz route. */
export function encodeE164ForPath(e164: E164): string {
  return `%2B${e164.slice(1)}`;
}
