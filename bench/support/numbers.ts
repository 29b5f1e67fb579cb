/**
 * Phone numbers for benchmark fleets. They are US numbers `+1 NPA 555 XXXX`, 10,000 per area
 * code. Only 555-0100 to 555-0199 are reserved for fiction, so most of these could be real
 * lines, but the simulator never dials a number and the benchmarks talk only to the simulator.
 */
import type { SeedNumber, SeedOwnedNumber } from '../../src/simulator/index.ts';

const areaCodes = ['415', '212', '312', '617', '206'] as const;
const numbersPerAreaCode = 10_000;

/** Returns `count` distinct E.164 numbers, the same ones on every call. */
export function fleetNumbers(count: number): string[] {
  const maximum = areaCodes.length * numbersPerAreaCode;
  if (!Number.isInteger(count) || count < 0 || count > maximum) {
    throw new RangeError(`invalid fleet size ${count}: expected an integer from 0 to ${maximum}`);
  }

  return Array.from({ length: count }, (_unused, index) => {
    const areaCode = areaCodes[Math.floor(index / numbersPerAreaCode)] as string;
    const line = String(index % numbersPerAreaCode).padStart(4, '0');
    return `+1${areaCode}555${line}`;
  });
}

/** Monthly fee and setup fee of every fleet number, in USD, as the default seed prices US numbers. */
const usPrice = { country: 'US', setupFee: 1, monthlyFee: 1.15, currency: 'USD' } as const;

/** Seed entries that put `count` fleet numbers up for sale. */
export function inventoryFleet(count: number): SeedNumber[] {
  return fleetNumbers(count).map((e164) => ({ e164, ...usPrice }));
}

/** Seed entries for `count` fleet numbers already owned by the main account, with no trunk. */
export function ownedFleet(count: number): SeedOwnedNumber[] {
  return fleetNumbers(count).map((e164) => ({ e164, ...usPrice }));
}
