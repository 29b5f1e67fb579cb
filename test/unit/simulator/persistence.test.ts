import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { purchase, searchInventory } from '../../../src/simulator/operations.ts';
import { loadSnapshot, saveSnapshot } from '../../../src/simulator/persistence.ts';
import { defaultSeed } from '../../../src/simulator/seed.ts';
import { SimulatorState } from '../../../src/simulator/state.ts';

describe('simulator state file', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'vobiz-sim-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('round-trips owned numbers, balances and the clock', () => {
    const state = SimulatorState.fromSeed(defaultSeed());
    const e164 = searchInventory(state, { exclude: [] })[0]?.e164 ?? '';
    purchase(state, { authId: state.account.authId, kind: 'main', role: 'admin' }, e164, undefined);
    state.advanceClock(3600);

    const path = join(directory, 'state.json');
    saveSnapshot(path, state.snapshot());
    const loaded = loadSnapshot(path);

    expect(loaded).toEqual(state.snapshot());
    const restored = new SimulatorState(loaded ?? state.snapshot());
    expect(restored.numbers.get(e164)?.holding.kind).toBe('owned');
    expect(restored.clockOffsetMs).toBe(3_600_000);
  });

  it('returns undefined for a missing file', () => {
    expect(loadSnapshot(join(directory, 'missing.json'))).toBeUndefined();
  });

  it('names the file and field of an invalid state', () => {
    const path = join(directory, 'bad.json');
    const snapshot = SimulatorState.fromSeed(defaultSeed()).snapshot();
    writeFileSync(path, JSON.stringify({ ...snapshot, releaseFee: 'seven' }));

    expect(() => loadSnapshot(path)).toThrow(`${path} has an invalid field "releaseFee"`);
  });

  it('names the file that is not JSON', () => {
    const path = join(directory, 'broken.json');
    writeFileSync(path, '{');
    expect(() => loadSnapshot(path)).toThrow(`${path} is not valid JSON`);
  });
});
