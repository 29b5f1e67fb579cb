import { readFileSync, readdirSync } from 'node:fs';

import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';

import { parsePhoneNumber } from '../../../src/api/phone-number.ts';
import { defaultSeed, defaultSubAccountIds, defaultTrunkIds } from '../../../src/simulator/index.ts';

const directory = new URL('../../../examples/', import.meta.url);
const files = readdirSync(directory).filter((file) => file.endsWith('.yaml')).sort();
const inventory = new Set(defaultSeed().inventory?.map((number) => number.e164));

describe('examples', () => {
  it('has three manifests', () => {
    expect(files).toHaveLength(3);
  });

  it.each(files)('%s is a valid PhoneNumber for the simulator seed', (file) => {
    const resource = parsePhoneNumber(loadYaml(readFileSync(new URL(file, directory), 'utf8')));

    expect(resource.metadata.namespace).toBe('default');
    expect(inventory.has(resource.spec.e164)).toBe(true);
    if (resource.spec.trunkGroupId !== undefined) {
      expect(defaultTrunkIds).toContain(resource.spec.trunkGroupId);
    }
    if (resource.spec.subAccountId !== undefined) {
      expect(defaultSubAccountIds).toContain(resource.spec.subAccountId);
    }
  });
});
