/**
 * Runs the real helm binary on the chart in `charts/vobiz-operator`, with its cache, config and
 * data folders in a temporary folder so tests never read or change the user's Helm setup.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { KubernetesObject } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';

import { runCommand, type CommandResult } from './command.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'vobiz-operator');

export interface RenderOptions {
  release?: string;
  namespace?: string;
}

/** A helm binary bound to a private HELM_* home; `dispose()` removes that home. */
export class Helm {
  readonly binary: string;
  private readonly home: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(binary: string) {
    this.binary = binary;
    this.home = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-helm-'));
    this.env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(this.home, 'cache'),
      HELM_CONFIG_HOME: path.join(this.home, 'config'),
      HELM_DATA_HOME: path.join(this.home, 'data'),
    };
  }

  run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    return runCommand(this.binary, args, { env: { ...this.env, ...extraEnv } });
  }

  /** Writes `values` to a file in the private home; JSON is valid YAML, so helm reads it with -f. */
  valuesFile(values: unknown): string {
    const file = path.join(this.home, `values-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(values));
    return file;
  }

  /** `-f FILE` for `values`; no flag for undefined, which leaves the chart's own defaults. */
  private valuesArgs(values: unknown): string[] {
    return values === undefined ? [] : ['-f', this.valuesFile(values)];
  }

  /** `helm lint --strict` with these values, or with the chart's defaults when `values` is undefined. */
  lint(values: unknown, chartDir = CHART_DIR): Promise<CommandResult> {
    return this.run(['lint', '--strict', chartDir, ...this.valuesArgs(values)]);
  }

  /**
   * `helm template` with these values, or with the chart's defaults when `values` is undefined;
   * resolves with the exit code and output, even on failure.
   */
  template(values: unknown, options: RenderOptions = {}, chartDir = CHART_DIR): Promise<CommandResult> {
    const { release = 'vobiz', namespace = 'vobiz-system' } = options;
    return this.run(['template', release, chartDir, '--namespace', namespace, ...this.valuesArgs(values)]);
  }

  /** Renders the chart and parses every object; throws with helm's message when rendering fails. */
  async render(values: unknown, options: RenderOptions = {}, chartDir = CHART_DIR): Promise<RenderedChart> {
    const result = await this.template(values, options, chartDir);
    if (result.code !== 0) {
      throw new Error(`helm template failed (exit code ${result.code}):\n${result.stderr}`);
    }
    return new RenderedChart(result.stdout);
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** The objects of one `helm template` run. */
export class RenderedChart {
  readonly manifest: string;
  readonly objects: KubernetesObject[];

  constructor(manifest: string) {
    this.manifest = manifest;
    // Plain objects, not the client's typed models, so fields keep their names on the wire.
    this.objects = loadAll(manifest).filter((object): object is KubernetesObject => typeof object === 'object' && object !== null);
  }

  /** The objects of one kind, in rendering order. */
  ofKind<T extends KubernetesObject = KubernetesObject>(kind: string): T[] {
    return this.objects.filter((object) => object.kind === kind) as T[];
  }

  /** The one object of this kind (and name, when given); throws when there is not exactly one. */
  one<T extends KubernetesObject = KubernetesObject>(kind: string, name?: string): T {
    const found = this.ofKind<T>(kind).filter((object) => name === undefined || object.metadata?.name === name);
    if (found.length !== 1) {
      const names = this.ofKind(kind).map((object) => object.metadata?.name).join(', ');
      throw new Error(`expected one ${kind}${name === undefined ? '' : ` named ${name}`} in the rendered chart, found ${found.length} (${kind} objects: ${names || 'none'})`);
    }
    return found[0] as T;
  }

  /** `kind/namespace/name` of every object, sorted, for comparing object sets. */
  identities(): string[] {
    return this.objects.map((object) => `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`).sort();
  }
}

/**
 * Values every install needs: none, because vobiz.existingSecret defaults to the Secret
 * vobiz-credentials, which the user creates.
 */
export const MINIMAL_VALUES = {};

/** Values that turn on every optional object and change most defaults. */
export function nonDefaultValues(watchNamespaces: string[]): Record<string, unknown> {
  return {
    fullnameOverride: 'telephony-operator',
    replicaCount: 3,
    image: { repository: 'registry.example.com/vobiz-operator', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
    imagePullSecrets: [{ name: 'registry-credentials' }],
    vobiz: { baseUrl: 'https://vobiz.example.com', existingSecret: '', authId: 'MA_EXAMPLE1', authToken: 'example-token-not-a-secret', rateLimit: 2.5, burst: 5 },
    watchNamespaces,
    rbac: { scope: 'namespaces' },
    serviceAccount: { name: 'telephony', annotations: { 'example.com/owner': 'telephony' } },
    operator: { sweepInterval: '2m', maxConcurrency: 8, logLevel: 'debug', extraArgs: ['--http-host=0.0.0.0'], extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }] },
    leaderElection: { id: 'telephony-leader', leaseDuration: '30s', renewDeadline: '20s', retryPeriod: '4s' },
    budget: { maxPurchasesPerHour: 5, maxMonthlyFee: { USD: 1_500_000, GBP: 200.5 } },
    http: { port: 9090 },
    service: { port: 9091, annotations: { 'example.com/scrape': 'true' } },
    metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' }, interval: '15s', scrapeTimeout: '5s' } },
    prometheusRule: { enabled: true, labels: { release: 'prometheus' }, additionalRuleLabels: { team: 'telephony' } },
    grafanaDashboard: { enabled: true, labels: { grafana_dashboard: '1', team: 'telephony' }, annotations: { grafana_folder: 'Telephony' } },
    podDisruptionBudget: { enabled: true },
    podAnnotations: { 'example.com/team': 'telephony' },
    podLabels: { team: 'telephony' },
    resources: { requests: { cpu: '100m', memory: '160Mi' }, limits: { cpu: 1, memory: '320Mi' } },
    priorityClassName: 'system-cluster-critical',
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'telephony', effect: 'NoSchedule' }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'vobiz-operator' } } }],
    terminationGracePeriodSeconds: 45,
  };
}
