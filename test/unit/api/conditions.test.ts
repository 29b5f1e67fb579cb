import { describe, expect, it } from 'vitest';

import { READY, SYNCED, findCondition, setCondition } from '../../../src/api/conditions.ts';

const T1 = new Date('2026-07-01T00:00:00Z');
const T2 = new Date('2026-07-02T00:00:00Z');

describe('setCondition', () => {
  it('sets the transition time of a new condition', () => {
    const conditions = setCondition(undefined, { type: READY, status: 'False', reason: 'Purchasing', message: 'm' }, T1);
    expect(conditions).toEqual([{ type: READY, status: 'False', reason: 'Purchasing', message: 'm', lastTransitionTime: T1.toISOString() }]);
  });

  it('keeps the transition time when the status stays', () => {
    const first = setCondition(undefined, { type: READY, status: 'False', reason: 'A', message: 'a' }, T1);
    const second = setCondition(first, { type: READY, status: 'False', reason: 'B', message: 'b' }, T2);
    expect(findCondition(second, READY)).toMatchObject({ reason: 'B', lastTransitionTime: T1.toISOString() });
  });

  it('moves the transition time when the status changes', () => {
    const first = setCondition(undefined, { type: READY, status: 'False', reason: 'A', message: 'a' }, T1);
    const second = setCondition(first, { type: READY, status: 'True', reason: 'Converged', message: 'c', observedGeneration: 3 }, T2);
    expect(findCondition(second, READY)).toMatchObject({ status: 'True', lastTransitionTime: T2.toISOString(), observedGeneration: 3 });
  });

  it('keeps other conditions, sorted by type', () => {
    const first = setCondition(undefined, { type: SYNCED, status: 'True', reason: 'S', message: 's' }, T1);
    const second = setCondition(first, { type: READY, status: 'True', reason: 'R', message: 'r' }, T1);
    expect(second.map((condition) => condition.type)).toEqual([READY, SYNCED]);
  });
});
