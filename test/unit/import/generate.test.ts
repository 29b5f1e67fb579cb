import { describe, expect, it } from 'vitest';

import { generateImport, renderImportYaml, resourceNameFor } from '../../../src/import/generate.ts';
import { parseYamlDocuments } from '../../../src/manifests/documents.ts';
import { selectPhoneNumbers } from '../../../src/manifests/phone-numbers.ts';
import type { OwnedNumber } from '../../../src/vobiz/types.ts';

const MAIN = 'MA_IMPORT1';
const TRUNK = '0b6c3a56-8f0e-4f5e-9a64-3c7f1f0c2a11';

function owned(e164: string, fields: Partial<OwnedNumber> = {}): OwnedNumber {
  return { id: `id-${e164}`, e164, accountId: MAIN, country: 'US', status: 'active', setupFee: 1, monthlyFee: 1.15, currency: 'USD', ...fields };
}

describe('resourceNameFor', () => {
  it('uses pn- and the digits', () => {
    expect(resourceNameFor('+14155551234')).toBe('pn-14155551234');
  });
});

describe('generateImport', () => {
  it('writes AdoptOnly and Retain with the trunk and sub-account as they are', () => {
    const result = generateImport({
      owned: [owned('+14155550101', { accountId: 'SA_TEAM1', trunkGroupId: TRUNK }), owned('+14155550100')],
      claimed: new Set(),
      authId: MAIN,
      namespace: 'telephony',
    });

    expect(result.skipped).toEqual([]);
    expect(result.alreadyClaimed).toBe(0);
    expect(result.manifests).toEqual([
      {
        apiVersion: 'telephony.vobiz-operator.dev/v1alpha1',
        kind: 'PhoneNumber',
        metadata: { name: 'pn-14155550100', namespace: 'telephony' },
        spec: { e164: '+14155550100', acquisition: 'AdoptOnly', deletionPolicy: 'Retain' },
      },
      {
        apiVersion: 'telephony.vobiz-operator.dev/v1alpha1',
        kind: 'PhoneNumber',
        metadata: { name: 'pn-14155550101', namespace: 'telephony' },
        spec: { e164: '+14155550101', trunkGroupId: TRUNK, subAccountId: 'SA_TEAM1', acquisition: 'AdoptOnly', deletionPolicy: 'Retain' },
      },
    ]);
  });

  it('leaves out claimed numbers and skips those pending release', () => {
    const result = generateImport({
      owned: [owned('+14155550100'), owned('+14155550101', { status: 'pending_release' }), owned('+14155550102', { status: 'released' }), owned('+14155550103')],
      claimed: new Set(['+14155550100']),
      authId: MAIN,
    });

    expect(result.manifests.map((manifest) => manifest.spec.e164)).toEqual(['+14155550103']);
    expect(result.alreadyClaimed).toBe(1);
    expect(result.skipped.map((skipped) => skipped.e164)).toEqual(['+14155550101', '+14155550102']);
    expect(result.skipped[0]?.reason).toMatch(/^pending release at Vobiz/);
  });

  it('omits the namespace when none is given', () => {
    const result = generateImport({ owned: [owned('+14155550100')], claimed: new Set(), authId: MAIN });

    expect(result.manifests[0]?.metadata).toEqual({ name: 'pn-14155550100' });
  });

  it('puts no subAccountId on the credentials own numbers', () => {
    const result = generateImport({ owned: [owned('+14155550100', { accountId: 'SA_SELF' })], claimed: new Set(), authId: 'SA_SELF' });

    expect(result.manifests[0]?.spec.subAccountId).toBeUndefined();
  });

  it('picks another name when the name is taken', () => {
    const result = generateImport({ owned: [owned('+14155550100')], claimed: new Set(), authId: MAIN, takenNames: new Set(['pn-14155550100', 'pn-14155550100-2']) });

    expect(result.manifests[0]?.metadata.name).toBe('pn-14155550100-3');
  });

  it('skips a number whose ids the CRD would reject', () => {
    const result = generateImport({ owned: [owned('+14155550100', { trunkGroupId: 'trunk-7' })], claimed: new Set(), authId: MAIN });

    expect(result.manifests).toEqual([]);
    expect(result.skipped[0]?.reason).toMatch(/^the manifest would be invalid \(spec\.trunkGroupId: /);
  });
});

describe('renderImportYaml', () => {
  it('renders manifests that parse back as valid PhoneNumbers', () => {
    const result = generateImport({
      owned: [owned('+14155550100', { trunkGroupId: TRUNK }), owned('+14155550101', { accountId: 'SA_TEAM1' })],
      claimed: new Set(),
      authId: MAIN,
      namespace: 'telephony',
    });
    const yaml = renderImportYaml(result, { authId: MAIN, baseUrl: 'http://127.0.0.1:8790', generatedAt: new Date('2026-07-01T00:00:00Z') });

    expect(yaml).toMatch(/^# PhoneNumbers for the numbers Vobiz account MA_IMPORT1 \(http:\/\/127\.0\.0\.1:8790\) owns/);
    expect(yaml).toContain("e164: '+14155550100'");

    const selection = selectPhoneNumbers(parseYamlDocuments(yaml).map((document) => ({ ...document, source: `import.yaml:${document.line}` })), 'default');
    expect(selection.invalid).toEqual([]);
    expect(selection.resources.map(({ resource }) => [resource.metadata.namespace, resource.metadata.name, resource.spec])).toEqual([
      ['telephony', 'pn-14155550100', { e164: '+14155550100', trunkGroupId: TRUNK, acquisition: 'AdoptOnly', deletionPolicy: 'Retain', forceSubAccountMove: false, managementPolicy: 'Manage' }],
      ['telephony', 'pn-14155550101', { e164: '+14155550101', subAccountId: 'SA_TEAM1', acquisition: 'AdoptOnly', deletionPolicy: 'Retain', forceSubAccountMove: false, managementPolicy: 'Manage' }],
    ]);
  });

  it('says so when there is nothing to import', () => {
    const yaml = renderImportYaml({ manifests: [], skipped: [], alreadyClaimed: 3 }, { authId: MAIN, baseUrl: 'https://api.vobiz.ai', generatedAt: new Date() });

    expect(yaml).toContain('# No number to import.\n');
    expect(parseYamlDocuments(yaml)).toEqual([]);
  });
});
