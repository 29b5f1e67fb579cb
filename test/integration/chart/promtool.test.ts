/**
 * The alert rules and the dashboard's queries through the real promtool: `check rules` parses
 * every expression, and `test rules` runs the unit tests in the chart's tests/alerts.test.yaml.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { dump as dumpYaml, load as loadYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { runCommand } from './support/command.ts';
import { CHART_DIR } from './support/helm.ts';
import { ALERTS_FILE, ALERT_TESTS_FILE, readDashboard } from './support/monitoring.ts';

/** Replaces Grafana's variables with values Prometheus accepts, as Grafana does before a query. */
function expandGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.*').replaceAll('$job', '.*');
}

describe('promtool', () => {
  let promtool: string;
  let workDir: string;

  beforeAll(() => {
    promtool = inject('toolPaths').promtool;
    workDir = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-promtool-'));
  });

  afterAll(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('checks the alert rules', async () => {
    const result = await runCommand(promtool, ['check', 'rules', ALERTS_FILE]);

    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('SUCCESS: 8 rules found');
    expect(result.code).toBe(0);
  });

  it('passes the alert unit tests', async () => {
    const result = await runCommand(promtool, ['test', 'rules', 'tests/alerts.test.yaml'], { cwd: CHART_DIR });

    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('fails the unit tests when a threshold changes', async () => {
    // A copy of the rules with the drift alert's 15 minutes cut to 5: its quiet case must fail.
    const alerts = readFileSync(ALERTS_FILE, 'utf8');
    const changed = alerts.replace(/(alert: VobizOperatorDriftPersisting[\s\S]*?for: )15m/, '$15m');
    expect(changed).not.toBe(alerts);

    mkdirSync(path.join(workDir, 'files'));
    mkdirSync(path.join(workDir, 'tests'));
    writeFileSync(path.join(workDir, 'files', 'alerts.yaml'), changed);
    copyFileSync(ALERT_TESTS_FILE, path.join(workDir, 'tests', 'alerts.test.yaml'));

    const result = await runCommand(promtool, ['test', 'rules', 'tests/alerts.test.yaml'], { cwd: workDir });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('drift lasting 15 minutes fires');
  });

  it('parses every dashboard query', async () => {
    // Each panel query becomes a recording rule, so `promtool check rules` parses it as PromQL.
    const dashboard = readDashboard();
    const rules = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ record: `dashboard:panel_${panel.id}_${target.refId}`, expr: expandGrafanaVariables(target.expr) })),
    );
    expect(rules.length).toBeGreaterThan(20);

    const file = path.join(workDir, 'dashboard-queries.yaml');
    writeFileSync(file, dumpYaml({ groups: [{ name: 'dashboard', rules }] }));

    const result = await runCommand(promtool, ['check', 'rules', file]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);
  });

  it('rejects a broken query', async () => {
    // Guards the check above: promtool must fail on a PromQL syntax error.
    const file = path.join(workDir, 'broken-query.yaml');
    writeFileSync(file, dumpYaml({ groups: [{ name: 'broken', rules: [{ record: 'broken:query', expr: 'sum by (state (vobiz_operator_numbers)' }] }] }));

    const result = await runCommand(promtool, ['check', 'rules', file]);
    expect(result.code).not.toBe(0);
  });

  it('reads the same rules as the chart', () => {
    const tests = loadYaml(readFileSync(ALERT_TESTS_FILE, 'utf8')) as { rule_files: string[] };
    expect(tests.rule_files.map((file) => path.resolve(CHART_DIR, 'tests', file))).toEqual([ALERTS_FILE]);
  });
});
