/** Runs the real kubectl against the test run's API server with the admin kubeconfig. */
import { inject } from 'vitest';

import { runCommand, type CommandResult } from './command.ts';

export function kubectl(args: string[], input?: string): Promise<CommandResult> {
  return runCommand(inject('toolPaths').kubectl, ['--kubeconfig', inject('kubeconfigPath'), ...args], input === undefined ? {} : { input });
}

/** Like `kubectl`, but throws with kubectl's message on a non-zero exit. */
export async function kubectlOrThrow(args: string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (exit code ${result.code}):\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Minimal CRDs for the Prometheus Operator kinds the chart renders, for API servers without the
 * Prometheus Operator. They check the fields the chart sets and keep everything else.
 */
export const MONITORING_CRDS = [
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'servicemonitors.monitoring.coreos.com' },
    spec: {
      group: 'monitoring.coreos.com',
      scope: 'Namespaced',
      names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['selector', 'endpoints'],
                  'x-kubernetes-preserve-unknown-fields': true,
                  properties: {
                    jobLabel: { type: 'string' },
                    selector: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    namespaceSelector: { type: 'object', properties: { matchNames: { type: 'array', items: { type: 'string' } } } },
                    endpoints: {
                      type: 'array',
                      items: {
                        type: 'object',
                        'x-kubernetes-preserve-unknown-fields': true,
                        properties: { port: { type: 'string' }, path: { type: 'string' }, interval: { type: 'string' }, scrapeTimeout: { type: 'string' } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'prometheusrules.monitoring.coreos.com' },
    spec: {
      group: 'monitoring.coreos.com',
      scope: 'Namespaced',
      names: { kind: 'PrometheusRule', listKind: 'PrometheusRuleList', plural: 'prometheusrules', singular: 'prometheusrule' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    groups: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['name', 'rules'],
                        properties: {
                          name: { type: 'string' },
                          rules: {
                            type: 'array',
                            items: {
                              type: 'object',
                              required: ['expr'],
                              properties: {
                                alert: { type: 'string' },
                                record: { type: 'string' },
                                expr: { 'x-kubernetes-int-or-string': true },
                                for: { type: 'string' },
                                labels: { type: 'object', additionalProperties: { type: 'string' } },
                                annotations: { type: 'object', additionalProperties: { type: 'string' } },
                              },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  },
];

/**
 * Installs the monitoring CRDs that the API server lacks and returns the names of those it
 * installed, so the caller deletes only those.
 */
export async function installMissingMonitoringCrds(): Promise<string[]> {
  const installed: string[] = [];
  for (const crd of MONITORING_CRDS) {
    const existing = await kubectl(['get', 'crd', crd.metadata.name, '-o', 'name']);
    if (existing.code === 0) continue;

    await kubectlOrThrow(['apply', '--server-side', '--field-manager', 'vobiz-operator-tests', '-f', '-'], JSON.stringify(crd));
    installed.push(crd.metadata.name);
  }

  if (installed.length > 0) {
    await kubectlOrThrow(['wait', '--for=condition=Established', '--timeout=60s', ...installed.map((name) => `crd/${name}`)]);
  }
  return installed;
}
