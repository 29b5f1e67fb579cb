/**
 * Chart.yaml and values.yaml against the rest of the repository: the image tag the chart
 * installs by default is the package version, and the defaults the operator relies on hold.
 */
import { readFileSync } from 'node:fs';

import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = new URL('../../../', import.meta.url);
const chart = loadYaml(readFileSync(new URL('charts/vobiz-operator/Chart.yaml', REPO_ROOT), 'utf8')) as { apiVersion: string; name: string; appVersion: string };
const values = loadYaml(readFileSync(new URL('charts/vobiz-operator/values.yaml', REPO_ROOT), 'utf8')) as Record<string, Record<string, unknown>>;
const packageJson = JSON.parse(readFileSync(new URL('package.json', REPO_ROOT), 'utf8')) as { name: string; version: string };

describe('chart metadata', () => {
  it('is a Helm 3 or later chart of the package', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe(packageJson.name);
  });

  it('installs the package version by default', () => {
    expect(chart.appVersion).toBe(packageJson.version);
    expect(values.image).toMatchObject({ repository: 'ghcr.io/vobiz-operator/vobiz-operator', tag: '' });
  });

  it('defaults to two replicas with leader election', () => {
    expect(values.replicaCount).toBe(2);
    expect(values.leaderElection?.enabled).toBe(true);
  });

  it('leaves the opt-in objects off', () => {
    expect((values.metrics?.serviceMonitor as { enabled: boolean }).enabled).toBe(false);
    expect(values.prometheusRule?.enabled).toBe(false);
    expect(values.grafanaDashboard?.enabled).toBe(false);
    expect(values.grafanaDashboard?.labels).toEqual({ grafana_dashboard: '1' });
  });

  it('reads credentials from vobiz-credentials by default', () => {
    expect(values.vobiz).toMatchObject({ existingSecret: 'vobiz-credentials', authId: '', authToken: '' });
  });

  it('documents how to create the credentials Secret', () => {
    const command = /kubectl -n \S+ create secret generic vobiz-credentials \\\n\s+--from-literal=auth-id=MA_XXXXXXXX --from-file=auth-token=\.\/vobiz-auth-token/;
    for (const file of ['charts/vobiz-operator/values.yaml', 'charts/vobiz-operator/templates/NOTES.txt', 'docs/operations.md']) {
      const text = readFileSync(new URL(file, REPO_ROOT), 'utf8').replaceAll(/^\s*# ?/gm, '').replaceAll('{{ $keys.authId }}', 'auth-id').replaceAll('{{ $keys.authToken }}', 'auth-token').replaceAll('{{ .Values.vobiz.existingSecret }}', 'vobiz-credentials').replaceAll('{{ $ns }}', 'vobiz-system');
      expect(text, file).toMatch(command);
    }
  });

  it('declares every default in the schema', () => {
    const schema = JSON.parse(readFileSync(new URL('charts/vobiz-operator/values.schema.json', REPO_ROOT), 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(values).filter((key) => !(key in schema.properties))).toEqual([]);
  });
});
