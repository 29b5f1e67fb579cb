import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { packageRoot, prometheusReleaseVersion, readPinnedVersions } from '../../../src/controlplane/tools.ts';

function requiredVersion(moduleDir: string, modulePath: string): string | undefined {
  const goMod = readFileSync(path.join(packageRoot, 'tools', 'go', moduleDir, 'go.mod'), 'utf8');
  const escaped = modulePath.replaceAll('.', '\\.').replaceAll('/', '\\/');
  return new RegExp(`^\\s*(?:require\\s+)?${escaped} (v\\S+)`, 'm').exec(goMod)?.[1];
}

describe('pinned tool versions', () => {
  const versions = readPinnedVersions();

  it('match the kube go.mod', () => {
    expect(requiredVersion('kube', 'k8s.io/kubernetes')).toBe(versions.kubernetes);
  });

  it('map every kube staging module to the matching release', () => {
    const goMod = readFileSync(path.join(packageRoot, 'tools', 'go', 'kube', 'go.mod'), 'utf8');
    const staging = versions.kubernetes.replace(/^v1\./, 'v0.');
    const replacements = [...goMod.matchAll(/^\s*(k8s\.io\/\S+) => \1 (v\S+)$/gm)];
    expect(replacements.length).toBeGreaterThan(20);
    for (const [, module, version] of replacements) {
      expect(version, module).toBe(staging);
    }
  });

  it('match the etcd, helm and promtool go.mod files', () => {
    expect(requiredVersion('etcd', 'go.etcd.io/etcd/server/v3')).toBe(versions.etcd);
    expect(requiredVersion('helm', 'helm.sh/helm/v4')).toBe(versions.helm);
    expect(requiredVersion('promtool', 'github.com/prometheus/prometheus')).toBe(versions.prometheus);
  });
});

describe('prometheusReleaseVersion', () => {
  it('converts module versions to releases', () => {
    expect(prometheusReleaseVersion('v0.316.0')).toBe('3.16.0');
    expect(prometheusReleaseVersion('v0.305.2')).toBe('3.5.2');
  });
});
