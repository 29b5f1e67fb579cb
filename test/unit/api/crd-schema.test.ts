import { readFileSync } from 'node:fs';

import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  parsePhoneNumber,
  phoneNumberSpecSchema,
  phoneNumberStatusSchema,
} from '../../../src/api/phone-number.ts';

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  default?: unknown;
  maxLength?: number;
}

interface CustomResourceDefinition {
  spec: {
    group: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    scope: string;
    versions: {
      name: string;
      subresources?: { status?: object };
      additionalPrinterColumns?: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

// js-yaml reads the manifest as written; the Kubernetes client's loadYaml would rename
// `enum`, `default` and `x-kubernetes-validations` to its model's property names.
const crd = loadYaml(
  readFileSync(new URL('../../../crds/telephony.vobiz-operator.dev_phonenumbers.yaml', import.meta.url), 'utf8'),
) as CustomResourceDefinition;
const version = crd.spec.versions.find((candidate) => candidate.name === VERSION);
const rootSchema = version?.schema.openAPIV3Schema;

/** Lists every difference between the CRD's schema and the JSON Schema of the zod schema. */
function compareSchemas(crdSchema: Schema, zodSchema: Schema, path: string): string[] {
  const differences: string[] = [];
  const zodType = zodSchema.type;

  if (crdSchema.type !== zodType) {
    differences.push(`${path}: type is ${crdSchema.type} in the CRD, ${zodType} in zod`);
  }

  for (const keyword of ['enum', 'pattern', 'default', 'maxLength'] as const) {
    const crdValue = JSON.stringify(crdSchema[keyword]);
    const zodValue = JSON.stringify(zodSchema[keyword]);
    if (crdValue !== zodValue) {
      differences.push(`${path}: ${keyword} is ${crdValue} in the CRD, ${zodValue} in zod`);
    }
  }

  const crdRequired = [...(crdSchema.required ?? [])].sort();
  const zodRequired = [...(zodSchema.required ?? [])].sort();
  if (JSON.stringify(crdRequired) !== JSON.stringify(zodRequired)) {
    differences.push(`${path}: required is ${JSON.stringify(crdRequired)} in the CRD, ${JSON.stringify(zodRequired)} in zod`);
  }

  const crdProperties = crdSchema.properties ?? {};
  const zodProperties = zodSchema.properties ?? {};
  for (const name of new Set([...Object.keys(crdProperties), ...Object.keys(zodProperties)])) {
    const crdProperty = crdProperties[name];
    const zodProperty = zodProperties[name];
    if (crdProperty === undefined) {
      differences.push(`${path}.${name}: in zod, missing from the CRD`);
    } else if (zodProperty === undefined) {
      differences.push(`${path}.${name}: in the CRD, missing from zod`);
    } else {
      differences.push(...compareSchemas(crdProperty, zodProperty, `${path}.${name}`));
    }
  }

  if (crdSchema.items !== undefined || zodSchema.items !== undefined) {
    differences.push(...compareSchemas(crdSchema.items ?? {}, zodSchema.items ?? {}, `${path}[]`));
  }
  return differences;
}

/** Lists the paths of CRD fields that have no description, which `kubectl explain` would show bare. */
function fieldsWithoutDescription(schema: Schema, path: string): string[] {
  const missing: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const childPath = `${path}.${name}`;
    if (name !== 'metadata' && property.description === undefined) {
      missing.push(childPath);
    }
    missing.push(...fieldsWithoutDescription(property, childPath));
  }
  if (schema.items !== undefined) {
    missing.push(...fieldsWithoutDescription(schema.items, `${path}[]`));
  }
  return missing;
}

describe('PhoneNumber CRD', () => {
  it('names the group, kind, plural and short name', () => {
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.spec.names.kind).toBe(KIND);
    expect(crd.spec.names.plural).toBe(PLURAL);
    expect(crd.spec.names.shortNames).toEqual(['pn']);
    expect(crd.spec.scope).toBe('Namespaced');
  });

  it('has the status subresource and printer columns', () => {
    expect(version?.subresources?.status).toEqual({});
    expect(version?.additionalPrinterColumns?.map((column) => column.name)).toEqual(['Number', 'Trunk', 'SubAccount', 'Ready', 'Reason', 'Age']);
  });

  it('spec matches the zod spec schema', () => {
    const zodSpec = z.toJSONSchema(phoneNumberSpecSchema, { io: 'input' }) as Schema;
    expect(compareSchemas(rootSchema?.properties?.spec ?? {}, zodSpec, 'spec')).toEqual([]);
  });

  it('status matches the zod status schema', () => {
    const zodStatus = z.toJSONSchema(phoneNumberStatusSchema, { io: 'input' }) as Schema;
    expect(compareSchemas(rootSchema?.properties?.status ?? {}, zodStatus, 'status')).toEqual([]);
  });

  it('describes every field', () => {
    expect(fieldsWithoutDescription(rootSchema ?? {}, '')).toEqual([]);
  });

  it('makes e164 immutable with a CEL rule', () => {
    const e164 = rootSchema?.properties?.spec?.properties?.e164 as Schema & { 'x-kubernetes-validations'?: { rule: string }[] };
    expect(e164['x-kubernetes-validations']?.map((validation) => validation.rule)).toEqual(['self == oldSelf']);
  });
});

describe('parsePhoneNumber', () => {
  const base = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: KIND,
    metadata: { name: 'main-line', namespace: 'default' },
  };

  it('applies the spec defaults', () => {
    const parsed = parsePhoneNumber({ ...base, spec: { e164: '+14155551234' } });
    expect(parsed.spec.deletionPolicy).toBe('Retain');
    expect(parsed.spec.acquisition).toBe('PurchaseOrAdopt');
    expect(parsed.spec.managementPolicy).toBe('Manage');
    expect(parsed.spec.forceSubAccountMove).toBe(false);
  });

  it.each(['4155551234', '+1 415 555 1234', '+04155551234', '+1234567890123456'])('rejects e164 %j', (e164) => {
    expect(() => parsePhoneNumber({ ...base, spec: { e164 } })).toThrow(/default\/main-line is invalid: spec\.e164/);
  });
});
