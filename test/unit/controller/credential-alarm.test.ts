import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { CredentialAlarm, isUnauthorized } from '../../../src/controller/credential-alarm.ts';
import { IncompleteSweepError } from '../../../src/controller/sweep.ts';
import { createLogger } from '../../../src/log.ts';
import { VobizError } from '../../../src/vobiz/errors.ts';

interface Line {
  level: number;
  msg: string;
  rejectionsSinceLastReport?: number;
}

function alarm(): { alarm: CredentialAlarm; lines: Line[]; clock: { ms: number } } {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Line);
      callback();
    },
  });
  const clock = { ms: 0 };
  const logger = createLogger({ level: 'debug', destination });
  return { alarm: new CredentialAlarm({ authId: 'MA_ALARM01', logger, windowMs: 60_000, now: () => clock.ms }), lines, clock };
}

const MESSAGE = 'Vobiz rejected the credentials (401 unauthorized) for auth id MA_ALARM01: check VOBIZ_AUTH_ID/VOBIZ_AUTH_TOKEN or the credentials folder';

describe('CredentialAlarm', () => {
  it('logs the first 401 at error level', () => {
    const { alarm: credentials, lines } = alarm();

    credentials.observe(401);

    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe(50);
    expect(lines[0]?.msg).toBe(MESSAGE);
    expect(credentials.rejected).toBe(true);
  });

  it('logs once per window and counts the rest', () => {
    const { alarm: credentials, lines, clock } = alarm();

    // At 0 s, 10 s, ..., 50 s: the first is logged, the other 5 only counted.
    for (let i = 0; i < 6; i += 1) {
      credentials.observe(401);
      clock.ms += 10_000;
    }
    expect(lines).toHaveLength(1);

    clock.ms = 60_000;
    credentials.observe(401);

    expect(lines).toHaveLength(2);
    expect(lines[1]?.rejectionsSinceLastReport).toBe(6);
  });

  it('reports the recovery once', () => {
    const { alarm: credentials, lines } = alarm();
    credentials.observe(401);

    credentials.observe(200);
    credentials.observe(204);

    expect(credentials.rejected).toBe(false);
    expect(lines.map((line) => line.msg)).toEqual([MESSAGE, 'Vobiz accepted the credentials for auth id MA_ALARM01 again']);
    expect(lines[1]?.level).toBe(30);

    credentials.observe(401);
    expect(lines).toHaveLength(3);
  });

  it('ignores other statuses', () => {
    const { alarm: credentials, lines } = alarm();

    for (const status of [200, 404, 500, 'error'] as const) credentials.observe(status);

    expect(lines).toEqual([]);
    expect(credentials.rejected).toBe(false);
  });
});

describe('isUnauthorized', () => {
  it('finds a 401 behind an incomplete sweep', () => {
    const cause = new VobizError('VOBIZ_UNAUTHORIZED', 'listNumbers', 'Vobiz returned HTTP 401', { status: 401 });

    expect(isUnauthorized(cause)).toBe(true);
    expect(isUnauthorized(new IncompleteSweepError('sweep stopped: page 1 failed', 0, cause))).toBe(true);
    expect(isUnauthorized(new VobizError('VOBIZ_FORBIDDEN', 'listNumbers', 'Vobiz returned HTTP 403', { status: 403 }))).toBe(false);
    expect(isUnauthorized(new Error('other'))).toBe(false);
  });
});
