import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseYamlDocuments } from '../../../src/manifests/documents.ts';
import { ManifestPathError, readManifestFiles } from '../../../src/manifests/files.ts';
import { selectPhoneNumbers } from '../../../src/manifests/phone-numbers.ts';

const PHONE_NUMBER = `apiVersion: telephony.vobiz-operator.dev/v1alpha1
kind: PhoneNumber
metadata:
  name: support-line
spec:
  e164: "+14155550100"
`;

describe('parseYamlDocuments', () => {
  it('skips empty and comment-only documents', () => {
    const documents = parseYamlDocuments(`# header\n---\n${PHONE_NUMBER}---\n# nothing here\n---\n`);

    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ line: 3, value: { kind: 'PhoneNumber' } });
  });

  it('reports a broken document with its line and keeps the others', () => {
    const documents = parseYamlDocuments(`${PHONE_NUMBER}---\nkind: [unclosed\n---\n${PHONE_NUMBER}`);

    expect(documents).toHaveLength(3);
    expect(documents[0]).toHaveProperty('value');
    expect(documents[1]).toMatchObject({ line: 8 });
    expect(documents[1]).toHaveProperty('error', expect.stringMatching(/^invalid YAML: /));
    expect(documents[2]).toMatchObject({ line: 10, value: { kind: 'PhoneNumber' } });
  });

  it('rejects documents that are not mappings', () => {
    const documents = parseYamlDocuments('- a\n- b\n---\njust text\n--- ~\n');

    expect(documents.map((document) => ('error' in document ? document.error : 'value'))).toEqual([
      'expected a Kubernetes object (a YAML mapping), found a YAML sequence',
      'expected a Kubernetes object (a YAML mapping), found a string',
      'expected a Kubernetes object (a YAML mapping), found an empty document',
    ]);
  });

  it('does not split at a --- inside a value', () => {
    const documents = parseYamlDocuments('kind: X\nnote: "a --- b"\n');

    expect(documents).toEqual([{ line: 1, value: { kind: 'X', note: 'a --- b' } }]);
  });
});

describe('selectPhoneNumbers', () => {
  const select = (text: string) => selectPhoneNumbers(parseYamlDocuments(text).map((document) => ({ ...document, source: `f.yaml:${document.line}` })), 'team-a');

  it('applies the default namespace and spec defaults', () => {
    const { resources, invalid, ignored } = select(PHONE_NUMBER);

    expect(invalid).toEqual([]);
    expect(ignored).toEqual([]);
    expect(resources).toHaveLength(1);
    expect(resources[0]?.source).toBe('f.yaml:1');
    expect(resources[0]?.resource.metadata.namespace).toBe('team-a');
    expect(resources[0]?.resource.spec).toMatchObject({ e164: '+14155550100', acquisition: 'PurchaseOrAdopt', deletionPolicy: 'Retain' });
  });

  it('drops status from files', () => {
    const { resources } = select(`${PHONE_NUMBER}status:\n  coolOffUntil: "2026-07-01T00:00:00Z"\n`);

    expect(resources[0]?.resource.status).toBeUndefined();
  });

  it('lists invalid manifests with each issue', () => {
    const { resources, invalid } = select(`${PHONE_NUMBER}---
apiVersion: telephony.vobiz-operator.dev/v1alpha1
kind: PhoneNumber
metadata:
  name: bad-line
spec:
  e164: "4155550100"
  trunkGroupId: not-a-uuid
`);

    expect(resources).toHaveLength(1);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ source: 'f.yaml:8', namespace: 'team-a', name: 'bad-line' });
    expect(invalid[0]?.issues).toHaveLength(2);
    expect(invalid[0]?.issues[0]).toMatch(/^spec\.e164: /);
    expect(invalid[0]?.issues[1]).toMatch(/^spec\.trunkGroupId: /);
  });

  it('rejects another apiVersion and a bad name', () => {
    const { invalid } = select(`apiVersion: telephony.vobiz-operator.dev/v1beta1
kind: PhoneNumber
metadata: {name: a}
spec: {e164: "+14155550100"}
---
apiVersion: telephony.vobiz-operator.dev/v1alpha1
kind: PhoneNumber
metadata: {name: Bad_Name}
spec: {e164: "+14155550100"}
`);

    expect(invalid.map((manifest) => manifest.issues[0])).toEqual([
      'apiVersion: "telephony.vobiz-operator.dev/v1beta1" is not served; use telephony.vobiz-operator.dev/v1alpha1',
      expect.stringMatching(/^metadata\.name: "Bad_Name" is not a valid name/),
    ]);
  });

  it('ignores other kinds and expands lists', () => {
    const { resources, ignored } = select(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: v1
kind: List
items:
  - apiVersion: telephony.vobiz-operator.dev/v1alpha1
    kind: PhoneNumber
    metadata: {name: one, namespace: team-b}
    spec: {e164: "+14155550101"}
  - apiVersion: telephony.vobiz-operator.dev/v1alpha1
    kind: PhoneNumber
    metadata: {name: two}
    spec: {e164: "+14155550102"}
`);

    expect(ignored).toEqual([{ source: 'f.yaml:1', kind: 'ConfigMap' }]);
    expect(resources.map(({ resource, source }) => [resource.metadata.namespace, resource.metadata.name, source])).toEqual([
      ['team-b', 'one', 'f.yaml:5 (items[0])'],
      ['team-a', 'two', 'f.yaml:5 (items[1])'],
    ]);
  });

  it('reports a second manifest for the same name', () => {
    const { resources, invalid } = select(`${PHONE_NUMBER}---\n${PHONE_NUMBER}`);

    expect(resources).toHaveLength(1);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.issues[0]).toMatch(/PhoneNumber team-a\/support-line is already defined at f\.yaml:1/);
  });
});

describe('readManifestFiles', () => {
  it('reads a folder in name order and skips other files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-manifests-'));
    writeFileSync(path.join(dir, 'b.yaml'), PHONE_NUMBER);
    writeFileSync(path.join(dir, 'a.yml'), PHONE_NUMBER.replace('support-line', 'a-line'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not a manifest');

    const documents = readManifestFiles([dir]);
    rmSync(dir, { recursive: true, force: true });

    expect(documents.map((document) => document.source)).toEqual([`${path.join(dir, 'a.yml')}:1`, `${path.join(dir, 'b.yaml')}:1`]);
  });

  it('reads standard input for -', () => {
    const documents = readManifestFiles(['-'], () => PHONE_NUMBER);

    expect(documents).toHaveLength(1);
    expect(documents[0]?.source).toBe('<stdin>:1');
  });

  it('names a missing path and the fix', () => {
    expect(() => readManifestFiles(['/nonexistent/manifests'])).toThrow(ManifestPathError);
    expect(() => readManifestFiles(['/nonexistent/manifests'])).toThrow(/-f \/nonexistent\/manifests: no such file or folder; give a manifest file/);
  });
});
