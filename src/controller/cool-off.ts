/**
 * Vobiz's sub-account cool-off: after a number takes a call, Vobiz rejects moving it off its
 * sub-account for 15 days (409 `did_cool_off_in_effect`). This module turns that response into
 * the time of the next attempt. The time is stored in `status.coolOffUntil`, so it survives a
 * restart, and the operator makes no sub-account call for the number before it.
 */
import { createHash } from 'node:crypto';

import type { VobizError } from '../vobiz/errors.ts';

/** Maximum delay added after the end of a cool-off, so numbers that cooled off together spread out. */
export const COOL_OFF_JITTER_MS = 30_000;

/** First wait after a cool-off response without an end time. The wait doubles with each such response in a row. */
export const COOL_OFF_BACKOFF_BASE_MS = 10 * 60_000;

/** Maximum wait after a cool-off response without an end time. */
export const COOL_OFF_BACKOFF_MAX_MS = 24 * 3_600_000;

/**
 * Returns the delay after a cool-off's end before the next attempt for the resource with this
 * uid. The delay is derived from the uid, so it is the same after a restart and for every
 * replica, and the sweep and the work queue agree on when the attempt is due.
 */
export function coolOffJitterMs(uid: string | undefined): number {
  if (uid === undefined || uid === '') {
    return 0;
  }
  const digest = createHash('sha256').update(uid).digest();
  return Math.floor((digest.readUInt32BE(0) / 2 ** 32) * COOL_OFF_JITTER_MS);
}

/** Returns the wait after the `retries`-th cool-off response in a row without an end time: base × 2^(retries−1), capped. */
export function coolOffBackoffMs(retries: number): number {
  const exponent = Math.min(Math.max(0, retries - 1), 30);
  return Math.min(COOL_OFF_BACKOFF_MAX_MS, COOL_OFF_BACKOFF_BASE_MS * 2 ** exponent);
}

export interface CoolOff {
  /** End of the cool-off, as Vobiz reported it or as estimated by the backoff. */
  until: Date;
  /** Cool-off responses in a row without a usable end time; 0 when Vobiz named one. */
  retries: number;
  /** True when Vobiz named no usable end time and `until` comes from the backoff. */
  estimated: boolean;
}

/**
 * Reads the end of a cool-off from Vobiz's 409. Vobiz's `cool_off_until` wins, then
 * `cool_off_remaining_seconds` counted from `now`. A time that is missing or not after `now`
 * (the clocks may disagree) would make the operator retry at once. So the operator backs off
 * exponentially instead, counting from `previousRetries`.
 */
export function coolOffFromRefusal(error: VobizError, now: Date, previousRetries: number): CoolOff {
  let until = error.coolOffUntil;
  if (until === undefined && error.coolOffRemainingSeconds !== undefined) {
    until = new Date(now.getTime() + error.coolOffRemainingSeconds * 1000);
  }

  if (until !== undefined && until.getTime() > now.getTime()) {
    return { until, retries: 0, estimated: false };
  }

  const retries = previousRetries + 1;
  return { until: new Date(now.getTime() + coolOffBackoffMs(retries)), retries, estimated: true };
}
