/**
 * Reads the chart's alert rules and Grafana dashboard and lists the operator metrics their
 * queries use, so tests can compare them with the metrics the operator exports.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { load as loadYaml } from 'js-yaml';

import { CHART_DIR } from './helm.ts';

export const ALERTS_FILE = path.join(CHART_DIR, 'files', 'alerts.yaml');
export const ALERT_TESTS_FILE = path.join(CHART_DIR, 'tests', 'alerts.test.yaml');
export const DASHBOARD_FILE = path.join(CHART_DIR, 'files', 'dashboard.json');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}

export interface DashboardTarget {
  expr: string;
  refId: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: { type: string; uid: string } }[] };
}

export function readAlertRules(): RuleFile {
  return loadYaml(readFileSync(ALERTS_FILE, 'utf8')) as RuleFile;
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Returns every PromQL expression of the dashboard: panel queries and variable queries. */
export function dashboardQueries(dashboard: Dashboard = readDashboard()): string[] {
  const panelQueries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  const variableQueries = dashboard.templating.list
    .map((variable) => (typeof variable.query === 'object' && variable.query !== null ? (variable.query as { query?: string }).query : variable.query))
    .filter((query): query is string => typeof query === 'string' && query.includes('vobiz_operator_'));
  return [...panelQueries, ...variableQueries];
}

/** Returns the operator series names (such as `vobiz_operator_sweep_duration_seconds_bucket`) in queries. */
export function metricNamesIn(queries: readonly string[]): string[] {
  const names = new Set<string>();
  for (const query of queries) {
    for (const match of query.matchAll(/\bvobiz_operator_[a-z0-9_]+/g)) {
      names.add(match[0]);
    }
  }
  return [...names].sort();
}

/** Returns the operator series names that the alert rules and the dashboard use. */
export function monitoredMetricNames(): string[] {
  const alertQueries = readAlertRules().groups.flatMap((group) => group.rules.map((rule) => rule.expr));
  return metricNamesIn([...alertQueries, ...dashboardQueries()]);
}
