/**
 * The chart renders the PhoneNumber CRD from its own copy in files/crds/, because Helm can only
 * read files inside the chart. The copy must stay byte-identical to crds/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE_DIR = path.join(REPO_ROOT, 'crds');
const CHART_COPY_DIR = path.join(REPO_ROOT, 'charts', 'vobiz-operator', 'files', 'crds');

const yamlFiles = (folder: string): string[] => readdirSync(folder).filter((file) => file.endsWith('.yaml')).sort();

describe('chart CRD copy', () => {
  it('has the same files as crds/', () => {
    expect(yamlFiles(CHART_COPY_DIR), `copy crds/*.yaml to ${path.relative(REPO_ROOT, CHART_COPY_DIR)}/`).toEqual(yamlFiles(SOURCE_DIR));
  });

  for (const file of yamlFiles(SOURCE_DIR)) {
    it(`matches crds/${file} byte for byte`, () => {
      const source = readFileSync(path.join(SOURCE_DIR, file), 'utf8');
      const copy = readFileSync(path.join(CHART_COPY_DIR, file), 'utf8');
      expect(copy === source, `charts/vobiz-operator/files/crds/${file} differs from crds/${file}; run: cp crds/*.yaml charts/vobiz-operator/files/crds/`).toBe(true);
    });
  }
});
