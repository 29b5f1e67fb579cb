import { describe, expect, it } from 'vitest';

import {
  COOL_OFF_BACKOFF_BASE_MS,
  COOL_OFF_BACKOFF_MAX_MS,
  COOL_OFF_JITTER_MS,
  coolOffBackoffMs,
  coolOffFromRefusal,
  coolOffJitterMs,
} from '../../../src/controller/cool-off.ts';
import { VobizError } from '../../../src/vobiz/errors.ts';

const NOW = new Date('2026-07-01T12:00:00Z');

function refusal(details: { coolOffUntil?: Date; coolOffRemainingSeconds?: number } = {}): VobizError {
  return new VobizError('VOBIZ_COOL_OFF', 'unassignSubAccount', 'did_cool_off_in_effect', { status: 409, ...details });
}

describe('coolOffFromRefusal', () => {
  it('takes the end time Vobiz names', () => {
    const until = new Date('2026-07-10T00:00:00Z');
    expect(coolOffFromRefusal(refusal({ coolOffUntil: until, coolOffRemainingSeconds: 5 }), NOW, 3)).toEqual({ until, retries: 0, estimated: false });
  });

  it('counts remaining seconds from now', () => {
    const coolOff = coolOffFromRefusal(refusal({ coolOffRemainingSeconds: 3600 }), NOW, 0);
    expect(coolOff.until).toEqual(new Date(NOW.getTime() + 3_600_000));
    expect(coolOff.estimated).toBe(false);
  });

  it('backs off without a time', () => {
    const coolOff = coolOffFromRefusal(refusal(), NOW, 0);
    expect(coolOff).toEqual({ until: new Date(NOW.getTime() + COOL_OFF_BACKOFF_BASE_MS), retries: 1, estimated: true });
  });

  it('backs off when the time is not after now', () => {
    const coolOff = coolOffFromRefusal(refusal({ coolOffUntil: NOW }), NOW, 2);
    expect(coolOff).toEqual({ until: new Date(NOW.getTime() + 4 * COOL_OFF_BACKOFF_BASE_MS), retries: 3, estimated: true });
  });
});

describe('coolOffBackoffMs', () => {
  it('doubles up to the cap', () => {
    expect([1, 2, 3].map(coolOffBackoffMs)).toEqual([COOL_OFF_BACKOFF_BASE_MS, 2 * COOL_OFF_BACKOFF_BASE_MS, 4 * COOL_OFF_BACKOFF_BASE_MS]);
    expect(coolOffBackoffMs(50)).toBe(COOL_OFF_BACKOFF_MAX_MS);
  });
});

describe('coolOffJitterMs', () => {
  it('is the same for the same uid', () => {
    expect(coolOffJitterMs('2f1d7c8e-uid')).toBe(coolOffJitterMs('2f1d7c8e-uid'));
  });

  it('stays below the maximum and spreads uids', () => {
    const delays = Array.from({ length: 50 }, (_unused, index) => coolOffJitterMs(`uid-${index}`));
    expect(delays.every((delay) => delay >= 0 && delay < COOL_OFF_JITTER_MS)).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(40);
  });

  it('is 0 without a uid', () => {
    expect(coolOffJitterMs(undefined)).toBe(0);
  });
});
