import { describe, expect, it } from 'vitest';

import { ReferenceCache } from '../../../src/controller/references.ts';
import { createLogger } from '../../../src/log.ts';
import { VobizError } from '../../../src/vobiz/errors.ts';
import { FakeVobiz } from './support/fakes.ts';

const TRUNK = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01';
const TYPO = '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c0f';
const logger = createLogger({ level: 'silent' });

function cache(options: { ttlMs?: number; missRefreshMs?: number } = {}): { vobiz: FakeVobiz; references: ReferenceCache; clock: { ms: number } } {
  const vobiz = new FakeVobiz();
  vobiz.trunkGroupIds.add(TRUNK);
  vobiz.subAccountIds.add('SA_ONE');
  const clock = { ms: 0 };
  const references = new ReferenceCache({ vobiz, ttlMs: options.ttlMs ?? 60_000, missRefreshMs: options.missRefreshMs ?? 10_000, logger, now: () => clock.ms });
  return { vobiz, references, clock };
}

function listCalls(vobiz: FakeVobiz, operation: string): number {
  return vobiz.calls.filter((call) => call === operation).length;
}

describe('ReferenceCache', () => {
  it('reads each list once per TTL', async () => {
    const { vobiz, references, clock } = cache();

    for (let i = 0; i < 5; i += 1) {
      expect(await references.lookUpTrunkGroup(TRUNK)).toEqual({ status: 'found' });
      expect(await references.lookUpSubAccount('SA_ONE')).toEqual({ status: 'found' });
      clock.ms += 10_000;
    }

    expect(listCalls(vobiz, 'listTrunks')).toBe(1);
    expect(listCalls(vobiz, 'listSubAccounts')).toBe(1);

    clock.ms = 60_000;
    await references.lookUpTrunkGroup(TRUNK);
    expect(listCalls(vobiz, 'listTrunks')).toBe(2);
  });

  it('reports a missing id with the ids it knows', async () => {
    const { references } = cache();

    expect(await references.lookUpTrunkGroup(TYPO)).toEqual({ status: 'missing', known: [TRUNK] });
    expect(await references.lookUpSubAccount('SA_TYPO')).toEqual({ status: 'missing', known: ['SA_ONE'] });
  });

  it('refreshes on a miss at most every missRefreshMs', async () => {
    const { vobiz, references, clock } = cache();
    await references.lookUpTrunkGroup(TRUNK);

    // Many resources with the same typo share the fresh list.
    for (let i = 0; i < 10; i += 1) {
      expect((await references.lookUpTrunkGroup(TYPO)).status).toBe('missing');
    }
    expect(listCalls(vobiz, 'listTrunks')).toBe(1);

    // A trunk group created since the last read is found after one refresh.
    vobiz.trunkGroupIds.add(TYPO);
    clock.ms = 10_000;
    expect(await references.lookUpTrunkGroup(TYPO)).toEqual({ status: 'found' });
    expect(listCalls(vobiz, 'listTrunks')).toBe(2);
  });

  it('shares one read between concurrent lookups', async () => {
    const { vobiz, references } = cache();

    const results = await Promise.all([TRUNK, TRUNK, TYPO].map((id) => references.lookUpTrunkGroup(id)));

    expect(results.map((result) => result.status)).toEqual(['found', 'found', 'missing']);
    expect(listCalls(vobiz, 'listTrunks')).toBe(1);
  });

  it('skips the check when the list is forbidden', async () => {
    const { vobiz, references } = cache();
    vobiz.failNext('listSubAccounts', new VobizError('VOBIZ_FORBIDDEN', 'listSubAccounts', 'Vobiz returned HTTP 403', { status: 403 }));

    const lookup = await references.lookUpSubAccount('SA_ONE');

    expect(lookup.status).toBe('unchecked');
    expect(await references.lookUpSubAccount('SA_TYPO')).toMatchObject({ status: 'unchecked' });
    expect(listCalls(vobiz, 'listSubAccounts')).toBe(1);
  });

  it('throws a failed read and reads again next time', async () => {
    const { vobiz, references } = cache();
    vobiz.failNext('listTrunks', new VobizError('VOBIZ_SERVER_ERROR', 'listTrunks', 'Vobiz returned HTTP 503', { status: 503 }));

    await expect(references.lookUpTrunkGroup(TRUNK)).rejects.toMatchObject({ code: 'VOBIZ_SERVER_ERROR' });
    expect(await references.lookUpTrunkGroup(TRUNK)).toEqual({ status: 'found' });
    expect(listCalls(vobiz, 'listTrunks')).toBe(2);
  });
});
