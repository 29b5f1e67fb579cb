import { describe, expect, it } from 'vitest';

import { defaultSeed } from '../../../src/simulator/seed.ts';

describe('defaultSeed', () => {
  it('is deterministic', () => {
    expect(defaultSeed()).toEqual(defaultSeed());
  });

  it('stocks a few hundred valid, distinct numbers in four countries', () => {
    const inventory = defaultSeed().inventory ?? [];
    const numbers = inventory.map((number) => number.e164);

    expect(inventory.length).toBe(300);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.every((e164) => /^\+[1-9]\d{1,14}$/.test(e164))).toBe(true);
    expect(new Set(inventory.map((number) => number.country))).toEqual(new Set(['US', 'GB', 'DE', 'IN']));
  });

  it('has two trunks, two sub-accounts and a balance in each inventory currency', () => {
    const seed = defaultSeed();
    expect(seed.trunks).toHaveLength(2);
    expect(seed.subAccounts).toHaveLength(2);
    for (const number of seed.inventory ?? []) {
      expect(seed.balances?.[number.currency]).toBeGreaterThan(0);
    }
  });

  it('takes the account role', () => {
    expect(defaultSeed().account.role).toBe('admin');
    expect(defaultSeed({ role: 'user' }).account.role).toBe('user');
  });
});
